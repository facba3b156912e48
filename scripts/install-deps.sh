#!/usr/bin/env bash
# Installs what XmppPrivacy needs on a Debian machine, and only what is missing:
# Prosody and prosody-modules (the XMPP server the demo and the tests run), luacheck for the
# bridge, slixmpp (an independent client the tests use), sqlite3 for looking into the database. The .NET 10 SDK must already be there.
set -euo pipefail

packages=(prosody prosody-modules lua-check python3-slixmpp sqlite3 curl)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "Installing: ${missing[*]}"
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	# The Debian package may start a system-wide Prosody on 5222; the demo runs its own.
	if command -v service >/dev/null 2>&1; then $sudo service prosody stop >/dev/null 2>&1 || true; fi
fi
if ! command -v dotnet >/dev/null 2>&1; then
	echo "The .NET 10 SDK is required (https://learn.microsoft.com/dotnet/core/install/linux-debian)." >&2
	exit 1
fi
