// Loaded into the jsii runtime with `node --require` (see provider_bindings.py).
//
// A prebuilt provider package's lib/index.js is generated as `exports.x = require("./x");` for each of
// its ~1,500-2,200 resource modules, so loading the assembly compiles hundreds of megabytes of
// JavaScript although a program uses a few dozen resources. For exactly that generated shape, this
// hook defines each export as a getter that requires the module on first access; the jsii kernel
// resolves types by walking those exports, so behaviour and output are unchanged. Any other shape is
// loaded the ordinary way, with a warning.
'use strict';

const fs = require('fs');
const Module = require('module');

const PROVIDER_INDEX = /[\\/]@cdktf[\\/]provider-[a-z0-9-]+[\\/](?:[^\\/]+[\\/]){0,2}lib[\\/]index\.js$/;
const REQUIRE_LINE = /^exports\.([A-Za-z_$][\w$]*) = require\("(\.\/[\w.-]+)"\);$/;
const GENERATED_LINE = new RegExp(
  '^(?:"use strict";' +
    '|/\\*\\*|\\s*\\*.*|' + // license header comment
    '//.*' +
    '|Object\\.defineProperty\\(exports, "__esModule", \\{ value: true \\}\\);' +
    '|exports\\.[\\w$]+ = (?:exports\\.[\\w$]+ = )*void 0;' +
    '|)$',
);

/** The [exportName, request] pairs of a generated index, or null when a line is not of that shape. */
function lazyEntries(source) {
  const entries = [];
  const lines = source.split(/\r?\n/);
  for (let index = 0; index < lines.length; index += 1) {
    const match = REQUIRE_LINE.exec(lines[index]);
    if (match) {
      entries.push([match[1], match[2]]);
    } else if (!GENERATED_LINE.test(lines[index])) {
      return { problem: `line ${index + 1} is not of the generated shape` };
    }
  }
  return entries.length > 0 ? { entries } : { problem: 'it requires no modules' };
}

function defineLazyExports(module, entries) {
  Object.defineProperty(module.exports, '__esModule', { value: true });
  for (const [name, request] of entries) {
    Object.defineProperty(module.exports, name, {
      enumerable: true,
      configurable: true,
      get() {
        const value = module.require(request);
        Object.defineProperty(module.exports, name, { value, enumerable: true, configurable: true, writable: true });
        return value;
      },
    });
  }
}

const loadJavaScript = Module._extensions['.js'];
Module._extensions['.js'] = function loadProviderIndexLazily(module, filename) {
  if (PROVIDER_INDEX.test(filename)) {
    const result = lazyEntries(fs.readFileSync(filename, 'utf8'));
    if (result.entries) {
      defineLazyExports(module, result.entries);
      return undefined;
    }
    process.emitWarning(`${filename} is loaded eagerly because ${result.problem}`, 'LazyProviderExportsWarning');
  }
  return loadJavaScript(module, filename);
};

module.exports = { lazyEntries, PROVIDER_INDEX };
