#!/usr/bin/env python3
"""bench/flow_floor counts what the benchmark says it does: on every
capture of pcaps/, its frames, its TCP segments (kx_decode) and the
connections its flow table made (one per client SYN, taken out at the
first FIN or RST) equal what tshark counts in the same file: frames,
frames with a TCP header, and TCP streams with a SYN without ACK.
Exits 77 (skipped) without tshark.

Usage: flow_floor_test.py --flow-floor BUILD/flow_floor --pcaps DIR
"""
import argparse
import os
import shutil
import subprocess
import sys


def tshark_counts(path):
    def lines(*filt):
        r = subprocess.run(["tshark", "-n", "-r", path] + list(filt),
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True)
        return r.stdout.decode().splitlines()

    frames = len(lines())
    tcp = len(lines("-Y", "tcp"))
    syn = len(set(lines("-Y", "tcp.flags.syn == 1 && tcp.flags.ack == 0",
                        "-T", "fields", "-e", "tcp.stream")))
    return frames, tcp, syn


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--flow-floor", required=True)
    ap.add_argument("--pcaps", required=True)
    a = ap.parse_args()
    if shutil.which("tshark") is None:
        print("tshark not found: skipped")
        return 77
    names = sorted(n for n in os.listdir(a.pcaps) if n.endswith((".pcap", ".pcapng")))
    failed = 0
    for n in names:
        path = os.path.join(a.pcaps, n)
        want = tshark_counts(path)
        got = {}
        for mode in ("read", "decode", "flow"):
            r = subprocess.run([a.flow_floor, mode, path], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
            f = r.stdout.decode().split()
            got[mode] = (r.returncode, int(f[2]), int(f[4]), int(f[6]))
        ok = (got["read"] == (0, want[0], 0, 0) and
              got["decode"] == (0, want[0], want[1], 0) and
              got["flow"] == (0,) + want)
        print("%s %s: tshark %s, flow_floor %s" % ("ok  " if ok else "FAIL", n, want, got))
        failed += not ok
    if len(names) < 20:
        print("FAIL only %d captures in %s" % (len(names), a.pcaps))
        failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
