#!/usr/bin/env python3
"""The pipeline formats, read the way their consumers read them.

For every capture in pcaps/manifest.json (and one sshd debug log), kexray is
run three times: --json, --format zeek and --format eve. Then:

  * the Zeek output is parsed by a reader that honours its header, as
    Zeek's own ASCII reader does (src/threading/formatters/Ascii.cc): the
    separator from "#separator" (with its \\xHH escape), "#set_separator",
    "#empty_field", "#unset_field", the columns from "#fields" and their
    types from "#types"; values are unescaped (\\xHH) and typed (time,
    interval, count, port, addr, bool, enum, string, set[string]);
    Zeek's own columns must come first with Zeek's names, types and order
    (base/protocols/ssh/main.zeek), then the hassh package's;
  * every EVE line is checked field by field against what Suricata writes
    (docs.suricata.io "Eve JSON Format", etc/schema.json, and
    rust/src/ssh/logger.rs for the "ssh" object): no key Suricata does not
    write outside "kexray", each with Suricata's type and form;
  * both must agree with the JSON record of the same connection, value by
    value: Zeek's columns mapped as Zeek words them, EVE's "kexray" object
    equal to the JSON record.

For ed25519 host keys the key blob is rebuilt from tshark's dissection and
both fingerprints are recomputed from it: SHA-256 (JSON "host_key") and the
MD5 that Zeek logs as "host_key".

Usage: formats_test.py --kexray BUILD/kexray --pcaps DIR
Prints one line per check and a final "N passed, M failed".
"""
import argparse
import base64
import codecs
import datetime
import hashlib
import json
import os
import re
import shutil
import struct
import subprocess
import sys
from kxtest import ENV, check, finish, run  # noqa: E402


ZEEK_SSH = [  # base/protocols/ssh/main.zeek SSH::Info, in order
    ("ts", "time"), ("uid", "string"), ("id.orig_h", "addr"), ("id.orig_p", "port"),
    ("id.resp_h", "addr"), ("id.resp_p", "port"), ("version", "count"),
    ("auth_success", "bool"), ("auth_attempts", "count"), ("direction", "enum"),
    ("client", "string"), ("server", "string"), ("cipher_alg", "string"),
    ("mac_alg", "string"), ("compression_alg", "string"), ("kex_alg", "string"),
    ("host_key_alg", "string"), ("host_key", "string"),
]
HASSH_PKG = [  # salesforce/hassh zeek/hassh.zeek, logged fields in order
    ("hasshVersion", "string"), ("hassh", "string"), ("hasshServer", "string"),
    ("cshka", "string"), ("hasshAlgorithms", "string"), ("sshka", "string"),
    ("hasshServerAlgorithms", "string"),
]
NEGO_FAILED = "Algorithm negotiation failed"   # main.zeek find_alg()
SURICATA_TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d+[+\-]\d+$")


# JSON keeps valid UTF-8 and writes any other byte as the code point of the
# same value (docs/output-format.md); decode raw bytes the same way.
def _bytes_as_codepoints(err):
    return "".join(chr(b) for b in err.object[err.start:err.end]), err.end


codecs.register_error("kx_bytes", _bytes_as_codepoints)


def as_json_text(raw):
    return raw.decode("utf-8", "kx_bytes")


# ---------------------------------------------------------------- Zeek

def zeek_unescape(s):
    out = bytearray()
    i = 0
    b = s.encode("latin-1") if isinstance(s, str) else s
    while i < len(b):
        if b[i:i + 2] == b"\\x" and i + 4 <= len(b):
            out.append(int(b[i + 2:i + 4], 16))
            i += 4
        else:
            out.append(b[i])
            i += 1
    return bytes(out)


class ZeekLog:
    """Reads a Zeek ASCII log the way Zeek's reader does: everything from
    the header, nothing assumed."""

    def __init__(self, data):
        self.sep = None
        self.meta = {}
        self.fields = self.types = None
        self.rows = []
        self.closed = False
        for line in data.split(b"\n"):
            if line == b"":
                continue
            if line.startswith(b"#separator "):
                self.sep = zeek_unescape(line[len(b"#separator "):])
                continue
            if self.sep is None:
                raise ValueError("data before #separator")
            if line.startswith(b"#"):
                key, _, rest = line[1:].partition(self.sep)
                key = key.decode()
                if key == "fields":
                    self.fields = rest.decode().split(self.sep.decode())
                elif key == "types":
                    self.types = rest.decode().split(self.sep.decode())
                elif key == "close":
                    self.closed = True
                    self.meta[key] = rest.decode()
                else:
                    self.meta[key] = zeek_unescape(rest).decode("latin-1")
                continue
            cols = line.split(self.sep)
            if self.fields is None or len(cols) != len(self.fields):
                raise ValueError("row with %d columns, header has %s" %
                                 (len(cols), None if self.fields is None else len(self.fields)))
            self.rows.append(dict(zip(self.fields, (self.value(c, t) for c, t in
                                                      zip(cols, self.types)))))

    def value(self, raw, typ):
        unset = self.meta["unset_field"].encode("latin-1")
        empty = self.meta["empty_field"].encode("latin-1")
        setsep = self.meta["set_separator"].encode("latin-1")
        if raw == unset:
            return None
        if typ.startswith("set[") or typ.startswith("vector["):
            if raw == empty:
                return []
            return [self.value(x, typ[typ.index("[") + 1:-1]) for x in raw.split(setsep)]
        if typ == "string" or typ == "enum":
            return b"" if raw == empty else zeek_unescape(raw)
        if typ in ("time", "interval", "double"):
            return float(raw)
        if typ in ("count", "port", "int"):
            return int(raw)
        if typ == "bool":
            if raw not in (b"T", b"F"):
                raise ValueError("bool %r" % raw)
            return raw == b"T"
        if typ == "addr":
            return zeek_unescape(raw).decode()
        raise ValueError("type %s" % typ)


def zeek_alg(rec, c2s, s2c=None):
    """What Zeek's find_alg() / find_bidirectional_alg() log, from the JSON
    record's negotiation."""
    neg = rec["negotiated"]
    if neg is None:
        return None

    def one(cat):
        return NEGO_FAILED if neg[cat] is None else neg[cat]
    if s2c is None or one(c2s) == one(s2c):
        return one(c2s)
    return "To server: %s, to client: %s" % (one(c2s), one(s2c))


def zeek_version(rec):
    def proto(b):
        return None if b is None else b[4:b.index("-", 4)] if "-" in b[4:] else None
    c, s = proto(rec["client"]), proto(rec["server"])
    if c is None or s is None:
        return None
    if c[0] == "2" and s[0] == "2":
        return 2
    if c[0] == "1" and s[0] == "2":
        return 2 if c == "1.99" else 0
    if c[0] == "2" and s[0] == "1":
        return 2 if s == "1.99" else 0
    if c[0] == "1" and s[0] == "1":
        return 2 if c == "1.99" and s == "1.99" else 1
    return None


def text(v):
    return None if v is None else as_json_text(v)


def zeek_auth(rec, phase):
    """auth_success and auth_attempts as report_zeek.c derives them, from
    the JSON: a log's login (its connection's phase is session) is T; from
    packets the row is written at NEWKEYS, before authentication, so unset;
    0 attempts for a connection that ended before NEWKEYS both ways, its
    start captured."""
    success = True if rec["source"] != "pcap" and phase == "session" else None
    attempts = None
    if not rec["handshake_complete"] and not rec["midstream"] and \
            rec["close"] in ("fin", "rst", "timeout"):
        attempts = 0
    return success, attempts


def compare_zeek(row, rec, phase=None):
    """Differences between one Zeek row and the JSON record (phase: its
    close record's)."""
    auth_success, auth_attempts = zeek_auth(rec, phase)
    want = {
        "ts": rec["ts"], "uid": rec["uid"],
        "id.orig_h": rec["id.orig_h"], "id.orig_p": rec["id.orig_p"],
        "id.resp_h": rec["id.resp_h"], "id.resp_p": rec["id.resp_p"],
        "version": zeek_version(rec), "auth_success": auth_success,
        "auth_attempts": auth_attempts,
        "direction": None, "client": rec["client"], "server": rec["server"],
        "cipher_alg": zeek_alg(rec, "cipher_c2s", "cipher_s2c"),
        "mac_alg": zeek_alg(rec, "mac_c2s", "mac_s2c"),
        "compression_alg": zeek_alg(rec, "compression_c2s", "compression_s2c"),
        "kex_alg": zeek_alg(rec, "kex"), "host_key_alg": zeek_alg(rec, "host_key"),
        "hasshVersion": "1.1" if rec["hassh"] or rec["hasshServer"] else None,
        "hassh": rec["hassh"], "hasshServer": rec["hasshServer"],
        "cshka": None if rec["client_kexinit"] is None else
        ",".join(rec["client_kexinit"]["server_host_key_algorithms"]),
        "sshka": None if rec["server_kexinit"] is None else
        ",".join(rec["server_kexinit"]["server_host_key_algorithms"]),
        "hasshAlgorithms": rec["hasshAlgorithms"],
        "hasshServerAlgorithms": rec["hasshServerAlgorithms"],
        "kexray.verdict": rec["verdict"], "kexray.problem": rec["problem"],
        "kexray.handshake_complete": rec["handshake_complete"],
        "kexray.reason": rec["reason"], "kexray.mismatch": rec["mismatch"],
        "kexray.server_log": rec["server_log"], "kexray.closed_by": rec["closed_by"],
        "kexray.close": rec["close"], "kexray.close_after": rec["close_after"],
        "kexray.duration": rec["duration"], "kexray.midstream": rec["midstream"],
        "kexray.evicted": rec["evicted"], "kexray.source": rec["source"],
        "kexray.cipher_alg_s2c": None if rec["negotiated"] is None else
        (rec["negotiated"]["cipher_s2c"] or NEGO_FAILED),
        "kexray.mac_alg_s2c": None if rec["negotiated"] is None else
        (rec["negotiated"]["mac_s2c"] or NEGO_FAILED),
        "kexray.compression_alg_s2c": None if rec["negotiated"] is None else
        (rec["negotiated"]["compression_s2c"] or NEGO_FAILED),
        "kexray.host_key_fingerprint": None if rec["host_key"] is None else
        rec["host_key"]["fingerprint"],
        "kexray.terrapin_exposed": None if rec["terrapin"] is None else
        rec["terrapin"]["exposed"],
        "kexray.pq": None if rec["pq"] is None else rec["pq"]["verdict"],
        "kexray.anomalies": rec["anomalies"],
        "community_id": rec["community_id"],
    }
    diffs = []
    for k, w in want.items():
        g = row.get(k, "<missing>")
        if isinstance(g, bytes):
            g = text(g)
        if isinstance(g, list):
            g = [text(x) if isinstance(x, bytes) else x for x in g]
        if isinstance(w, float):
            ok = isinstance(g, float) and abs(g - w) < 1e-6
        else:
            ok = g == w
        if not ok:
            diffs.append("%s: zeek %r, json %r" % (k, g, w))
    hk = row.get("host_key")
    if (hk is None) != (rec["host_key"] is None) or \
            (hk is not None and not re.fullmatch(rb"([0-9a-f]{2}:){15}[0-9a-f]{2}", hk)):
        diffs.append("host_key %r for JSON host_key %r" % (hk, rec["host_key"]))
    return diffs


# ---------------------------------------------------------------- EVE

EVE_TOP = {"timestamp", "flow_id", "event_type", "src_ip", "src_port", "dest_ip",
           "dest_port", "proto", "vlan", "community_id", "ssh", "kexray"}


def banner_parts(b):
    """proto_version and software_version as Suricata's parser splits an
    identification string (RFC 4253 4.2): after "SSH-", up to "-"; then up
    to the first space."""
    rest = b[4:]
    proto, _, soft = rest.partition("-")
    return proto, soft.split(" ", 1)[0]


def check_eve(ev, rec):
    """Differences between one EVE event and Suricata's form / the JSON
    record."""
    d = []
    extra = set(ev) - EVE_TOP
    if extra:
        d.append("keys Suricata does not write: %s" % sorted(extra))
    ts = ev.get("timestamp")
    if not isinstance(ts, str) or not SURICATA_TS.match(ts):
        d.append("timestamp %r does not match Suricata's form" % ts)
    else:
        t = datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()
        if abs(t - rec["ts"]) > 1e-6:
            d.append("timestamp %s is not ts %s" % (ts, rec["ts"]))
    fid = ev.get("flow_id")
    if not isinstance(fid, int) or isinstance(fid, bool) or not 0 < fid < 2 ** 53:
        d.append("flow_id %r" % fid)
    if ev.get("community_id") != rec["community_id"]:
        d.append("community_id %r, JSON %r" % (ev.get("community_id"),
                                               rec["community_id"]))
    if ev.get("event_type") != "ssh" or ev.get("proto") != "TCP":
        d.append("event_type %r proto %r" % (ev.get("event_type"), ev.get("proto")))
    for eve_k, js_k in (("src_ip", "id.orig_h"), ("src_port", "id.orig_p"),
                        ("dest_ip", "id.resp_h"), ("dest_port", "id.resp_p")):
        if rec[js_k] is None:
            if eve_k in ev:
                d.append("%s present for an unknown endpoint" % eve_k)
        elif ev.get(eve_k) != rec[js_k] or type(ev.get(eve_k)) is not type(rec[js_k]):
            d.append("%s %r, JSON %s %r" % (eve_k, ev.get(eve_k), js_k, rec[js_k]))
    if "vlan" in rec:
        if ev.get("vlan") != [rec["vlan"]]:
            d.append("vlan %r" % ev.get("vlan"))
    elif "vlan" in ev:
        d.append("vlan without one")
    ssh = ev.get("ssh")
    if not isinstance(ssh, dict) or set(ssh) - {"client", "server"}:
        d.append("ssh %r" % ssh)
        return d
    for side, hk in (("client", "hassh"), ("server", "hasshServer")):
        banner = rec[side]
        o = ssh.get(side)
        if banner is None or not banner.startswith("SSH-") or "-" not in banner[4:]:
            if o is not None:
                d.append("ssh.%s present without an identification string" % side)
            continue
        if not isinstance(o, dict):
            d.append("ssh.%s missing" % side)
            continue
        if set(o) - {"proto_version", "software_version", "hassh"}:
            d.append("ssh.%s keys %s" % (side, sorted(o)))
        proto, soft = banner_parts(banner)
        if o.get("proto_version") != proto:
            d.append("ssh.%s.proto_version %r, banner %r" % (side, o.get("proto_version"), banner))
        if o.get("software_version", "") != soft:
            d.append("ssh.%s.software_version %r, banner %r" % (side, o.get("software_version"), banner))
        h = o.get("hassh")
        if rec[hk] is None:
            if h is not None:
                d.append("ssh.%s.hassh without a KEXINIT" % side)
        elif h != {"hash": rec[hk], "string": rec[hk + "Algorithms"]}:
            d.append("ssh.%s.hassh %r" % (side, h))
    if ev.get("kexray") != rec:
        d.append("kexray object differs from the JSON record")
    return d


# ---------------------------------------------------------------- tshark

def ed25519_keys(pcap):
    """(SHA-256 fingerprint, MD5 colon form) of every ed25519 host key
    tshark dissects, the blob rebuilt as RFC 8709 4 lays it out."""
    if shutil.which("tshark") is None:
        return None
    r = subprocess.run(["tshark", "-r", pcap, "-o", "tcp.desegment_tcp_streams:TRUE",
                        "-d", "tcp.port==8022,ssh", "-d", "tcp.port==2222,ssh",
                        "-Y", "ssh.host_key.type == \"ssh-ed25519\"", "-T", "fields",
                        "-e", "ssh.host_key.eddsa.key"],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=120)
    out = []
    for line in r.stdout.decode().split():
        key = bytes.fromhex(line.split(",")[0].replace(":", ""))
        t = b"ssh-ed25519"
        blob = struct.pack(">I", len(t)) + t + struct.pack(">I", len(key)) + key
        sha = "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
        md5 = ":".join("%02x" % x for x in hashlib.md5(blob).digest())
        out.append((sha, md5))
    return out


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kexray", required=True)
    ap.add_argument("--pcaps", required=True)
    a = ap.parse_args()
    with open(os.path.join(a.pcaps, "manifest.json")) as f:
        manifest = json.load(f)
    inputs = [(e["name"], ["-r", os.path.join(a.pcaps, e["file"])] + e.get("args", []),
               os.path.join(a.pcaps, e["file"])) for e in manifest]
    for lg in ("openssh_kex_mismatch", "openssh_login"):
        log = os.path.join(a.pcaps, lg + ".sshd.log")
        if os.path.exists(log):
            inputs.append(("sshd-log " + lg, ["--sshd-log", log], None))

    rows_total = keys_checked = 0
    for name, args, pcap in inputs:
        _, jout, _ = run(a.kexray, ["--json", "--records", "full"] + args, quiet=True, text=False)
        lines = [json.loads(x) for x in jout.decode().splitlines()]
        recs = [x for x in lines if x["type"] == "ssh"]
        phases = {x["uid"]: x["phase"] for x in lines if x["type"] == "close"}
        check("%s: JSON ends with one summary record" % name,
              len(lines) >= 1 and lines[-1]["type"] == "summary" and
              sum(1 for x in lines if x["type"] == "summary") == 1 and
              lines[-1]["connections"] == len(recs), lines[-1:] if lines else "no output")

        zrc, zout, zerr = run(a.kexray, ["--format", "zeek"] + args, quiet=True, text=False)
        try:
            z = ZeekLog(zout) if recs else None
            zok = True
        except (ValueError, KeyError) as e:
            zok, z = False, None
            check("%s: Zeek log parses" % name, False, e)
        if zok and recs:
            hdr = list(zip(z.fields, z.types))
            check("%s: Zeek header (#path ssh, Zeek's columns first, then hassh's)" % name,
                  z.meta.get("path") == "ssh" and z.sep == b"\t" and
                  z.meta.get("set_separator") == "," and
                  re.fullmatch(r"\d{4}(-\d\d){5}", z.meta.get("open", "")) and z.closed and
                  hdr[:len(ZEEK_SSH)] == ZEEK_SSH and
                  hdr[len(ZEEK_SSH):len(ZEEK_SSH) + len(HASSH_PKG)] == HASSH_PKG and
                  all(n.startswith("kexray.") for n in z.fields[len(ZEEK_SSH) + len(HASSH_PKG):-1]) and
                  hdr[-1] == ("community_id", "string"),
                  hdr)
            diffs = []
            if len(z.rows) != len(recs):
                diffs.append("%d rows, %d JSON records" % (len(z.rows), len(recs)))
            for row, rec in zip(z.rows, recs):
                diffs += compare_zeek(row, rec, phases.get(rec["uid"]))
            rows_total += len(z.rows)
            check("%s: every Zeek value agrees with JSON (%d rows)" % (name, len(z.rows)),
                  not diffs, diffs[:4])
        elif not recs:
            check("%s: no connection, no Zeek log (as Zeek writes none)" % name,
                  zout == b"", zout[:200])

        _, eout, _ = run(a.kexray, ["--format", "eve"] + args, quiet=True, text=False)
        evs = [json.loads(x) for x in eout.decode().splitlines()]
        # The ssh events; the close and alert events: eve_events_test.py.
        evs = [e for e in evs if e.get("event_type") == "ssh"]
        diffs = [] if len(evs) == len(recs) else ["%d events, %d records" % (len(evs), len(recs))]
        for ev, rec in zip(evs, recs):
            diffs += check_eve(ev, rec)
        check("%s: every EVE event is Suricata's form and agrees with JSON (%d)" %
              (name, len(evs)), not diffs, diffs[:4])

        if pcap is not None and zok and recs:
            keys = ed25519_keys(pcap)
            if keys:
                got = [(r["host_key"]["fingerprint"], row["host_key"].decode())
                       for r, row in zip(recs, z.rows) if r["host_key"] is not None and
                       r["host_key"]["type"] == "ssh-ed25519"]
                keys_checked += len(got)
                check("%s: host key fingerprints recomputed from tshark's key "
                      "(SHA-256 in JSON, MD5 in Zeek's host_key)" % name,
                      got == keys[:len(got)] and len(got) > 0, (got, keys))

    # The hostile banner, as the bytes on the line: control bytes, the
    # backslash and non-ASCII as \xHH, never raw; no tab inside a value.
    hostile = os.path.join(a.pcaps, "hostile_banner.pcap")
    _, zout, _ = run(a.kexray, ["--format", "zeek", "-r", hostile], quiet=True, text=False)
    data = [x for x in zout.split(b"\n") if x and not x.startswith(b"#")]
    check("hostile banner: Zeek escapes ESC, NUL, backslash and UTF-8 bytes",
          len(data) == 1 and b"SSH-2.0-Evil\\x1b[31m\\x00\"\\x5c\\xc3\\xa9_\\xc3\\xbc\t" in data[0]
          and not re.search(rb"[\x00-\x08\x0a-\x1f\x7f-\xff]", data[0]), data[:1])
    check("the Zeek values of every capture were compared (%d rows, %d host keys)" %
          (rows_total, keys_checked), rows_total >= len(manifest) - 1 and keys_checked >= 5)

    return finish()


if __name__ == "__main__":
    sys.exit(main())
