#!/usr/bin/env bash
# Runs the archive benchmarks on real SQLite files, one after the other, and prints their figures:
#   1. ArchiveIngestBenchmark (BenchmarkDotNet, short job): AppendManyAsync one message at a time and in batches,
#      time and allocations per message;
#   2. `--ingest-cpu 500 3`: CPU and wall time per message of the store's batched ingest (100 per batch), the
#      figure to read on a busy machine;
#   3. `--pages-groups`: the newest 50-message page with its count over a week of hourly files (1,000,000 live
#      messages, ADR 10), p50/p95/p99/max;
#   4. `--sweep-groups`: 1,000,000 expired messages over 24 hourly files deleted by the real sweep while ingest
#      goes on, with the ingest p99 before and during.
# Each part can be run alone: `dotnet run -c Release --project bench/XmppPrivacy.Benchmarks -- <mode>` (modes 2-4)
# or with a BenchmarkDotNet filter (1). Figures and how they were measured: bench/README.md, "Sweep on hourly files".
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v dotnet >/dev/null 2>&1; then
	echo "The .NET 10 SDK is required (https://learn.microsoft.com/dotnet/core/install/linux-debian)." >&2
	exit 1
fi

artifacts=bench/BenchmarkDotNet.Artifacts # git-ignored
mkdir -p "$artifacts"
log="$artifacts/run-archive.log"
run() {
	echo "== $*" | tee -a "$log"
	if ! dotnet run -c Release --project bench/XmppPrivacy.Benchmarks -- "$@" 2>&1 | tee -a "$log"; then
		echo "The benchmark run failed; see $log" >&2
		exit 1
	fi
}
: >"$log"
run --filter '*ArchiveIngestBenchmark*' --artifacts "$artifacts"
run --ingest-cpu 500 3
run --pages-groups
run --sweep-groups
