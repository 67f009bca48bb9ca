#!/usr/bin/env python3
"""--known-hosts with --sshd-log: a client's debug log (ssh -v) names the
server's host key by type and fingerprint ("Server host key: ssh-ed25519
SHA256:..."), and kexray must judge it against known_hosts as it judges the
key it sees in the capture of the same run: pcaps/openssh_login.ssh.log was
written by the ssh of pcaps/openssh_login.pcap.

Cases, each run on the capture (-r) and on the log (--sshd-log):
  other key    tests/logs/openssh_login.other_key.known_hosts files another
               Ed25519 key for 127.0.0.1: HOST_KEY_CHANGED, exit 1
  same key     the key the capture shows, learned with --host-keys: the
               verdict without known_hosts (OK), exit 0
  revoked      that key marked @revoked: HOST_KEY_CHANGED, "@revoked"
  other type   only an ECDSA key filed: not a change
a "Server host key:" line with a cut fingerprint judges nothing; and --host-keys with --sshd-log is refused (a key known by its fingerprint
cannot be written to a known_hosts file), never silently ignored.

Usage: sshlog_known_hosts.py --kexray BUILD/kexray --pcaps DIR --logs DIR
"""
import argparse
import base64
import json
import os
import subprocess
import sys
import tempfile

ENV = dict(os.environ, TZ="UTC", LC_ALL="C")


def run(kexray, args):
    r = subprocess.run([kexray, "--json", "-q"] + args, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, env=ENV, timeout=120)
    recs = [json.loads(l) for l in r.stdout.decode().splitlines() if l.strip()]
    return r.returncode, [x for x in recs if x.get("type") == "ssh"], r.stderr.decode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kexray", required=True)
    ap.add_argument("--pcaps", required=True)
    ap.add_argument("--logs", required=True)
    a = ap.parse_args()
    cap = os.path.join(a.pcaps, "openssh_login.pcap")
    log = os.path.join(a.pcaps, "openssh_login.ssh.log")
    other = os.path.join(a.logs, "openssh_login.other_key.known_hosts")
    failed = passed = 0

    def check(ok, what, detail=""):
        nonlocal failed, passed
        print("%s %s%s" % ("ok  " if ok else "FAIL", what, "" if ok else ": " + detail))
        if ok:
            passed += 1
        else:
            failed += 1

    with tempfile.TemporaryDirectory() as d:
        learned = os.path.join(d, "learned")
        rc, recs, err = run(a.kexray, ["-r", cap, "--host-keys", learned])
        with open(learned) as f:
            key = f.read().split()
        check(rc == 0 and len(key) == 3 and key[0] == "127.0.0.1",
              "the capture's key learned", "rc %d %r %s" % (rc, key, err))
        revoked = os.path.join(d, "revoked")
        with open(revoked, "w") as f:
            f.write("@revoked %s\n" % " ".join(key))
        ecdsa = os.path.join(d, "ecdsa")
        blob = (b"\0\0\0\x13ecdsa-sha2-nistp256\0\0\0\x08nistp256\0\0\0\x41\x04" +
                bytes(64))
        with open(ecdsa, "w") as f:
            f.write("127.0.0.1 ecdsa-sha2-nistp256 %s\n" % base64.b64encode(blob).decode())

        rc0, base, _ = run(a.kexray, ["-r", cap])
        cases = [
            ("other key", other, "HOST_KEY_CHANGED", 1,
             "the server's host key differs from the one in known_hosts"),
            ("same key", learned, base[0]["verdict"], rc0, None),
            ("revoked", revoked, "HOST_KEY_CHANGED", 1,
             "the server's host key is marked @revoked"),
            ("other type", ecdsa, base[0]["verdict"], rc0, None),
        ]
        for name, kh, verdict, status, reason in cases:
            for src, args in (("capture", ["-r", cap]), ("log", ["--sshd-log", log])):
                rc, recs, err = run(a.kexray, args + ["--known-hosts", kh])
                got = recs[0] if len(recs) == 1 else {}
                ok = (rc == status and got.get("verdict") == verdict and
                      (reason is None or got.get("reason", "").startswith(reason)))
                check(ok, "%s, %s: %s, exit %d" % (name, src, verdict, status),
                      "rc %d verdict %s reason %r %s" % (rc, got.get("verdict"),
                                                         got.get("reason"), err))

        # A "Server host key:" line not in the shape ssh prints (a cut
        # fingerprint) judges nothing: read whole, it would be "changed".
        with open(log, encoding="utf-8", errors="replace") as f:
            text = f.read()
        fp = [l.split()[-1] for l in text.splitlines() if "Server host key: " in l]
        check(len(fp) == 1 and len(fp[0]) == 50, "the log names one host key",
              repr(fp))
        for name, new_line in (
                ("cut fingerprint", "Server host key: ssh-ed25519 " + fp[0][:20]),):
            odd = os.path.join(d, name.replace(" ", "_") + ".log")
            with open(odd, "w") as f:
                f.write(text.replace("Server host key: ssh-ed25519 " + fp[0], new_line))
            rc, recs, err = run(a.kexray, ["--sshd-log", odd, "--known-hosts", other])
            got = recs[0] if len(recs) == 1 else {}
            check(rc == rc0 and got.get("verdict") == base[0]["verdict"],
                  "%s in the log: not judged (%s)" % (name, base[0]["verdict"]),
                  "rc %d verdict %s %s" % (rc, got.get("verdict"), err))

        rc, recs, err = run(a.kexray, ["--sshd-log", log, "--host-keys", learned])
        check(rc == 2 and "--host-keys" in err and not recs,
              "--host-keys with --sshd-log: a usage error", "rc %d %s" % (rc, err))

    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
