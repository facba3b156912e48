#!/usr/bin/env bash
# Publishes xmpp-privacy as a Native AOT binary: no .NET runtime needed on the server, about a quarter of the
# JIT build's resident memory (bench/README.md, "Idle memory"). The folder then holds
#   xmpp-privacy         the program (run it as `xmpp-privacy run`, like `dotnet xmpp-privacy.dll run`)
#   libe_sqlite3.so      SQLite, loaded by Microsoft.Data.Sqlite at start; keep it beside the program
#   xmpp-privacy.dbg     debug symbols (optional; not needed to run)
# Usage: scripts/publish-aot.sh [output folder]      (default: var/aot)
# Needs the .NET 10 SDK and a C toolchain (Debian: clang or gcc, zlib1g-dev) for the native link.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-var/aot}")

case "$(uname -m)" in
	x86_64) rid=linux-x64 ;;
	aarch64) rid=linux-arm64 ;;
	*) echo "publish-aot: no Native AOT target for $(uname -m)" >&2; exit 1 ;;
esac

# As in run-demo.sh: MSBuild reads OUTDIR or OUTPUTPATH from the environment as properties.
rm -f "$out/xmpp-privacy"
env -u OUTDIR -u OutDir -u OUTPUTPATH -u OutputPath -u BASEOUTPUTPATH -u BaseOutputPath \
	dotnet publish src/XmppPrivacy -c Release -r "$rid" -p:PublishAot=true -o "$out" -nologo -v quiet
for file in xmpp-privacy libe_sqlite3.so; do
	[ -f "$out/$file" ] || { echo "publish-aot: $out/$file is missing after publishing" >&2; exit 1; }
done
echo "$out/xmpp-privacy"
