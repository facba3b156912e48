#!/usr/bin/env bash
# Idle resident memory: the component (JIT build and Native AOT binary) connected to a real Prosody, and the floor
# of a .NET process with Kestrel (bench/XmppPrivacy.IdleFloor: CreateSlimBuilder and one route), JIT and AOT.
# Each runs alone; IDLE_SECONDS (30) after /health first answers, VmRSS and VmHWM are read from /proc/PID/status.
# Prints one Markdown row each. Builds and publishes first (the two AOT publishes take a few minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=${IDLE_WORK:-$root/var/idle}
idle=${IDLE_SECONDS:-30}
c2s_port=${IDLE_C2S_PORT:-25222} component_port=${IDLE_COMPONENT_PORT:-25347} http_port=${IDLE_HTTP_PORT:-25443}
rid=linux-x64; [ "$(uname -m)" = aarch64 ] && rid=linux-arm64
mkdir -p "$work"
clean_env=(env -u OUTDIR -u OutDir -u OUTPUTPATH -u OutputPath -u BASEOUTPUTPATH -u BaseOutputPath)

echo "Building (JIT) and publishing (Native AOT)..." >&2
"${clean_env[@]}" dotnet build src/XmppPrivacy -c Release -o "$work/jit" -p:OutDir="$work/jit/" -v quiet -nologo >&2
scripts/publish-aot.sh "$work/aot" >&2
"${clean_env[@]}" dotnet build bench/XmppPrivacy.IdleFloor -c Release -o "$work/floor-jit" -p:OutDir="$work/floor-jit/" -v quiet -nologo >&2
"${clean_env[@]}" dotnet publish bench/XmppPrivacy.IdleFloor -c Release -r "$rid" -p:PublishAot=true -o "$work/floor-aot" -v quiet -nologo >&2

secret=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
scripts/generate-prosody-config.sh "$work/prosody" "$c2s_port" "$component_port" "$secret" warn
prosody_pid=""
stop_prosody() { [ -n "$prosody_pid" ] && kill -TERM "$prosody_pid" 2>/dev/null && wait "$prosody_pid" 2>/dev/null || true; }
trap stop_prosody EXIT
setsid prosody --config "$work/prosody/prosody.cfg.lua" -F >"$work/prosody.log" 2>&1 &
prosody_pid=$!
for _ in $(seq 1 150); do (exec 3<>"/dev/tcp/127.0.0.1/$component_port") 2>/dev/null && break; sleep 0.2; done

export XMPPPRIVACY_Component__Secret="$secret" XMPPPRIVACY_Component__Port="$component_port"
export XMPPPRIVACY_Http__Urls="http://127.0.0.1:$http_port" XMPPPRIVACY_Log__Level=Warning
export ASPNETCORE_URLS="http://127.0.0.1:$http_port"

# measure NAME COMMAND...: starts it, waits for /health (200 only when every domain is connected), idles, reads /proc.
measure() {
	local name=$1; shift
	rm -f "$work/$name.db"
	XMPPPRIVACY_Storage__Path="$work/$name.db" "$@" >"$work/$name.log" 2>&1 &
	local pid=$!
	for _ in $(seq 1 300); do curl -fsS "http://127.0.0.1:$http_port/health" >/dev/null 2>&1 && break; sleep 0.1; done
	curl -fsS "http://127.0.0.1:$http_port/health" >/dev/null || { echo "$name did not come up; see $work/$name.log" >&2; kill "$pid"; return 1; }
	sleep "$idle"
	local rss hwm
	rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
	hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")
	kill -TERM "$pid"; wait "$pid" || true
	printf '| %s | %.1f MB | %.1f MB |\n' "$name" "$(echo "$rss / 1024" | bc -l)" "$(echo "$hwm / 1024" | bc -l)"
}

echo "| process | VmRSS after ${idle}s idle | VmHWM |"
echo "|---|---|---|"
measure component-jit dotnet "$work/jit/xmpp-privacy.dll" run
measure component-aot "$work/aot/xmpp-privacy" run
measure floor-jit dotnet "$work/floor-jit/idle-floor.dll"
measure floor-aot "$work/floor-aot/idle-floor"
