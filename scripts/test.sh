#!/usr/bin/env bash
# `make test`: installs what is missing, then runs every test: luacheck on the bridge, the unit and
# transcript tests, and the integration tests against a real Prosody on loopback.
set -uo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh || exit 1

status=0
echo "== luacheck (prosody-bridge)"
(cd prosody-bridge && luacheck --no-color .) || status=1

echo "== dotnet test"
log=$(mktemp)
dotnet test XmppPrivacy.sln -c Release --nologo 2>&1 | tee "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

# One closing line for the whole run, summed over the test projects.
passed=$(grep -Eo 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -Eo 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
rm -f "$log"
[ "$passed" -gt 0 ] || status=1
[ "$failed" -eq 0 ] || status=1
echo "tests: $passed passed, $failed failed"
exit $status
