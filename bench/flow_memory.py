#!/usr/bin/env python3
"""What one more concurrent connection costs in memory.

  flow_memory.py --kexray BUILD/kexray [--conns 100000] [--dir /tmp/bench]

Generates two captures with ../shared/bench/gen_ssh_pcap that differ only
in concurrency (-c 1000 and -c 100000 flows open at once, the same
--conns SSH connections and seed), runs kexray with its default JSON
output on each, and prints the peak RSS of both and the difference per
additional concurrent flow: the per-flow figure docs/performance.md
quotes. Not a test: nothing here asserts a size.
"""
import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_bench  # noqa: E402

LOW, HIGH = 1000, 100000


def capture(d, gen, conns, conc):
    path = os.path.join(d, "flows_n%d_c%d.pcap" % (conns, conc))
    if not os.path.exists(path):
        print("generating %s ..." % path, flush=True)
        subprocess.run([gen, "-n", str(conns), "-c", str(conc), "-s", "3", "-o", path,
                        "-q"], check=True)
    return path


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kexray", required=True)
    ap.add_argument("--conns", type=int, default=100000)
    ap.add_argument("--dir", default="/tmp/bench")
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    gen, _ = run_bench.build_tools(a.dir)
    rss = {}
    for conc in (LOW, HIGH):
        path = capture(a.dir, gen, a.conns, conc)
        with open(os.devnull, "wb") as out:
            wall, cpu, rss[conc] = run_bench.timed([a.kexray, "--json", "-r", path], out=out)
        print("-c %6d: peak RSS %.1f MiB (wall %.2f s, CPU %.2f s)" %
              (conc, rss[conc] / 1024, wall, cpu))
    per = (rss[HIGH] - rss[LOW]) * 1024 / (HIGH - LOW)
    print("per additional concurrent flow: %.0f bytes (%.1f KiB)" % (per, per / 1024))
    return 0


if __name__ == "__main__":
    sys.exit(main())
