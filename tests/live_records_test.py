#!/usr/bin/env python3
"""Live, records come out as soon as they are final (issues 3 and 4): with
kexray capturing on loopback in a namespace of its own, the handshake
record of a real ssh session appears while the session is still running,
its close record (phase session, normal end, client FIN) when the client
ends it, and a refused
connection's two records at once, all before kexray is stopped. Needs
root (exits 77, skip, otherwise). Helpers come from live_test.py.

Usage: live_records_test.py --kexray BUILD/kexray
Ends with "N passed, M failed".
"""
import argparse
import os
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kxrecords  # noqa: E402
import live_test as lt  # noqa: E402

PORT = 2210


def read(path):
    try:
        with open(path) as f:
            return kxrecords.parse(f.read())
    except (OSError, ValueError):
        return []


def wait_for(path, pred, seconds):
    """Polls the output until pred(records) holds; returns the records."""
    end = time.time() + seconds
    while True:
        recs = read(path)
        if pred(recs) or time.time() > end:
            return recs
        time.sleep(0.1)


def run(env, kx):
    ns = env.ns("rec")
    lt.sshd(env, ns, "127.0.0.1", PORT)
    out = os.path.join(env.dir, "rec.jsonl")
    k = lt.kexray(env, kx, ns, ["-i", "lo", "--port", "%d,%d" % (PORT, PORT + 1)], out)
    d = env.dir
    session = env.start(["ssh", "-F", "none", "-p", str(PORT), "-i", os.path.join(d, "user"),
                         "-o", "UserKnownHostsFile=%s/known_hosts" % d,
                         "-o", "StrictHostKeyChecking=no", "-o", "BatchMode=yes",
                         "root@127.0.0.1", "echo ready; sleep 30"], ns=ns,
                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)

    def ssh_rec(recs):
        return [r for r in recs if r["type"] == "ssh" and r["id.resp_p"] == PORT]

    recs = wait_for(out, lambda r: ssh_rec(r), 4)
    hs = ssh_rec(recs)
    running = session.poll() is None
    closes = [r for r in recs if r["type"] == "close" and hs and r["uid"] == hs[0]["uid"]]
    lt.check("live: the handshake record is written while the session runs",
             len(hs) == 1 and running and not closes and hs[0]["verdict"] == "OK" and
             hs[0]["close"] is None, (running, hs, closes))
    # Once the remote command runs (it says "ready": authentication is
    # over), the client ends the session: SIGKILL, so ssh sends nothing more
    # and the kernel closes its socket with a FIN. A command that ends by
    # itself would race (sshd and ssh both close, either FIN may come
    # first), and so would SIGTERM: ssh then sends a last message and sshd
    # often closes first.
    ready = session.stdout.readline()
    env.stop(session, signal.SIGKILL)
    session.stdout.close()
    recs = wait_for(out, lambda r: any(x["type"] == "close" and hs and x["uid"] == hs[0]["uid"]
                                       for x in r), 6)
    cl = [r for r in recs if r["type"] == "close" and hs and r["uid"] == hs[0]["uid"]]
    lt.check("live: its close record follows when the client ends it: session, normal, FIN",
             ready == b"ready\n" and len(cl) == 1 and cl[0]["phase"] == "session" and cl[0]["cause"] == "normal" and
             cl[0]["closed_by"] == "client" and cl[0]["close"] == "fin", cl)
    lt.sh("bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/%d" % (PORT + 1), ns=ns, check_rc=False)
    recs = wait_for(out, lambda r: any(x["type"] == "close" and x["id.resp_p"] == PORT + 1
                                       for x in r), 6)
    ref = kxrecords.connections([r for r in recs if r.get("id.resp_p") == PORT + 1])
    lt.check("live: a refused connection is reported at once: REFUSED, syn, port_closed",
             len(ref) == 1 and ref[0]["verdict"] == "REFUSED" and ref[0]["phase"] == "syn" and
             ref[0]["cause"] == "port_closed" and k.poll() is None, ref)
    k.send_signal(signal.SIGINT)
    lt.check("live: kexray exits 0 after SIGINT", k.wait(timeout=20) == 0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kexray", required=True)
    a = ap.parse_args()
    if os.geteuid() != 0 or shutil.which("ip") is None:
        print("skip: live capture tests need root and iproute2 (network namespaces)")
        return lt.SKIP
    env = lt.Env()
    try:
        run(env, a.kexray)
    except Exception as e:     # a broken scenario is a failure, not a crash
        lt.check("live records: scenario ran", False, repr(e))
    finally:
        env.close()
    return lt.finish()


if __name__ == "__main__":
    sys.exit(main())
