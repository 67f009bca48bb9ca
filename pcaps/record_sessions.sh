#!/bin/bash
# record_sessions.sh - record whole SSH sessions (login and what follows, all
# of it encrypted) between real programs, with the server's own log as the
# truth: pcaps/sessions/<name>.pcap, <name>.server.log (sshd at LogLevel
# DEBUG3, or dropbear -E) and <name>.truth.json (login outcome, attempts,
# methods and session kind per connection, read from that log by
# sessions_truth.py).  Issue 17: what the encrypted part tells.
#
# Usage: sudo pcaps/record_sessions.sh [NAME...]   (no NAME: every scenario)
#        pcaps/record_sessions.sh --list
#
# Each scenario runs in its own network namespace (kx17-<pid>-<n>, only lo
# up).  Every process it starts gets a private mount namespace (ip netns exec)
# in which /run and /var/log are empty tmpfs (sshd's utmp, wtmp, btmp and
# lastlog land there), /root is a throw-away home, and /etc/shadow is a
# bind mount of a one-line file giving root the scenario's password: the
# host's /etc/passwd and /etc/shadow are read by nobody and written by
# nobody.  The keyboard-interactive scenarios also bind-mount a four-line
# /etc/pam.d/sshd (pam_unix only).  Password prompts are answered by an
# SSH_ASKPASS script (SSH_ASKPASS_REQUIRE=force) that reads its answers, one
# per prompt, from a file.
#
# Needs root, iproute2, tcpdump, tshark, openssl, openssh-server/-client,
# dropbear-bin, python3-paramiko (for /usr/bin/python3) and ssh-audit.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${KX_SESSIONS_OUT:-$HERE/sessions}

SCENARIOS=(
	pw_ok key_ok pw_fail1 pw_fail3 pw_maxtries pw_fail_then_ok key_fail_pw_ok
	kbdint_ok kbdint_fail banner_pw_ok zlib_pw_ok
	gcm_pw_ok gcm_pw_fail ctr_etm_pw_ok ctr_etm_pw_fail ctr_hmac_pw_ok ctr_hmac_pw_fail
	command pty scp_up scp_down fwd_local burst_one burst_many
	none_ok dropbear_pw_ok dropbear_pw_fail dropbear_key_ok
	banner_short_pw_ok banner_short_pw_fail paramiko_pw_fail_then_ok
	fwd_remote fwd_dynamic reverse_shell paramiko_auth_only ssh_audit_scan
	ssh_audit_burst gcm_command etm_command gcm_fwd_local etm_fwd_remote
	dheat grace_hold
)

SSHD=/usr/sbin/sshd
PY=/usr/bin/python3
PASSWORD=kexray-pw17
WAIT_TENTHS=100         # every readiness wait gives up after 10 s
CLIENT_TIMEOUT=30       # seconds a client may run before timeout(1) ends it

WORK=""
NS=""
NSCOUNT=0
PIDS=()
T=""
LASTPID=""
RESULTS=()
SERVER_PID=""
CAPTURE_PID=""
CLIENT_RC=0
KIND=""                 # the session kind as the scenario made it, for the truth file

# log, die, stop_pid, drop_one_ns, cleanup, NSWRAP, bg_ns, wait_listen, ...
. "$HERE/proclib.sh"

drop_scenario() { drop_one_ns "$NS"; NS=""; }

# proclib.sh's NSWRAP plus /var/log on a tmpfs, the scenario's shadow file
# and, when $KX_PAM is set, its PAM service file.
# shellcheck disable=SC2016  # expanded by the inner sh
NSWRAP17='mount -t tmpfs -o mode=0755,size=4m kxrun /run &&
mkdir -m 0755 /run/sshd &&
mount -t tmpfs -o mode=0755,size=4m kxlog /var/log &&
mount --bind "$KX_SHADOW" /etc/shadow &&
{ [ -z "$KX_PAM" ] || mount --bind "$KX_PAM" /etc/pam.d/sshd; } &&
mount --bind "$KX_HOME" /root &&
cd /root && exec "$@"'


# The askpass program: one answer per prompt from $KX_T/answers, in order;
# past the last, the last again; the word EMPTY answers an empty line.
write_askpass() {
	cat >"$WORK/askpass" <<'EOA'
#!/bin/sh
n=$(cat "$KX_T/askpass.n" 2>/dev/null || echo 0)
echo $((n + 1)) >"$KX_T/askpass.n"
line=$(sed -n "$((n + 1))p" "$KX_T/answers")
[ -n "$line" ] || line=$(tail -n 1 "$KX_T/answers")
[ "$line" = EMPTY ] && line=""
printf '%s\n' "$line"
EOA
	chmod 0755 "$WORK/askpass"
}

answers() { printf '%s\n' "$@" >"$T/answers"; rm -f "$T/askpass.n"; }

# begin NAME [pam|empty]: namespace, directory, user keys, a shadow file
# giving root the password (or an empty one), PAM file when asked.
begin() {
	local name=$1 pwmode=${2:-}
	NSCOUNT=$((NSCOUNT + 1))
	NS="${KX_NS_PREFIX:-kx17}-$$-$NSCOUNT"
	KIND=""
	T="$WORK/$name.$NSCOUNT"
	mkdir -p "$T/home/.ssh"
	chmod 0711 "$T"
	chmod 0700 "$T/home" "$T/home/.ssh"
	local hash=""
	[[ $pwmode == empty ]] || hash=$(openssl passwd -6 "$PASSWORD")
	printf 'root:%s:19000:0:99999:7:::\n' "$hash" >"$T/shadow"
	chmod 0640 "$T/shadow"
	local pam=""
	if [[ $pwmode == pam ]]; then
		pam="$T/pam_sshd"
		printf '%s\n' 'auth required pam_unix.so' 'account required pam_unix.so' \
			'session required pam_permit.so' 'password required pam_deny.so' >"$pam"
	fi
	ip netns add "$NS"
	NSRUN=(ip netns exec "$NS" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin
		HOME=/root LC_ALL=C KX_HOME="$T/home" KX_SHADOW="$T/shadow" KX_PAM="$pam"
		KX_T="$T" SSH_ASKPASS="$WORK/askpass" SSH_ASKPASS_REQUIRE=force DISPLAY=none
		/bin/sh -c "$NSWRAP17" kxwrap)
	ip netns exec "$NS" ip link set lo up
	ssh-keygen -q -t ed25519 -N '' -C kexray-record -f "$T/id_ed25519"
	ssh-keygen -q -t ed25519 -N '' -C kexray-wrong -f "$T/wrong_ed25519"
	cp "$T/id_ed25519.pub" "$T/authorized_keys"
	cp "$T/id_ed25519.pub" "$T/home/.ssh/authorized_keys"
	chmod 0600 "$T/authorized_keys" "$T/home/.ssh/authorized_keys"
	: >"$T/known_hosts"
	: >"$T/client.log"
	answers "$PASSWORD"
}

# start_sshd [config line...]: sshd at DEBUG3; sshd takes the first value of
# each keyword, so the lines given win over the defaults after them.
start_sshd() {
	local line
	ssh-keygen -q -t ed25519 -N '' -C kexray-record-host -f "$T/ssh_host_ed25519_key"
	{
		echo "ListenAddress 127.0.0.1"
		echo "Port 22"
		echo "HostKey $T/ssh_host_ed25519_key"
		echo "PidFile none"
		echo "StrictModes no"
		echo "AuthorizedKeysFile $T/authorized_keys"
		echo "UseDNS no"
		echo "LogLevel VERBOSE"
		echo "Subsystem sftp internal-sftp"
		for line in "$@"; do
			echo "$line"
		done
		echo "UsePAM no"
		echo "PermitRootLogin yes"
		echo "PasswordAuthentication yes"
		echo "KbdInteractiveAuthentication no"
	} >"$T/sshd_config"
	"${NSRUN[@]}" "$SSHD" -t -f "$T/sshd_config" || die "sshd rejects $T/sshd_config"
	bg_ns "$T/server.log" "$SSHD" -D -e -o LogLevel=DEBUG3 -f "$T/sshd_config"
	SERVER_PID=$LASTPID
	wait_listen "$NS" 22 "$SERVER_PID" "$T/server.log"
}

start_dropbear() {
	dropbearkey -t ed25519 -f "$T/dropbear_ed25519_key" >/dev/null 2>&1
	bg_ns "$T/server.log" dropbear -F -E -p 127.0.0.1:22 -r "$T/dropbear_ed25519_key" -P /run/dropbear.pid
	SERVER_PID=$LASTPID
	wait_listen "$NS" 22 "$SERVER_PID" "$T/server.log"
}

start_capture() {
	bg_ns "$T/capture.log" tcpdump -Z root --immediate-mode -B 65536 -i lo -U -s 0 -w "$T/capture.pcap" "tcp port 22"
	CAPTURE_PID=$LASTPID
	wait_log "$T/capture.log" "listening on lo" "$LASTPID"
	sleep 0.2
}

# ssh_cli [ssh options and arguments]: OpenSSH client, bounded.
ssh_cli() {
	CLIENT_RC=0
	timeout -k 2 "$CLIENT_TIMEOUT" "${NSRUN[@]}" ssh -F none -o IdentitiesOnly=yes \
		-o UserKnownHostsFile="$T/known_hosts" -o GlobalKnownHostsFile=/dev/null \
		-o StrictHostKeyChecking=no -o ConnectTimeout=5 -o UpdateHostKeys=no \
		"$@" </dev/null >>"$T/client.log" 2>&1 || CLIENT_RC=$?
}
PWONLY=(-o PubkeyAuthentication=no -o PreferredAuthentications=password)

# finish NAME DESCRIPTION [CONNECTIONS]: wait until the capture holds both
# FINs of every connection (bounded), stop capture, server and namespace;
# keep capture, server log and the truth read from that log.
finish() {
	local name=$1 note=$2 conns=${3:-1} i fins=0
	for ((i = 0; i < 40; i++)); do
		fins=$(tshark -n -r "$T/capture.pcap" -Y 'tcp.flags.fin == 1' 2>/dev/null | wc -l || true)
		((fins >= 2 * conns)) && break
		sleep 0.25
	done
	((fins >= 2 * conns)) || log "WARNING: $name: only $fins FIN(s) captured"
	sleep 1
	stop_pid "$CAPTURE_PID" INT
	forget_pid "$CAPTURE_PID"
	if grep 'dropped by' "$T/capture.log" | grep -qv '^0 packets'; then
		log "WARNING: $name: the capture dropped packets"
	fi
	stop_pid "$SERVER_PID" TERM
	forget_pid "$SERVER_PID"
	drop_scenario
	[[ -s $T/capture.pcap ]] || die "$name: empty capture"
	install -m 0644 "$T/capture.pcap" "$OUT/$name.pcap"
	install -m 0644 "$T/server.log" "$OUT/$name.server.log"
	"$PY" "$HERE/sessions_truth.py" --name "$name" --pcap "$OUT/$name.pcap" \
		--log "$OUT/$name.server.log" --scenario "$note" --scenario-kind "$KIND" \
		>"$OUT/$name.truth.json" ||
		die "$name: sessions_truth.py failed"
	RESULTS+=("$(printf '%-18s client rc=%-3s' "$name" "$CLIENT_RC")")
	log "$name: client exit $CLIENT_RC -> $OUT/$name.pcap"
	grep -v '^debug[0-9]*: ' "$T/client.log" | sed 's/^/    client: /' | head -n 4 >&2 || true
}

# ------------------------------------------------------------------ scenarios
# The description goes into the truth file as it is; outcome, attempts,
# methods and session kind come from the server's log only.

# pw_scenario NAME DESC ANSWER... -- SSHD-LINE... -- SSH-OPTION...
pw_scenario() {
	local name=$1 desc=$2
	shift 2
	local ans=() srv=()
	while (($#)) && [[ $1 != -- ]]; do ans+=("$1"); shift; done
	shift
	while (($#)) && [[ $1 != -- ]]; do srv+=("$1"); shift; done
	shift
	begin "$name"
	answers "${ans[@]}"
	start_sshd "${srv[@]+"${srv[@]}"}"
	start_capture
	ssh_cli "${PWONLY[@]}" "$@" root@127.0.0.1 true
	finish "$name" "$desc"
}

sc_pw_ok() { pw_scenario pw_ok "password login, command true" "$PASSWORD" -- -- ; }
sc_pw_fail1() { pw_scenario pw_fail1 "one wrong password, the client gives up" wrong1 -- -- -o NumberOfPasswordPrompts=1; }
sc_pw_fail3() { pw_scenario pw_fail3 "three wrong passwords, the client gives up (MaxAuthTries 6)" wrong1 wrong2 wrong3 -- -- -o NumberOfPasswordPrompts=3; }
sc_pw_maxtries() { pw_scenario pw_maxtries "wrong passwords until MaxAuthTries 3 ends it" w1 w2 w3 w4 w5 -- "MaxAuthTries 3" -- -o NumberOfPasswordPrompts=5; }
sc_pw_fail_then_ok() { pw_scenario pw_fail_then_ok "a wrong password, then the right one" wrong1 "$PASSWORD" -- -- ; }
sc_burst_one() { pw_scenario burst_one "a burst of wrong passwords over one connection until MaxAuthTries (6)" a b c d e f g h -- -- -o NumberOfPasswordPrompts=10; }
sc_gcm_pw_ok() { pw_scenario gcm_pw_ok "password login, aes128-gcm" "$PASSWORD" -- -- -o Ciphers=aes128-gcm@openssh.com; }
sc_gcm_pw_fail() { pw_scenario gcm_pw_fail "two wrong passwords, aes128-gcm" w1 w2 -- -- -o Ciphers=aes128-gcm@openssh.com -o NumberOfPasswordPrompts=2; }
sc_ctr_etm_pw_ok() { pw_scenario ctr_etm_pw_ok "password login, aes128-ctr + hmac-sha2-256-etm" "$PASSWORD" -- -- -o Ciphers=aes128-ctr -o MACs=hmac-sha2-256-etm@openssh.com; }
sc_ctr_etm_pw_fail() { pw_scenario ctr_etm_pw_fail "two wrong passwords, aes128-ctr + hmac-sha2-256-etm" w1 w2 -- -- -o Ciphers=aes128-ctr -o MACs=hmac-sha2-256-etm@openssh.com -o NumberOfPasswordPrompts=2; }
sc_ctr_hmac_pw_ok() { pw_scenario ctr_hmac_pw_ok "password login, aes128-ctr + hmac-sha2-256" "$PASSWORD" -- -- -o Ciphers=aes128-ctr -o MACs=hmac-sha2-256; }
sc_ctr_hmac_pw_fail() { pw_scenario ctr_hmac_pw_fail "two wrong passwords, aes128-ctr + hmac-sha2-256" w1 w2 -- -- -o Ciphers=aes128-ctr -o MACs=hmac-sha2-256 -o NumberOfPasswordPrompts=2; }
sc_zlib_pw_ok() { pw_scenario zlib_pw_ok "password login with compression (zlib@openssh.com)" "$PASSWORD" -- "Compression yes" -- -o Compression=yes; }

sc_banner_pw_ok() {
	begin banner_pw_ok
	local i
	for i in 1 2 3 4 5; do
		echo "Authorised use only. This system is a kexray test fixture ($i)."
	done >"$T/banner"
	start_sshd "Banner $T/banner"
	start_capture
	ssh_cli "${PWONLY[@]}" root@127.0.0.1 true
	finish banner_pw_ok "a pre-authentication Banner (5 lines), then password login"
}

# A one-line Banner: small enough that Zeek's 256-byte banner rule does not
# skip it.
banner_short() {
	begin "$1"
	answers "${@:3}"
	echo "Authorised use only." >"$T/banner"
	start_sshd "Banner $T/banner"
	start_capture
	ssh_cli "${PWONLY[@]}" -o NumberOfPasswordPrompts=2 root@127.0.0.1 true
	finish "$1" "$2"
}
sc_banner_short_pw_ok() { banner_short banner_short_pw_ok "a one-line Banner, then password login" "$PASSWORD"; }
sc_banner_short_pw_fail() { banner_short banner_short_pw_fail "a one-line Banner, then two wrong passwords" w1 w2; }

# paramiko 2.12 as the client: no "none" probe, two wrong passwords and
# the right one over one connection, then a command.
sc_paramiko_pw_fail_then_ok() {
	begin paramiko_pw_fail_then_ok
	start_sshd
	cat >"$T/client.py" <<'EOP'
import socket, sys
import paramiko
sock = socket.create_connection(("127.0.0.1", 22), timeout=5)
t = paramiko.Transport(sock)
t.start_client(timeout=5)
for pw in ("wrong-1", "wrong-2", sys.argv[1]):
    try:
        t.auth_password("root", pw)
        print("accepted")
        break
    except paramiko.AuthenticationException:
        print("refused")
ch = t.open_session()
ch.exec_command("true")
ch.recv_exit_status()
ch.close()
t.close()
EOP
	start_capture
	CLIENT_RC=0
	timeout -k 2 "$CLIENT_TIMEOUT" "${NSRUN[@]}" "$PY" -u "$T/client.py" "$PASSWORD" \
		>>"$T/client.log" 2>&1 || CLIENT_RC=$?
	finish paramiko_pw_fail_then_ok "paramiko client: two wrong passwords, then the right one (no 'none' probe)"
}

# paramiko logs in with the password and leaves at once: no channel.
sc_paramiko_auth_only() {
	begin paramiko_auth_only
	start_sshd
	cat >"$T/client.py" <<'EOP'
import socket, sys, time
import paramiko
sock = socket.create_connection(("127.0.0.1", 22), timeout=5)
t = paramiko.Transport(sock)
t.start_client(timeout=5)
t.auth_password("root", sys.argv[1])
print("authenticated:", t.is_authenticated())
sock.shutdown(socket.SHUT_WR)
for _ in range(30):
    if not t.is_active():
        break
    time.sleep(0.1)
t.close()
EOP
	start_capture
	CLIENT_RC=0
	timeout -k 2 "$CLIENT_TIMEOUT" "${NSRUN[@]}" "$PY" -u "$T/client.py" "$PASSWORD" \
		>>"$T/client.log" 2>&1 || CLIENT_RC=$?
	KIND=none
	finish paramiko_auth_only "paramiko client: password login, then it leaves without opening a channel"
}

# ssh-audit 2.5.0 scans the server: connections that leave during or right
# after the key exchange, no login attempted (auth_success null).
sc_ssh_audit_scan() {
	begin ssh_audit_scan
	start_sshd
	start_capture
	CLIENT_RC=0
	timeout -k 2 "$CLIENT_TIMEOUT" "${NSRUN[@]}" ssh-audit -n -p 22 127.0.0.1 \
		>>"$T/client.log" 2>&1 || CLIENT_RC=$?
	local n
	n=$(tshark -n -r "$T/capture.pcap" -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0' 2>/dev/null | wc -l)
	KIND=scan
	finish ssh_audit_scan "an ssh-audit 2.5.0 scan ($n connections)" "$n"
}

# Three ssh-audit scans back to back from one address: a burst that kexray
# should report as one scan (src/events/patterns.c), not one per connection.
sc_ssh_audit_burst() {
	begin ssh_audit_burst
	start_sshd
	start_capture
	CLIENT_RC=0
	for _ in 1 2 3; do
		timeout -k 2 "$CLIENT_TIMEOUT" "${NSRUN[@]}" ssh-audit -n -p 22 127.0.0.1 \
			>>"$T/client.log" 2>&1 || CLIENT_RC=$?
	done
	local n
	n=$(tshark -n -r "$T/capture.pcap" -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0' 2>/dev/null | wc -l)
	KIND=scan
	finish ssh_audit_burst "three ssh-audit 2.5.0 scans back to back ($n connections)" "$n"
}

# The DHEat pattern (CVE-2002-20001) against a real sshd: 60 connections one
# after another, each pipelining its KEXINIT and an ECDH init and leaving
# at the server's reply (pcaps/kex_client.py dheat).
sc_dheat() {
	begin dheat
	start_sshd
	start_capture
	CLIENT_RC=0
	timeout -k 2 "$CLIENT_TIMEOUT" "${NSRUN[@]}" "$PY" "$HERE/kex_client.py" dheat \
		127.0.0.1 22 60 >>"$T/client.log" 2>&1 || CLIENT_RC=$?
	KIND=dheat
	finish dheat "60 connections pipelining KEXINIT and an ECDH init, leaving at the server's reply (the DHEat pattern)" 60
}

# The regreSSHion pattern (CVE-2024-6387) against a real sshd whose banner is
# in the range (Debian 12's 9.2p1; its fix does not show in the banner): 12
# connections held open after their KEXINIT until LoginGraceTime (12 s)
# ends each (pcaps/kex_client.py hold). MaxStartups is raised so that sshd
# drops none of the 12 before that.
sc_grace_hold() {
	begin grace_hold
	start_sshd "LoginGraceTime 12" "MaxStartups 100:30:200"
	start_capture
	CLIENT_RC=0
	timeout -k 2 "$CLIENT_TIMEOUT" "${NSRUN[@]}" "$PY" "$HERE/kex_client.py" hold \
		127.0.0.1 22 12 20 >>"$T/client.log" 2>&1 || CLIENT_RC=$?
	KIND=grace_hold
	finish grace_hold "12 connections held after KEXINIT until the server's LoginGraceTime (12 s) ends them (the regreSSHion pattern)" 12
}

sc_key_ok() {
	begin key_ok
	start_sshd
	start_capture
	ssh_cli -o BatchMode=yes -i "$T/id_ed25519" root@127.0.0.1 true
	finish key_ok "public-key login, command true"
}

sc_key_fail_pw_ok() {
	begin key_fail_pw_ok
	start_sshd
	start_capture
	ssh_cli -i "$T/wrong_ed25519" -o PreferredAuthentications=publickey,password root@127.0.0.1 true
	finish key_fail_pw_ok "a public key the server refuses, then the password"
}

kbdint() {
	local name=$1 desc=$2
	shift 2
	begin "$name" pam
	answers "$@"
	start_sshd "UsePAM yes" "KbdInteractiveAuthentication yes" "PasswordAuthentication no"
	start_capture
	ssh_cli -o PubkeyAuthentication=no -o PreferredAuthentications=keyboard-interactive \
		-o NumberOfPasswordPrompts=2 root@127.0.0.1 true
	finish "$name" "$desc"
}
sc_kbdint_ok() { kbdint kbdint_ok "keyboard-interactive (PAM) login" "$PASSWORD"; }
sc_kbdint_fail() { kbdint kbdint_fail "keyboard-interactive (PAM), two wrong answers" w1 w2; }

sc_none_ok() {
	begin none_ok empty
	start_sshd "PermitEmptyPasswords yes"
	start_capture
	ssh_cli "${PWONLY[@]}" root@127.0.0.1 true
	finish none_ok "root has an empty password: the 'none' request succeeds"
}

command_sc() {   # NAME DESC SSH-OPTIONS...
	local name=$1 desc=$2
	shift 2
	begin "$name"
	start_sshd
	start_capture
	ssh_cli -o BatchMode=yes -i "$T/id_ed25519" "$@" root@127.0.0.1 'ls -l /usr/bin | head -n 40; echo done'
	KIND=command
	finish "$name" "$desc"
}
sc_command() { command_sc command "public-key login, a remote command with some output"; }
sc_gcm_command() { command_sc gcm_command "as command, aes128-gcm" -o Ciphers=aes128-gcm@openssh.com; }
sc_etm_command() { command_sc etm_command "as command, aes128-ctr + hmac-sha2-256-etm" -o Ciphers=aes128-ctr -o MACs=hmac-sha2-256-etm@openssh.com; }

# Keystrokes typed one by one, 0.15 s apart, into a remote shell on a pty.
sc_pty() {
	begin pty
	start_sshd
	start_capture
	cat >"$T/typist.py" <<'EOP'
import sys, time
time.sleep(1.0)
for line in ["echo hello", "ls /", "exit"]:
    for ch in line + "\n":
        sys.stdout.write(ch)
        sys.stdout.flush()
        time.sleep(0.15)
    time.sleep(0.5)
time.sleep(1.0)
EOP
	CLIENT_RC=0
	timeout -k 2 "$CLIENT_TIMEOUT" "${NSRUN[@]}" sh -c "$PY -u $T/typist.py | ssh -tt -F none \
		-o IdentitiesOnly=yes -o UserKnownHostsFile=$T/known_hosts -o GlobalKnownHostsFile=/dev/null \
		-o StrictHostKeyChecking=no -o UpdateHostKeys=no -o BatchMode=yes -i $T/id_ed25519 root@127.0.0.1" \
		>>"$T/client.log" 2>&1 || CLIENT_RC=$?
	KIND=interactive
	finish pty "interactive shell on a pty, keystrokes 0.15 s apart"
}

scp_sc() {   # NAME DESC FROM TO KIND
	begin "$1"
	KIND=$5
	start_sshd
	start_capture
	head -c 64000 /dev/urandom >"$T/home/file.bin"
	CLIENT_RC=0
	timeout -k 2 "$CLIENT_TIMEOUT" "${NSRUN[@]}" scp -F none -o IdentitiesOnly=yes \
		-o UserKnownHostsFile="$T/known_hosts" -o GlobalKnownHostsFile=/dev/null \
		-o StrictHostKeyChecking=no -o UpdateHostKeys=no \
		-o BatchMode=yes -i "$T/id_ed25519" "$3" "$4" \
		</dev/null >>"$T/client.log" 2>&1 || CLIENT_RC=$?
	finish "$1" "$2"
}
sc_scp_up() { scp_sc scp_up "scp (sftp protocol) upload of 64 kB" /root/file.bin root@127.0.0.1:/root/copy.bin file_transfer_up; }
sc_scp_down() { scp_sc scp_down "scp (sftp protocol) download of 64 kB" root@127.0.0.1:/root/file.bin /root/got.bin file_transfer_down; }

# -L 127.0.0.1:7001 -> 127.0.0.1:7000 (an echo server); one connection
# through it carries 3 lines.
sc_fwd_local() {
	begin fwd_local
	start_sshd
	cat >"$T/echo.py" <<'EOP'
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 7000))
s.listen(1)
s.settimeout(20)
c, _ = s.accept()
c.settimeout(10)
while True:
    d = c.recv(4096)
    if not d:
        break
    c.sendall(d)
c.close()
EOP
	cat >"$T/through.py" <<'EOP'
import socket, time
c = None
for _ in range(50):
    try:
        c = socket.create_connection(("127.0.0.1", 7001), timeout=5)
        break
    except OSError:
        time.sleep(0.1)
for i in range(3):
    c.sendall(b"line %d through the tunnel\n" % i)
    print(c.recv(100))
    time.sleep(0.3)
c.close()
EOP
	bg_ns "$T/echo.log" "$PY" -u "$T/echo.py"
	local echo_pid=$LASTPID
	start_capture
	ssh_cli -o BatchMode=yes -i "$T/id_ed25519" -o ExitOnForwardFailure=yes \
		-L 127.0.0.1:7001:127.0.0.1:7000 root@127.0.0.1 'sleep 4' &
	local cl=$!
	PIDS+=("$cl")
	timeout -k 2 15 "${NSRUN[@]}" "$PY" -u "$T/through.py" >>"$T/client.log" 2>&1 || true
	wait "$cl" || true
	forget_pid "$cl"
	stop_pid "$echo_pid" TERM
	forget_pid "$echo_pid"
	KIND=forward_local
	finish fwd_local "-L forwarding: one connection through the tunnel, 3 echoed lines"
}

# The echo server the forwarding scenarios reach (127.0.0.1:7000, one
# connection) and a client that sends 3 lines through PORT (socks: a SOCKS5
# CONNECT to 127.0.0.1:7000 first, as ssh -D expects).
write_fwd_helpers() {
	cat >"$T/echo.py" <<'EOP'
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 7000))
s.listen(1)
s.settimeout(20)
c, _ = s.accept()
c.settimeout(10)
while True:
    d = c.recv(4096)
    if not d:
        break
    c.sendall(d)
c.close()
EOP
	cat >"$T/through.py" <<'EOP'
import socket, struct, sys, time
port, socks = int(sys.argv[1]), len(sys.argv) > 2
c = None
for _ in range(50):
    try:
        c = socket.create_connection(("127.0.0.1", port), timeout=5)
        break
    except OSError:
        time.sleep(0.1)
if socks:
    c.sendall(b"\x05\x01\x00")
    assert c.recv(2) == b"\x05\x00"
    c.sendall(b"\x05\x01\x00\x01" + socket.inet_aton("127.0.0.1") + struct.pack(">H", 7000))
    print("socks reply", c.recv(10))
for i in range(3):
    c.sendall(b"line %d through the tunnel\n" % i)
    print(c.recv(100))
    time.sleep(0.3)
c.close()
EOP
}

# fwd_scenario NAME DESC THROUGH-ARGS -- SSH-OPTIONS...: the echo server, ssh
# with the forwarding running `sleep 4`, 3 lines through the tunnel.
fwd_scenario() {   # NAME DESC KIND THROUGH-ARGS -- SSH-OPTIONS...
	local name=$1 desc=$2 kind=$3 through=() echo_pid cl
	shift 3
	while (($#)) && [[ $1 != -- ]]; do through+=("$1"); shift; done
	shift
	begin "$name"
	start_sshd
	write_fwd_helpers
	bg_ns "$T/echo.log" "$PY" -u "$T/echo.py"
	echo_pid=$LASTPID
	start_capture
	ssh_cli -o BatchMode=yes -i "$T/id_ed25519" -o ExitOnForwardFailure=yes \
		"$@" root@127.0.0.1 'sleep 4' &
	cl=$!
	PIDS+=("$cl")
	sleep 1   # the remote listener (-R) is up once the session is
	timeout -k 2 15 "${NSRUN[@]}" "$PY" -u "$T/through.py" "${through[@]}" >>"$T/client.log" 2>&1 || true
	wait "$cl" || true
	forget_pid "$cl"
	stop_pid "$echo_pid" TERM
	forget_pid "$echo_pid"
	KIND=$kind
	finish "$name" "$desc"
}
sc_fwd_remote() { fwd_scenario fwd_remote "-R forwarding: the server's 127.0.0.1:7002 to the client's 7000, 3 echoed lines" forward_remote 7002 -- -R 127.0.0.1:7002:127.0.0.1:7000; }
sc_gcm_fwd_local() { fwd_scenario gcm_fwd_local "-L forwarding as fwd_local, aes128-gcm" forward_local 7001 -- -o Ciphers=aes128-gcm@openssh.com -L 127.0.0.1:7001:127.0.0.1:7000; }
sc_etm_fwd_remote() { fwd_scenario etm_fwd_remote "-R forwarding as fwd_remote, aes128-ctr + hmac-sha2-256-etm" forward_remote 7002 -- -o Ciphers=aes128-ctr -o MACs=hmac-sha2-256-etm@openssh.com -R 127.0.0.1:7002:127.0.0.1:7000; }
sc_fwd_dynamic() { fwd_scenario fwd_dynamic "-D forwarding (SOCKS5 on the client's 7001), 3 echoed lines" forward_dynamic 7001 socks -- -D 127.0.0.1:7001; }

# A reverse shell over SSH: the client offers a shell on its 127.0.0.1:7003
# and forwards the server's 7002 to it (-R); someone on the server side
# connects to 7002 and types commands 0.15 s apart: the keystrokes flow
# from the server to the client inside the SSH connection.
sc_reverse_shell() {
	begin reverse_shell
	start_sshd
	cat >"$T/shell.py" <<'EOP'
import socket, subprocess
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 7003))
s.listen(1)
s.settimeout(20)
c, _ = s.accept()
subprocess.run(["/bin/sh", "-i"], stdin=c, stdout=c, stderr=c, timeout=20)
c.close()
EOP
	cat >"$T/remote_typist.py" <<'EOP'
import socket, time
c = None
for _ in range(50):
    try:
        c = socket.create_connection(("127.0.0.1", 7002), timeout=5)
        break
    except OSError:
        time.sleep(0.1)
c.settimeout(2)
time.sleep(0.5)
for line in ["id", "echo hello", "exit"]:
    for ch in line + "\n":
        c.sendall(ch.encode())
        time.sleep(0.15)
    time.sleep(0.5)
    try:
        print(c.recv(4096))
    except socket.timeout:
        pass
c.close()
EOP
	bg_ns "$T/shell.log" "$PY" -u "$T/shell.py"
	local shell_pid=$LASTPID cl
	start_capture
	ssh_cli -o BatchMode=yes -i "$T/id_ed25519" -o ExitOnForwardFailure=yes \
		-R 127.0.0.1:7002:127.0.0.1:7003 root@127.0.0.1 'sleep 7' &
	cl=$!
	PIDS+=("$cl")
	sleep 1
	timeout -k 2 15 "${NSRUN[@]}" "$PY" -u "$T/remote_typist.py" >>"$T/client.log" 2>&1 || true
	wait "$cl" || true
	forget_pid "$cl"
	stop_pid "$shell_pid" TERM
	forget_pid "$shell_pid"
	KIND=reverse_shell
	finish reverse_shell "a reverse shell over SSH: keystrokes typed on the server side (-R 7002 to the client's sh on 7003)"
}

sc_burst_many() {
	begin burst_many
	answers wrong
	start_sshd
	start_capture
	local i
	for ((i = 0; i < 5; i++)); do
		ssh_cli "${PWONLY[@]}" -o NumberOfPasswordPrompts=1 root@127.0.0.1 true
	done
	finish burst_many "5 connections, one wrong password each" 5
}

dropbear_sc() {   # NAME DESC MODE
	local name=$1 desc=$2 mode=$3
	begin "$name"
	start_dropbear
	start_capture
	case $mode in
	pw_ok) ssh_cli "${PWONLY[@]}" root@127.0.0.1 true ;;
	pw_fail) answers w1 w2; ssh_cli "${PWONLY[@]}" -o NumberOfPasswordPrompts=2 root@127.0.0.1 true ;;
	key_ok) ssh_cli -o BatchMode=yes -i "$T/id_ed25519" root@127.0.0.1 true ;;
	esac
	finish "$name" "$desc"
}
sc_dropbear_pw_ok() { dropbear_sc dropbear_pw_ok "Dropbear, password login" pw_ok; }
sc_dropbear_pw_fail() { dropbear_sc dropbear_pw_fail "Dropbear, two wrong passwords" pw_fail; }
sc_dropbear_key_ok() { dropbear_sc dropbear_key_ok "Dropbear, public-key login" key_ok; }

main() {
	list_or_help "${1:-}" 10 && return 0
	need_root ip tcpdump tshark ssh scp ssh-keygen dropbear dropbearkey openssl ss timeout
	[[ -x $SSHD ]] || die "missing $SSHD"
	[[ -x $PY ]] || die "missing $PY"
	pick_scenarios "$@"
	mkdir -p "$OUT"
	WORK=$(mktemp -d /tmp/kx17rec.XXXXXX)
	chmod 0711 "$WORK"
	write_askpass
	record_scenarios
}

trap cleanup EXIT
trap 'exit 130' INT TERM
main "$@"
