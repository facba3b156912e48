#!/usr/bin/env bash
# Installs what XmppPrivacy needs on a Debian machine, and only what is missing:
# Prosody and prosody-modules (the XMPP server the demo and the tests run), ejabberd (a second
# server the integration tests run as private instances), luacheck for the bridge, slixmpp (an
# independent client the tests use; python3-aiohttp lets its HTTP File Upload plugin load), sqlite3 for looking into the database, and lua-dbi-sqlite3
# (Prosody's SQL storage, for the benchmark that runs Prosody's own mod_mam side by side). The .NET 10
# SDK must already be there. python3-prometheus-client is the Prometheus project's own text-format parser,
# which a test reads /metrics with. profanity, poezio and tmux: the real clients the client tests drive.
# chromium: the browser a test renders the /privacy page in (headless).
set -euo pipefail

packages=(prosody prosody-modules ejabberd lua-check lua-dbi-sqlite3 python3-slixmpp python3-aiohttp python3-prometheus-client sqlite3 curl openssl profanity poezio tmux chromium)
missing=()
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

# The Debian ejabberd package starts a system-wide ejabberd (5222, 5223, 5269, 5280, 5443, 1883, 3478/udp)
# and the Erlang port mapper (4369) on every interface. The tests run private instances on free loopback
# ports without epmd, and `make run` needs 5222 and 5443 for its own Prosody: stop and disable it.
stop_system_ejabberd() {
	if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
		$sudo systemctl disable --now ejabberd.service >/dev/null 2>&1 || true
	elif command -v service >/dev/null 2>&1; then
		$sudo service ejabberd stop >/dev/null 2>&1 || true
	fi
	# Whatever survived (no init system, a failed stop): the package's node runs as the user ejabberd.
	local pids
	pids=$(pgrep -u ejabberd -x beam.smp 2>/dev/null || true)
	if [ -n "$pids" ]; then
		$sudo ejabberdctl stop >/dev/null 2>&1 || true
		for _ in $(seq 1 50); do
			pids=$(pgrep -u ejabberd -x beam.smp 2>/dev/null || true)
			[ -z "$pids" ] && break
			sleep 0.2
		done
		# shellcheck disable=SC2086
		[ -z "$pids" ] || $sudo kill -KILL $pids 2>/dev/null || true
	fi
	# epmd outlives the node; leave it only if another Erlang node still uses it.
	if command -v epmd >/dev/null 2>&1 && ! epmd -names 2>/dev/null | grep -q '^name '; then
		if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
			$sudo systemctl stop epmd.socket epmd.service >/dev/null 2>&1 || true
		fi
		$sudo epmd -kill >/dev/null 2>&1 || true
	fi
}

for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "Installing: ${missing[*]}"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	# The Debian package may start a system-wide Prosody on 5222; the demo runs its own.
	if command -v service >/dev/null 2>&1; then $sudo service prosody stop >/dev/null 2>&1 || true; fi
	if [[ " ${missing[*]} " == *" ejabberd "* ]]; then stop_system_ejabberd; fi
fi
if ! command -v dotnet >/dev/null 2>&1; then
	echo "The .NET 10 SDK is required (https://learn.microsoft.com/dotnet/core/install/linux-debian)." >&2
	exit 1
fi
