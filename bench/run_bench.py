#!/usr/bin/env python3
"""kexray's benchmark: kexray against the floor (libpcap's pcap_next_ex loop,
../shared/bench/floor.c) and tshark, in one run, on the same file.

  run_bench.py --kexray BUILD/kexray [--file small|large|PATH] [--runs N]
               [--tshark-runs N] [--dir /tmp/bench]

Generates small.pcap / large.pcap with ../shared/bench/gen_ssh_pcap if they
are missing (deterministic; the truth JSON/CSV beside them), then runs the
floor and kexray alternately (floor, kexray, floor, ...) so drift on a
shared machine hits both, tshark extracting the SSH KEXINIT fields
(-T fields) --tshark-runs times, and prints medians of wall, user+sys CPU
and peak RSS, with ratios to the floor and to tshark, and the cost of
writing kexray's output by itself (the same bytes written from memory to a
new file in 1 MiB blocks, as kexray writes), to tell kexray's own work
from the output's size, and the same for the smallest records the issues
require (bench/record_bound.py): the floor plus that write is the best
any implementation writing those records can do. Then compares
kexray's records with the generator's truth connection by connection
(bench/compare_truth.py). Not a test: nothing here asserts a time.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

import record_bound

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.join(HERE, "..", "..", "shared", "bench")
SIZES = {"small": 20000, "large": 200000}
TSHARK_FIELDS = ["tcp.stream", "ssh.protocol", "ssh.kex_algorithms",
                 "ssh.server_host_key_algorithms", "ssh.encryption_algorithms_client_to_server",
                 "ssh.mac_algorithms_client_to_server"]


def timed(cmd, out=subprocess.DEVNULL):
    """(wall, cpu, max_rss_kib) of cmd, from GNU time. Dirty pages left by
    the previous run are written back first (sync), so that no run pays
    for another's output."""
    os.sync()
    with tempfile.NamedTemporaryFile("r") as tf:
        r = subprocess.run(["/usr/bin/time", "-f", "%e %U %S %M", "-o", tf.name] + cmd,
                           stdout=out, stderr=subprocess.DEVNULL)
        wall, user, sys_, rss = tf.read().split()[-4:]
    if r.returncode not in (0, 1):
        raise RuntimeError("%s exited %d" % (cmd[0], r.returncode))
    return float(wall), float(user) + float(sys_), int(rss)


def build_tools(d):
    gen, floor = os.path.join(d, "gen_ssh_pcap"), os.path.join(d, "floor")
    if not os.path.exists(gen):
        subprocess.run(["cc", "-O2", "-std=c11", "-o", gen, os.path.join(SHARED, "gen_ssh_pcap.c")], check=True)
    if not os.path.exists(floor):
        subprocess.run(["cc", "-O2", "-std=c11", "-o", floor, os.path.join(SHARED, "floor.c"), "-lpcap"], check=True)
    return gen, floor


def ensure_file(d, gen, name):
    path = os.path.join(d, name + ".pcap")
    if not os.path.exists(path):
        print("generating %s ..." % path, flush=True)
        subprocess.run([gen, "-n", str(SIZES[name]), "-s", "1", "-o", path,
                        "--truth-json", os.path.join(d, name + ".truth.json"),
                        "--truth-csv", os.path.join(d, name + ".truth.csv"), "-q"], check=True)
    return path


def ratio(a, b):
    return a / b if b > 0 else float("inf")


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kexray", required=True)
    ap.add_argument("--file", default="small")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--tshark-runs", type=int, default=1)
    ap.add_argument("--dir", default="/tmp/bench")
    ap.add_argument("--json-out", help="write the figures as JSON here too")
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    gen, floor = build_tools(a.dir)
    path = ensure_file(a.dir, gen, a.file) if a.file in SIZES else a.file
    out = os.path.join(a.dir, os.path.basename(path) + ".kexray.jsonl")

    fl, kx = [], []
    copy = out + ".copy"
    timed([floor, path])                      # warm the page cache
    # A first kexray run gives the bytes whose writing is timed below:
    # its whole output, and the smallest records the issues require.
    with open(out, "wb") as f:
        timed([a.kexray, "--json", "-r", path], out=f)
    print("building the smallest records the issues require ...", flush=True)
    blobs, nconn = record_bound.minimal_records(out)
    with open(out, "rb") as f:
        blobs = dict(kexray=f.read(), **blobs)
    writes = {name: [] for name in blobs}
    for _ in range(a.runs):
        fl.append(timed([floor, path]))
        with open(out, "wb") as f:
            kx.append(timed([a.kexray, "--json", "-r", path], out=f))
        # What writing each costs by itself: the bytes, held in memory,
        # written to a new file once a round, as kexray writes its output.
        for name, data in blobs.items():
            writes[name].append(record_bound.write_cost(data, copy, 1))
    fl.append(timed([floor, path]))
    wr = [(w, c, 0) for w, c in writes.pop("kexray")]
    bound = {name: {"bytes": len(blobs[name]), "per_conn": len(blobs[name]) / max(nconn, 1),
                    "wall_s": med([x[0] for x in xs]), "cpu_s": med([x[1] for x in xs])}
             for name, xs in writes.items()}
    blobs = None
    ts = []
    if a.tshark_runs > 0:
        cmd = ["tshark", "-n", "-r", path, "-Y", "ssh.message_code == 20 or ssh.protocol",
               "-T", "fields"]
        for fld in TSHARK_FIELDS:
            cmd += ["-e", fld]
        for _ in range(a.tshark_runs):
            ts.append(timed(cmd))

    res = {"file": path, "size_bytes": os.path.getsize(path), "runs": a.runs}
    res["output_bytes"] = os.path.getsize(out)
    for name, xs in (("floor", fl), ("kexray", kx), ("write", wr), ("tshark", ts)):
        if xs:
            res[name] = {"wall_s": med([x[0] for x in xs]), "cpu_s": med([x[1] for x in xs]),
                         "max_rss_kib": max(x[2] for x in xs)}
    f, k, w = res["floor"], res["kexray"], res["write"]
    res["kexray_over_floor"] = {"wall": ratio(k["wall_s"], f["wall_s"]),
                                "cpu": ratio(k["cpu_s"], f["cpu_s"])}
    res["kexray_over_floor_plus_write"] = {"wall": ratio(k["wall_s"], f["wall_s"] + w["wall_s"]),
                                           "cpu": ratio(k["cpu_s"], f["cpu_s"] + w["cpu_s"])}
    if "tshark" in res:
        res["tshark_over_kexray"] = {"wall": ratio(res["tshark"]["wall_s"], k["wall_s"])}
    print("file %s (%.0f MB), %d alternating runs, medians:" % (path, res["size_bytes"] / 1e6, a.runs))
    print("| tool | wall s | CPU s | peak RSS MiB |")
    print("|---|---|---|---|")
    label = {"write": "write of kexray's %.0f MB output, alone" % (res["output_bytes"] / 1e6)}
    for name in ("floor", "kexray", "write", "tshark"):
        if name in res:
            r = res[name]
            print("| %s | %.3f | %.3f | %s |" % (label.get(name, name), r["wall_s"], r["cpu_s"],
                                                "%.1f" % (r["max_rss_kib"] / 1024) if r["max_rss_kib"] else "-"))
    print("kexray / floor: wall %.2fx, CPU %.2fx" % (res["kexray_over_floor"]["wall"], res["kexray_over_floor"]["cpu"]))
    print("kexray / (floor + write): wall %.2fx, CPU %.2fx" % (
        res["kexray_over_floor_plus_write"]["wall"], res["kexray_over_floor_plus_write"]["cpu"]))
    if "tshark_over_kexray" in res:
        print("tshark / kexray: wall %.0fx" % res["tshark_over_kexray"]["wall"])
    res["bound"] = bound
    print("The smallest required records (ssh records only, compact JSON), written alone;")
    print("the floor plus that write is the best any implementation writing them can do:")
    print("| record | bytes a connection | write wall / CPU s | (floor + write) / floor, wall / CPU |"
          + (" tshark / (floor + write) |" if "tshark" in res else ""))
    print("|---|---|---|---|" + ("---|" if "tshark" in res else ""))
    for name, b in bound.items():
        bw, bc = f["wall_s"] + b["wall_s"], f["cpu_s"] + b["cpu_s"]
        b["floor_plus_write_over_floor"] = {"wall": ratio(bw, f["wall_s"]), "cpu": ratio(bc, f["cpu_s"])}
        line = "| %s | %.0f | %.3f / %.3f | %.2fx / %.2fx |" % (
            name, b["per_conn"], b["wall_s"], b["cpu_s"], ratio(bw, f["wall_s"]), ratio(bc, f["cpu_s"]))
        if "tshark" in res:
            b["tshark_over_floor_plus_write"] = ratio(res["tshark"]["wall_s"], bw)
            line += " %.0fx |" % b["tshark_over_floor_plus_write"]
        print(line)
    truth = os.path.splitext(path)[0] + ".truth.csv"
    if os.path.exists(truth):
        r = subprocess.run([sys.executable, os.path.join(HERE, "compare_truth.py"), truth, out],
                           stdout=subprocess.PIPE)
        last = r.stdout.decode().strip().splitlines()
        print("ground truth: %s" % (last[-1] if last else "?"))
        res["truth"] = last[-1] if last else None
    if a.json_out:
        with open(a.json_out, "w") as f:
            json.dump(res, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
