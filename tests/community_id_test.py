#!/usr/bin/env python3
"""community_id (Community ID v1) in every record format, end to end:

  - this file's own implementation, written from the specification's text
    (corelight/community-id-spec README: SHA-1 over the seed as 2 bytes
    big-endian, the smaller (address, port) endpoint first, proto, a zero
    byte, both ports; "1:" and base64), is first held against vectors the
    specification publishes (baseline/README.md and baseline_*.json);
  - every ssh and close record kexray writes for pcaps/*.pcap, lean and
    --records full, carries the id computed here from its endpoints, right
    after uid, with seed 0 and with --community-id-seed 1 and 65535;
  - the Zeek ssh.log's community_id column and the EVE events' top-level
    community_id are the JSON record's;
  - a record read from a log that does not name both endpoints has none
    (lean: left out; full: null);
  - --community-id-seed takes 0 to 65535 and nothing else.

Usage: community_id_test.py --kexray BUILD/kexray --pcaps DIR
Prints one line per check and a final "N passed, M failed".
"""
import argparse
import base64
import glob
import hashlib
import ipaddress
import json
import os
import struct
import sys
from kxtest import ENV, check, finish, records, run  # noqa: E402


def community_id(saddr, sport, daddr, dport, proto=6, seed=0):
    a = ipaddress.ip_address(saddr).packed
    b = ipaddress.ip_address(daddr).packed
    if (b, dport) < (a, sport):
        a, b, sport, dport = b, a, dport, sport
    data = struct.pack(">H", seed) + a + b + struct.pack(">BBHH", proto, 0,
                                                         sport, dport)
    return "1:" + base64.b64encode(hashlib.sha1(data).digest()).decode()


# Published by the specification (baseline/README.md, baseline_deflt.json,
# baseline_seed1.json).
SPEC = [
    ("1.2.3.4", 1122, "5.6.7.8", 3344, 6, 0, "1:wCb3OG7yAFWelaUydu0D+125CLM="),
    ("5.6.7.8", 3344, "1.2.3.4", 1122, 6, 1, "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk="),
    ("2607:f8b0:400c:c03::1a", 25, "2001:470:e5bf:dead:4957:2174:e82c:4887",
     63943, 6, 0, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4="),
    ("2001:470:e5bf:dead:4957:2174:e82c:4887", 63943, "2607:f8b0:400c:c03::1a",
     25, 6, 1, "1:eJYTW6AOzFLlSUoESovMjnu7rMw="),
    ("192.168.1.52", 54585, "8.8.8.8", 53, 17, 0, "1:d/FP5EW3wiY1vCndhwleRRKHowQ="),
]


def expected(rec, seed):
    return community_id(rec["id.orig_h"], rec["id.orig_p"], rec["id.resp_h"],
                        rec["id.resp_p"], 6, seed)


def check_json(kexray, pcaps, seed, full):
    bad, n, order = [], 0, []
    args = ["--json"] + (["--records", "full"] if full else [])
    args += [] if seed == 0 else ["--community-id-seed", str(seed)]
    for p in pcaps:
        _, out, _ = run(kexray, ["-r", p] + args, quiet=True)
        for line in out.splitlines():
            rec = json.loads(line)
            if rec.get("type") not in ("ssh", "close"):
                continue
            n += 1
            if rec.get("community_id") != expected(rec, seed):
                bad.append((os.path.basename(p), rec["uid"],
                            rec.get("community_id"), expected(rec, seed)))
            keys = list(rec)
            if keys[keys.index("uid") + 1] != "community_id":
                order.append((os.path.basename(p), rec["type"]))
    what = "%s records, seed %d" % ("full" if full else "lean", seed)
    check("%s: %d ssh and close records carry the id computed here" % (what, n),
          n > 0 and not bad, bad[:3])
    check("%s: community_id comes right after uid" % what, not order, order[:3])


def zeek_rows(text):
    fields, rows = None, []
    for line in text.splitlines():
        if line.startswith("#fields"):
            fields = line.split("\t")[1:]
        elif not line.startswith("#") and line:
            rows.append(dict(zip(fields, line.split("\t"))))
    return fields, rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kexray", required=True)
    ap.add_argument("--pcaps", required=True)
    a = ap.parse_args()
    k = a.kexray
    pcaps = sorted(glob.glob(os.path.join(a.pcaps, "*.pcap")))

    for s, sp, d, dp, proto, seed, want in SPEC:
        got = community_id(s, sp, d, dp, proto, seed)
        check("this test's implementation gives the spec's %s for %s:%d -> %s:%d "
              "seed %d" % (want, s, sp, d, dp, seed), got == want, got)

    for seed in (0, 1, 65535):
        check_json(k, pcaps, seed, False)
    check_json(k, pcaps, 0, True)

    # Zeek and EVE carry the JSON record's id.
    zbad, ebad, n = [], [], 0
    for p in pcaps:
        _, js, _ = run(k, ["-r", p, "--json", "--community-id-seed", "7"], quiet=True)
        ids = {r["uid"]: r["community_id"] for r in records(js)
               if r["type"] == "ssh"}
        _, zk, _ = run(k, ["-r", p, "--format", "zeek", "--community-id-seed", "7"], quiet=True)
        fields, rows = zeek_rows(zk)
        if rows and fields[-1] != "community_id":
            zbad.append(("last column", fields[-1]))
        for row in rows:
            n += 1
            if row.get("community_id") != ids.get(row["uid"]):
                zbad.append((os.path.basename(p), row["uid"]))
        _, ev, _ = run(k, ["-r", p, "--format", "eve", "--community-id-seed", "7"], quiet=True)
        for e in records(ev):
            if e.get("event_type") != "ssh":
                continue
            if e.get("community_id") != ids.get(e["kexray"]["uid"]):
                ebad.append((os.path.basename(p), e["kexray"]["uid"]))
            keys = list(e)
            if keys[keys.index("proto") + 1 + ("vlan" in e)] != "community_id":
                ebad.append(("order", keys))
    check("Zeek ssh.log: community_id is the last column and the JSON record's "
          "(%d rows)" % n, n > 0 and not zbad, zbad[:3])
    check("EVE: top-level community_id after proto, the JSON record's",
          not ebad, ebad[:3])

    # Logs: sshd's names both endpoints, ssh -v's not the client's port.
    sshd = os.path.join(a.pcaps, "openssh_login.sshd.log")
    client = os.path.join(a.pcaps, "openssh_login.ssh.log")
    if os.path.exists(sshd) and os.path.exists(client):
        _, out, _ = run(k, ["--sshd-log", sshd, "--json"], quiet=True)
        recs = [r for r in records(out) if r["type"] in ("ssh", "close")]
        check("sshd log: records carry the id of the endpoints it names",
              recs and all(r.get("community_id") == expected(r, 0) for r in recs),
              recs[:1])
        _, out, _ = run(k, ["--sshd-log", client, "--json"], quiet=True)
        recs = [r for r in records(out) if r["type"] in ("ssh", "close")]
        check("ssh -v log without both endpoints: lean records leave it out",
              recs and all("community_id" not in r for r in recs), recs[:1])
        _, out, _ = run(k, ["--sshd-log", client, "--json", "--records", "full"], quiet=True)
        recs = [r for r in records(out) if r["type"] in ("ssh", "close")]
        check("ssh -v log without both endpoints: full records have null",
              recs and all("community_id" in r and r["community_id"] is None
                           for r in recs), recs[:1])

    for bad in ("65536", "-1", "x", "", "1.5"):
        rc, _, _ = run(k, ["-r", pcaps[0], "--json", "--community-id-seed", bad], quiet=True)
        check("--community-id-seed %r is a usage error (2)" % bad, rc == 2, rc)
    rc, _, _ = run(k, ["-r", pcaps[0], "--json", "--community-id-seed", "0"], quiet=True)
    check("--community-id-seed 0 is accepted", rc in (0, 1), rc)

    return finish()


if __name__ == "__main__":
    sys.exit(main())
