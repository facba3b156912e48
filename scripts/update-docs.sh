#!/usr/bin/env bash
# Regenerates the tables in docs/ that come from the code (options, XEPs); DocsTests fail until this ran.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build src/XmppPrivacy -v quiet -nologo >/dev/null
bin=src/XmppPrivacy/bin/Debug/net10.0/xmpp-privacy.dll
replace_table() { # file, header-prefix, new table text
	python3 - "$1" "$2" "$3" <<'PY'
import sys
path, prefix, table = sys.argv[1], sys.argv[2], sys.argv[3]
lines = open(path, encoding="utf-8").read().split("\n")
start = next(i for i, l in enumerate(lines) if l.startswith(prefix))
end = start
while end < len(lines) and lines[end].startswith("|"):
    end += 1
lines[start:end] = table.rstrip("\n").split("\n")
open(path, "w", encoding="utf-8").write("\n".join(lines))
PY
}
replace_table docs/configuration.md "| option | environment variable" "$(dotnet "$bin" options)"
replace_table docs/xeps.md "| XEP | version" "$(dotnet "$bin" xeps)"
echo "docs/configuration.md and docs/xeps.md are up to date."
