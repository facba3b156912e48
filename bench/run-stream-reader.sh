#!/usr/bin/env bash
# `make bench`: runs the stream reader/writer benchmarks with BenchmarkDotNet's short job
# (3 warmup + 3 measured iterations, one process) and prints the summary table.
# Extra arguments go to BenchmarkDotNet, e.g. `./bench/run-stream-reader.sh --job dry` for a quick check.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v dotnet >/dev/null 2>&1; then
	echo "The .NET 10 SDK is required (https://learn.microsoft.com/dotnet/core/install/linux-debian)." >&2
	exit 1
fi

artifacts=bench/BenchmarkDotNet.Artifacts # git-ignored
report="$artifacts/results/XmppPrivacy.Benchmarks.StreamReaderBenchmark-report-github.md"
log="$artifacts/run-stream-reader.log"
mkdir -p "$artifacts"
rm -f "$report"

job=(--job short)
for arg in "$@"; do
	case "$arg" in --job | -j) job=() ;; esac
done

echo "Running StreamReaderBenchmark (full log: $log) ..."
if ! dotnet run -c Release --project bench/XmppPrivacy.Benchmarks -- \
	--filter '*StreamReader*' "${job[@]}" --artifacts "$artifacts" "$@" >"$log" 2>&1; then
	tail -n 40 "$log" >&2
	echo "The benchmark run failed; see $log" >&2
	exit 1
fi

grep -F '// Setup:' "$log" | head -n 1 || true
if grep -q 'Benchmarks with issues' "$log" || [ ! -s "$report" ]; then
	sed -n '/\/\/ \* Summary \*/,$p' "$log" >&2
	echo "Some benchmarks failed (a GlobalSetup check throws if the reader does not return every stanza); see $log" >&2
	exit 1
fi
cat "$report"
echo
echo "Mean and Allocated are per stanza (OperationsPerInvoke = 10,000); stanzas/s = 1 s / Mean."
