#!/usr/bin/env bash
# Runs the whole suite (unit, integration, e2e) with jest and ends with the plain summary line
# `N passed, M failed` that CI reads; exits non-zero on any failure.
set -u
cd "$(dirname "$0")/.."
results=$(mktemp /tmp/runts-jest-XXXXXX.json)
# runts' standbys (README "Start-up") the suite's calls left waiting end with it.
trap 'rm -f "$results"; scripts/end-standbys.sh' EXIT
npx jest --runInBand --json --outputFile="$results" "$@"
status=$?
summary=$(node -e '
  const r = require(process.argv[1]);
  const suitesBroken = r.testResults.filter(t => t.status === "failed" && t.assertionResults.length === 0).length;
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests + suitesBroken} failed` +
    (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""));
' "$results" 2>/dev/null) || summary="0 passed, 1 failed"
echo "$summary"
case "$summary" in *", 0 failed"*) [ "$status" -eq 0 ] || exit "$status" ;; *) exit 1 ;; esac
