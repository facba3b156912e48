#!/usr/bin/env bash
# Writes a Prosody configuration from scripts/prosody.cfg.lua.in.
# usage: generate-prosody-config.sh STATE_DIR C2S_PORT COMPONENT_PORT SECRET [LOG_LEVEL]
# Domains come from DEMO_SERVER_DOMAIN, DEMO_PRIVACY_DOMAIN, DEMO_UPLOAD_DOMAIN, DEMO_CLIPBOARD_DOMAIN, DEMO_ROOMS_DOMAIN.
# PROSODY_MODULES (default: the bridge) and PROSODY_WATCHERS (default: none; '"privacy.localhost"' sends
# Prosody's own registration notices to the component) let the tests run variants.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
state=$1 c2s=$2 component=$3 secret=$4 level=${5:-info}
mkdir -p "$state/data" "$state/certs"
sed -e "s|@STATE@|$state|g" \
	-e "s|@C2S_PORT@|$c2s|g" \
	-e "s|@COMPONENT_PORT@|$component|g" \
	-e "s|@SECRET@|$secret|g" \
	-e "s|@LOG_LEVEL@|$level|g" \
	-e "s|@MODULES@|${PROSODY_MODULES-\"privacy_bridge\";}|g" \
	-e "s|@WATCHERS@|${PROSODY_WATCHERS:-}|g" \
	-e "s|@BRIDGE_DIR@|$here/../prosody-bridge|g" \
	-e "s|@SERVER_DOMAIN@|${DEMO_SERVER_DOMAIN:-localhost}|g" \
	-e "s|@PRIVACY_DOMAIN@|${DEMO_PRIVACY_DOMAIN:-privacy.localhost}|g" \
	-e "s|@UPLOAD_DOMAIN@|${DEMO_UPLOAD_DOMAIN:-upload.localhost}|g" \
	-e "s|@CLIPBOARD_DOMAIN@|${DEMO_CLIPBOARD_DOMAIN:-clipboard.localhost}|g" \
	-e "s|@ROOMS_DOMAIN@|${DEMO_ROOMS_DOMAIN:-rooms.localhost}|g" \
	"$here/prosody.cfg.lua.in" > "$state/prosody.cfg.lua"
