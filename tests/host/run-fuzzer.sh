#!/usr/bin/env bash
# Runs one libFuzzer harness for a bounded time over a scratch copy of its corpus and
# reports one test line. New inputs it finds stay in the scratch copy; merge them into
# the committed corpus by hand (`FUZZER -merge=1 CORPUS SCRATCH`) when they are worth it.
set -u
fuzzer=$1 corpus=$2 seconds=$3 name=$4
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
[ -d "$corpus" ] && cp -r "$corpus"/. "$scratch"/
log=$scratch.log
if "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
     -print_final_stats=1 "$scratch" >"$log" 2>&1; then
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  echo "# $name: ${execs:-?} inputs in ${seconds}s, no crash"
  echo "ok - $name"
  rm -f "$log"
  exit 0
fi
tail -n 40 "$log"
echo "not ok - $name: crash or leak (artifact above; rerun: $fuzzer <artifact>)"
rm -f "$log"
exit 1
