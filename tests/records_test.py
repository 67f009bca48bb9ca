#!/usr/bin/env python3
"""Schema 2's records (docs/output-format.md), end to end:

  - a kexinit record's id is SHA-256 over its content as the docs define
    it, computed here independently from the record's own lists (hashlib),
    and the same offer gets the same id in another run and capture;
  - each id's kexinit record comes once, before the first ssh record that
    names it;
  - lean records leave out unset members (no null, no empty list) and keep
    booleans and zeros;
  - a host key that differs from known_hosts is its own verdict,
    HOST_KEY_CHANGED, a problem (exit 1), in JSON and text, and the same
    capture without known_hosts is OK;
  - --records takes lean or full and nothing else.

Usage: records_test.py --kexray BUILD/kexray --pcaps DIR
Prints one line per check and a final "N passed, M failed".
"""
import argparse
import base64
import hashlib
import json
import os
import struct
import subprocess
import sys
import tempfile
from kxtest import ENV, check, finish, records, run  # noqa: E402

LISTS = ["kex_algorithms", "server_host_key_algorithms",
         "encryption_algorithms_client_to_server",
         "encryption_algorithms_server_to_client",
         "mac_algorithms_client_to_server", "mac_algorithms_server_to_client",
         "compression_algorithms_client_to_server",
         "compression_algorithms_server_to_client",
         "languages_client_to_server", "languages_server_to_client"]


def kexinit_id(rec):
    """docs/output-format.md: SHA-256 over the role byte ('c' or 's'), each
    list as a 4-byte big-endian length and its bytes, and the
    first_kex_packet_follows byte; the first 8 bytes in hex."""
    h = hashlib.sha256(b"c" if rec["role"] == "client" else b"s")
    for name in LISTS:
        b = ",".join(rec[name]).encode()
        h.update(struct.pack(">I", len(b)) + b)
    h.update(b"\x01" if rec["first_kex_packet_follows"] else b"\x00")
    return h.hexdigest()[:16]


def unset_members(obj, path=""):
    """Paths of null members and empty lists anywhere in obj."""
    found = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            if v is None or v == []:
                found.append(path + k)
            else:
                found += unset_members(v, path + k + ".")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            found += unset_members(v, "%s%d." % (path, i))
    return found


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kexray", required=True)
    ap.add_argument("--pcaps", required=True)
    a = ap.parse_args()
    k, p = a.kexray, a.pcaps
    with open(os.path.join(p, "manifest.json")) as f:
        manifest = json.load(f)

    # Ids: the docs' definition, computed here, on every capture; each
    # kexinit record once and before its first use.
    bad_id, order, dup, leftovers, ids_of = [], [], [], [], {}
    for e in manifest:
        _, out, _ = run(k, ["--json", "-r", os.path.join(p, e["file"])] + e.get("args", []))
        seen = set()
        for r in records(out):
            if r["type"] == "kexinit":
                if kexinit_id(r) != r["id"]:
                    bad_id.append((e["name"], r["id"], kexinit_id(r)))
                if r["id"] in seen:
                    dup.append((e["name"], r["id"]))
                seen.add(r["id"])
                ids_of.setdefault(r["id"], set()).add(e["name"])
            elif r["type"] == "ssh":
                for side in ("client", "server"):
                    i = r.get(side + "_kexinit_id")
                    if i is not None and i not in seen:
                        order.append((e["name"], i))
            if r["type"] in ("ssh", "close"):
                leftovers += [(e["name"], x) for x in unset_members(r)]
    check("every kexinit id is SHA-256 of its content as documented (%d captures)" %
          len(manifest), not bad_id, bad_id)
    check("each kexinit record is written once per run", not dup, dup)
    check("each ssh record's kexinit ids were written before it", not order, order)
    shared = [i for i, names in ids_of.items() if len(names) > 1]
    check("the same offer has the same id in other runs and captures (%d ids shared)" %
          len(shared), len(shared) > 0)
    # The same offer read from sshd's log (rebuilt from its lines) has the
    # id it has on the wire: a pipeline joins either source.
    logs = os.path.join(os.path.dirname(os.path.abspath(__file__)), "logs")
    seed = os.path.join(p, "seed_openssh53_libssh2.pcap")
    _, out_w, _ = run(k, ["--json", "-r", seed])
    _, out_l, _ = run(k, ["--json", "--sshd-log",
                          os.path.join(logs, "seed_openssh53_libssh2.sshd.log")])
    ids = lambda out: sorted((r["role"], r["id"]) for r in records(out)
                             if r["type"] == "kexinit")
    check("an offer rebuilt from sshd's log has the id it has on the wire",
          ids(out_w) and ids(out_w) == ids(out_l), (ids(out_w), ids(out_l)))
    check("lean ssh and close records leave out null members and empty lists",
          not leftovers, leftovers[:5])
    login = os.path.join(p, "openssh_login.pcap")
    _, out, _ = run(k, ["--json", "-r", login])
    ssh = [r for r in records(out) if r["type"] == "ssh"][0]
    close = [r for r in records(out) if r["type"] == "close"][0]
    check("lean records keep booleans and zeros",
          ssh.get("midstream") is False and ssh.get("evicted") is False and
          close.get("resets_total") == 0 and close.get("third_party") is False, ssh)

    # A changed host key: its own verdict, a problem.
    with tempfile.TemporaryDirectory() as tmp:
        key = os.path.join(tmp, "k")
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key],
                       check=True, stdout=subprocess.DEVNULL)
        with open(key + ".pub") as f:
            typ, blob = f.read().split()[:2]
        kh = os.path.join(tmp, "known_hosts")
        with open(kh, "w") as f:
            f.write("127.0.0.1 %s %s\n" % (typ, blob))
        rc, out, _ = run(k, ["--json", "--known-hosts", kh, "-r", login])
        recs = records(out)
        s = [r for r in recs if r["type"] == "ssh"][0]
        c = [r for r in recs if r["type"] == "close"][0]
        summ = recs[-1]
        check("a host key that differs from known_hosts: verdict HOST_KEY_CHANGED, "
              "a problem, exit 1",
              rc == 1 and s["verdict"] == "HOST_KEY_CHANGED" and s["problem"] is True
              and s["host_key"]["known_hosts"] == "changed" and c["problem"] is True
              and summ["verdicts"]["HOST_KEY_CHANGED"] == 1 and summ["problems"] == 1,
              (rc, s.get("verdict"), s.get("problem"), summ.get("problems")))
        check("... its reason says so first", s["reason"].startswith(
            "the server's host key differs from the one in known_hosts"), s["reason"])
        rc, out, _ = run(k, ["--known-hosts", kh, "-r", login, "--color", "never"])
        check("... and the text report's first word is HOSTKEY, not OK",
              rc == 1 and out.split()[0] == "HOSTKEY", out[:200])
        with open(kh, "w") as f:
            f.write("127.0.0.1 %s\n" % " ".join([s["host_key"]["type"], "AAAA"]))
        rc, out, _ = run(k, ["--json", "-r", login])
        s = [r for r in records(out) if r["type"] == "ssh"][0]
        check("the same capture without known_hosts: OK, no problem, exit 0",
              rc == 0 and s["verdict"] == "OK" and s["problem"] is False, (rc, s["verdict"]))

    rc, _, err = run(k, ["--json", "--records", "some", "-r", login])
    check("--records takes lean or full only: a usage error (2) otherwise",
          rc == 2 and "--records" in err, (rc, err))
    rc, out, _ = run(k, ["--json", "--records", "full", "-r", login])
    s = [r for r in records(out) if r["type"] == "ssh"][0]
    check("--records full carries the lists inline and keeps null members",
          isinstance(s["client_kexinit"], dict) and s["server_log"] is None and
          s["client_kexinit_id"] is not None, s.get("client_kexinit"))

    return finish()


if __name__ == "__main__":
    sys.exit(main())
