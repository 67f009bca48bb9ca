#!/bin/bash
# record.sh - record real SSH handshakes into pcaps/<name>.pcap (one pcapng),
# with the programs' own debug logs beside each capture: the OpenSSH server's
# (sshd -o LogLevel=DEBUG3 -D -e) as pcaps/<name>.sshd.log and the OpenSSH
# client's (ssh -vvv) as pcaps/<name>.ssh.log, from the same run as the
# capture, so the log reader (kexray --sshd-log) can be judged against it.
#
# Usage: sudo pcaps/record.sh [NAME...]       (no NAME: every scenario)
#        pcaps/record.sh --list
#
# Each scenario runs in its own network namespace (kxrec-<pid>-<n>) with only
# loopback up, so nothing leaves the machine and nothing else lands in the
# capture.  Every process it starts (server, capture, client) also gets a
# private mount namespace (ip netns exec makes one) in which /run is an empty
# tmpfs holding /run/sshd and /root is a throw-away home directory: nothing
# outside the temporary work directory and pcaps/ is written.  Host keys and
# the user key are generated afresh on every run, so the key-exchange values
# differ between runs while banners and KEXINIT name-lists stay the same.
#
# Needs root, iproute2, tcpdump, tshark, openssh-server/-client, dropbear-bin,
# putty-tools and python3-paramiko (for /usr/bin/python3).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${KX_PCAP_OUT:-$HERE}

SCENARIOS=(
	openssh_login openssh_kex_mismatch openssh_hostkey_mismatch
	openssh_cipher_mismatch openssh_mac_mismatch openssh_port2222
	openssh_ipv6 openssh_sll2 openssh_pcapng dropbear_server
	plink_client paramiko_client
)

SSHD=/usr/sbin/sshd
PY=/usr/bin/python3
WAIT_TENTHS=100         # every readiness wait gives up after 10 s
CLIENT_TIMEOUT=30       # seconds a client may run before timeout(1) ends it
MAX_ATTEMPTS=5          # recordings tried for a scenario with a required closer

WORK=""                 # temporary directory of the whole run
NS=""                   # namespace of the scenario being recorded
NSCOUNT=0
PIDS=()                 # background processes still running
T=""                    # per-scenario directory
LASTPID=""
RESULTS=()
SSHD_LOG=""             # this scenario's sshd debug log, when sshd is the server
SSH_LOG=""              # this scenario's ssh -vvv log, when ssh is the client

# log, die, stop_pid, drop_one_ns, cleanup, NSWRAP, bg_ns, wait_listen, ...
. "$(dirname "$0")/proclib.sh"

# Remove the scenario's namespace (proclib.sh).
drop_ns() {
	drop_one_ns "$NS"
	NS=""
}

drop_scenario() { drop_ns; }

# Command prefix that runs a program that way (proclib.sh NSWRAP);
# filled in by begin().


# New namespace and directory for one scenario, with a fresh user key.
begin() {
	NSCOUNT=$((NSCOUNT + 1))
	NS="kxrec-$$-$NSCOUNT"
	T="$WORK/$1.$NSCOUNT"
	mkdir -p "$T/home/.ssh"
	chmod 0700 "$T" "$T/home" "$T/home/.ssh"
	ip netns add "$NS"
	NSRUN=(ip netns exec "$NS" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin
		HOME=/root LC_ALL=C KX_HOME="$T/home" /bin/sh -c "$NSWRAP" kxwrap)
	ip netns exec "$NS" ip link set lo up
	SSHD_LOG=""
	SSH_LOG=""
	ssh-keygen -q -t ed25519 -N '' -C kexray-record -f "$T/id_ed25519"
	cp "$T/id_ed25519.pub" "$T/authorized_keys"
	cp "$T/id_ed25519.pub" "$T/home/.ssh/authorized_keys"
	chmod 0600 "$T/authorized_keys" "$T/home/.ssh/authorized_keys"
	: >"$T/known_hosts"
}

# gen_hostkeys TYPE... : OpenSSH host keys in $T
gen_hostkeys() {
	local t
	for t in "$@"; do
		ssh-keygen -q -t "$t" -N '' -C "kexray-record-$t" -f "$T/ssh_host_${t}_key"
	done
}

# start_sshd ADDR PORT [config line...]; host keys: every $T/ssh_host_*_key
start_sshd() {
	local addr=$1 port=$2 k
	shift 2
	{
		echo "ListenAddress $addr"
		echo "Port $port"
		for k in "$T"/ssh_host_*_key; do
			echo "HostKey $k"
		done
		echo "PidFile none"
		echo "UsePAM no"
		echo "StrictModes no"
		echo "AuthorizedKeysFile $T/authorized_keys"
		echo "PermitRootLogin prohibit-password"
		echo "PasswordAuthentication no"
		echo "KbdInteractiveAuthentication no"
		echo "UseDNS no"
		# The command line's -o LogLevel=DEBUG3 below wins over this
		# (sshd takes the first value it is given); kept for sshd -t.
		echo "LogLevel VERBOSE"
		local line
		for line in "$@"; do
			echo "$line"
		done
	} >"$T/sshd_config"
	"${NSRUN[@]}" "$SSHD" -t -f "$T/sshd_config" || die "sshd rejects $T/sshd_config"
	# DEBUG3: both KEXINIT proposals, the kex choices and every packet type,
	# as an admin would set it to diagnose a failing handshake.
	bg_ns "$T/server.log" "$SSHD" -D -e -o LogLevel=DEBUG3 -f "$T/sshd_config"
	SERVER_PID=$LASTPID
	SSHD_LOG="$T/server.log"
	wait_listen "$NS" "$port" "$SERVER_PID"
}

# start_capture tcpdump|any|tshark FILE PORT
start_capture() {
	local kind=$1 file=$2 port=$3
	case $kind in
	tcpdump)
		bg_ns "$T/capture.log" tcpdump -Z root --immediate-mode -B 65536 -i lo -U -s 0 -w "$file" "tcp port $port"
		wait_log "$T/capture.log" "listening on lo" "$LASTPID" ;;
	any)
		bg_ns "$T/capture.log" tcpdump -Z root --immediate-mode -B 65536 -i any -y LINUX_SLL2 -U -s 0 -w "$file" "tcp port $port"
		wait_log "$T/capture.log" "listening on any" "$LASTPID" ;;
	tshark)
		bg_ns "$T/capture.log" tshark -q -B 64 -i lo -w "$file" -f "tcp port $port"
		wait_log "$T/capture.log" "Capturing on" "$LASTPID" ;;
	*) die "unknown capture kind $kind" ;;
	esac
	CAPTURE_PID=$LASTPID
	sleep 0.2
}

# Run a client in the namespace, bounded; records its exit status in CLIENT_RC.
run_client() {
	CLIENT_RC=0
	timeout -k 2 "$CLIENT_TIMEOUT" "${NSRUN[@]}" "$@" >"$T/client.log" 2>&1 ||
		CLIENT_RC=$?
}

# OpenSSH client at -vvv (DEBUG3); its stderr is the client log.
ssh_client() {
	SSH_LOG="$T/client.log"
	run_client ssh -vvv -F none -i "$T/id_ed25519" -o IdentitiesOnly=yes \
		-o UserKnownHostsFile="$T/known_hosts" -o GlobalKnownHostsFile=/dev/null \
		-o StrictHostKeyChecking=no -o BatchMode=yes -o ConnectTimeout=5 \
		-o UpdateHostKeys=no "$@"
}

# Stop capture and server and drop the namespace.
stop_scenario() {
	local name=$1 file=$2
	# Every scenario ends with a FIN from each side.  Wait (bounded) until the
	# capture holds both, then a little longer for the last ACK: packets reach
	# the capture late, in ring blocks the kernel retires on a timeout
	# (tcpdump -i any, dumpcap under tshark), and SIGINT loses what is left.
	local i fins=0
	for ((i = 0; i < 20; i++)); do
		fins=$(tshark -n -r "$file" -Y 'tcp.flags.fin == 1' 2>/dev/null | wc -l || true)
		((fins >= 2)) && break
		sleep 0.25
	done
	((fins >= 2)) || log "WARNING: $name: only $fins FIN(s) captured"
	sleep 1
	stop_pid "$CAPTURE_PID" INT
	forget_pid "$CAPTURE_PID"
	if grep -q 'dropped by' "$T/capture.log" && grep 'dropped by' "$T/capture.log" | grep -qv '^0 packets'; then
		log "WARNING: $name: the capture dropped packets:"
		grep 'dropped by' "$T/capture.log" >&2
	fi
	stop_pid "$SERVER_PID" TERM
	forget_pid "$SERVER_PID"
	drop_ns
	[[ -s $file ]] || die "$name: empty capture"
}

# Move the capture into $OUT, with the sshd and ssh logs of the same run
# beside it (<name>.sshd.log, <name>.ssh.log), and note the outcome.
keep() {
	local name=$1 file=$2 dest=$3 outcome=$4
	local base=${dest%.*}
	install -m 0644 "$file" "$dest"
	if [[ -n $SSHD_LOG ]]; then
		[[ -s $SSHD_LOG ]] || die "$name: empty sshd log"
		install -m 0644 "$SSHD_LOG" "$base.sshd.log"
	fi
	if [[ -n $SSH_LOG ]]; then
		[[ -s $SSH_LOG ]] || die "$name: empty ssh log"
		install -m 0644 "$SSH_LOG" "$base.ssh.log"
	fi
	RESULTS+=("$(printf '%-26s client rc=%-3s %s' "$name" "$CLIENT_RC" "$outcome")")
	log "$name: client exit $CLIENT_RC ($outcome) -> $dest"
	# The client's own words, without its debug lines.
	if [[ -s $T/client.log ]]; then
		grep -v '^debug[0-9]*: ' "$T/client.log" | sed 's/^/    client: /' | head -n 5 >&2 || true
	fi
}

finish() {
	stop_scenario "$1" "$2"
	keep "$@"
}

# Source port of the first FIN in a capture (empty if none).
first_fin_port() {
	tshark -n -r "$1" -Y 'tcp.flags.fin == 1' -T fields -e tcp.srcport 2>/dev/null | head -n 1 || true
}

# Records a successful OpenSSH login (or a refused one) into $1.
# openssh_scenario NAME CAPTURE-KIND ADDR PORT DEST EXPECT [--srv LINE]
#     [--cli OPTION] [--closer client|server]
# OpenSSH server and client.  With --closer, the capture is kept only if that
# side sent the first FIN: when both peers reject the KEXINITs they close at
# about the same moment, and the order is a race (usually the client wins,
# since sshd's FIN waits for both of its processes to exit).  Bounded retries.
openssh_scenario() {
	local name=$1 kind=$2 addr=$3 port=$4 dest=$5 expect=$6
	shift 6
	local srvopts=() cliopts=() closer="" attempt
	while (($#)); do
		case $1 in
		--srv) srvopts+=("$2"); shift 2 ;;
		--cli) cliopts+=("$2"); shift 2 ;;
		--closer) closer=$2; shift 2 ;;
		*) die "bad option $1" ;;
		esac
	done
	for ((attempt = 1; attempt <= MAX_ATTEMPTS; attempt++)); do
		begin "$name"
		if [[ $name == openssh_hostkey_mismatch ]]; then
			gen_hostkeys ed25519
		else
			gen_hostkeys ed25519 ecdsa rsa
		fi
		local cap="$T/capture.${dest##*.}"
		start_sshd "$addr" "$port" "${srvopts[@]+"${srvopts[@]}"}"
		start_capture "$kind" "$cap" "$port"
		ssh_client -p "$port" "${cliopts[@]+"${cliopts[@]}"}" "root@$addr" true
		local got=success
		((CLIENT_RC == 0)) || got="failed"
		[[ $got == "$expect" ]] || log "WARNING: $name expected $expect, client $got"
		stop_scenario "$name" "$cap"
		if [[ -n $closer ]]; then
			local fp who
			fp=$(first_fin_port "$cap")
			if [[ $fp == "$port" ]]; then who=server; else who=client; fi
			if [[ $who != "$closer" ]]; then
				if ((attempt < MAX_ATTEMPTS)); then
					log "$name: the $who closed first (attempt $attempt), recording again"
					continue
				fi
				log "WARNING: $name: the $who closed first in all $MAX_ATTEMPTS attempts; keeping the last"
			fi
			got="$got, $who closed first"
		fi
		keep "$name" "$cap" "$dest" "$got"
		return 0
	done
}

sc_openssh_login() {
	openssh_scenario openssh_login tcpdump 127.0.0.1 22 "$OUT/openssh_login.pcap" success
}
sc_openssh_kex_mismatch() {
	openssh_scenario openssh_kex_mismatch tcpdump 127.0.0.1 22 "$OUT/openssh_kex_mismatch.pcap" failed \
		--srv "KexAlgorithms curve25519-sha256" \
		--cli "-oKexAlgorithms=diffie-hellman-group14-sha256" \
		--closer client
}
sc_openssh_hostkey_mismatch() {
	openssh_scenario openssh_hostkey_mismatch tcpdump 127.0.0.1 22 "$OUT/openssh_hostkey_mismatch.pcap" failed \
		--cli "-oHostKeyAlgorithms=ecdsa-sha2-nistp256" \
		--closer client
}
sc_openssh_cipher_mismatch() {
	openssh_scenario openssh_cipher_mismatch tcpdump 127.0.0.1 22 "$OUT/openssh_cipher_mismatch.pcap" failed \
		--srv "Ciphers aes256-gcm@openssh.com" \
		--cli "-oCiphers=aes128-ctr" \
		--closer client
}
sc_openssh_mac_mismatch() {
	openssh_scenario openssh_mac_mismatch tcpdump 127.0.0.1 22 "$OUT/openssh_mac_mismatch.pcap" failed \
		--srv "Ciphers aes128-ctr" --srv "MACs hmac-sha2-512" \
		--cli "-oCiphers=aes128-ctr" --cli "-oMACs=hmac-sha2-256" \
		--closer client
}
sc_openssh_port2222() {
	openssh_scenario openssh_port2222 tcpdump 127.0.0.1 2222 "$OUT/openssh_port2222.pcap" success
}
sc_openssh_ipv6() {
	openssh_scenario openssh_ipv6 tcpdump ::1 22 "$OUT/openssh_ipv6.pcap" success
}
sc_openssh_sll2() {
	openssh_scenario openssh_sll2 any 127.0.0.1 22 "$OUT/openssh_sll2.pcap" success
	local enc
	enc=$(capinfos -E "$OUT/openssh_sll2.pcap" | sed -n 's/^File encapsulation: *//p')
	[[ $enc == *"cooked-mode capture v2"* ]] || die "openssh_sll2: link type is '$enc', not SLL2"
}
sc_openssh_pcapng() {
	openssh_scenario openssh_pcapng tshark 127.0.0.1 22 "$OUT/openssh_pcapng.pcapng" success
	local typ
	typ=$(capinfos -t "$OUT/openssh_pcapng.pcapng" | sed -n 's/^File type: *//p')
	[[ $typ == *pcapng* ]] || die "openssh_pcapng: file type is '$typ'"
}

# Dropbear server, OpenSSH client.  Dropbear reads ~root/.ssh/authorized_keys;
# /root is the scenario's home inside the namespace, so key login works.
sc_dropbear_server() {
	local name=dropbear_server
	begin "$name"
	dropbearkey -t ed25519 -f "$T/dropbear_ed25519_key" >/dev/null 2>&1
	local cap="$T/capture.pcap"
	bg_ns "$T/server.log" dropbear -F -E -s -p 127.0.0.1:22 -r "$T/dropbear_ed25519_key" -P "$T/dropbear.pid"
	SERVER_PID=$LASTPID
	wait_listen "$NS" 22 "$SERVER_PID"
	start_capture tcpdump "$cap" 22
	ssh_client -p 22 root@127.0.0.1 true
	local got=success
	((CLIENT_RC == 0)) || got=failed
	finish "$name" "$cap" "$OUT/$name.pcap" "$got"
}

# OpenSSH server, PuTTY plink client; the host key is pinned with -hostkey.
sc_plink_client() {
	local name=plink_client
	begin "$name"
	gen_hostkeys ed25519 ecdsa rsa
	puttygen "$T/id_ed25519" -O private -o "$T/id_ed25519.ppk" >/dev/null 2>&1 ||
		die "puttygen could not convert the user key"
	local cap="$T/capture.pcap" k fp hk=()
	for k in "$T"/ssh_host_*_key.pub; do
		fp=$(ssh-keygen -l -E sha256 -f "$k" | awk '{print $2}')
		hk+=(-hostkey "$fp")
	done
	start_sshd 127.0.0.1 22
	start_capture tcpdump "$cap" 22
	run_client plink -batch -ssh -P 22 -noagent -i "$T/id_ed25519.ppk" "${hk[@]}" root@127.0.0.1 true
	local got=success
	((CLIENT_RC == 0)) || got=failed
	finish "$name" "$cap" "$OUT/$name.pcap" "$got"
}

# OpenSSH server, paramiko client that stops right after the key exchange.
sc_paramiko_client() {
	local name=paramiko_client
	begin "$name"
	gen_hostkeys ed25519 ecdsa rsa
	cat >"$T/client.py" <<'EOF'
import socket
import sys
import time

import paramiko

sock = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
t = paramiko.Transport(sock)
t.start_client(timeout=5)
print("server %s, kex done, host key %s" % (t.remote_version, t.get_remote_server_key().get_name()))
# Half-close and let the transport's reader thread drain until sshd closes
# too: closing with unread data queued would make the kernel send a RST.
sock.shutdown(socket.SHUT_WR)
for _ in range(50):
    if not t.is_active():
        break
    time.sleep(0.1)
t.close()
EOF
	local cap="$T/capture.pcap"
	start_sshd 127.0.0.1 22
	start_capture tcpdump "$cap" 22
	run_client "$PY" "$T/client.py" 127.0.0.1 22
	local got="handshake done"
	((CLIENT_RC == 0)) || got=failed
	finish "$name" "$cap" "$OUT/$name.pcap" "$got"
}

main() {
	list_or_help "${1:-}" 5 && return 0
	need_root ip tcpdump tshark capinfos ssh ssh-keygen dropbear dropbearkey plink puttygen ss timeout
	[[ -x $SSHD ]] || die "missing $SSHD"
	[[ -x $PY ]] || die "missing $PY"
	pick_scenarios "$@"
	WORK=$(mktemp -d /tmp/kxrec.XXXXXX)
	chmod 0700 "$WORK"
	record_scenarios
}

trap cleanup EXIT
trap 'exit 130' INT TERM
main "$@"
