// Loaded into the jsii runtime with `node --require` (see provider_bindings.py).
//
// A prebuilt provider package's lib/index.js requires every one of its ~1,500-2,400 resource modules,
// so loading the assembly compiles hundreds of megabytes of JavaScript although a program uses a few
// dozen resources. Two generations of that index exist:
//
// - cdktf (`@cdktf/provider-*`):  exports.x = require("./x");
// - cdktn (`@cdktn/provider-*`):  exports.x = __importStar(require("./x/index"));
//   after the `__createBinding` / `__setModuleDefault` / `__importStar` helpers TypeScript emits.
//
// For exactly those generated shapes (every other line a header comment, `"use strict"`, the
// `__esModule` marker or the `exports.a = exports.b = void 0` line), this hook defines each export as
// a getter that requires the module on first access, through the same `__importStar` the index would
// have applied; the jsii kernel resolves types by walking those exports, so behaviour and output are
// unchanged. Any other shape is loaded the ordinary way, with a LazyProviderExportsWarning.
'use strict';

const fs = require('fs');
const Module = require('module');

const PROVIDER_INDEX = /[\\/]@cdkt[fn][\\/]provider-[a-z0-9-]+[\\/](?:[^\\/]+[\\/]){0,2}lib[\\/]index\.js$/;
const EXPORT_NAME = '([A-Za-z_$][\\w$]*)';
const REQUIRE_LINES = {
  cdktf: new RegExp(`^exports\\.${EXPORT_NAME} = require\\("(\\./[\\w.-]+)"\\);$`),
  cdktn: new RegExp(`^exports\\.${EXPORT_NAME} = __importStar\\(require\\("(\\./[\\w.-]+/index)"\\)\\);$`),
};
const GENERATED_LINE = new RegExp(
  '^(?:"use strict";' +
    '|/\\*\\*|\\s*\\*.*|' + // license header comment
    '//.*' +
    '|Object\\.defineProperty\\(exports, "__esModule", \\{ value: true \\}\\);' +
    '|exports\\.[\\w$]+ = (?:exports\\.[\\w$]+ = )*void 0;' +
    '|)$',
);
// What TypeScript (5.x, esModuleInterop) emits ahead of `export * as x from "./x/index"`, verbatim.
const TS_IMPORT_STAR_HELPERS = `\
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
`;

// The helpers above, as functions of this file (Object.create and getOwnPropertyNames always exist in Node).
function importStar(mod) {
  if (mod && mod.__esModule) return mod;
  const result = {};
  if (mod != null) {
    for (const key of Object.getOwnPropertyNames(mod)) {
      if (key === 'default') continue;
      let desc = Object.getOwnPropertyDescriptor(mod, key);
      if (!desc || ('get' in desc ? !mod.__esModule : desc.writable || desc.configurable)) {
        desc = { enumerable: true, get: () => mod[key] };
      }
      Object.defineProperty(result, key, desc);
    }
  }
  Object.defineProperty(result, 'default', { enumerable: true, value: mod });
  return result;
}

const IMPORT = { cdktf: (value) => value, cdktn: importStar };

/**
 * The generation and [exportName, request] pairs of a generated index, or the problem that makes it
 * something else: `__importStar` requires only after the helpers, plain requires only without them.
 */
function lazyEntries(source) {
  const lines = source.replace(/\r\n/g, '\n').split('\n');
  const helperLines = TS_IMPORT_STAR_HELPERS.split('\n').length - 1;
  const helpersAt = lines.findIndex(
    (line, index) => line.startsWith('var __createBinding') &&
      `${lines.slice(index, index + helperLines).join('\n')}\n` === TS_IMPORT_STAR_HELPERS,
  );
  const generation = helpersAt >= 0 ? 'cdktn' : 'cdktf';
  const requireLine = REQUIRE_LINES[generation];
  const entries = [];
  for (let index = 0; index < lines.length; index += 1) {
    if (index === helpersAt) {
      index += helperLines - 1;
      continue;
    }
    const match = requireLine.exec(lines[index]);
    if (match) {
      entries.push([match[1], match[2]]);
    } else if (!GENERATED_LINE.test(lines[index])) {
      return { problem: `line ${index + 1} is not of the generated ${generation} shape` };
    }
  }
  return entries.length > 0 ? { generation, entries } : { problem: 'it requires no modules' };
}

function defineLazyExports(module, { generation, entries }) {
  const load = IMPORT[generation];
  Object.defineProperty(module.exports, '__esModule', { value: true });
  for (const [name, request] of entries) {
    Object.defineProperty(module.exports, name, {
      enumerable: true,
      configurable: true,
      get() {
        const value = load(module.require(request));
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
      defineLazyExports(module, result);
      return undefined;
    }
    process.emitWarning(`${filename} is loaded eagerly because ${result.problem}`, 'LazyProviderExportsWarning');
  }
  return loadJavaScript(module, filename);
};

module.exports = { lazyEntries, importStar, PROVIDER_INDEX };
