#!/usr/bin/env node
// A solc command-line stand-in over solc-js (npm `solc`) for py-solc-x: answers `--version`
// and `--standard-json` (input on stdin), resolving imports against --base-path,
// --include-path, --allow-paths and the project's node_modules.
"use strict";
const fs = require("fs");
const path = require("path");

const projectRoot = path.resolve(__dirname, "..", "..");
const solc = require(path.join(projectRoot, "node_modules", "solc"));

const args = process.argv.slice(2);
if (args.includes("--version")) {
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`);
  process.exit(0);
}
if (!args.includes("--standard-json")) {
  process.stderr.write("only --version and --standard-json are supported\n");
  process.exit(2);
}

const roots = [projectRoot, path.join(projectRoot, "node_modules")];
for (let i = 0; i < args.length; i++) {
  if (["--base-path", "--include-path", "--allow-paths"].includes(args[i]) && args[i + 1]) {
    for (const p of args[i + 1].split(",")) roots.push(path.resolve(p));
  }
}

function findImports(importPath) {
  for (const root of roots) {
    const candidate = path.resolve(root, importPath);
    if (fs.existsSync(candidate)) return { contents: fs.readFileSync(candidate, "utf8") };
  }
  return { error: `File not found: ${importPath}` };
}

const input = fs.readFileSync(0, "utf8");
process.stdout.write(solc.compile(input, { import: findImports }));
