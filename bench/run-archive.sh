#!/usr/bin/env bash
# Runs the archive benchmarks (ArchiveIngestBenchmark, ArchivePageBenchmark, ArchiveSweepBenchmark) on real
# SQLite files and prints the summary tables and the sweep's figures. Each class carries its own job:
# ingest the short job (3 warmup + 3 measured iterations), pages one query per iteration (30 warmup +
# 1000 measured, for percentiles), the sweep exactly once. The page benchmark runs at two archive sizes
# (Rows = 1,000,000 and 10,000,000; 1000 owners with 1000 or 10,000 messages each); the first run builds the
# cached archives /tmp/xmppprivacy-bench-archive-1m.db (626 MB, about 15 s) and -10m.db (6.3 GB, about
# 2 minutes; ~7 GB of free space in /tmp needed); later runs reuse them. About 7 minutes with both cached.
# Measured on 2026-11-23 (2 shared cores), one 50-message page at 1M / 10M rows: newest page p50 ≈ 235 / 440 µs,
# p95 ≈ 520 / 700 µs, p99 0.6–1.2 / 0.75–0.94 ms; the 'after' page p50 ≈ 290 / 745 µs, p99 0.63–0.75 / 1.1–1.35 ms
# (bench/README.md, "Archive results").
# CPU time per ingested message (wall time on a shared machine mostly measures the load): `dotnet run -c Release
# --project bench/XmppPrivacy.Benchmarks -- --ingest-cpu 500 3 [PART]` (bench/README.md, "Ingest and expiry, 2026-12-03").
# Extra arguments go to BenchmarkDotNet, e.g. `./bench/run-archive.sh --filter '*ArchivePage*'` to run one class.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v dotnet >/dev/null 2>&1; then
	echo "The .NET 10 SDK is required (https://learn.microsoft.com/dotnet/core/install/linux-debian)." >&2
	exit 1
fi

artifacts=bench/BenchmarkDotNet.Artifacts # git-ignored
log="$artifacts/run-archive.log"
classes=(ArchiveIngestBenchmark ArchivePageBenchmark ArchiveSweepBenchmark)
mkdir -p "$artifacts/results"
for class in "${classes[@]}"; do
	rm -f "$artifacts/results/XmppPrivacy.Benchmarks.$class-report-github.md"
done

filter=(--filter '*Archive*')
for arg in "$@"; do
	case "$arg" in --filter | -f) filter=() ;; esac
done

echo "Running the archive benchmarks (full log: $log) ..."
if ! dotnet run -c Release --project bench/XmppPrivacy.Benchmarks -- \
	"${filter[@]}" --artifacts "$artifacts" "$@" >"$log" 2>&1; then
	tail -n 40 "$log" >&2
	echo "The benchmark run failed; see $log" >&2
	exit 1
fi

grep -E '^// (Setup|Built|Building|Sweep):' "$log" | sort -u || true
if grep -q 'Benchmarks with issues' "$log"; then
	sed -n '/\/\/ \* Summary \*/,$p' "$log" >&2
	echo "Some benchmarks failed (a GlobalSetup or sweep check throws when the archive does not hold what it should); see $log" >&2
	exit 1
fi
reports=0
for class in "${classes[@]}"; do
	report="$artifacts/results/XmppPrivacy.Benchmarks.$class-report-github.md"
	if [ -s "$report" ]; then
		echo
		cat "$report"
		reports=$((reports + 1))
	fi
done
if [ "$reports" -eq 0 ]; then
	echo "No report was written; see $log" >&2
	exit 1
fi
echo
echo "Ingest: Mean and Allocated are per message (OperationsPerInvoke); messages/s = 1 s / Mean."
echo "Pages: one query per iteration, so Median/P95/P99/Max are those of single 50-message page queries."
echo "Sweep: rows/s and the page latencies during the sweep are the '// Sweep:' lines above."
