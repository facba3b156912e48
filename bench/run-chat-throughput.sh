#!/usr/bin/env bash
# Chat throughput through a real Prosody 0.12, side by side in one run on this machine, with the same load:
#   (a) "none":             Prosody with no archive at all (no bridge, no component, no mod_mam): the ceiling;
#   (b) "bridge+component": Prosody with mod_privacy_bridge, and the XmppPrivacy component (Release build)
#       archiving every message (Archive:DefaultPolicy=always, so nobody needs to send preferences);
#   (c) "mod_mam":          Prosody's own mod_mam (storage = "sql", SQLite, default_archive_policy = true),
#       without the bridge and without the component.
# Each configuration gets its own free loopback ports and its own state under one temp directory (deleted at
# the end). The load generator (bench/XmppPrivacy.ChatLoad) registers and logs in CHAT_BENCH_PAIRS (20)
# sender/receiver pairs (40 users, plain c2s, SASL PLAIN on loopback); each sender sends CHAT_BENCH_MESSAGES
# (600) chat messages of about 300 bytes to its receiver's bare JID, at most CHAT_BENCH_WINDOW (100) of them
# sent but not yet delivered, after an unmeasured warm-up of CHAT_BENCH_WARMUP (50) per pair.
# Measured: messages/s delivered from the first send to the last delivery, p50/p99 send→delivery latency,
# how long after the last delivery the archive held every message (copies reach the component
# asynchronously), and peak RSS (VmHWM) and CPU seconds of Prosody and of the component.
# Checks (exit 1 when one fails, after both configurations ran and the table is printed): every message
# delivered, and the archive holds exactly 2 rows per message (the sender's outgoing copy and the receiver's
# incoming copy), i.e. each of the 40 users exactly (warm-up + measured) rows.
# Prints one table, Prosody's CPU per message in each configuration, and from the same run the ratios
# "bridge / none" (what archiving costs against the ceiling: throughput and Prosody CPU per message) and
# "bridge / mod_mam" (against the alternative a user would pick), the latter also for archived throughput.
# The goal (issue 9): bridge throughput >= 70 % of none, and Prosody CPU per message <= 1.5x none's. Takes about 1.5 minutes on 2 cores: the
# mod_mam configuration about 50–60 s (it delivers about 200–270 msg/s here), the bridge one about 15 s (about
# 2,500 msg/s; a bridge that loses copies costs up to 20 s more, the wait for an archive that stopped growing).
# Figures and their analysis: bench/README.md, "Chat throughput through Prosody".
# Options are environment variables: CHAT_BENCH_PAIRS, CHAT_BENCH_MESSAGES, CHAT_BENCH_WINDOW, CHAT_BENCH_WARMUP,
# CHAT_BENCH_RATE (total messages/s the senders are paced to; 0 = as fast as the window allows),
# CHAT_BENCH_ONLY=none|bridge|mam (run one configuration), CHAT_BENCH_ARCHIVE_TIMEOUT (seconds to wait for the
# archive, 300), CHAT_BENCH_KEEP=1 (keep the temp directory with the logs and databases),
# CHAT_BENCH_COMPONENT_DB_DIR (put the component's database there instead, e.g. /dev/shm to see what the disk
# costs; deleted at the end), CHAT_BENCH_COMPONENT_DIR (a component already built, instead of building src/),
# CHAT_BENCH_LUA_PROFILE=DIR (Prosody samples its Lua functions with bench/prosody/mod_bench_lua_profile.lua in
# every configuration and writes DIR/<configuration>.txt: where Prosody's work per message goes; adds overhead,
# so the figures of such a run are not the benchmark's).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

pairs=${CHAT_BENCH_PAIRS:-20}
messages=${CHAT_BENCH_MESSAGES:-600}
window=${CHAT_BENCH_WINDOW:-100}
warmup=${CHAT_BENCH_WARMUP:-50}
rate=${CHAT_BENCH_RATE:-0}
only=${CHAT_BENCH_ONLY:-}
archive_timeout=${CHAT_BENCH_ARCHIVE_TIMEOUT:-300}

"$root/scripts/install-deps.sh" # Prosody, prosody-modules, lua-dbi-sqlite3, sqlite3, curl when missing
missing=()
for tool in prosody prosodyctl dotnet sqlite3 curl python3; do
	command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ "$only" != bridge ] && ! dpkg-query -W -f='${Status}' lua-dbi-sqlite3 2>/dev/null | grep -q "install ok installed"; then
	missing+=("lua-dbi-sqlite3 (Prosody's SQL storage for mod_mam)")
fi
if [ ${#missing[@]} -gt 0 ]; then
	echo "Missing: ${missing[*]} (scripts/install-deps.sh installs them on Debian; the .NET 10 SDK must be installed)." >&2
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/xmppprivacy-chatbench-XXXXXX")
started=() # PIDs of everything this script started, stopped in reverse order
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
alive_child() { # running (not a zombie) and a child of this script
	local state ppid
	read -r state ppid < <(awk '{ print $3, $4 }' "/proc/$1/stat" 2>/dev/null) || return 1
	[ "$ppid" = "$$" ] && [ "$state" != Z ]
}
cleanup() {
	local code=$?
	trap - EXIT INT TERM
	trap "" PIPE
	for ((i = ${#started[@]} - 1; i >= 0; i--)); do stop_pid "${started[$i]}"; done
	[ -n "${CHAT_BENCH_COMPONENT_DB_DIR:-}" ] && rm -f "$CHAT_BENCH_COMPONENT_DB_DIR/xmpp-privacy-chatbench-$$.db"*
	if [ "${CHAT_BENCH_KEEP:-}" = 1 ]; then
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
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
wait_port() { # port seconds pid
	for _ in $(seq 1 $(($2 * 10))); do
		kill -0 "$3" 2>/dev/null || return 1
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
peak_rss_mb() { # pid: VmHWM in MB, or "?" when the process is gone
	awk '/^VmHWM:/ { printf "%.0f", $2 / 1024; found = 1 } END { if (!found) printf "?" }' "/proc/$1/status" 2>/dev/null || printf "?"
}
cpu_ticks() { # pid: user + system clock ticks so far
	awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0
}
now_ms() { date +%s%3N; }
value() { # file key
	sed -n "s/^$2=//p" "$1" | tail -n 1
}

echo "Building the component and the load generator (Release) ..."
component_dir=${CHAT_BENCH_COMPONENT_DIR:-$tmp/component}
if [ -z "${CHAT_BENCH_COMPONENT_DIR:-}" ]; then
	dotnet build "$root/src/XmppPrivacy" -c Release -o "$component_dir" -nologo -v quiet >"$tmp/build-component.log" 2>&1 ||
		{ cat "$tmp/build-component.log" >&2; echo "Building the component failed." >&2; exit 1; }
fi
dotnet build "$root/bench/XmppPrivacy.ChatLoad" -c Release -o "$tmp/chatload" -nologo -v quiet >"$tmp/build-chatload.log" 2>&1 ||
	{ cat "$tmp/build-chatload.log" >&2; echo "Building the load generator failed." >&2; exit 1; }
ticks_per_s=$(getconf CLK_TCK)
row_format='%-17s %8s %8s %8s %9s %9s %13s %15s %15s'

failures=()
rows_out=() # one table row per configuration
rss_out=()
declare -A rates archived_rates cpu_per_msg

# run_config NAME: starts Prosody (and for "bridge" the component), runs the load, checks the archive, and stops
# everything it started, also when it gives up half-way.
run_config() {
	local first=${#started[@]} rc=0
	run_config_steps "$1" || rc=$?
	for ((i = ${#started[@]} - 1; i >= first; i--)); do stop_pid "${started[$i]}"; done
	started=("${started[@]:0:first}")
	return "$rc"
}

run_config_steps() {
	local name=$1 state="$tmp/$1" c2s component http secret prosody_pid component_pid="" config component_db
	component_db="${CHAT_BENCH_COMPONENT_DB_DIR:-$state}/xmpp-privacy-chatbench-$$.db"
	c2s=$(free_port)
	component=$(free_port)
	http=$(free_port)
	secret=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
	mkdir -p "$state"
	if [ "$name" = bridge ]; then
		PROSODY_MODULES='"privacy_bridge";' "$root/scripts/generate-prosody-config.sh" "$state" "$c2s" "$component" "$secret" info
	elif [ "$name" = none ]; then
		PROSODY_MODULES='' "$root/scripts/generate-prosody-config.sh" "$state" "$c2s" "$component" "$secret" info
	else
		PROSODY_MODULES='"mam";' "$root/scripts/generate-prosody-config.sh" "$state" "$c2s" "$component" "$secret" info
	fi
	config="$state/prosody.cfg.lua"
	if [ -n "${CHAT_BENCH_LUA_PROFILE:-}" ]; then
		mkdir -p "$CHAT_BENCH_LUA_PROFILE"
		sed -i -e "s|^plugin_paths = { \(.*\) }|plugin_paths = { \1; \"$root/bench/prosody\" }|" \
			-e "s|^modules_enabled = {|bench_lua_profile_file = \"$(realpath "$CHAT_BENCH_LUA_PROFILE")/$name.txt\"\nmodules_enabled = {\n\t\"bench_lua_profile\";|" "$config"
	fi
	[ "$name" = none ] && sed -i -e '/delegations = {/d' "$config"
	if [ "$name" = mam ]; then
		# The template has no placeholder for storage: switch it to SQLite and turn mod_mam on for everyone;
		# MAM queries stay with mod_mam (no delegation to a component that is not running).
		sed -i -e 's|^storage = "internal"$|storage = "sql"\nsql = { driver = "SQLite3", database = "prosody.sqlite" }\ndefault_archive_policy = true|' \
			-e '/delegations = {/d' "$config"
		grep -q '^storage = "sql"$' "$config" || { echo "Could not switch the generated Prosody configuration to SQL storage." >&2; return 1; }
	fi

	setsid prosody --config "$config" -F >"$state/prosody.out" 2>&1 &
	prosody_pid=$!
	started+=("$prosody_pid")
	if ! wait_port "$c2s" 30 "$prosody_pid" || ! wait_port "$component" 5 "$prosody_pid"; then
		tail -n 30 "$state/prosody.log" "$state/prosody.out" >&2 || true
		echo "Prosody ($name) did not start." >&2
		return 1
	fi

	if [ "$name" = bridge ]; then
		XMPPPRIVACY_Component__Port=$component \
			XMPPPRIVACY_Component__Secret=$secret \
			XMPPPRIVACY_Component__ServerDomain=localhost \
			XMPPPRIVACY_Http__Urls="http://127.0.0.1:$http" \
			XMPPPRIVACY_Storage__Path="$component_db" \
			XMPPPRIVACY_Archive__DefaultPolicy=always \
			XMPPPRIVACY_Log__Level=Warning \
			setsid dotnet "$component_dir/xmpp-privacy.dll" run >"$state/component.log" 2>&1 &
		component_pid=$!
		started+=("$component_pid")
		local ok=""
		for _ in $(seq 1 600); do
			kill -0 "$component_pid" 2>/dev/null || break
			if curl -fsS "http://127.0.0.1:$http/health" 2>/dev/null | grep -q '"status": *"ok"' &&
				curl -fsS "http://127.0.0.1:$http/metrics" 2>/dev/null | grep -q '^xmppprivacy_bridge_hello_total [1-9]'; then
				ok=1
				break
			fi
			sleep 0.1
		done
		if [ -z "$ok" ]; then
			tail -n 30 "$state/component.log" >&2 || true
			echo "The component did not connect to Prosody or did not greet the bridge." >&2
			return 1
		fi
		sleep 1 # the archiving list (default: archive everyone) follows the greeting
	fi

	echo "[$name] $((pairs * 2)) users, $pairs pairs x $messages messages (+ $warmup warm-up), window $window$([ "$rate" != 0 ] && echo ", paced to $rate msg/s") ..."
	local prosody_cpu0 component_cpu0=0 load_rc=0
	prosody_cpu0=$(cpu_ticks "$prosody_pid")
	[ -n "$component_pid" ] && component_cpu0=$(cpu_ticks "$component_pid")
	# In the background, so that Ctrl-C or a TERM is acted on at once (bash runs traps only between commands).
	dotnet "$tmp/chatload/xmppprivacy-chatload.dll" --port "$c2s" --domain localhost --register --prefix "$name" \
		--pairs "$pairs" --messages "$messages" --warmup "$warmup" --window "$window" --rate "$rate" \
		>"$state/load.out" 2>"$state/load.err" &
	local load_pid=$!
	started+=("$load_pid")
	wait "$load_pid" || load_rc=$?
	local after_load_ms
	after_load_ms=$(now_ms)
	if [ "$load_rc" -ne 0 ] || [ -z "$(value "$state/load.out" rate)" ]; then
		cat "$state/load.err" >&2
		failures+=("$name: the load generator failed (exit $load_rc): not every message was delivered")
		rows_out+=("$(printf "$row_format" "$name" "-" "-" "-" "-" "-" "-" "-" "-")")
		return 0
	fi
	local delivered seconds msg_rate p50 p99 last_ms errors
	delivered=$(value "$state/load.out" messages)
	seconds=$(value "$state/load.out" seconds)
	msg_rate=$(value "$state/load.out" rate)
	p50=$(value "$state/load.out" p50_ms)
	p99=$(value "$state/load.out" p99_ms)
	last_ms=$(value "$state/load.out" last_delivery_unix_ms)
	errors=$(value "$state/load.out" errors)
	rates[$name]=$msg_rate
	[ "$errors" = 0 ] || failures+=("$name: $errors messages came back as errors")

	local prosody_cpu_ms_per_msg
	prosody_cpu_ms_per_msg=$(awk -v t=$(($(cpu_ticks "$prosody_pid") - prosody_cpu0)) -v hz="$ticks_per_s" -v n=$((pairs * (warmup + messages))) \
		'BEGIN { printf "%.3f", t / hz * 1000 / n }')
	if [ "$name" = none ]; then
		# No archive to check: Prosody's CPU is read now, when the last message was delivered.
		cpu_per_msg[$name]=$prosody_cpu_ms_per_msg
		archived_rates[$name]=$msg_rate
		rows_out+=("$(printf "$row_format" "$name" "$delivered" "$seconds" "$msg_rate" "$p50" "$p99" "-" "-" "-")")
		rss_out+=("$(printf '%-17s Prosody peak RSS %5s MB, CPU %6s s (%s ms per message)' "$name" "$(peak_rss_mb "$prosody_pid")" \
			"$(awk -v t=$(($(cpu_ticks "$prosody_pid") - prosody_cpu0)) -v hz="$ticks_per_s" 'BEGIN { printf "%.1f", t / hz }')" "$prosody_cpu_ms_per_msg")")
		stop_pid "$prosody_pid"
		echo "[$name] $msg_rate msg/s, p50 $p50 ms, p99 $p99 ms"
		return 0
	fi

	# The archive: every user must hold exactly (warm-up + measured) messages, 2 rows per message in all.
	local per_user=$((warmup + messages)) expected=$((2 * pairs * (warmup + messages))) db count_sql users_sql
	if [ "$name" = bridge ]; then
		db=$component_db
		# The component's own welcome notice to each user ("Message archiving is on for you", from its domain) is
		# archived too: not part of the load, so not counted.
		count_sql="SELECT COUNT(*) FROM archive_messages WHERE with_jid <> 'privacy.localhost';"
		users_sql="SELECT COUNT(*) FROM (SELECT owner FROM archive_messages WHERE with_jid <> 'privacy.localhost' GROUP BY owner HAVING COUNT(*) = $per_user);"
	else
		db="$state/data/prosody.sqlite"
		count_sql="SELECT COUNT(*) FROM prosodyarchive WHERE store = 'archive';"
		users_sql="SELECT COUNT(*) FROM (SELECT user FROM prosodyarchive WHERE store = 'archive' GROUP BY user HAVING COUNT(*) = $per_user);"
	fi
	local count=0 last_count=-1 changed_ms first_poll_ms complete_ms="" deadline_ms
	first_poll_ms=$(now_ms)
	changed_ms=$first_poll_ms
	deadline_ms=$((first_poll_ms + archive_timeout * 1000))
	while true; do
		count=$(sqlite3 -cmd '.timeout 5000' "file:$db?mode=ro" "$count_sql" 2>/dev/null || echo 0)
		if [ "$count" -ge "$expected" ]; then
			complete_ms=$(now_ms)
			break
		fi
		if [ "$count" != "$last_count" ]; then
			last_count=$count
			changed_ms=$(now_ms)
		fi
		# Nothing more arrived for 20 s, or too long in all: the copies are lost.
		if [ $(($(now_ms) - changed_ms)) -gt 20000 ] || [ "$(now_ms)" -gt "$deadline_ms" ]; then
			break
		fi
		sleep 0.1
	done
	# Archived throughput: measured messages whose 2 rows are stored, per second from the first measured send until
	# the archive was complete (or last grew): what the whole path sustains with every copy kept.
	local archived_rate end_ms
	end_ms=${complete_ms:-$changed_ms}
	[ "$end_ms" -lt "$last_ms" ] && end_ms=$last_ms
	archived_rate=$(awk -v rows="$count" -v w=$((2 * pairs * warmup)) -v t=$((end_ms - $(value "$state/load.out" first_send_unix_ms))) \
		'BEGIN { m = (rows - w) / 2; if (m < 0) m = 0; printf "%.1f", (t > 0 ? m / (t / 1000) : 0) }')
	archived_rates[$name]=$archived_rate
	local complete_after users_ok
	users_ok=$(sqlite3 -cmd '.timeout 5000' "file:$db?mode=ro" "$users_sql" 2>/dev/null || echo 0)
	if [ -n "$complete_ms" ]; then
		if [ "$complete_ms" -eq "$first_poll_ms" ] || [ $((complete_ms - first_poll_ms)) -lt 150 ]; then
			# Complete at the first look, which came this long after the last delivery (the load generator's exit).
			complete_after="<= $(awk -v d=$((first_poll_ms - last_ms)) 'BEGIN { printf "%.1f s", d / 1000 }')"
		else
			complete_after=$(awk -v d=$((complete_ms - last_ms)) 'BEGIN { printf "%.1f s", d / 1000 }')
		fi
	else
		complete_after="never"
	fi
	if [ "$count" -ne "$expected" ] || [ "$users_ok" -ne $((2 * pairs)) ]; then
		failures+=("$name: the archive holds $count rows, expected $expected (2 per message); $users_ok of $((2 * pairs)) users hold exactly $per_user")
	fi
	if [ "$name" = bridge ] && grep -q "Bridge queue full" "$state/prosody.log" 2>/dev/null; then
		failures+=("bridge: Prosody's log says the bridge queue was full and dropped events (privacy_bridge_queue_size)")
	fi

	local prosody_rss component_rss prosody_cpu component_cpu="-"
	prosody_rss=$(peak_rss_mb "$prosody_pid")
	prosody_cpu=$(awk -v t=$(($(cpu_ticks "$prosody_pid") - prosody_cpu0)) -v hz="$ticks_per_s" 'BEGIN { printf "%.1f", t / hz }')
	if [ -n "$component_pid" ]; then
		component_rss=$(peak_rss_mb "$component_pid")
		component_cpu=$(awk -v t=$(($(cpu_ticks "$component_pid") - component_cpu0)) -v hz="$ticks_per_s" 'BEGIN { printf "%.1f", t / hz }')
		curl -fsS "http://127.0.0.1:$http/metrics" >"$state/metrics.txt" 2>/dev/null || true
		stop_pid "$component_pid"
	fi
	stop_pid "$prosody_pid"
	rows_out+=("$(printf "$row_format" "$name" "$delivered" "$seconds" "$msg_rate" "$p50" "$p99" "$count/$expected" "$complete_after" "$archived_rate")")
	cpu_per_msg[$name]=$(awk -v c="$prosody_cpu" -v n=$((pairs * (warmup + messages))) 'BEGIN { printf "%.3f", c * 1000 / n }')
	rss_out+=("$(printf '%-17s Prosody peak RSS %5s MB, CPU %6s s (%s ms per message); component peak RSS %5s MB, CPU %6s s' "$name" "$prosody_rss" "$prosody_cpu" "${cpu_per_msg[$name]}" "${component_rss:--}" "$component_cpu")")
	echo "[$name] $msg_rate msg/s, p50 $p50 ms, p99 $p99 ms; archive $count/$expected rows, complete after $complete_after"
}

configs=(none bridge mam)
[ -n "$only" ] && configs=("$only")
for config in "${configs[@]}"; do
	run_config "$config" || failures+=("$config: could not run")
done

echo
printf "$row_format\n" configuration messages seconds "msgs/s" "p50 ms" "p99 ms" "archive rows" "complete after" "archived msgs/s"
for row in "${rows_out[@]}"; do echo "$row"; done
echo
for row in "${rss_out[@]}"; do echo "$row"; done
echo "(CPU: seconds used from the load generator's start, logins and warm-up included, until the archive was complete;"
echo " for none, until the last delivery. Per message: divided by every message sent, warm-up included.)"
if [ -n "${rates[bridge]:-}" ] && [ -n "${rates[none]:-}" ]; then
	echo
	awk -v a="${rates[bridge]}" -v b="${rates[none]}" 'BEGIN { printf "bridge+component / none throughput = %.2f (goal >= 0.70)\n", a / b }'
	awk -v a="${cpu_per_msg[bridge]}" -v b="${cpu_per_msg[none]}" 'BEGIN { printf "bridge+component / none Prosody CPU per message = %.2f (goal <= 1.50)\n", (b > 0 ? a / b : 0) }'
fi
if [ -n "${rates[bridge]:-}" ] && [ -n "${rates[mam]:-}" ]; then
	echo
	awk -v a="${rates[bridge]}" -v b="${rates[mam]}" 'BEGIN { printf "bridge+component / mod_mam throughput = %.2f (messages delivered)\n", a / b }'
	awk -v a="${archived_rates[bridge]}" -v b="${archived_rates[mam]}" \
		'BEGIN { printf "bridge+component / mod_mam archived throughput = %.2f (messages with both copies stored)\n", (b > 0 ? a / b : 0) }'
	awk -v a="${cpu_per_msg[bridge]}" -v b="${cpu_per_msg[mam]}" 'BEGIN { printf "bridge+component / mod_mam Prosody CPU per message = %.2f\n", (b > 0 ? a / b : 0) }'
fi
if [ ${#failures[@]} -gt 0 ]; then
	echo >&2
	for f in "${failures[@]}"; do echo "FAILED: $f" >&2; done
	exit 1
fi
