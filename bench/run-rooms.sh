#!/usr/bin/env bash
# Rooms (XEP-0045) through a real Prosody 0.12, side by side in one run on this machine, with the same load:
#   (a) "component": Prosody with the XmppPrivacy component (Release build), whose rooms domain rooms.localhost runs the
#       rooms and keeps the last 10 messages of each in SQLite;
#   (b) "mod_muc":   the same Prosody configuration with Prosody's own `Component "muc.localhost" "muc"` (history in
#       memory, max_history_messages = 10 and muc_room_default_history_length = 10 to match; rooms unlocked on creation,
#       and the component started with Rooms:LockNewRooms=false to match), and no component connected;
#   (c) "ceiling":   (a) with Rooms:HistoryLength=0: the same rooms path doing no privacy work (nothing stored; what
#       remains per message is the transaction that would delete what falls off the end, on an empty table), so
#       component / ceiling is what keeping the last ten costs and ceiling / mod_muc what the component's path costs.
# Neither runs mod_privacy_bridge (rooms do not use it). Each configuration gets its own free loopback ports and its own
# state under one temp directory (deleted at the end). The load generator is bench/XmppPrivacy.ChatLoad in its rooms
# mode (bench/XmppPrivacy.ChatLoad/RoomsLoad.cs): plain c2s, SASL PLAIN on loopback, users registered in band.
#   1. Fan-out: ROOMS_BENCH_OCCUPANTS (100) users enter one room; ROOMS_BENCH_SENDERS (100) of them each send
#      ROOMS_BENCH_MESSAGES (10) groupchat messages (after ROOMS_BENCH_WARMUP (2) unmeasured ones), each sender at most
#      ROOMS_BENCH_WINDOW (2) messages not yet reflected back to it and at most ROOMS_BENCH_SENDER_RATE (8) a second (the
#      component refuses more than 10 a second from one occupant; mod_muc gets the same pacing). Measured: deliveries/s
#      (every occupant's copy, the sender's own reflection included, from the first send to the last delivery),
#      messages/s, p50/p99 send→reflection latency at the sender, CPU seconds of Prosody and of the component during
#      the fan-out, and their peak RSS (VmHWM).
#   2. Joins: a user enters a second room and sends ROOMS_BENCH_HISTORY (12) messages; then ROOMS_BENCH_JOINS (50) other
#      users enter one after the other (each leaves before the next enters), each timed from its presence sent to the
#      room's subject, which comes after the history: p50/p99; every join must receive exactly 10 history messages.
#   3. Memory ("memory", component only): a fresh Prosody and component with an empty database; the component's RSS
#      after ROOMS_BENCH_SETTLE (5) s idle with 0 rooms; then ROOMS_BENCH_CLIENTS (100) users create ROOMS_BENCH_ROOMS
#      (10000) persistent rooms through XMPP (enter, 10 messages, wait for their reflections, leave; 100 rooms per
#      user, the default Rooms:MaxRoomsPerAccount); RSS after that; the database size; then the component is restarted
#      on that database, RSS after the same idle settle with 10,000 rooms stored, and again after
#      ROOMS_BENCH_TOUCH (100) of them were entered and left (each must show 10 history messages).
# Prints one table and the ratios component / mod_muc and component / ceiling from the same run. Exit 1 when a check fails (lost or refused
# messages, wrong history lengths), after the table. Took 8 minutes on a busy 2-core machine (load 6–10), most of it
# creating the 10,000 rooms. Figures and analysis: bench/README.md, "Rooms: fan-out, joins and memory".
# Options are the environment variables above and ROOMS_BENCH_ONLY=component|ceiling|mod_muc|memory (the parts to run,
# e.g. "component ceiling mod_muc"),
# ROOMS_BENCH_KEEP=1 (keep the temp directory with logs and databases), ROOMS_BENCH_COMPONENT_DIR (a component already
# built, instead of building src/).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

occupants=${ROOMS_BENCH_OCCUPANTS:-100}
senders=${ROOMS_BENCH_SENDERS:-100}
messages=${ROOMS_BENCH_MESSAGES:-10}
warmup=${ROOMS_BENCH_WARMUP:-2}
window=${ROOMS_BENCH_WINDOW:-2}
sender_rate=${ROOMS_BENCH_SENDER_RATE:-8}
history=${ROOMS_BENCH_HISTORY:-12}
joins=${ROOMS_BENCH_JOINS:-50}
mem_rooms=${ROOMS_BENCH_ROOMS:-10000}
mem_clients=${ROOMS_BENCH_CLIENTS:-100}
touch_rooms=${ROOMS_BENCH_TOUCH:-100}
settle=${ROOMS_BENCH_SETTLE:-5}
only=${ROOMS_BENCH_ONLY:-}

"$root/scripts/install-deps.sh" # Prosody, prosody-modules, sqlite3, curl when missing
missing=()
for tool in prosody dotnet sqlite3 curl python3; do
	command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "Missing: ${missing[*]} (scripts/install-deps.sh installs them on Debian; the .NET 10 SDK must be installed)." >&2
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/xmppprivacy-roomsbench-XXXXXX")
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
	if [ "${ROOMS_BENCH_KEEP:-}" = 1 ]; then
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
status_mb() { # pid key (VmRSS, VmHWM): in MB, or "?" when the process is gone
	awk -v k="$2:" '$1 == k { printf "%.0f", $2 / 1024; found = 1 } END { if (!found) printf "?" }' "/proc/$1/status" 2>/dev/null || printf "?"
}
cpu_ticks() { # pid: user + system clock ticks so far
	awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0
}
cpu_s() { # ticks
	awk -v t="$1" -v hz="$ticks_per_s" 'BEGIN { printf "%.1f", t / hz }'
}
value() { # file key
	sed -n "s/^$2=//p" "$1" | tail -n 1
}

echo "Building the component and the load generator (Release) ..."
component_dir=${ROOMS_BENCH_COMPONENT_DIR:-$tmp/component}
if [ -z "${ROOMS_BENCH_COMPONENT_DIR:-}" ]; then
	dotnet build "$root/src/XmppPrivacy" -c Release -o "$component_dir" -nologo -v quiet >"$tmp/build-component.log" 2>&1 ||
		{ cat "$tmp/build-component.log" >&2; echo "Building the component failed." >&2; exit 1; }
fi
dotnet build "$root/bench/XmppPrivacy.ChatLoad" -c Release -o "$tmp/chatload" -nologo -v quiet >"$tmp/build-chatload.log" 2>&1 ||
	{ cat "$tmp/build-chatload.log" >&2; echo "Building the load generator failed." >&2; exit 1; }
ticks_per_s=$(getconf CLK_TCK)
load() { dotnet "$tmp/chatload/xmppprivacy-chatload.dll" rooms "$@"; }

failures=()
declare -A fan_rate msg_rate fan_p50 fan_p99 join_p50 join_p99 prosody_cpu component_cpu prosody_hwm component_hwm cpu_per_delivery
mem_lines=()

# start_prosody NAME: a Prosody of its own for NAME; sets c2s, component_port, secret, prosody_pid.
start_prosody() {
	local name=$1 state="$tmp/$1"
	c2s=$(free_port)
	component_port=$(free_port)
	secret=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
	mkdir -p "$state"
	PROSODY_MODULES='' "$root/scripts/generate-prosody-config.sh" "$state" "$c2s" "$component_port" "$secret" info
	local config="$state/prosody.cfg.lua"
	sed -i -e '/delegations = {/d' "$config" # no component answers MAM here
	if [ "$name" = mod_muc ]; then
		cat >>"$config" <<-'EOF'

			-- Prosody's own MUC for the rooms benchmark: the same history length as the component's rooms, and rooms
			-- unlocked on creation (the component does not lock new rooms either).
			Component "muc.localhost" "muc"
				max_history_messages = 10
				muc_room_default_history_length = 10
				muc_room_locking = false
		EOF
	fi
	setsid prosody --config "$config" -F >"$state/prosody.out" 2>&1 &
	prosody_pid=$!
	started+=("$prosody_pid")
	if ! wait_port "$c2s" 30 "$prosody_pid" || ! wait_port "$component_port" 5 "$prosody_pid"; then
		tail -n 30 "$state/prosody.log" "$state/prosody.out" >&2 || true
		echo "Prosody ($name) did not start." >&2
		return 1
	fi
}

# start_component NAME DB: the component on NAME's Prosody; sets component_pid and http.
start_component() {
	local name=$1 db=$2 state="$tmp/$1"
	http=$(free_port)
	XMPPPRIVACY_Component__Port=$component_port \
		XMPPPRIVACY_Component__Secret=$secret \
		XMPPPRIVACY_Component__ServerDomain=localhost \
		XMPPPRIVACY_Http__Urls="http://127.0.0.1:$http" \
		XMPPPRIVACY_Storage__Path="$db" \
		XMPPPRIVACY_Upload__StoragePath="$state/uploads" \
		XMPPPRIVACY_Log__Level=Warning \
		XMPPPRIVACY_Rooms__LockNewRooms=false \
		XMPPPRIVACY_Rooms__HistoryLength="${component_history:-10}" \
		setsid dotnet "$component_dir/xmpp-privacy.dll" run >>"$state/component.log" 2>&1 &
	component_pid=$!
	started+=("$component_pid")
	for _ in $(seq 1 600); do
		kill -0 "$component_pid" 2>/dev/null || break
		# /health answers 200 once every domain (rooms.localhost among them) is connected to Prosody.
		curl -fsS "http://127.0.0.1:$http/health" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	tail -n 30 "$state/component.log" >&2 || true
	echo "The component ($name) did not connect to Prosody." >&2
	return 1
}

rooms_loaded() {
	curl -fsS "http://127.0.0.1:$http/metrics" 2>/dev/null | awk '$1 == "xmppprivacy_rooms_loaded" { print $2; found = 1 } END { if (!found) print "?" }'
}

# stop_from INDEX: stops what was started from that index of `started` on, newest first.
stop_from() {
	for ((i = ${#started[@]} - 1; i >= $1; i--)); do stop_pid "${started[$i]}"; done
	started=("${started[@]:0:$1}")
}

# run_side NAME: fan-out and joins on one configuration.
run_side() {
	local first=${#started[@]} rc=0
	run_side_steps "$1" || rc=$?
	stop_from "$first"
	return "$rc"
}

run_side_steps() {
	local name=$1 state="$tmp/$1" muc component_pid="" expect=10
	start_prosody "$name" || return 1
	if [ "$name" = component ] || [ "$name" = ceiling ]; then
		muc=rooms.localhost
		[ "$name" = ceiling ] && expect=0
		component_history=$expect start_component "$name" "$state/xmpp-privacy.db" || return 1
	else
		muc=muc.localhost
	fi

	echo "[$name] fan-out: $occupants occupants in one room, $senders senders x $messages messages (+ $warmup warm-up), window $window, at most $sender_rate msg/s per sender ..."
	local p0 c0=0 load_rc=0
	p0=$(cpu_ticks "$prosody_pid")
	[ -n "$component_pid" ] && c0=$(cpu_ticks "$component_pid")
	# In the background, so that Ctrl-C or a TERM is acted on at once (bash runs traps only between commands).
	load fanout --port "$c2s" --muc "$muc" --room fanout --prefix "f" --register --occupants "$occupants" --senders "$senders" \
		--messages "$messages" --warmup "$warmup" --window "$window" --sender-rate "$sender_rate" >"$state/fanout.out" 2>"$state/fanout.err" &
	local load_pid=$!
	started+=("$load_pid")
	wait "$load_pid" || load_rc=$?
	local p1 c1=0
	p1=$(cpu_ticks "$prosody_pid")
	[ -n "$component_pid" ] && c1=$(cpu_ticks "$component_pid")
	if [ "$load_rc" -ne 0 ] || [ -z "$(value "$state/fanout.out" deliveries_per_s)" ]; then
		cat "$state/fanout.err" >&2
		failures+=("$name: fan-out failed (exit $load_rc): $(value "$state/fanout.out" deliveries) of $(value "$state/fanout.out" expected_deliveries) deliveries, $(value "$state/fanout.out" errors) errors")
	fi
	fan_rate[$name]=$(value "$state/fanout.out" deliveries_per_s)
	msg_rate[$name]=$(value "$state/fanout.out" messages_per_s)
	fan_p50[$name]=$(value "$state/fanout.out" p50_ms)
	fan_p99[$name]=$(value "$state/fanout.out" p99_ms)
	prosody_cpu[$name]=$(cpu_s $((p1 - p0)))
	component_cpu[$name]=$([ -n "$component_pid" ] && cpu_s $((c1 - c0)) || echo "-")
	cpu_per_delivery[$name]=$(awk -v t=$((p1 - p0 + c1 - c0)) -v hz="$ticks_per_s" -v n=$((senders * (messages + warmup) * occupants)) \
		'BEGIN { printf "%.1f", t / hz * 1e6 / n }')
	echo "[$name] ${fan_rate[$name]:-?} deliveries/s (${msg_rate[$name]:-?} msg/s), p50 ${fan_p50[$name]:-?} ms, p99 ${fan_p99[$name]:-?} ms"

	echo "[$name] joins: $joins users enter one after the other a room with $history messages ..."
	load_rc=0
	load joins --port "$c2s" --muc "$muc" --room joins --prefix "j" --register --joins "$joins" --history-messages "$history" \
		--expect-history "$expect" --sender-rate "$sender_rate" >"$state/joins.out" 2>"$state/joins.err" &
	load_pid=$!
	started+=("$load_pid")
	wait "$load_pid" || load_rc=$?
	if [ "$load_rc" -ne 0 ] || [ -z "$(value "$state/joins.out" join_p50_ms)" ]; then
		cat "$state/joins.err" >&2
		failures+=("$name: joins failed (exit $load_rc): history between $(value "$state/joins.out" history_min) and $(value "$state/joins.out" history_max) messages, $expect expected")
	fi
	join_p50[$name]=$(value "$state/joins.out" join_p50_ms)
	join_p99[$name]=$(value "$state/joins.out" join_p99_ms)
	echo "[$name] joins p50 ${join_p50[$name]:-?} ms, p99 ${join_p99[$name]:-?} ms, history $(value "$state/joins.out" history_min)–$(value "$state/joins.out" history_max) messages"
	prosody_hwm[$name]=$(status_mb "$prosody_pid" VmHWM)
	component_hwm[$name]=$([ -n "$component_pid" ] && status_mb "$component_pid" VmHWM || echo "-")
}

# run_memory: 0 rooms, then ROOMS_BENCH_ROOMS rooms of 10 messages each, on a fresh component.
run_memory() {
	local first=${#started[@]} rc=0
	run_memory_steps || rc=$?
	stop_from "$first"
	return "$rc"
}

run_memory_steps() {
	local state="$tmp/memory" db="$tmp/memory/xmpp-privacy.db" load_rc=0
	start_prosody memory || return 1
	local prosody_index=${#started[@]}
	start_component memory "$db" || return 1
	sleep "$settle"
	mem_lines+=("$(printf '%-44s VmRSS %5s MB  VmHWM %5s MB  rooms in memory %6s' "0 rooms, idle ${settle} s after start" \
		"$(status_mb "$component_pid" VmRSS)" "$(status_mb "$component_pid" VmHWM)" "$(rooms_loaded)")")

	echo "[memory] creating $mem_rooms persistent rooms with 10 messages each through XMPP ($mem_clients users) ..."
	load populate --port "$c2s" --muc rooms.localhost --room m --prefix "m" --register --rooms "$mem_rooms" --clients "$mem_clients" \
		--messages 10 --timeout 1800 >"$state/populate.out" 2>"$state/populate.err" &
	local load_pid=$!
	started+=("$load_pid")
	wait "$load_pid" || load_rc=$?
	if [ "$load_rc" -ne 0 ]; then
		cat "$state/populate.err" >&2
		failures+=("memory: creating the rooms failed (exit $load_rc)")
		return 0
	fi
	echo "[memory] $(value "$state/populate.out" rooms) rooms in $(value "$state/populate.out" seconds) s ($(value "$state/populate.out" rooms_per_s) rooms/s, enter p50 $(value "$state/populate.out" enter_p50_ms) ms)"
	mem_lines+=("$(printf '%-44s VmRSS %5s MB  VmHWM %5s MB  rooms in memory %6s' "just after creating $mem_rooms rooms" \
		"$(status_mb "$component_pid" VmRSS)" "$(status_mb "$component_pid" VmHWM)" "$(rooms_loaded)")")
	local stored kept
	stored=$(sqlite3 -cmd '.timeout 5000' "file:$db?mode=ro" "SELECT COUNT(*) FROM rooms;")
	kept=$(sqlite3 -cmd '.timeout 5000' "file:$db?mode=ro" "SELECT COUNT(*) FROM room_messages;")
	[ "$kept" -eq $((stored * 10)) ] || failures+=("memory: $stored rooms hold $kept messages, expected $((stored * 10))")
	[ "$stored" -ge "$mem_rooms" ] || failures+=("memory: the database holds $stored rooms, expected $mem_rooms")

	# Restart on the same database: what 10,000 stored rooms cost a component that has not touched them.
	stop_from "$prosody_index"
	local db_kb
	db_kb=$(du -k -c "$db"* | tail -n 1 | cut -f 1)
	start_component memory "$db" || return 1
	sleep "$settle"
	mem_lines+=("$(printf '%-44s VmRSS %5s MB  VmHWM %5s MB  rooms in memory %6s' "$stored rooms stored, restarted, idle ${settle} s" \
		"$(status_mb "$component_pid" VmRSS)" "$(status_mb "$component_pid" VmHWM)" "$(rooms_loaded)")")
	echo "[memory] entering and leaving $touch_rooms of them ..."
	load_rc=0
	load populate --port "$c2s" --muc rooms.localhost --room m --prefix "t" --register --rooms "$touch_rooms" --clients 20 \
		--messages 0 --expect-history 10 >"$state/touch.out" 2>"$state/touch.err" &
	load_pid=$!
	started+=("$load_pid")
	wait "$load_pid" || load_rc=$?
	if [ "$load_rc" -ne 0 ]; then
		cat "$state/touch.err" >&2
		failures+=("memory: entering $touch_rooms stored rooms failed or showed a wrong history (exit $load_rc)")
	fi
	mem_lines+=("$(printf '%-44s VmRSS %5s MB  VmHWM %5s MB  rooms in memory %6s' "after $touch_rooms of them entered and left" \
		"$(status_mb "$component_pid" VmRSS)" "$(status_mb "$component_pid" VmHWM)" "$(rooms_loaded)")")
	mem_lines+=("database: $stored rooms, $kept messages, $(awk -v k="$db_kb" 'BEGIN { printf "%.1f MB", k / 1024 }') (file, -wal and -shm); touch: enter p50 $(value "$state/touch.out" enter_p50_ms) ms, p99 $(value "$state/touch.out" enter_p99_ms) ms")
}

configs=(component ceiling mod_muc memory)
[ -n "$only" ] && read -r -a configs <<<"$only"
for config in "${configs[@]}"; do
	if [ "$config" = memory ]; then
		run_memory || failures+=("memory: could not run")
	else
		run_side "$config" || failures+=("$config: could not run")
	fi
done

echo
echo "Fan-out: $occupants occupants in one room, $senders senders x $messages messages, window $window, <= $sender_rate msg/s per sender; joins: $joins, history of 10"
row_format='%-10s %12s %9s %8s %8s %11s %11s %11s %11s %9s %9s %11s'
printf "$row_format\n" configuration deliveries/s "msgs/s" "p50 ms" "p99 ms" "join p50 ms" "join p99 ms" "Prosody CPU" "compon. CPU" "µs CPU/dl" "Prosody MB" "compon. MB"
for name in component ceiling mod_muc; do
	[ -n "${fan_rate[$name]+set}" ] || continue
	printf "$row_format\n" "$name" "${fan_rate[$name]:--}" "${msg_rate[$name]:--}" "${fan_p50[$name]:--}" "${fan_p99[$name]:--}" \
		"${join_p50[$name]:--}" "${join_p99[$name]:--}" "${prosody_cpu[$name]} s" "${component_cpu[$name]}$([ "${component_cpu[$name]}" != - ] && echo " s")" \
		"${cpu_per_delivery[$name]}" "${prosody_hwm[$name]}" "${component_hwm[$name]}"
done
echo "(CPU: seconds during the fan-out, registrations and entering included; µs CPU/dl: Prosody + component CPU per delivery,"
echo " warm-up included; MB: peak RSS (VmHWM) at the end of the joins.)"
if [ -n "${fan_rate[component]:-}" ] && [ -n "${fan_rate[mod_muc]:-}" ]; then
	echo
	awk -v a="${fan_rate[component]}" -v b="${fan_rate[mod_muc]}" 'BEGIN { printf "component / mod_muc deliveries/s = %.2f\n", a / b }'
	awk -v a="${fan_p50[component]}" -v b="${fan_p50[mod_muc]}" -v c="${fan_p99[component]}" -v d="${fan_p99[mod_muc]}" \
		'BEGIN { printf "component / mod_muc send→reflection latency p50 = %.2f, p99 = %.2f\n", a / b, c / d }'
	awk -v a="${join_p50[component]:-0}" -v b="${join_p50[mod_muc]:-0}" -v c="${join_p99[component]:-0}" -v d="${join_p99[mod_muc]:-0}" \
		'BEGIN { if (b > 0 && d > 0) printf "component / mod_muc join latency p50 = %.2f, p99 = %.2f\n", a / b, c / d }'
	awk -v a="${cpu_per_delivery[component]}" -v b="${cpu_per_delivery[mod_muc]}" \
		'BEGIN { if (b > 0) printf "component / mod_muc CPU per delivery (Prosody + component) = %.2f\n", a / b }'
fi
if [ -n "${fan_rate[component]:-}" ] && [ -n "${fan_rate[ceiling]:-}" ]; then
	echo
	awk -v a="${fan_rate[component]}" -v b="${fan_rate[ceiling]}" 'BEGIN { printf "component / ceiling deliveries/s = %.2f (the cost of keeping the last ten)\n", a / b }'
	awk -v a="${fan_p50[component]}" -v b="${fan_p50[ceiling]}" -v c="${fan_p99[component]}" -v d="${fan_p99[ceiling]}" \
		'BEGIN { if (b > 0 && d > 0) printf "component / ceiling send→reflection latency p50 = %.2f, p99 = %.2f\n", a / b, c / d }'
	awk -v a="${cpu_per_delivery[component]}" -v b="${cpu_per_delivery[ceiling]}" \
		'BEGIN { if (b > 0) printf "component / ceiling CPU per delivery (Prosody + component) = %.2f\n", a / b }'
	[ -n "${fan_rate[mod_muc]:-}" ] &&
		awk -v a="${fan_rate[ceiling]}" -v b="${fan_rate[mod_muc]}" 'BEGIN { printf "ceiling / mod_muc deliveries/s = %.2f\n", a / b }'
fi
if [ ${#mem_lines[@]} -gt 0 ]; then
	echo
	echo "Component memory with persistent rooms of 10 messages each:"
	for line in "${mem_lines[@]}"; do echo "  $line"; done
fi
if [ ${#failures[@]} -gt 0 ]; then
	echo >&2
	for f in "${failures[@]}"; do echo "FAILED: $f" >&2; done
	exit 1
fi
