#!/usr/bin/env python3
"""Compare kexray's JSON Lines with the ground truth of ../shared/bench's
gen_ssh_pcap (its --truth-csv), connection by connection, keyed by the
client's address and port.

Usage: compare_truth.py TRUTH.csv KEXRAY.jsonl
Checks, for every SSH connection of the truth: present in kexray's output;
both banners; mismatch categories; the eight negotiated algorithms; NEWKEYS
both ways for completed handshakes; who reset the connection. Prints the
counts and the first differences, and a final "N passed, M failed" line
(N/M = connections).

Reads schema 2's lean records (the default; members left out are null,
the negotiated algorithms from the *_alg members) and --records full alike.
"""
import csv
import json
import sys

CAT = {"kex": "kex", "hostkey": "host_key", "enc_cs": "cipher_c2s",
       "enc_sc": "cipher_s2c", "mac_cs": "mac_c2s", "mac_sc": "mac_s2c",
       "comp_cs": "compression_c2s", "comp_sc": "compression_s2c"}


LEAN_ALG = {"kex": "kex_alg", "host_key": "host_key_alg",
            "cipher_c2s": "cipher_alg", "mac_c2s": "mac_alg",
            "compression_c2s": "compression_alg"}


def negotiated(r):
    """The eight negotiated algorithms, from a full record's "negotiated"
    or a lean record's *_alg members (an *_s2c one only where it differs)."""
    if "negotiated" in r:
        return r["negotiated"] or {}
    n = {k: r.get(v) for k, v in LEAN_ALG.items()}
    for way in ("cipher", "mac", "compression"):
        n[way + "_s2c"] = r.get(way + "_alg_s2c", n[way + "_c2s"])
    return n


def main():
    truth = {}
    with open(sys.argv[1], newline="") as f:
        for row in csv.DictReader(f):
            truth[(row["client_ip"], int(row["client_port"]))] = row
    got = {}
    with open(sys.argv[2]) as f:
        for line in f:
            r = json.loads(line)
            # A connection is its "ssh" record and its "close" record (the
            # final closed_by and close); other records have no endpoints.
            if r.get("type") not in ("ssh", "close"):
                continue
            got.setdefault((r["id.orig_h"], r["id.orig_p"]), {}).update(r)
    diffs = []
    ok = 0
    for key, t in truth.items():
        r = got.get(key)
        errs = []
        if r is None:
            errs.append("missing")
        else:
            for side in ("client", "server"):
                want = t[side + "_banner"] or None
                if r.get(side) != want:
                    errs.append("%s banner %r != %r" % (side, r[side], want))
            want_mm = sorted(CAT[c] for c in t["mismatch_categories"].split("|") if c)
            if sorted(r.get("mismatch", [])) != want_mm:
                errs.append("mismatch %r != %r" % (r["mismatch"], want_mm))
            if t["kex"] and not want_mm:
                for tc, kc in CAT.items():
                    got_alg = negotiated(r).get(kc)
                    if got_alg != t[tc]:
                        errs.append("%s %r != %r" % (kc, got_alg, t[tc]))
            complete = t["fate"] in ("normal", "rst_after_newkeys")
            if r["handshake_complete"] != complete:
                errs.append("handshake_complete %r, fate %s" % (r["handshake_complete"], t["fate"]))
            if t["rst_by"]:
                if r.get("close") != "rst" or r.get("closed_by") != t["rst_by"]:
                    errs.append("close %s by %s, truth rst by %s" % (r.get("close"), r.get("closed_by"), t["rst_by"]))
        if errs:
            diffs.append((key, errs))
        else:
            ok += 1
    extra = len(set(got) - set(truth))
    print("truth connections %d, kexray records %d (%d not in the truth)" % (len(truth), len(got), extra))
    for key, errs in diffs[:20]:
        print("  %s:%d: %s" % (key[0], key[1], "; ".join(errs)))
    bad = len(diffs) + extra
    print("%d passed, %d failed" % (ok, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
