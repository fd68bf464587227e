// Test-only, for the ordinary-import proof (tests/test_provider_bindings.py): loaded with `node --require`
// into the jsii runtime of a synthesis that runs WITHOUT constructs_lib's lazy exports hook.
//
// A provider package's lib/index.js requires each of its ~1,500-2,400 resource modules in turn. This hook
// compiles that index as written, its own lines in its own order, less the require lines of the modules
// the program does not import: each module our code uses is required eagerly, the ordinary way, when the
// index loads. It is the Node half of what the proof does in Python (the package roots run their generated
// code, their submodule imports restricted to the ones our code imports).
//
// ORDINARY_INDEX_SUBSET: JSON {"<provider>": ["<module directory>", ...]}, e.g. {"aws": ["vpc"]} for
// @cdktf/provider-aws (or @cdktn/provider-aws). A listed module the index does not require is an error.
'use strict';

const fs = require('fs');
const Module = require('module');

const PROVIDER_INDEX = /[\\/]@cdkt[fn][\\/]provider-([a-z0-9-]+)[\\/](?:[^\\/]+[\\/]){0,2}lib[\\/]index\.js$/;
// `exports.x = require("./x");` (cdktf) and `exports.x = __importStar(require("./x/index"));` (cdktn).
const REQUIRE_LINE = /^exports\.[A-Za-z_$][\w$]* = (?:__importStar\()?require\("\.\/([\w.-]+?)(?:\/index)?"\)\)?;$/;

const subset = JSON.parse(process.env.ORDINARY_INDEX_SUBSET || '{}');

const loadJavaScript = Module._extensions['.js'];
Module._extensions['.js'] = function loadProviderIndexSubset(module, filename) {
  const match = PROVIDER_INDEX.exec(filename);
  if (!match || !(match[1] in subset)) {
    return loadJavaScript(module, filename);
  }
  const wanted = new Set(subset[match[1]]);
  const required = new Set();
  const kept = fs.readFileSync(filename, 'utf8').replace(/\r\n/g, '\n').split('\n').filter((line) => {
    const request = REQUIRE_LINE.exec(line);
    if (!request) {
      return true;
    }
    required.add(request[1]);
    return wanted.has(request[1]);
  });
  const unknown = [...wanted].filter((name) => !required.has(name));
  if (unknown.length > 0) {
    throw new Error(`${filename} requires no module named ${unknown.join(', ')}`);
  }
  return module._compile(kept.join('\n'), filename);
};
