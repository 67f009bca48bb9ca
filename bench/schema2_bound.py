#!/usr/bin/env python3
"""The fewest JSON bytes a connection can cost while carrying what issue 13
requires of schema 2, measured on kexray's own output of a capture.

  schema2_bound.py KEXRAY_LEAN_JSONL

From kexray's lean JSON Lines (`--json`), keeps in each record only the
members the issue names, written as compact JSON, and counts the bytes per
SSH connection:

  ssh     what a reader needs without a join: the connection's identity
          (type, schema_version, ts, uid, id.*), both banners, both
          KEXINIT ids, hassh and hasshServer, the negotiated algorithms
          (Zeek's single-valued fields and the server-to-client ones that
          differ), verdict, reason (a plain-words sentence that stays), what
          is weak in use, Terrapin and post-quantum words, the host key
          (type, fingerprint, known_hosts verdicts), the recognised
          software; for a failed negotiation both lists of each failing
          category, the advice and the log lines;
  close   issue 3's close record (type, uid, phase, closed_by, close,
          cause, resets), its schema_version and its plain-words
          cause_text;
  kexinit every kexinit record whole (once per distinct offer);
  summary the summary record.

With --time N, the bound's bytes are also written to a new file beside
the input, N times (record_bound.write_cost: 1 MiB write(2) calls after a
sync), and the medians printed: what writing them costs on its own.

Every member the issue does not name is left out (problem,
handshake_complete, midstream, evicted, duration, close_after, end_ts,
third_party, the close record's endpoints and source...), so the figure
is below what any schema 2 writer that keeps those must write.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import record_bound  # noqa: E402

SSH = ["type", "schema_version", "ts", "uid", "id.orig_h", "id.orig_p",
       "id.resp_h", "id.resp_p", "client", "server", "client_kexinit_id",
       "server_kexinit_id", "hassh", "hasshServer", "kex_alg", "host_key_alg",
       "cipher_alg", "mac_alg", "compression_alg", "cipher_alg_s2c",
       "mac_alg_s2c", "compression_alg_s2c", "verdict", "reason", "weak",
       "terrapin", "pq", "host_key", "client_software", "server_software",
       "mismatch", "mismatch_offers", "advice", "would_log"]
HOST_KEY = ["type", "fingerprint", "known_hosts", "host_keys"]
CLOSE = ["type", "schema_version", "uid", "phase", "closed_by", "close",
         "cause", "cause_text", "resets"]


def main():
    args = sys.argv[1:]
    runs = 0
    if len(args) == 3 and args[0] == "--time":
        runs = int(args[1])
        args = args[2:]
    if len(args) != 1:
        sys.exit("usage: schema2_bound.py [--time N] KEXRAY_LEAN_JSONL")
    actual = {}
    bound = {}
    kept = []
    conns = 0
    with open(args[0], "rb") as f:
        for line in f:
            rec = json.loads(line)
            kind = rec.get("type")
            actual[kind] = actual.get(kind, 0) + len(line)
            if kind == "ssh":
                conns += 1
                sub = {k: rec[k] for k in SSH if k in rec}
                if "host_key" in sub:
                    sub["host_key"] = {k: rec["host_key"][k] for k in HOST_KEY
                                       if k in rec["host_key"]}
            elif kind == "close":
                sub = {k: rec[k] for k in CLOSE if k in rec}
            else:
                sub = rec
            text = json.dumps(sub, separators=(",", ":")).encode() + b"\n"
            bound[kind] = bound.get(kind, 0) + len(text)
            if runs:
                kept.append(text)
    print("connections %d" % conns)
    print("%-8s %12s %12s" % ("record", "kexray B/c", "bound B/c"))
    for kind in sorted(actual):
        print("%-8s %12.1f %12.1f" % (kind, actual[kind] / conns, bound[kind] / conns))
    print("%-8s %12.1f %12.1f" % ("all", sum(actual.values()) / conns,
                                   sum(bound.values()) / conns))
    if runs:
        data = b"".join(kept)
        wall, cpu = record_bound.write_cost(data, args[0] + ".bound", runs)
        print("write of the bound's %d bytes alone: %.3f s wall, %.3f s CPU "
              "(medians of %d)" % (len(data), wall, cpu, runs))


if __name__ == "__main__":
    main()
