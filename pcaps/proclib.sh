# proclib.sh - process and namespace handling shared by record.sh and
# record_close.sh (sourced, not run). The sourcing script defines log(),
# die(), drop_scenario() and WAIT_TENTHS, keeps the PIDs it starts in the
# array PIDS and its temporary directory in WORK.

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
