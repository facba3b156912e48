#!/usr/bin/env bash
# `make run`: Prosody with the bridge and the XmppPrivacy component on loopback, with SQLite,
# everything under ./var/. Runs in the foreground; Ctrl-C stops both cleanly.
# DEMO_AOT=1 runs the Native AOT binary (scripts/publish-aot.sh, into var/aot) instead of the JIT build.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

"$root/scripts/install-deps.sh"

state=${DEMO_STATE:-$root/var/demo}
bin=${DEMO_BIN:-$root/var/bin}
start_timeout=${DEMO_START_TIMEOUT:-60}
mkdir -p "$state"
c2s_port=${DEMO_C2S_PORT:-5222}
component_port=${DEMO_COMPONENT_PORT:-5347}
http_port=${DEMO_HTTP_PORT:-5443}
server_domain=${DEMO_SERVER_DOMAIN:-localhost}
export DEMO_SERVER_DOMAIN=$server_domain
export DEMO_PRIVACY_DOMAIN=${DEMO_PRIVACY_DOMAIN:-privacy.localhost}
export DEMO_UPLOAD_DOMAIN=${DEMO_UPLOAD_DOMAIN:-upload.localhost}
export DEMO_CLIPBOARD_DOMAIN=${DEMO_CLIPBOARD_DOMAIN:-clipboard.localhost}
export DEMO_ROOMS_DOMAIN=${DEMO_ROOMS_DOMAIN:-rooms.localhost}

# A self-signed certificate for the demo's domains, made once and kept in $state/certs, so that clients
# which always upgrade to TLS (poezio, Gajim, Dino, Conversations) connect after accepting it; plaintext on
# loopback stays possible for tools that want it. Prosody finds it by name: <domain>.crt and <domain>.key.
cert="$state/certs/$server_domain.crt"
if [ ! -s "$cert" ] || [ ! -s "$state/certs/$server_domain.key" ]; then
	mkdir -p "$state/certs"
	san="DNS:$server_domain,DNS:$DEMO_PRIVACY_DOMAIN,DNS:$DEMO_UPLOAD_DOMAIN,DNS:$DEMO_CLIPBOARD_DOMAIN,DNS:$DEMO_ROOMS_DOMAIN"
	(umask 077; openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 -subj "/CN=$server_domain" \
		-addext "subjectAltName=$san" -keyout "$state/certs/$server_domain.key" -out "$cert" >/dev/null 2>&1) ||
		{ echo "make run: could not make the demo's TLS certificate with openssl." >&2; exit 1; }
fi

# The component secret is generated once and kept in var/demo (never printed).
secret_file="$state/component.secret"
[ -s "$secret_file" ] || (umask 077; head -c 24 /dev/urandom | base64 | tr -d '/+=' > "$secret_file")
secret=$(cat "$secret_file")

fail() {
	echo "make run: $*" >&2
	exit 1
}

# Another server on these ports (a demo still running) would answer the checks below in our place.
for port in "$c2s_port" "$component_port" "$http_port"; do
	if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
		fail "127.0.0.1:$port is already in use (is another demo running?); stop it or choose other DEMO_*_PORT values."
	fi
done

if [ "${DEMO_AOT:-0}" = 1 ]; then
	echo "Publishing the component as a Native AOT binary (a few minutes)..."
	aot=${DEMO_AOT_BIN:-$root/var/aot}
	if ! build_log=$("$root/scripts/publish-aot.sh" "$aot" 2>&1); then
		echo "$build_log" >&2
		fail "the component did not publish (output above)."
	fi
	component=("$aot/xmpp-privacy")
else
	echo "Building the component..."
	# MSBuild reads any environment variable as a property: OUTDIR or OUTPUTPATH in the shell would send the
	# build elsewhere. Build to an explicit folder without them, and check that the program is there.
	rm -f "$bin/xmpp-privacy.dll"
	if ! build_log=$(env -u OUTDIR -u OutDir -u OUTPUTPATH -u OutputPath -u BASEOUTPUTPATH -u BaseOutputPath \
		dotnet build "$root/src/XmppPrivacy" -c Release -o "$bin" -p:OutDir="$bin/" -v quiet -nologo 2>&1); then
		echo "$build_log" >&2
		fail "the component did not build (output above)."
	fi
	[ -f "$bin/xmpp-privacy.dll" ] || fail "the build reported success but $bin/xmpp-privacy.dll is missing."
	component=(dotnet "$bin/xmpp-privacy.dll")
fi

"$root/scripts/generate-prosody-config.sh" "$state" "$c2s_port" "$component_port" "$secret" "${DEMO_PROSODY_LOG_LEVEL:-info}"
config="$state/prosody.cfg.lua"

admin_password=${DEMO_ADMIN_PASSWORD:-}
if [ -z "$admin_password" ]; then
	admin_password=$(head -c 12 /dev/urandom | base64 | tr -d '/+=')
	generated=1
fi
prosodyctl --config "$config" register admin "$server_domain" "$admin_password" >/dev/null

prosody_pid="" component_pid=""
stop() {
	trap - INT TERM HUP EXIT
	trap "" PIPE  # a closed terminal or pipe must not stop the clean-up
	set +e        # nor a failed write: `make run | tee log` and Ctrl-C end tee first, and echo then fails
	echo
	echo "Stopping..."
	[ -n "$component_pid" ] && kill -TERM "$component_pid" 2>/dev/null && wait "$component_pid" 2>/dev/null || true
	[ -n "$prosody_pid" ] && kill -TERM "$prosody_pid" 2>/dev/null && wait "$prosody_pid" 2>/dev/null || true
	echo "Stopped."
}
trap stop INT TERM HUP EXIT

# Own process groups: Ctrl-C reaches only this script, which stops the component first.
setsid prosody --config "$config" -F &
prosody_pid=$!
prosody_up=""
for _ in $(seq 1 $((start_timeout * 5))); do
	(exec 3<>"/dev/tcp/127.0.0.1/$component_port") 2>/dev/null && { prosody_up=1; break; }
	kill -0 "$prosody_pid" 2>/dev/null || break
	sleep 0.2
done
[ -n "$prosody_up" ] || fail "Prosody did not come up on 127.0.0.1:$component_port; see $state/prosody.log."

export XMPPPRIVACY_Component__Secret="$secret"
export XMPPPRIVACY_Component__Port="${XMPPPRIVACY_Component__Port:-$component_port}"
export XMPPPRIVACY_Component__ServerDomain="${XMPPPRIVACY_Component__ServerDomain:-$server_domain}"
export XMPPPRIVACY_Component__Domains__Privacy="${XMPPPRIVACY_Component__Domains__Privacy:-$DEMO_PRIVACY_DOMAIN}"
export XMPPPRIVACY_Component__Domains__Upload="${XMPPPRIVACY_Component__Domains__Upload:-$DEMO_UPLOAD_DOMAIN}"
# A second upload service, a clipboard whose files are deleted after 24 hours (upload.localhost keeps them 30 days).
export XMPPPRIVACY_Upload__Services="${XMPPPRIVACY_Upload__Services-$DEMO_CLIPBOARD_DOMAIN=24h}"
export XMPPPRIVACY_Upload__StoragePath="${XMPPPRIVACY_Upload__StoragePath:-$root/var/uploads}"
export XMPPPRIVACY_Component__Domains__Rooms="${XMPPPRIVACY_Component__Domains__Rooms:-$DEMO_ROOMS_DOMAIN}"
export XMPPPRIVACY_Http__Urls="${XMPPPRIVACY_Http__Urls:-http://127.0.0.1:$http_port}"
export XMPPPRIVACY_Storage__Path="${XMPPPRIVACY_Storage__Path:-$root/var/xmpp-privacy.db}"
export XMPPPRIVACY_Log__Level="${XMPPPRIVACY_Log__Level:-Warning}"
export XMPPPRIVACY_Notices__Admins="${XMPPPRIVACY_Notices__Admins:-admin@$server_domain}"

setsid "${component[@]}" run &
component_pid=$!

# Up means every domain connected to Prosody (/health answers 200 only then).
http_url=${XMPPPRIVACY_Http__Urls%%;*}
component_up=""
for _ in $(seq 1 $((start_timeout * 5))); do
	curl -fsS "$http_url/health" >/dev/null 2>&1 && { component_up=1; break; }
	kill -0 "$component_pid" 2>/dev/null || break
	sleep 0.2
done
if [ -z "$component_up" ]; then
	kill -0 "$component_pid" 2>/dev/null || fail "the component stopped during start-up (its messages are above)."
	health=$(curl -sS "$http_url/health" 2>&1 || true)
	fail "the component did not connect every domain to Prosody within ${start_timeout}s. /health says: ${health:-nothing}"
fi

cat <<INFO

XmppPrivacy demo is running on loopback.
  XMPP server   $server_domain, client port 127.0.0.1:$c2s_port (plaintext allowed on loopback,
                in-band registration open)
  TLS           STARTTLS with a self-signed certificate: $cert
                (sha256 $(openssl x509 -in "$cert" -noout -fingerprint -sha256 | cut -d= -f2))
  admin         admin@$server_domain$( [ -n "${generated:-}" ] && echo ", password: $admin_password (set DEMO_ADMIN_PASSWORD to choose)" )
  components    $DEMO_PRIVACY_DOMAIN, $DEMO_UPLOAD_DOMAIN, $DEMO_CLIPBOARD_DOMAIN, $DEMO_ROOMS_DOMAIN
  uploads       $DEMO_UPLOAD_DOMAIN keeps files ${XMPPPRIVACY_Upload__ExpiresAfter:-30d}; ${XMPPPRIVACY_Upload__Services:-no second service} (domain=retention)
                files in $XMPPPRIVACY_Upload__StoragePath
  health        $http_url/health    metrics: $http_url/metrics
  state         $state (Prosody log: $state/prosody.log), database $XMPPPRIVACY_Storage__Path
Connect a client (e.g. profanity, Gajim) to $server_domain on 127.0.0.1:$c2s_port. Ctrl-C stops.

INFO

# Foreground until either process ends or Ctrl-C.
wait -n "$prosody_pid" "$component_pid" || true
