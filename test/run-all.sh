#!/usr/bin/env bash
# Runs the whole suite and ends with the line CI reads: "N passed, N failed".
# Unit tests always run; fleet tests (real systemd-nspawn nodes, sshd, sudo) need root.
set -uo pipefail
cd "$(dirname "$0")/.."
results=.vitest-results.json
rm -f "$results"
projects=(--project unit)
if [ "$(id -u)" -eq 0 ]; then
  projects+=(--project fleet)
else
  echo "run-all: not root, so the fleet tests (systemd-nspawn nodes) are not run" >&2
fi
npx vitest run "${projects[@]}" --reporter=default --reporter=json --outputFile.json="$results" "$@"
rc=$?
if [ ! -s "$results" ]; then
  echo "run-all: vitest wrote no results (exit $rc)" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  // A file that fails to load counts as a failure even though it ran no test.
  const brokenFiles = r.testResults.filter((f) => f.status === "failed" && f.assertionResults.length === 0).length;
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests + brokenFiles} failed` + (skipped ? `, ${skipped} skipped` : ""));
' "$results"
exit $rc
