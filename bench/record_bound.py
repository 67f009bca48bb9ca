#!/usr/bin/env python3
"""What writing the record the issues require costs by itself, on this
machine: a lower bound for any program that writes it, however fast its
analysis.

  record_bound.py KEXRAY_JSONL [--runs N]

KEXRAY_JSONL is `kexray --json --records full` output (schema 1's members;
schema 2's lean bound is bench/schema2_bound.py).

From kexray's JSON Lines (its "ssh" records), writes the smallest records
the issues ask for, with compact JSON (no spaces), and times writing each
to a new file:

  issue2   the keys issue 2 requires of every "ssh" record (endpoints,
           banners, both KEXINITs' ten name-lists, negotiated, mismatch,
           the *_alg summary, closed_by, close);
  issue2+5 those plus the keys issue 5 requires (ratings, client_weak /
           server_weak with reasons, terrapin, pq, hassh and its strings,
           host_key, software, advice, would_log);
  issue2+3+5 those, and the "close" record issue 3 requires of every
           connection (type, uid, phase, closed_by, close, cause, resets).

The summary record and every key no issue names are left out, so each
bound is lower than what a program meeting those issues writes. The bytes are held in memory
and written with 1 MiB write(2) calls to a file that did not exist, as
kexray writes (wall time and the process's user+sys CPU, medians).
run_bench.py adds the floor's time to these to tell which targets no
implementation can reach with the required output.
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time

ISSUE2 = ["type", "ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p",
          "client", "server", "client_kexinit", "server_kexinit", "negotiated",
          "mismatch", "kex_alg", "host_key_alg", "cipher_alg", "mac_alg",
          "compression_alg", "closed_by", "close"]
ISSUE5 = ["ratings", "client_weak", "server_weak", "terrapin", "pq", "hassh",
          "hasshServer", "hasshAlgorithms", "hasshServerAlgorithms", "host_key",
          "client_software", "server_software", "advice", "would_log"]
ISSUE3_CLOSE = ["type", "uid", "phase", "closed_by", "close", "cause", "resets"]
TIERS = (("issue2", ISSUE2, None), ("issue2+5", ISSUE2 + ISSUE5, None),
         ("issue2+3+5", ISSUE2 + ISSUE5, ISSUE3_CLOSE))
CHUNK = 1 << 20


def minimal_records(jsonl):
    """{tier: bytes} of the minimal records, and the count of ssh records
    (connections)."""
    parts = {name: [] for name, _, _ in TIERS}
    n = 0
    with open(jsonl, "rb") as f:
        for line in f:
            rec = json.loads(line)
            kind = rec.get("type")
            n += kind == "ssh"
            for name, ssh_keys, close_keys in TIERS:
                keys = ssh_keys if kind == "ssh" else close_keys if kind == "close" else None
                if keys is None:
                    continue
                sub = {k: rec[k] for k in keys if k in rec}
                parts[name].append(json.dumps(sub, separators=(",", ":")).encode() + b"\n")
    return {name: b"".join(p) for name, p in parts.items()}, n


def write_cost(data, path, runs):
    """Medians of (wall s, CPU s) to write data to a new file at path."""
    walls, cpus = [], []
    view = memoryview(data)
    for _ in range(runs):
        if os.path.exists(path):
            os.unlink(path)
        os.sync()
        r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        for off in range(0, len(view), CHUNK):
            chunk = view[off:off + CHUNK]
            done = 0
            while done < len(chunk):
                done += os.write(fd, chunk[done:])
        os.close(fd)
        t1, r1 = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
        walls.append(t1 - t0)
        cpus.append((r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime))
        os.unlink(path)
    return statistics.median(walls), statistics.median(cpus)


def bound(jsonl, runs=3):
    """{tier: {"bytes", "per_conn", "wall_s", "cpu_s"}} for kexray's output."""
    data, n = minimal_records(jsonl)
    res = {}
    for name, _, _ in TIERS:
        wall, cpu = write_cost(data[name], jsonl + ".bound", runs)
        res[name] = {"bytes": len(data[name]), "per_conn": len(data[name]) / max(n, 1),
                     "wall_s": wall, "cpu_s": cpu}
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("jsonl")
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    for name, r in bound(a.jsonl, a.runs).items():
        print("%-10s %12d bytes (%6.0f a connection): write %.3f s wall, %.3f s CPU" % (
            name, r["bytes"], r["per_conn"], r["wall_s"], r["cpu_s"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
