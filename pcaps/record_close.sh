#!/bin/bash
# record_close.sh - record how real SSH connections end (issue "Explain how
# every connection ended") into pcaps/close_<name>.pcap: refusals, silent
# clients, resets genuine and by a middlebox, a closed and a filtered port,
# a path MTU black hole, a rejected host key, a burst of failed logins.
#
# Usage: sudo pcaps/record_close.sh [NAME...]    (no NAME: every scenario)
#        pcaps/record_close.sh --list
#
# Each scenario builds its own three network namespaces, client, router and
# server (kxcl-<pid>-<n>-c/-r/-s), joined by two veth pairs:
#
#   client 10.99.1.2 [c0] --- [r0] 10.99.1.1  router  10.99.2.1 [r1] --- [s0] 10.99.2.2 server
#
# so the router is one real hop (TTLs drop by one through it) and can drop,
# reject or squeeze what passes. tcpdump captures on c0 (the client's view)
# or s0 (the server's), or both. Every process started gets a private /run
# (with /run/sshd) and a throw-away home on /root, as in record.sh; nothing
# outside the temporary directory and pcaps/ is written, and every namespace
# and process is removed at the end, by PID.
#
# Needs root, iproute2, iptables, tcpdump, openssh-server/-client and
# python3-paramiko (for /usr/bin/python3).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${KX_PCAP_OUT:-$HERE}

SCENARIOS=(
	maxstartups logingrace linger_rst middlebox_rst syn mtu_blackhole
	hostkey_rejected bruteforce protocol
)

SSHD=/usr/sbin/sshd
PY=/usr/bin/python3
WAIT_TENTHS=100         # every readiness wait gives up after 10 s
CLIENT_TIMEOUT=30       # seconds a client may run before timeout(1) ends it
CLIENT_ADDR=10.99.1.2
SERVER_ADDR=10.99.2.2
ROUTER_C=10.99.1.1
ROUTER_S=10.99.2.1

WORK=""
NSCOUNT=0
NSC="" NSR="" NSS=""
PIDS=()
T=""
LASTPID=""
RESULTS=()

# log, die, stop_pid, drop_one_ns, cleanup, NSWRAP, bg_ns, wait_listen, ...
. "$(dirname "$0")/proclib.sh"

drop_topo() {
	drop_one_ns "$NSC"
	drop_one_ns "$NSS"
	drop_one_ns "$NSR"
	NSC="" NSR="" NSS=""
}

drop_scenario() { drop_topo; }

# Command prefixes that run a program that way in the client and the server
# namespace; filled in by begin().
IN_C=()
IN_S=()

# bg c|s LOG CMD...: in the background; $LASTPID is the program itself (a
# simple command: ip, sh and the program exec one another).
bg() {
	local w=$1 logf=$2
	shift 2
	if [[ $w == c ]]; then
		"${IN_C[@]}" "$@" >"$logf" 2>&1 &
	else
		"${IN_S[@]}" "$@" >"$logf" 2>&1 &
	fi
	LASTPID=$!
	PIDS+=("$LASTPID")
}

# The three namespaces and two links of one scenario, and its directory.
begin() {
	NSCOUNT=$((NSCOUNT + 1))
	local base="kxcl-$$-$NSCOUNT"
	NSC="$base-c" NSR="$base-r" NSS="$base-s"
	T="$WORK/$1.$NSCOUNT"
	mkdir -p "$T/home/.ssh"
	chmod 0700 "$T" "$T/home" "$T/home/.ssh"
	ip netns add "$NSC"
	ip netns add "$NSR"
	ip netns add "$NSS"
	ip link add c0 netns "$NSC" type veth peer name r0 netns "$NSR"
	ip link add s0 netns "$NSS" type veth peer name r1 netns "$NSR"
	ip -n "$NSC" addr add "$CLIENT_ADDR/24" dev c0
	ip -n "$NSR" addr add "$ROUTER_C/24" dev r0
	ip -n "$NSR" addr add "$ROUTER_S/24" dev r1
	ip -n "$NSS" addr add "$SERVER_ADDR/24" dev s0
	local ns
	for ns in "$NSC" "$NSR" "$NSS"; do
		ip -n "$ns" link set lo up
	done
	ip -n "$NSC" link set c0 up
	ip -n "$NSR" link set r0 up
	ip -n "$NSR" link set r1 up
	ip -n "$NSS" link set s0 up
	ip -n "$NSC" route add default via "$ROUTER_C"
	ip -n "$NSS" route add default via "$ROUTER_S"
	ip netns exec "$NSR" sysctl -qw net.ipv4.ip_forward=1
	IN_C=(ip netns exec "$NSC" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin
		HOME=/root LC_ALL=C KX_HOME="$T/home" /bin/sh -c "$NSWRAP" kxwrap)
	IN_S=(ip netns exec "$NSS" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin
		HOME=/root LC_ALL=C KX_HOME="$T/home" /bin/sh -c "$NSWRAP" kxwrap)
	ssh-keygen -q -t ed25519 -N '' -C kexray-record -f "$T/id_ed25519"
	cp "$T/id_ed25519.pub" "$T/authorized_keys"
	chmod 0600 "$T/authorized_keys"
	: >"$T/known_hosts"
}

gen_hostkey() {   # TYPE [BITS]
	local bits=()
	[[ -n ${2:-} ]] && bits=(-b "$2")
	ssh-keygen -q -t "$1" "${bits[@]}" -N '' -C "kexray-record-$1" -f "$T/ssh_host_$1_key"
}

# start_sshd [config line...]: sshd on $SERVER_ADDR:22 with every host key in $T.
start_sshd() {
	local k line
	{
		echo "ListenAddress $SERVER_ADDR"
		echo "Port 22"
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
		for line in "$@"; do
			echo "$line"
		done
	} >"$T/sshd_config"
	"${IN_S[@]}" "$SSHD" -t -f "$T/sshd_config" || die "sshd rejects $T/sshd_config"
	bg s "$T/server.log" "$SSHD" -D -e -o LogLevel=VERBOSE -f "$T/sshd_config"
	SERVER_PID=$LASTPID
	wait_listen "$NSS" 22 "$SERVER_PID"
}

CAPTURES=()   # "pid file" of the running tcpdumps

# capture c|s IFACE FILE
capture() {
	local w=$1 ifc=$2 file=$3
	bg "$w" "$file.log" tcpdump -Z root --immediate-mode -B 4096 -i "$ifc" -U -s 0 -w "$file" "tcp port 22"
	wait_log "$file.log" "listening on $ifc" "$LASTPID"
	CAPTURES+=("$LASTPID $file")
	sleep 0.2
}

# OpenSSH client in the client namespace, bounded; CLIENT_RC is its status.
# ssh takes the first value of an option: SSH_FIRST goes before the defaults.
SSH_FIRST=()
ssh_client() {
	CLIENT_RC=0
	timeout -k 2 "${SSH_TIMEOUT:-$CLIENT_TIMEOUT}" "${IN_C[@]}" ssh -F none \
		"${SSH_FIRST[@]+"${SSH_FIRST[@]}"}" \
		-i "$T/id_ed25519" -o IdentitiesOnly=yes \
		-o UserKnownHostsFile="$T/known_hosts" -o GlobalKnownHostsFile=/dev/null \
		-o StrictHostKeyChecking=no -o BatchMode=yes -o ConnectTimeout=5 \
		-o UpdateHostKeys=no "$@" >>"$T/client.log" 2>&1 || CLIENT_RC=$?
}

# py SCRIPT ARGS...: one of the helper programs below in the client
# namespace, bounded.
py() {
	CLIENT_RC=0
	timeout -k 2 "$CLIENT_TIMEOUT" "${IN_C[@]}" "$PY" -u "$@" >>"$T/client.log" 2>&1 ||
		CLIENT_RC=$?
}

# Stop the captures (after the last packets reached them), the server, the
# namespaces; keep each capture as pcaps/close_<name>.pcap.
finish() {
	local name=$1 note=$2 c pid file dest
	shift 2
	sleep 1
	for c in "${CAPTURES[@]}"; do
		pid=${c%% *}
		file=${c#* }
		stop_pid "$pid" INT
		forget_pid "$pid"
		if grep 'dropped by kernel' "$file.log" | grep -qv '^0 packets'; then
			log "WARNING: $name: the capture $file dropped packets"
		fi
	done
	CAPTURES=()
	if [[ -n ${SERVER_PID:-} ]]; then
		stop_pid "$SERVER_PID" TERM
		forget_pid "$SERVER_PID"
		SERVER_PID=""
	fi
	drop_topo
	for c in "$@"; do
		file=${c%%=*}
		dest="$OUT/close_${c#*=}.pcap"
		[[ -s $file ]] || die "$name: empty capture $file"
		install -m 0644 "$file" "$dest"
		RESULTS+=("$(printf '%-30s %s' "close_${c#*=}" "$note")")
		log "$name: $note -> $dest"
	done
	if [[ -s $T/client.log ]]; then
		grep -v '^debug[0-9]*: ' "$T/client.log" | sed 's/^/    client: /' | head -n 8 >&2 || true
	fi
}

# ------------------------------------------------------------- helper programs

write_helpers() {
	cat >"$WORK/rawssh.py" <<'EOF'
"""A minimal SSH client for what real programs do not do on demand.

rawssh.py ADDR MODE
  silent N   connect, read the server's banner, send nothing; wait until the
             server closes or N seconds pass, then close
  probe      connect and close at once (FIN), sending nothing
  ssh1       identify as SSH-1.5 and read until the server closes
  strict     offer strict KEX, then send SSH_MSG_IGNORE during the initial
             key exchange (a strict-KEX violation) and read until closed
  linger     banner, KEXINIT, KEX_ECDH_INIT; read the server's reply, then
             close with SO_LINGER 0 (a RST) in the middle of the key exchange
"""
import socket
import struct
import sys
import time

LISTS = ["curve25519-sha256", "ssh-ed25519", "aes128-ctr", "aes128-ctr",
         "hmac-sha2-256", "hmac-sha2-256", "none", "none", "", ""]

def namelist(s):
    b = s.encode()
    return struct.pack(">I", len(b)) + b

def packet(payload):
    pad = 8 - (5 + len(payload)) % 8
    if pad < 4:
        pad += 8
    return struct.pack(">IB", 1 + len(payload) + pad, pad) + payload + b"\0" * pad

def kexinit(kex):
    lists = [kex] + LISTS[1:]
    return bytes([20]) + b"\x11" * 16 + b"".join(namelist(x) for x in lists) + b"\0" + b"\0" * 4

class Peer:
    def __init__(self, addr):
        self.s = socket.create_connection((addr, 22), timeout=10)
        self.buf = b""

    def more(self):
        d = self.s.recv(65536)
        if not d:
            raise EOFError
        self.buf += d

    def line(self):
        while b"\n" not in self.buf:
            self.more()
        ln, self.buf = self.buf.split(b"\n", 1)
        return ln

    def banner(self):
        while True:
            ln = self.line()
            if ln.startswith(b"SSH-"):
                return ln

    def packet(self):
        while len(self.buf) < 4:
            self.more()
        n = struct.unpack(">I", self.buf[:4])[0]
        while len(self.buf) < 4 + n:
            self.more()
        pkt, self.buf = self.buf[4:4 + n], self.buf[4 + n:]
        return pkt[1:len(pkt) - pkt[0]]

    def drain(self):
        try:
            while True:
                self.more()
        except (EOFError, OSError):
            pass

def main():
    addr, mode = sys.argv[1], sys.argv[2]
    p = Peer(addr)
    if mode == "probe":
        p.s.close()
        return
    if mode == "silent":
        p.s.settimeout(float(sys.argv[3]))
        print("server:", p.banner())
        p.drain()
        p.s.close()
        return
    if mode == "ssh1":
        p.s.sendall(b"SSH-1.5-kexray_old_client\r\n")
        p.drain()
        print("server said:", p.buf[:200])
        p.s.close()
        return
    p.s.sendall(b"SSH-2.0-kexray_record_close\r\n")
    print("server:", p.banner())
    if mode == "strict":
        p.s.sendall(packet(kexinit("curve25519-sha256,kex-strict-c-v00@openssh.com")) +
                    packet(bytes([2]) + namelist("")))
        p.drain()
        print("server said:", p.buf[:300])
        p.s.close()
        return
    if mode == "linger":
        p.s.sendall(packet(kexinit("curve25519-sha256")))
        while p.packet()[:1] != bytes([20]):
            pass
        p.s.sendall(packet(bytes([30]) + struct.pack(">I", 32) + b"\x09" * 32))
        while p.packet()[:1] != bytes([31]):
            pass
        print("server's KEX reply received; resetting")
        p.s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        p.s.close()
        return
    sys.exit("unknown mode " + mode)

if __name__ == "__main__":
    main()
EOF
	cat >"$WORK/kexonly.py" <<'EOF'
"""paramiko: the key exchange, then silence until the server hangs up."""
import socket
import sys
import time

import paramiko

sock = socket.create_connection((sys.argv[1], 22), timeout=5)
t = paramiko.Transport(sock)
t.start_client(timeout=5)
print("kex done with", t.remote_version)
for _ in range(100):
    if not t.is_active():
        break
    time.sleep(0.1)
print("server hung up" if not t.is_active() else "still open")
t.close()
EOF
}

# ------------------------------------------------------------------ scenarios

# MaxStartups 1 with the one slot held by a client that never speaks; a real
# ssh is refused ("Exceeded MaxStartups"); then the holder hangs up.
sc_maxstartups() {
	begin maxstartups
	gen_hostkey ed25519
	start_sshd "MaxStartups 1" "LoginGraceTime 30"
	capture c c0 "$T/c.pcap"
	bg c "$T/holder.log" "$PY" -u "$WORK/rawssh.py" "$SERVER_ADDR" silent 4
	local holder=$LASTPID
	wait_log "$T/holder.log" "server:" "$holder"
	ssh_client root@"$SERVER_ADDR" true
	local i
	for ((i = 0; i < WAIT_TENTHS; i++)); do   # it hangs up after 4 s of silence
		kill -0 "$holder" 2>/dev/null || break
		sleep 0.1
	done
	stop_pid "$holder" TERM
	forget_pid "$holder"
	finish maxstartups "ssh rc=$CLIENT_RC" "$T/c.pcap=maxstartups"
}

# LoginGraceTime 2: a client silent from the start, then one silent after
# the key exchange; sshd gives up on both.
sc_logingrace() {
	begin logingrace
	gen_hostkey ed25519
	start_sshd "LoginGraceTime 2"
	capture c c0 "$T/c.pcap"
	py "$WORK/rawssh.py" "$SERVER_ADDR" silent 6
	sleep 0.5
	py "$WORK/kexonly.py" "$SERVER_ADDR"
	finish logingrace "helpers rc=$CLIENT_RC" "$T/c.pcap=logingrace"
}

# The client resets (SO_LINGER 0) right after the server's key exchange reply.
sc_linger_rst() {
	begin linger_rst
	gen_hostkey ed25519
	start_sshd
	capture s s0 "$T/s.pcap"
	py "$WORK/rawssh.py" "$SERVER_ADDR" linger
	finish linger_rst "helper rc=$CLIENT_RC" "$T/s.pcap=linger_rst"
}

# A session; once it is up, the router answers every SSH segment with
# REJECT --reject-with tcp-reset: a genuine middlebox reset toward each end
# (keepalives from both sides trigger it). Captured on both sides.
sc_middlebox_rst() {
	begin middlebox_rst
	gen_hostkey ed25519
	start_sshd "ClientAliveInterval 1"
	capture c c0 "$T/c.pcap"
	capture s s0 "$T/s.pcap"
	CLIENT_RC=0
	( timeout -k 2 20 "${IN_C[@]}" ssh -F none -i "$T/id_ed25519" -o IdentitiesOnly=yes \
		-o UserKnownHostsFile="$T/known_hosts" -o GlobalKnownHostsFile=/dev/null \
		-o StrictHostKeyChecking=no -o BatchMode=yes -o ConnectTimeout=5 \
		-o UpdateHostKeys=no -o ServerAliveInterval=1 root@"$SERVER_ADDR" "sleep 8" \
		>>"$T/client.log" 2>&1 ) &
	local cl=$!
	PIDS+=("$cl")
	local i
	for ((i = 0; i < WAIT_TENTHS; i++)); do
		ip netns exec "$NSS" ss -H -t -n state established "sport = :22" | grep -q . && break
		sleep 0.1
	done
	sleep 2   # authentication and the session start
	ip netns exec "$NSR" iptables -I FORWARD -p tcp --sport 22 -j REJECT --reject-with tcp-reset
	ip netns exec "$NSR" iptables -I FORWARD -p tcp --dport 22 -j REJECT --reject-with tcp-reset
	wait "$cl" || CLIENT_RC=$?
	forget_pid "$cl"
	sleep 2   # the server's next keepalive meets the rule too
	finish middlebox_rst "ssh rc=$CLIENT_RC" "$T/c.pcap=middlebox_rst_client" "$T/s.pcap=middlebox_rst_server"
}

# A filtered port (the router drops the SYNs: ssh retries, gives up), then
# a closed one (no sshd: a RST answers the SYN).
sc_syn() {
	begin syn
	capture c c0 "$T/c.pcap"
	ip netns exec "$NSR" iptables -I FORWARD -p tcp --dport 22 -j DROP
	SSH_TIMEOUT=10 ssh_client root@"$SERVER_ADDR" true   # ConnectTimeout=5
	ip netns exec "$NSR" iptables -D FORWARD -p tcp --dport 22 -j DROP
	sleep 3
	ssh_client root@"$SERVER_ADDR" true
	finish syn "ssh rc=$CLIENT_RC" "$T/c.pcap=syn"
}

# The router's link to the client has an MTU of 900 while the client's end
# says 1500, and the router drops the ICMP "fragmentation needed" it would
# send: the server's 1.1 KB key exchange reply (RSA-4096 host key) never
# arrives. Small algorithm lists keep everything else small.
sc_mtu_blackhole() {
	begin mtu_blackhole
	gen_hostkey rsa 4096
	start_sshd "KexAlgorithms curve25519-sha256" "HostKeyAlgorithms rsa-sha2-512" \
		"Ciphers aes128-ctr" "MACs hmac-sha2-256"
	ip -n "$NSR" link set r0 mtu 900
	ip netns exec "$NSR" iptables -A OUTPUT -p icmp --icmp-type fragmentation-needed -j DROP
	capture c c0 "$T/c.pcap"
	capture s s0 "$T/s.pcap"
	SSH_TIMEOUT=8 ssh_client -o KexAlgorithms=curve25519-sha256 \
		-o HostKeyAlgorithms=rsa-sha2-512 -o Ciphers=aes128-ctr \
		-o MACs=hmac-sha2-256 root@"$SERVER_ADDR" true
	finish mtu_blackhole "ssh rc=$CLIENT_RC (124: ended by timeout)" \
		"$T/s.pcap=mtu_blackhole_server" "$T/c.pcap=mtu_blackhole_client"
}

# The client's known_hosts holds another key for the server and
# StrictHostKeyChecking is yes: "Host key verification failed."
sc_hostkey_rejected() {
	begin hostkey_rejected
	gen_hostkey ed25519
	ssh-keygen -q -t ed25519 -N '' -C other -f "$T/other_key"
	printf '%s %s\n' "$SERVER_ADDR" "$(cut -d' ' -f1,2 "$T/other_key.pub")" >"$T/known_hosts"
	start_sshd
	capture c c0 "$T/c.pcap"
	SSH_FIRST=(-o StrictHostKeyChecking=yes)
	ssh_client root@"$SERVER_ADDR" true
	SSH_FIRST=()
	grep -q "Host key verification failed" "$T/client.log" ||
		log "WARNING: hostkey_rejected: ssh did not say 'Host key verification failed'"
	finish hostkey_rejected "ssh rc=$CLIENT_RC" "$T/c.pcap=hostkey_rejected"
}

# 40 logins from one address with a key the server does not accept.
sc_bruteforce() {
	begin bruteforce
	gen_hostkey ed25519
	ssh-keygen -q -t ed25519 -N '' -C wrong -f "$T/wrong_key"
	start_sshd
	capture c c0 "$T/c.pcap"
	local i denied=0
	for ((i = 0; i < 40; i++)); do
		CLIENT_RC=0
		timeout -k 2 10 "${IN_C[@]}" ssh -F none -i "$T/wrong_key" -o IdentitiesOnly=yes \
			-o UserKnownHostsFile="$T/known_hosts" -o GlobalKnownHostsFile=/dev/null \
			-o StrictHostKeyChecking=no -o BatchMode=yes -o ConnectTimeout=5 \
			-o UpdateHostKeys=no root@"$SERVER_ADDR" true >>"$T/client.log" 2>&1 || CLIENT_RC=$?
		((CLIENT_RC == 255)) && denied=$((denied + 1))
	done
	finish bruteforce "$denied of 40 denied" "$T/c.pcap=bruteforce"
}

# An SSH-1.5 client, a strict-KEX violation (sshd's cleartext DISCONNECT),
# and a bare connect-and-close probe.
sc_protocol() {
	begin protocol
	gen_hostkey ed25519
	start_sshd
	capture c c0 "$T/c.pcap"
	py "$WORK/rawssh.py" "$SERVER_ADDR" ssh1
	sleep 0.5
	py "$WORK/rawssh.py" "$SERVER_ADDR" strict
	sleep 0.5
	py "$WORK/rawssh.py" "$SERVER_ADDR" probe
	finish protocol "helpers rc=$CLIENT_RC" "$T/c.pcap=protocol"
}

main() {
	list_or_help "${1:-}" 6 && return 0
	need_root ip iptables tcpdump ssh ssh-keygen ss timeout
	[[ -x $SSHD ]] || die "missing $SSHD"
	[[ -x $PY ]] || die "missing $PY"
	pick_scenarios "$@"
	WORK=$(mktemp -d /tmp/kxclose.XXXXXX)
	chmod 0711 "$WORK"
	write_helpers
	record_scenarios
}

trap cleanup EXIT
trap 'exit 130' INT TERM
main "$@"
