#!/usr/bin/env bash
# Uploads (XEP-0363) throughput, side by side in one run on this machine, with the same files (issue 11, "Benchmark"):
#   (a) "component":  the XmppPrivacy component (Release build) on upload.localhost, slots asked for through a real
#       Prosody 0.12 over c2s, PUT and GET on the component's Kestrel endpoint (/upload/{id});
#   (b) "nginx":      Debian's nginx (installed with apt-get when missing, never started as a system service: a
#       private nginx with a generated configuration on a free loopback port, `dav_methods PUT` and a static GET
#       over a temp folder): what this machine can do at best, the ceiling;
#   (c) "mod_http_file_share": Prosody 0.12's own XEP-0363 service (Component "share.localhost" "http_file_share")
#       in the same Prosody, on Prosody's HTTP server on a free loopback port.
# Measured, in one run:
#   1. PUT and GET MB/s (1 MB = 10^6 bytes) of a 10 MiB and a 1 GiB file of random bytes with curl (one transfer at
#      a time, GET to /dev/null); then a second, untimed GET piped to sha256sum must give the PUT file's sha256.
#      Ratios component / nginx and component / mod_http_file_share.
#      The component's CPU time (user + system, from /proc) spent on each PUT and GET: on a busy machine MB/s vary
#      from run to run with the other load; the CPU seconds per GB much less.
#   2. The component's RSS (VmRSS from /proc), sampled every 100 ms during the 1 GiB PUT and during the 1 GiB GET:
#      baseline (just before), peak, and peak - baseline.
#   3. 100 concurrent 1 MiB PUTs (bench/uploads-load.py, aiohttp, one connection each, all started together): to the
#      component (100 slots asked for first, then the PUTs), to nginx and to mod_http_file_share: p50/p99 latency of
#      one PUT, the total time, and how many answered 2xx.
# Exits 1 when a transfer failed, a sha256 differed or a concurrent PUT was refused, after printing what it has.
# Files are deleted as soon as they are measured; everything lives in one temp folder under ${TMPDIR:-/tmp}, which
# needs about 3 GiB free (the 1 GiB source and one stored copy at a time), deleted at the end (also on failure).
# Each server gets one unmeasured 1 MiB PUT and GET first (warm-up). Takes about 10 minutes on 2 cores, most of
# it mod_http_file_share's 1 GiB PUT (a few MB/s here). Figures and analysis: bench/README.md, "Uploads: throughput against nginx and
# mod_http_file_share". Options: UPLOAD_BENCH_SIZES (MiB, default "10 1024"), UPLOAD_BENCH_CONCURRENT (100),
# UPLOAD_BENCH_KEEP=1 (keep the temp folder with the logs), UPLOAD_BENCH_COMPONENT_DIR (a component already built),
# UPLOAD_BENCH_TARGETS (default "nginx component share"; e.g. "nginx component" skips mod_http_file_share's slow legs).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
sizes_mib=${UPLOAD_BENCH_SIZES:-10 1024}
concurrent=${UPLOAD_BENCH_CONCURRENT:-100}
targets=${UPLOAD_BENCH_TARGETS:-nginx component share}
python=/usr/bin/python3 # Debian's, with python3-slixmpp and python3-aiohttp

"$root/scripts/install-deps.sh" # Prosody, slixmpp, aiohttp, curl when missing
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	echo "Installing: nginx"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nginx >/dev/null
	# The Debian package may start a system-wide nginx on port 80; this benchmark runs its own.
	if command -v service >/dev/null 2>&1; then $sudo service nginx stop >/dev/null 2>&1 || true; fi
fi
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
missing=()
for tool in prosody dotnet curl sha256sum; do
	command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
"$python" -c 'import slixmpp, aiohttp' 2>/dev/null || missing+=("python3-slixmpp python3-aiohttp")
"$nginx_bin" -V 2>&1 | grep -q -- --with-http_dav_module || missing+=("nginx with the WebDAV module")
if [ ${#missing[@]} -gt 0 ]; then
	echo "Missing: ${missing[*]} (the .NET 10 SDK must be installed)." >&2
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/xmppprivacy-uploadbench-XXXXXX")
started=() # PIDs of everything this script started, stopped in reverse order
alive_child() { # running (not a zombie) and a child of this script
	local state ppid
	read -r state ppid < <(awk '{ print $3, $4 }' "/proc/$1/stat" 2>/dev/null) || return 1
	[ "$ppid" = "$$" ] && [ "$state" != Z ]
}
stop_pid() { # only a child of this script: a PID it started long ago may belong to someone else by now
	local pid=$1
	alive_child "$pid" || { wait "$pid" 2>/dev/null || true; return 0; }
	kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq 1 100); do
		alive_child "$pid" || break
		sleep 0.1
	done
	alive_child "$pid" && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null || true
}
cleanup() {
	local code=$?
	trap - EXIT INT TERM
	trap "" PIPE
	for ((i = ${#started[@]} - 1; i >= 0; i--)); do stop_pid "${started[$i]}"; done
	if [ "${UPLOAD_BENCH_KEEP:-}" = 1 ]; then
		rm -f "$tmp"/*.bin # the big files go anyway
		echo "Kept $tmp" >&2
	else
		rm -rf "$tmp"
	fi
	exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
	"$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
wait_port() { # port seconds pid
	for _ in $(seq 1 $(($2 * 10))); do
		kill -0 "$3" 2>/dev/null || return 1
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
value() { # file key
	sed -n "s/^$2=//p" "$1" | tail -n 1
}
failures=()

echo "Load before: $(uptime)"
echo "Building the component (Release) ..."
component_dir=${UPLOAD_BENCH_COMPONENT_DIR:-$tmp/component-build}
if [ -z "${UPLOAD_BENCH_COMPONENT_DIR:-}" ]; then
	dotnet build "$root/src/XmppPrivacy" -c Release -o "$component_dir" -nologo -v quiet >"$tmp/build-component.log" 2>&1 ||
		{ cat "$tmp/build-component.log" >&2; echo "Building the component failed." >&2; exit 1; }
fi

# --- Prosody: c2s for the slots, the component's connections, and mod_http_file_share on its HTTP port ---
c2s=$(free_port)
component_port=$(free_port)
prosody_http=$(free_port)
component_http=$(free_port)
nginx_port=$(free_port)
secret=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
state="$tmp/prosody"
"$root/scripts/generate-prosody-config.sh" "$state" "$c2s" "$component_port" "$secret" info
config="$state/prosody.cfg.lua"
sed -i -e "s|^http_ports = { }$|http_ports = { $prosody_http }\nhttp_interfaces = { \"127.0.0.1\" }\nhttp_default_host = \"share.localhost\"|" "$config"
grep -q "^http_ports = { $prosody_http }$" "$config" || { echo "Could not set Prosody's http_ports." >&2; exit 1; }
cat >>"$config" <<EOF

-- bench/run-uploads.sh: Prosody's own XEP-0363 service, for comparison.
Component "share.localhost" "http_file_share"
	http_external_url = "http://127.0.0.1:$prosody_http/"
	http_file_share_size_limit = 2 * 1024 * 1024 * 1024
	http_file_share_daily_quota = 100 * 1024 * 1024 * 1024
	http_file_share_expires_after = 3600
EOF
setsid prosody --config "$config" -F >"$state/prosody.out" 2>&1 &
prosody_pid=$!
started+=("$prosody_pid")
if ! wait_port "$c2s" 30 "$prosody_pid" || ! wait_port "$prosody_http" 5 "$prosody_pid"; then
	tail -n 30 "$state/prosody.log" "$state/prosody.out" >&2 || true
	echo "Prosody did not start." >&2
	exit 1
fi

# --- The component ---
component_storage="$tmp/component/uploads"
mkdir -p "$tmp/component"
XMPPPRIVACY_Component__Port=$component_port \
	XMPPPRIVACY_Component__Secret=$secret \
	XMPPPRIVACY_Component__ServerDomain=localhost \
	XMPPPRIVACY_Http__Urls="http://127.0.0.1:$component_http" \
	XMPPPRIVACY_Storage__Path="$tmp/component/db.sqlite" \
	XMPPPRIVACY_Upload__StoragePath="$component_storage" \
	XMPPPRIVACY_Upload__MaxFileSize=2147483648 \
	XMPPPRIVACY_Upload__QuotaPerUser=1099511627776 \
	XMPPPRIVACY_Upload__DailyQuotaPerUser=1099511627776 \
	XMPPPRIVACY_Log__Level=Warning \
	setsid dotnet "$component_dir/xmpp-privacy.dll" run >"$tmp/component/component.log" 2>&1 &
component_pid=$!
started+=("$component_pid")
ok=""
for _ in $(seq 1 600); do
	kill -0 "$component_pid" 2>/dev/null || break
	if curl -fsS "http://127.0.0.1:$component_http/health" 2>/dev/null | grep -q '"status": *"ok"'; then
		ok=1
		break
	fi
	sleep 0.1
done
if [ -z "$ok" ]; then
	tail -n 30 "$tmp/component/component.log" >&2 || true
	echo "The component did not start or did not connect to Prosody." >&2
	exit 1
fi

# --- nginx: private, generated configuration, WebDAV PUT and static GET over $tmp/nginx/www ---
ngx="$tmp/nginx"
mkdir -p "$ngx/www/upload" "$ngx/body" "$ngx/logs"
user_line=""
[ "$(id -u)" -eq 0 ] && user_line="user root root;" # workers would otherwise run as nobody, locked out of $tmp
cat >"$ngx/nginx.conf" <<EOF
$user_line
daemon off;
worker_processes auto;
pid $ngx/nginx.pid;
error_log $ngx/logs/error.log warn;
events { worker_connections 1024; }
http {
	access_log off;
	sendfile on;
	client_body_temp_path $ngx/body;
	proxy_temp_path $ngx/body;
	fastcgi_temp_path $ngx/body;
	uwsgi_temp_path $ngx/body;
	scgi_temp_path $ngx/body;
	types { }
	default_type application/octet-stream;
	server {
		listen 127.0.0.1:$nginx_port;
		client_max_body_size 2g;
		location /upload/ {
			root $ngx/www;
			dav_methods PUT;
			create_full_put_path on;
			dav_access user:rw;
			limit_except GET PUT { deny all; }
		}
	}
}
EOF
setsid "$nginx_bin" -p "$ngx" -c "$ngx/nginx.conf" -e "$ngx/logs/error.log" >"$ngx/nginx.out" 2>&1 &
nginx_pid=$!
started+=("$nginx_pid")
if ! wait_port "$nginx_port" 10 "$nginx_pid"; then
	cat "$ngx/nginx.out" "$ngx/logs/error.log" >&2 || true
	echo "nginx did not start." >&2
	exit 1
fi

echo "Prosody c2s $c2s, HTTP $prosody_http; component HTTP $component_http; nginx $nginx_port. df -h ${TMPDIR:-/tmp}:"
df -h "${TMPDIR:-/tmp}" | tail -n 1

# slot TARGET SIZE NAME > "put get header": a slot (component, mod_http_file_share) or a plain URL (nginx)
slot() {
	local target=$1 size=$2 name=$3 service
	if [ "$target" = nginx ]; then
		echo "http://127.0.0.1:$nginx_port/upload/$name http://127.0.0.1:$nginx_port/upload/$name -"
		return 0
	fi
	service=upload.localhost
	[ "$target" = share ] && service=share.localhost
	"$python" "$root/bench/uploads-load.py" slots --port "$c2s" --register --service "$service" --size "$size" \
		--filename "$name" --count 1 2>>"$tmp/slots.err" |
		"$python" -c 'import json, sys; s = json.loads(sys.stdin.readline()); print(s["put"], s["get"], s["headers"].get("Authorization", "-"))'
}
# delete_stored TARGET NAME GET_URL: frees the disk as soon as a file is measured
delete_stored() {
	case $1 in
	nginx) rm -f "$ngx/www/upload/$2" ;;
	share) # …/file_share/{slot id}/{name}: Prosody keeps it as data/share%2elocalhost/http_file_share/{slot id}.bin
		local id=${3%/*}
		find "$state/data" -type f -path '*http_file_share*' -name "${id##*/}*" -delete 2>/dev/null || true ;;
	component) rm -f "$component_storage/files/${3##*/}" ;; # its row stays: nothing asks for the file again
	esac
}
# rss_sampler PID OUT: VmRSS in kB every 100 ms until killed
cpu_seconds() { # pid: the user + system CPU seconds it has used so far (less sensitive to a busy machine than MB/s)
	awk -v tck="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / tck }' "/proc/$1/stat"
}
rss_sampler() {
	while :; do
		awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null >>"$2" || break
		sleep 0.1
	done
}
rss_summary() { # file label
	awk -v label="$2" 'NR == 1 { base = $1 } { if ($1 > peak) peak = $1; n++ }
		END { printf "%-22s baseline %6.1f MB, peak %6.1f MB, peak - baseline %+6.1f MB (%d samples)\n", label, base / 1024, peak / 1024, (peak - base) / 1024, n }' "$1"
}

# Warm-up, not measured: one 1 MiB PUT and GET to each server (the component's JIT, Prosody's first slot).
warm="$tmp/warm.bin"
head -c $((1024 * 1024)) /dev/urandom >"$warm"
for target in $targets; do
	put="" get="" auth=""
	read -r put get auth < <(slot "$target" $((1024 * 1024)) "warm-$target.bin") || true
	[ -n "${put:-}" ] || continue
	auth_header=()
	[ "$auth" != - ] && auth_header=(-H "Authorization: $auth")
	curl -sS -X PUT -T "$warm" -H 'Expect:' -H 'Content-Type: application/octet-stream' "${auth_header[@]}" -o /dev/null "$put" 2>>"$tmp/curl.err" || true
	curl -sS -o /dev/null "$get" 2>>"$tmp/curl.err" || true
	delete_stored "$target" "warm-$target.bin" "$get"
done
rm -f "$warm"

declare -A put_rate get_rate
row_format='%-10s %-20s %10s %10s %8s'
rows_out=()
rss_out=()
cpu_out=()
for mib in $sizes_mib; do
	bytes=$((mib * 1024 * 1024))
	file="$tmp/file-$mib.bin"
	head -c "$bytes" /dev/urandom >"$file"
	sum=$(sha256sum "$file" | cut -d' ' -f1)
	for target in $targets; do
		label=$target
		[ "$target" = share ] && label=mod_http_file_share
		name="bench-$mib-$target.bin"
		put="" get="" auth=""
		read -r put get auth < <(slot "$target" "$bytes" "$name") || true
		if [ -z "${put:-}" ]; then
			failures+=("$label $mib MiB: no slot ($(tail -n 1 "$tmp/slots.err" 2>/dev/null))")
			rows_out+=("$(printf "$row_format" "$mib MiB" "$label" - - -)")
			continue
		fi
		auth_header=()
		[ "$auth" != - ] && auth_header=(-H "Authorization: $auth")
		sampler=""
		if [ "$target" = component ] && [ "$bytes" -ge $((1024 * 1024 * 1024)) ]; then
			rss_sampler "$component_pid" "$tmp/rss-put" &
			sampler=$!
			started+=("$sampler")
			sleep 0.3
		fi
		[ "$target" = component ] && cpu_start=$(cpu_seconds "$component_pid")
		put_out=$(curl -sS -X PUT -T "$file" -H 'Expect:' -H 'Content-Type: application/octet-stream' "${auth_header[@]}" \
			-o "$tmp/put-body" -w '%{http_code} %{time_total}' "$put" 2>>"$tmp/curl.err") || put_out="curl-failed 0"
		[ -n "$sampler" ] && { sleep 0.3; stop_pid "$sampler"; rss_out+=("$(rss_summary "$tmp/rss-put" "component 1 GiB PUT")"); }
		[ "$target" = component ] && cpu_put=$(awk -v a="$cpu_start" -v b="$(cpu_seconds "$component_pid")" 'BEGIN { printf "%.2f", b - a }')
		read -r put_code put_s <<<"$put_out"
		if [[ "$put_code" != 2* ]]; then
			failures+=("$label $mib MiB: PUT answered $put_code ($(head -c 200 "$tmp/put-body" 2>/dev/null))")
			rows_out+=("$(printf "$row_format" "$mib MiB" "$label" - - -)")
			delete_stored "$target" "$name" "$get"
			continue
		fi
		sampler=""
		if [ "$target" = component ] && [ "$bytes" -ge $((1024 * 1024 * 1024)) ]; then
			rss_sampler "$component_pid" "$tmp/rss-get" &
			sampler=$!
			started+=("$sampler")
			sleep 0.3
		fi
		[ "$target" = component ] && cpu_start=$(cpu_seconds "$component_pid")
		get_out=$(curl -sS -o /dev/null -w '%{http_code} %{time_total} %{size_download}' "$get" 2>>"$tmp/curl.err") || get_out="curl-failed 0 0"
		[ -n "$sampler" ] && { sleep 0.3; stop_pid "$sampler"; rss_out+=("$(rss_summary "$tmp/rss-get" "component 1 GiB GET")"); }
		[ "$target" = component ] && cpu_get=$(awk -v a="$cpu_start" -v b="$(cpu_seconds "$component_pid")" 'BEGIN { printf "%.2f", b - a }')
		read -r get_code get_s get_size <<<"$get_out"
		got_sum=$(curl -sS "$get" 2>>"$tmp/curl.err" | sha256sum | cut -d' ' -f1)
		delete_stored "$target" "$name" "$get"
		verdict=ok
		[ "$got_sum" = "$sum" ] || { verdict=DIFFERS; failures+=("$label $mib MiB: the GET's sha256 differs from the PUT's"); }
		[ "$get_code" = 200 ] && [ "$get_size" = "$bytes" ] || failures+=("$label $mib MiB: GET answered $get_code with $get_size bytes")
		put_rate[$target-$mib]=$(awk -v b="$bytes" -v s="$put_s" 'BEGIN { printf "%.1f", b / 1e6 / s }')
		get_rate[$target-$mib]=$(awk -v b="$bytes" -v s="$get_s" 'BEGIN { printf "%.1f", b / 1e6 / s }')
		rows_out+=("$(printf "$row_format" "$mib MiB" "$label" "${put_rate[$target-$mib]}" "${get_rate[$target-$mib]}" "$verdict")")
		echo "[$mib MiB $label] PUT ${put_rate[$target-$mib]} MB/s, GET ${get_rate[$target-$mib]} MB/s, sha256 $verdict"
		if [ "$target" = component ]; then
			cpu_out+=("$(awk -v m="$mib" -v b="$bytes" -v p="$cpu_put" -v g="$cpu_get" \
				'BEGIN { printf "%5s MiB  component CPU (user+system) PUT %6.2f s  GET %6.2f s   per GB: PUT %5.2f s  GET %5.2f s\n", m, p, g, p / (b / 1e9), g / (b / 1e9) }')")
		fi
	done
	rm -f "$file"
done

# --- Concurrent 1 MiB PUTs ---
conc_format='%-20s %6s %9s %9s %9s %9s'
conc_out=()
small="$tmp/file-1.bin"
head -c $((1024 * 1024)) /dev/urandom >"$small"
for target in $targets; do
	label=$target
	[ "$target" = share ] && label=mod_http_file_share
	slots="$tmp/slots-$target.jsonl"
	if [ "$target" = nginx ]; then
		for i in $(seq 1 "$concurrent"); do echo "{\"put\": \"http://127.0.0.1:$nginx_port/upload/c-$i.bin\", \"get\": \"\"}"; done >"$slots"
	else
		service=upload.localhost
		[ "$target" = share ] && service=share.localhost
		if ! "$python" "$root/bench/uploads-load.py" slots --port "$c2s" --register --service "$service" --size $((1024 * 1024)) \
			--filename "c.bin" --count "$concurrent" >"$slots" 2>>"$tmp/slots.err"; then
			failures+=("$label concurrent: no slots ($(tail -n 1 "$tmp/slots.err"))")
			conc_out+=("$(printf "$conc_format" "$label" - - - - -)")
			continue
		fi
	fi
	out="$tmp/concurrent-$target.out"
	"$python" "$root/bench/uploads-load.py" concurrent --slots "$slots" --file "$small" >"$out" 2>"$tmp/concurrent-$target.err" ||
		failures+=("$label concurrent: $(value "$out" ok) of $concurrent PUTs answered 2xx ($(value "$out" statuses))")
	conc_out+=("$(printf "$conc_format" "$label" "$(value "$out" ok)/$concurrent" "$(value "$out" p50_ms)" "$(value "$out" p99_ms)" \
		"$(value "$out" total_s)" "$(value "$out" mb_s)")")
	echo "[concurrent $label] $(tr '\n' ' ' <"$out")"
done
rm -f "$small" "$ngx"/www/upload/c-*.bin

echo
echo "Load after: $(uptime)"
echo
printf "$row_format\n" size server "PUT MB/s" "GET MB/s" sha256
for row in "${rows_out[@]}"; do echo "$row"; done
echo
for mib in $sizes_mib; do
	for pair in "nginx:nginx" "share:mod_http_file_share"; do
		other=${pair%%:*}
		if [ -n "${put_rate[component-$mib]:-}" ] && [ -n "${put_rate[$other-$mib]:-}" ]; then
			awk -v m="$mib" -v o="${pair#*:}" -v cp="${put_rate[component-$mib]}" -v op="${put_rate[$other-$mib]}" \
				-v cg="${get_rate[component-$mib]}" -v og="${get_rate[$other-$mib]}" \
				'BEGIN { printf "%5s MiB  component / %-20s PUT %.2f  GET %.2f\n", m, o, cp / op, cg / og }'
		fi
	done
done
echo
for row in "${cpu_out[@]}"; do echo "$row"; done
echo
for row in "${rss_out[@]}"; do echo "$row"; done
echo
echo "$concurrent concurrent PUTs of 1 MiB (slots asked for first; latency of one PUT from its start to its answer):"
printf "$conc_format\n" server "2xx" "p50 ms" "p99 ms" "total s" "MB/s"
for row in "${conc_out[@]}"; do echo "$row"; done
if [ ${#failures[@]} -gt 0 ]; then
	echo >&2
	for f in "${failures[@]}"; do echo "FAILED: $f" >&2; done
	exit 1
fi
