#!/usr/bin/env python3
"""Live --workers against tcpdump on the same replay, and against the file.

  sudo live_workers.py --kexray build-rel/kexray --pcap /tmp/bench/small.pcap
                       [--workers 2] [--ring 262144] [--rounds 1]

Each round replays the capture at top speed onto a veth pair in namespaces
of its own (../shared/bench/live_capture.sh), once into
`tcpdump -B RING -w /dev/null` and once into `kexray -i IF -B RING
--workers N --json`, and prints each capturer's received and kernel-dropped
frames. Then it reads the file with kexray and compares the live records
with it: the ssh records' verdicts by count, and per connection (the
endpoints and the verdict; live timestamps are the replay's, so uids
differ). Not a test: nothing here asserts; run it alone on the machine
(`flock /tmp/kexray-bench.lock`).
"""
import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
LIVE = os.path.join(HERE, "..", "..", "shared", "bench", "live_capture.sh")


def replay(pcap, capturer):
    env = dict(os.environ, DRAIN=os.environ.get("DRAIN", "8"))
    out = subprocess.run(["sh", LIVE, pcap, "topspeed", capturer], env=env,
                         capture_output=True, text=True)
    return out.stdout + out.stderr


def records(path):
    with open(path) as f:
        return [json.loads(ln) for ln in f if ln.strip()]


def conn_key(r):
    return (r["id.orig_h"], r["id.orig_p"], r["id.resp_h"], r["id.resp_p"], r["verdict"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kexray", required=True)
    ap.add_argument("--pcap", required=True)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--ring", type=int, default=262144)
    ap.add_argument("--rounds", type=int, default=1)
    a = ap.parse_args()
    kexray = os.path.abspath(a.kexray)
    d = tempfile.mkdtemp(prefix="kx-liveworkers-")
    os.chmod(d, 0o777)
    filed = os.path.join(d, "file.jsonl")
    subprocess.run([kexray, "-q", "--json", "-r", a.pcap, "-o", filed], check=False)
    frecs = [r for r in records(filed) if r["type"] == "ssh"]
    fcount = collections.Counter(r["verdict"] for r in frecs)
    fconn = collections.Counter(conn_key(r) for r in frecs)
    for rnd in range(a.rounds):
        txt = replay(a.pcap, "tcpdump -i %%IF%% -n -B %d -w /dev/null" % a.ring)
        sent = re.search(r"Actual: (\d+) packets", txt)
        m = re.search(r"(\d+) packets received by filter", txt)
        dr = re.search(r"(\d+) packets dropped by kernel", txt)
        print("round %d tcpdump: sent %s received %s kernel drops %s" % (
            rnd, sent and sent.group(1), m and m.group(1), dr and dr.group(1)))
        live = os.path.join(d, "live%d.jsonl" % rnd)
        txt = replay(a.pcap, "%s -i %%IF%% -B %d --workers %d --json --output %s "
                     "--stats-interval 3600 ''" % (kexray, a.ring, a.workers, live))
        sent = re.search(r"Actual: (\d+) packets", txt)
        recs = records(live)
        seen = {}
        for r in recs:
            if r["type"] in ("stats", "summary"):
                seen.update({k: v for k, v in r.items()
                             if k in ("pcap_received", "kernel_drops", "interface_drops")})
        print("round %d kexray --workers %d: sent %s %s" % (
            rnd, a.workers, sent and sent.group(1), seen))
        ssh = [r for r in recs if r["type"] == "ssh"]
        lcount = collections.Counter(r["verdict"] for r in ssh)
        lconn = collections.Counter(conn_key(r) for r in ssh)
        print("  verdicts live %s" % dict(sorted(lcount.items())))
        print("  verdicts file %s" % dict(sorted(fcount.items())))
        print("  verdict counts equal: %s; connections equal: %s (%d only live, "
              "%d only in the file)" % (
                  lcount == fcount, lconn == fconn, sum((lconn - fconn).values()),
                  sum((fconn - lconn).values())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
