#!/usr/bin/env python3
"""The truth of a recorded session, from the server's own log.

sessions_truth.py --name N --pcap FILE --log SERVER_LOG --scenario TEXT

Writes one JSON object to standard output: per connection (in the order the
server logged them) the login outcome, the attempts and their methods, the
session kind, how authentication ended, and the negotiated cipher, MAC and
compression of each direction.  Everything about authentication comes from
the server's log (sshd at LogLevel DEBUG3, or dropbear -E); only the
negotiated algorithms are also computed from the capture's two KEXINITs (with
tshark, RFC 4253 7.1: the client's first name the server also lists) so that
a Dropbear capture, whose log does not name them, has them too; for sshd the
two must agree.

Attempts are the requests the server judged with a method other than
"none": sshd's "Failed <method>" and "Accepted <method>" lines (sshd does
not log the initial "none" probe, and counts it against MaxAuthTries only
when it is not the first request), dropbear's "Bad password attempt",
"... auth succeeded" and "Bad pubkey"/"Pubkey auth attempt" lines.
"""
import argparse
import json
import re
import subprocess
import sys

SSHD_CONN = re.compile(r"^Connection from (\S+) port (\d+) on ")
SSHD_FAILED = re.compile(r"^Failed (\S+) for (?:invalid user )?\S+ from \S+ port (\d+)")
SSHD_ACCEPTED = re.compile(r"^Accepted (\S+) for \S+ from \S+ port (\d+)")
SSHD_KEX = re.compile(r"kex: (client->server|server->client) cipher: (\S+) MAC: (\S+) compression: (\S+)")
SSHD_PKT = re.compile(r"^debug3: (send|receive) packet: type (\d+)( \[preauth\])?$")
DB_CONN = re.compile(r"Child connection from (\S+):(\d+)")
DB_BADPW = re.compile(r"Bad password attempt for '[^']*' from \S+:(\d+)")
DB_OK = re.compile(r"(Password|Pubkey) auth succeeded for '[^']*' .*from \S+:(\d+)")
DB_BADKEY = re.compile(r"(?:Pubkey auth attempt with unknown key|Bad pubkey) .*from \S+:(\d+)")
DB_EXIT = re.compile(r"Exit before auth from <\S+:(\d+)>: (.*)")

# What sshd logs for each kind of session; when a connection shows several
# (a forwarding connection also runs a command), the first in this list wins.
KIND_RULES = [
    (re.compile(r"server_request_direct_tcpip"), "forward_local"),
    (re.compile(r"server_input_global_request: rtype tcpip-forward"), "forward_remote"),
    (re.compile(r"Starting session: subsystem 'sftp'"), "file_transfer"),
    (re.compile(r"Starting session: shell on pts"), "interactive"),
    (re.compile(r"Starting session: command on pts"), "interactive"),
    (re.compile(r"Starting session: command for"), "command"),
]


def new_conn(port):
    return {"client_port": port, "auth_success": False, "attempts": 0,
            "methods": [], "session_kind": None, "auth_end": None,
            "server_preauth_msgs": [], "client_preauth_msgs": [],
            "algorithms_log": {}, "_kind_rank": len(KIND_RULES), "_asked": False}


def parse_sshd(lines):
    conns = []
    cur = None
    after_newkeys = False
    for ln in lines:
        ln = ln.rstrip("\r\n")
        m = SSHD_CONN.match(ln)
        if m:
            cur = new_conn(int(m.group(2)))
            conns.append(cur)
            after_newkeys = False
            continue
        if cur is None:
            continue
        if ln.startswith("debug1: userauth-request for user "):
            cur["_asked"] = True
        m = SSHD_FAILED.match(ln)
        if m and m.group(1) != "none":
            cur["attempts"] += 1
            cur["methods"].append({"method": m.group(1), "result": "failure"})
            continue
        m = SSHD_ACCEPTED.match(ln)
        if m:
            cur["attempts"] += 1
            cur["auth_success"] = True
            cur["methods"].append({"method": m.group(1), "result": "success"})
            continue
        m = SSHD_KEX.search(ln)
        if m:
            d = "c2s" if m.group(1) == "client->server" else "s2c"
            cur["algorithms_log"][d] = {"cipher": m.group(2), "mac": m.group(3),
                                        "compression": m.group(4)}
            continue
        m = SSHD_PKT.match(ln)
        if m and m.group(3):
            t = int(m.group(2))
            if t == 21:
                after_newkeys = True
                continue
            if after_newkeys:
                key = "server_preauth_msgs" if m.group(1) == "send" else "client_preauth_msgs"
                cur[key].append(t)
            continue
        if "maximum authentication attempts exceeded" in ln:
            cur["auth_end"] = "max_auth_tries"
        elif "Connection closed by authenticating user" in ln or \
                "Disconnected from authenticating user" in ln:
            cur["auth_end"] = cur["auth_end"] or "client_gave_up"
        for rank, (rx, kind) in enumerate(KIND_RULES):
            if rx.search(ln) and rank < cur["_kind_rank"]:
                cur["session_kind"] = kind
                cur["_kind_rank"] = rank
    return conns


def parse_dropbear(lines):
    conns = {}
    order = []
    for ln in lines:
        m = DB_CONN.search(ln)
        if m:
            port = int(m.group(2))
            conns[port] = new_conn(port)
            order.append(port)
            continue
        m = DB_BADPW.search(ln)
        if m and int(m.group(1)) in conns:
            c = conns[int(m.group(1))]
            c["attempts"] += 1
            c["methods"].append({"method": "password", "result": "failure"})
            continue
        m = DB_BADKEY.search(ln)
        if m and int(m.group(1)) in conns:
            c = conns[int(m.group(1))]
            c["attempts"] += 1
            c["methods"].append({"method": "publickey", "result": "failure"})
            continue
        m = DB_OK.search(ln)
        if m and int(m.group(2)) in conns:
            c = conns[int(m.group(2))]
            c["attempts"] += 1
            c["auth_success"] = True
            c["methods"].append({"method": "password" if m.group(1) == "Password" else "publickey",
                                 "result": "success"})
            continue
        m = DB_EXIT.search(ln)
        if m and int(m.group(1)) in conns:
            c = conns[int(m.group(1))]
            c["auth_end"] = "max_auth_tries" if "Max auth tries" in m.group(2) else "client_gave_up"
    return [conns[p] for p in order]


def negotiate(client, server):
    s = set(server.split(","))
    for name in client.split(","):
        if name in s:
            return name
    return None


def kexinit_algorithms(pcap):
    """Per client port: the negotiated algorithms from the two KEXINITs."""
    fields = ["tcp.srcport", "tcp.dstport",
              "ssh.encryption_algorithms_client_to_server",
              "ssh.encryption_algorithms_server_to_client",
              "ssh.mac_algorithms_client_to_server",
              "ssh.mac_algorithms_server_to_client",
              "ssh.compression_algorithms_client_to_server",
              "ssh.compression_algorithms_server_to_client"]
    cmd = ["tshark", "-n", "-r", pcap, "-Y", "ssh.kex_algorithms", "-T", "fields"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    kex = {}
    for ln in out.splitlines():
        v = ln.split("\t")
        if len(v) < len(fields):
            continue
        sport, dport = int(v[0]), int(v[1])
        if dport == 22:
            kex.setdefault(sport, {})["client"] = v[2:]
        else:
            kex.setdefault(dport, {})["server"] = v[2:]
    res = {}
    for port, k in kex.items():
        if "client" not in k or "server" not in k:
            continue
        c, s = k["client"], k["server"]
        algs = {}
        for d, (ci, mi, zi) in (("c2s", (0, 2, 4)), ("s2c", (1, 3, 5))):
            cipher = negotiate(c[ci], s[ci])
            aead = cipher in ("chacha20-poly1305@openssh.com", "aes128-gcm@openssh.com",
                              "aes256-gcm@openssh.com")
            algs[d] = {"cipher": cipher,
                       "mac": "<implicit>" if aead else negotiate(c[mi], s[mi]),
                       "compression": negotiate(c[zi], s[zi])}
        res[port] = algs
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", required=True)
    ap.add_argument("--pcap", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--scenario", required=True)
    ap.add_argument("--scenario-kind", default="",
                    help="the session kind as the scenario made it, where the log cannot "
                    "tell (a transfer's direction, -D from -L, a reverse shell)")
    a = ap.parse_args()
    with open(a.log, encoding="utf-8", errors="replace") as f:
        lines = f.readlines()
    dropbear = any("Child connection from" in ln for ln in lines)
    conns = parse_dropbear(lines) if dropbear else parse_sshd(lines)
    algs = kexinit_algorithms(a.pcap)
    for c in conns:
        c["algorithms"] = algs.get(c["client_port"])
        c.pop("_kind_rank")
        # No authentication request at all (a scanner, a client that left
        # after the key exchange): no login outcome to be right about.
        if not c.pop("_asked") and not dropbear and not c["attempts"]:
            c["auth_success"] = None
        logged = c.pop("algorithms_log")
        if logged and c["algorithms"] != logged:
            sys.exit("%s: port %d: the log's algorithms %r differ from the KEXINITs' %r"
                     % (a.name, c["client_port"], logged, c["algorithms"]))
        if dropbear:
            del c["server_preauth_msgs"]
            del c["client_preauth_msgs"]
    if not conns:
        sys.exit("%s: no connection in the server's log" % a.name)
    for c in conns:
        c["scenario_kind"] = a.scenario_kind or None
    json.dump({"name": a.name, "scenario": a.scenario,
               "server": "dropbear" if dropbear else "openssh",
               "truth_source": a.log.rsplit("/", 1)[-1],
               "connections": conns}, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
