#!/usr/bin/env python3
"""What a SYN flood costs kexray: CPU per SYN for "land" SYNs against
ordinary ones, and peak RSS with many half-open connections.

  syn_flood.py --kexray BUILD/kexray [--dir /tmp/bench] [--runs 3]
               [--base OTHER/kexray] [--million]

Generates (once, into --dir) with pcaps/adversarial/gen.py's frame
builders:
  land_40k     40,000 SYNs whose source is their destination (same
               address, port 22 to port 22), one address each
  syn_40k      40,000 ordinary SYNs from distinct sources to port 22
  syn_200k     200,000 ordinary SYNs, 1 microsecond apart
  syn_1m       1,000,000 of them (with --million)
and prints, as medians of --runs runs (GNU time): CPU of land_40k over
CPU of syn_40k (the issue's target: at most 2), peak RSS and record count
of syn_200k at the default options (target: 128 MiB, 200,000 records) and
of syn_1m with --max-memory 2048 --max-conns 1000000 (target: 512 MiB). --base runs the same
on another build for a before/after. Not a test: nothing here asserts.
Run it under `flock /tmp/kexray-bench.lock` so no other benchmark runs.
"""
import argparse
import os
import random
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "pcaps", "adversarial"))
import gen  # noqa: E402

SERVER = gen.ip4("198.51.100.1")


def build(path, kind, n):
    if os.path.exists(path):
        return path
    print("generating %s ..." % path, flush=True)
    rng = random.Random(0x14)
    w = gen.FastWriter(path + ".tmp")
    for i in range(n):
        if kind == "land":
            a = bytes((172, 16 + (i >> 16), (i >> 8) & 0xFF, i & 0xFF))
            frame = gen.tcp4(a, a, 22, 22, rng.randrange(1 << 32), 0, gen.SYN,
                             b"", i & 0xFFFF, 64, options=gen.MSS)
        else:
            a = bytes((10, (i >> 16) & 0xFF, (i >> 8) & 0xFF, i & 0xFF))
            frame = gen.tcp4(a, SERVER, 1024 + rng.randrange(64000), 22,
                             rng.randrange(1 << 32), 0, gen.SYN, b"", i & 0xFFFF,
                             64, options=gen.MSS)
        w.add(gen.T0 + i, frame)
    w.close()
    os.rename(path + ".tmp", path)
    return path


def timed(cmd):
    """(cpu seconds, max RSS MiB, JSON records) of cmd."""
    with tempfile.NamedTemporaryFile("r") as tf, \
            tempfile.TemporaryFile("w+b") as out:
        r = subprocess.run(["/usr/bin/time", "-f", "%U %S %M", "-o", tf.name] + cmd,
                           stdout=out, stderr=subprocess.DEVNULL)
        user, sys_, rss = tf.read().split()[-3:]
        out.seek(0)
        records = sum(1 for line in out if b'"type":"ssh"' in line or
                      b'"type": "ssh"' in line)
    if r.returncode not in (0, 1):
        raise RuntimeError("%s exited %d" % (cmd[0], r.returncode))
    return float(user) + float(sys_), int(rss) / 1024.0, records


def med(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


def measure(kx, files, runs, million):
    res = {}
    land = [timed([kx, "--json", "-r", files["land"]])[0] for _ in range(runs)]
    syn = [timed([kx, "--json", "-r", files["syn40"]])[0] for _ in range(runs)]
    res["land_cpu"], res["syn_cpu"] = med(land), med(syn)
    cpu, rss, recs = timed([kx, "--json", "-r", files["syn200"]])
    res["r200"] = (cpu, rss, recs)
    if million:
        res["r1m"] = timed([kx, "--json", "--max-memory", "2048", "--max-conns", "1000000",
                            "-r", files["syn1m"]])
    return res


def show(name, r):
    print("%s: land_40k %.3f s CPU, syn_40k %.3f s CPU: land/ordinary %.2fx" %
          (name, r["land_cpu"], r["syn_cpu"], r["land_cpu"] / max(r["syn_cpu"], 1e-3)))
    cpu, rss, recs = r["r200"]
    print("%s: syn_200k defaults: peak RSS %.1f MiB, %d ssh records, %.2f s CPU" %
          (name, rss, recs, cpu))
    if "r1m" in r:
        cpu, rss, recs = r["r1m"]
        print("%s: syn_1m --max-memory 2048 --max-conns 1000000: peak RSS %.1f MiB, %d ssh records, %.2f s CPU" %
              (name, rss, recs, cpu))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kexray", required=True)
    ap.add_argument("--base")
    ap.add_argument("--dir", default="/tmp/bench")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--million", action="store_true")
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    files = {
        "land": build(os.path.join(a.dir, "land_40k.pcap"), "land", 40000),
        "syn40": build(os.path.join(a.dir, "syn_40k.pcap"), "syn", 40000),
        "syn200": build(os.path.join(a.dir, "syn_200k.pcap"), "syn", 200000),
    }
    if a.million:
        files["syn1m"] = build(os.path.join(a.dir, "syn_1m.pcap"), "syn", 1000000)
    if a.base:
        show("base", measure(a.base, files, a.runs, a.million))
    show("this", measure(a.kexray, files, a.runs, a.million))
    return 0


if __name__ == "__main__":
    sys.exit(main())
