#!/usr/bin/env bash
# The whole suite three times in a row with two CPU-burning processes beside it: a test that only
# passes on an idle machine fails here. Usage: test/loaded.sh [runs] (default 3); `npm run test:loaded`.
# Prints one line per run and exits non-zero if any run failed. Logs: .tmp/loaded-run-N.log.
set -uo pipefail
cd "$(dirname "$0")/.."
runs="${1:-3}"
mkdir -p .tmp

burners=()
stop_burners() {
  for pid in "${burners[@]}"; do kill "$pid" 2>/dev/null; done
  wait "${burners[@]}" 2>/dev/null
}
trap stop_burners EXIT
for _ in 1 2; do
  node -e 'for (;;) Math.sqrt(Math.random());' &
  burners+=("$!")
done

failed=0
for run in $(seq 1 "$runs"); do
  log=".tmp/loaded-run-$run.log"
  start=$(date +%s)
  npx vitest run --reporter=default --reporter=json --outputFile=".tmp/loaded-run-$run.json" >"$log" 2>&1
  status=$?
  summary=$(node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const failed = r.testResults.flatMap((f) => f.assertionResults.filter((a) => a.status === "failed").map((a) => `${f.name.replace(process.cwd() + "/", "")} > ${a.fullName}`));
    console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed${failed.length ? ": " + failed.join("; ") : ""}`);
  ' ".tmp/loaded-run-$run.json" 2>/dev/null || echo "no report (see $log)")
  echo "loaded run $run/$runs: exit $status, $summary, $(( $(date +%s) - start )) s"
  [ "$status" -eq 0 ] || failed=1
done
exit "$failed"
