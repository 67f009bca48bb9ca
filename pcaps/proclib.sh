# shellcheck shell=bash
# proclib.sh - what the recording scripts (record.sh, record_close.sh,
# record_sessions.sh) share: messages, processes, namespaces, readiness waits
# and the choice of scenarios (sourced, not run). The sourcing script defines
# drop_scenario(), WAIT_TENTHS, the array SCENARIOS and a function sc_NAME
# per scenario; it keeps the PIDs it starts in the array PIDS, its temporary
# directory in WORK and each scenario's result line in the array RESULTS.

log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Stop one process we started: signal, bounded wait, then SIGKILL.
stop_pid() {
	local pid=$1 sig=${2:-TERM} i
	kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
	kill -"$sig" "$pid" 2>/dev/null || true
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		log "pid $pid ignored SIG$sig, sending SIGKILL"
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
}

# Take a PID off PIDS (it was stopped or waited for).
forget_pid() {
	local keep=() p
	for p in "${PIDS[@]}"; do
		[[ $p == "$1" ]] || keep+=("$p")
	done
	PIDS=("${keep[@]+"${keep[@]}"}")
}

# Remove one namespace. A server child still inside it (a per-connection
# process that has not exited yet) is stopped by its PID first.
drop_one_ns() {
	local ns=$1 pid i
	[[ -n $ns ]] || return 0
	ip netns list 2>/dev/null | grep -q "^$ns\b" || return 0
	for ((i = 0; i < 3; i++)); do
		local left
		left=$(ip netns pids "$ns" 2>/dev/null || true)
		[[ -n $left ]] || break
		for pid in $left; do
			log "stopping leftover pid $pid in $ns"
			kill -TERM "$pid" 2>/dev/null || true
		done
		sleep 0.5
	done
	for pid in $(ip netns pids "$ns" 2>/dev/null || true); do
		kill -KILL "$pid" 2>/dev/null || true
	done
	ip netns del "$ns" 2>/dev/null || true
}

# On exit: stop what is still running, remove the scenario's namespaces
# (drop_scenario, defined by the sourcing script) and the work directory.
cleanup() {
	local rc=$? p
	trap - EXIT INT TERM
	for p in "${PIDS[@]+"${PIDS[@]}"}"; do
		stop_pid "$p" TERM
	done
	PIDS=()
	drop_scenario
	[[ -n $WORK && -d $WORK ]] && rm -rf -- "$WORK"
	exit "$rc"
}

# Runs "$@" inside a namespace with a private /run (holding /run/sshd,
# sshd's privilege separation directory) and the scenario's home directory
# ($KX_HOME) on /root.
# shellcheck disable=SC2016  # expanded by the inner sh
NSWRAP='mount -t tmpfs -o mode=0755,size=4m kxrun /run &&
mkdir -m 0755 /run/sshd &&
mount --bind "$KX_HOME" /root &&
cd /root && exec "$@"'

# wait_log FILE PATTERN PID: until PATTERN shows in FILE (at most
# WAIT_TENTHS tenths of a second), or die if PID exits first.
wait_log() {
	local f=$1 pat=$2 pid=$3 i
	for ((i = 0; i < WAIT_TENTHS; i++)); do
		grep -q -- "$pat" "$f" 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || { cat "$f" >&2; die "pid $pid exited before '$pat'"; }
		sleep 0.1
	done
	cat "$f" >&2
	die "timed out waiting for '$pat' in $f"
}

# Command prefix that runs a program in the scenario's namespace (for
# example ip netns exec with NSWRAP); set by the sourcing script.
NSRUN=()

# bg_ns LOG CMD...: start CMD through NSRUN in the background, its output
# to LOG. A simple command, so bash execs it in the forked child and $! is
# the process itself (ip, sh and the program exec one another).
bg_ns() {
	local logf=$1
	shift
	"${NSRUN[@]}" "$@" >"$logf" 2>&1 &
	LASTPID=$!
	PIDS+=("$LASTPID")
}

# wait_listen NS PORT PID [LOG]: until something listens on TCP PORT in
# namespace NS (at most WAIT_TENTHS tenths of a second), or die if PID
# exits first (showing LOG when given).
wait_listen() {
	local ns=$1 port=$2 pid=$3 logf=${4:-} i
	for ((i = 0; i < WAIT_TENTHS; i++)); do
		ip netns exec "$ns" ss -H -l -t -n "sport = :$port" | grep -q . && return 0
		if ! kill -0 "$pid" 2>/dev/null; then
			[[ -z $logf ]] || cat "$logf" >&2
			die "server pid $pid exited before listening"
		fi
		sleep 0.1
	done
	die "timed out waiting for a listener on port $port"
}

# need_root TOOL...: die unless run as root with every TOOL on PATH.
need_root() {
	local n
	(($(id -u) == 0)) || die "must run as root (network namespaces, packet capture)"
	for n in "$@"; do
		command -v "$n" >/dev/null || die "missing $n"
	done
}

# pick_scenarios NAME...: WANT becomes the named scenarios (each must be in
# SCENARIOS), or all of them when none is named.
pick_scenarios() {
	local n s found
	WANT=()
	if (($# == 0)); then
		WANT=("${SCENARIOS[@]}")
		return 0
	fi
	for n in "$@"; do
		found=0
		for s in "${SCENARIOS[@]}"; do
			[[ $n == "$s" ]] && found=1
		done
		((found)) || die "unknown scenario '$n' (see --list)"
		WANT+=("$n")
	done
}

# record_scenarios: run sc_NAME for each scenario in WANT, then print
# every result line.
record_scenarios() {
	local n
	for n in "${WANT[@]}"; do
		log "recording $n"
		"sc_$n"
	done
	printf '%s\n' "${RESULTS[@]}"
}

# list_or_help ARG LINES: for --list print SCENARIOS, for -h or --help the
# script's header comment (its lines 2 to LINES); true when it printed.
list_or_help() {
	case ${1:-} in
	--list) printf '%s\n' "${SCENARIOS[@]}" ;;
	-h | --help) sed -n "2,${2}p" "$0" | sed 's/^# \{0,1\}//' ;;
	*) return 1 ;;
	esac
}
