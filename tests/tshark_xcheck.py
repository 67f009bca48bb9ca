#!/usr/bin/env python3
"""tshark_xcheck.py - cross-check kexray's decoding against tshark's.

Usage: tshark_xcheck.py --kexray PATH [--skip-missing] CAPTURE [CAPTURE...]

For each capture, runs "kexray -r CAPTURE --json" and tshark's SSH dissector
on the same file, pairs the connections by their two endpoints (unordered),
and checks that

  * every connection for which tshark decodes an SSH identification string
    is in kexray's output;
  * every identification string tshark decodes equals kexray's "client" or
    "server" string for that side;
  * every KEXINIT name-list tshark decodes equals kexray's list joined by
    "," (and first_kex_packet_follows agrees).

Where tshark decodes nothing for a side, nothing is compared for it: tshark
4.0 does not decode a banner split over several segments, nor some KEXINITs
that follow the banner in one segment.  Such cases get a "note" line.

tshark decodes TCP port 22 as SSH by itself; other ports are added with
"-d tcp.port==N,ssh" when a first tshark pass finds a segment on them whose
payload starts with "SSH-" (N = destination port of the SYN, else the lower
port).  Out-of-order segments are reassembled
(-o tcp.reassemble_out_of_order:TRUE).

Strings are compared with what tshark can represent: it stops a string at a
NUL byte and shows every non-ASCII byte as U+FFFD, so a U+FFFD from tshark
matches one byte 0x80-0xff of kexray's string (as UTF-8, or as Latin-1 when
kexray escaped raw bytes as \\u0080-\\u00ff).

Output: one line per capture ("ok ..." or "FAIL ..." with the mismatches
indented below), "note"/"skip" lines, and a last line "N passed, M failed"
counting captures.  Exit status: 0 all passed, 1 some failed, 77 (meson's
"skipped") with --skip-missing when tshark is absent or a capture does not
exist and nothing failed, 2 on usage errors.

Python 3 standard library only; written against tshark 4.0.
"""
import argparse
import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys

SKIP = 77
TIMEOUT = 600           # seconds for one tshark or kexray run

# kexray's KEXINIT keys and tshark's fields, RFC 4253 section 7.1 order.
NAME_LISTS = (
    "kex_algorithms",
    "server_host_key_algorithms",
    "encryption_algorithms_client_to_server",
    "encryption_algorithms_server_to_client",
    "mac_algorithms_client_to_server",
    "mac_algorithms_server_to_client",
    "compression_algorithms_client_to_server",
    "compression_algorithms_server_to_client",
    "languages_client_to_server",
    "languages_server_to_client",
)
SIDES = ("client", "server")
SSH_START = "53:53:48:2d"          # "SSH-"


class CheckError(Exception):
    """A capture could not be checked at all (tool failed, bad output)."""


def run(cmd):
    try:
        res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        raise CheckError("%s timed out after %d s" % (os.path.basename(cmd[0]), TIMEOUT))
    except OSError as e:
        raise CheckError("cannot run %s: %s" % (cmd[0], e))
    return res


def tshark(capture, args):
    cmd = ["tshark", "-n", "-r", capture] + args
    res = run(cmd)
    # 0: no problem found, 1: problems found (a mismatch is still a good
    # decode); 2 and 3 are errors.
    if res.returncode not in (0, 1):
        err = res.stderr.decode("utf-8", "replace")
        err = " ".join(l for l in err.splitlines() if "Running as user" not in l)
        raise CheckError("tshark exited %d: %s" % (res.returncode, err.strip()[:300]))
    return res.stdout.decode("utf-8", "replace")


def flag(v):
    return v in ("1", "True", "true")


def norm_addr(a):
    try:
        return ipaddress.ip_address(a).compressed
    except ValueError:
        return a


# ------------------------------------------------------------------ tshark

def stream_ports(capture, dfilter):
    """{tcp.stream: (srcport, dstport)} of the first frame matching dfilter."""
    out = tshark(capture, ["-Y", dfilter, "-T", "fields", "-E", "separator=,",
                           "-e", "tcp.stream", "-e", "tcp.srcport", "-e", "tcp.dstport"])
    res = {}
    for line in out.splitlines():
        f = line.split(",")
        if len(f) == 3 and all(x.isdigit() for x in f):
            res.setdefault(int(f[0]), (int(f[1]), int(f[2])))
    return res


def ssh_ports(capture):
    """Server ports of streams with a segment whose payload starts "SSH-",
    other than 22 (which tshark decodes as SSH anyway).  The server port is
    the destination of the SYN, else the lower port."""
    with_ssh = stream_ports(capture, "tcp.payload[0:4] == %s" % SSH_START)
    if not with_ssh:
        return set()
    syns = stream_ports(capture, "tcp.flags.syn == 1 && tcp.flags.ack == 0")
    extra = set()
    for st, (sp, dp) in with_ssh.items():
        if 22 in (sp, dp):
            continue
        extra.add(syns[st][1] if st in syns else min(sp, dp))
    return extra


def one(layers, name):
    v = layers.get(name)
    if not v:
        return None
    return v[-1]       # innermost header if tunnelled


def inner_ip(protocols):
    """"ip" or "ipv6", whichever carries TCP (the innermost, e.g. in 6in4)."""
    for p in reversed(protocols.split(":")):
        if p in ("ip", "ipv6"):
            return p
    return "ip"


def tshark_conns(capture, ports):
    """Per TCP stream: endpoints, banners and KEXINITs by sending endpoint."""
    fields = ["frame.number", "frame.time_epoch", "frame.protocols", "tcp.stream",
              "ip.src", "ipv6.src", "ip.dst", "ipv6.dst", "tcp.srcport", "tcp.dstport",
              "ssh.protocol", "ssh.message_code", "ssh.first_kex_packet_follows"]
    fields += ["ssh." + n for n in NAME_LISTS]
    fields += ["ssh.kex.hassh", "ssh.kex.hasshserver"]
    args = ["-o", "tcp.reassemble_out_of_order:TRUE"]
    for p in sorted(ports):
        args += ["-d", "tcp.port==%d,ssh" % p]
    args += ["-Y", "ssh.protocol || ssh.message_code == 20", "-T", "json"]
    for f in fields:
        args += ["-e", f]
    text = tshark(capture, args)
    try:
        frames = json.loads(text) if text.strip() else []
    except ValueError as e:
        raise CheckError("cannot parse tshark JSON: %s" % e)
    streams = {}
    for fr in frames:
        lay = fr.get("_source", {}).get("layers", {})
        st = one(lay, "tcp.stream")
        if st is None:
            continue
        fam = inner_ip(one(lay, "frame.protocols") or "")
        src = (norm_addr(one(lay, fam + ".src") or ""), int(one(lay, "tcp.srcport") or 0))
        dst = (norm_addr(one(lay, fam + ".dst") or ""), int(one(lay, "tcp.dstport") or 0))
        s = streams.setdefault(int(st), {
            "ends": frozenset((src, dst)), "time": float(one(lay, "frame.time_epoch") or 0),
            "banners": {}, "kexinits": {}, "other_lines": 0,
        })
        fn = int(one(lay, "frame.number") or 0)
        for line in lay.get("ssh.protocol", []):
            # tshark also shows lines that precede the identification string
            if line.startswith("SSH-"):
                s["banners"].setdefault(src, []).append((fn, line))
            else:
                s["other_lines"] += 1
        lists = [lay.get("ssh." + n, []) for n in NAME_LISTS]
        fkpf = lay.get("ssh.first_kex_packet_follows", [])
        for i in range(len(lists[0])):
            k = {"frame": fn}
            for n, vals in zip(NAME_LISTS, lists):
                k[n] = vals[i] if i < len(vals) else None
            k["first_kex_packet_follows"] = fkpf[i] if i < len(fkpf) else None
            # HASSH: tshark puts hassh on a client KEXINIT, hasshserver on
            # a server's (one direction per frame).
            hs = lay.get("ssh.kex.hassh") or lay.get("ssh.kex.hasshserver") or []
            k["hassh"] = hs[i] if i < len(hs) else None
            s["kexinits"].setdefault(src, []).append(k)
    return streams


# ------------------------------------------------------------------ kexray

def kexray_conns(kexray, capture):
    res = run([kexray, "-r", capture, "--json", "--records", "full"])
    # 0 no problem found, 1 problems found (a mismatch is a good decode);
    # 2 and 3 are errors.
    if res.returncode not in (0, 1):
        err = res.stderr.decode("utf-8", "replace").strip()
        raise CheckError("kexray exited %d: %s" % (res.returncode, err[:300]))
    recs = {}
    for n, line in enumerate(res.stdout.decode("utf-8", "replace").splitlines(), 1):
        if not line.strip():
            continue
        try:
            r = json.loads(line)
        except ValueError as e:
            raise CheckError("kexray output line %d is not JSON: %s" % (n, e))
        if not isinstance(r, dict):
            raise CheckError("kexray output line %d is not an object" % n)
        if r.get("type") != "ssh":
            continue
        try:
            orig = (norm_addr(r["id.orig_h"]), int(r["id.orig_p"]))
            resp = (norm_addr(r["id.resp_h"]), int(r["id.resp_p"]))
        except (KeyError, TypeError, ValueError):
            raise CheckError("kexray record on line %d lacks id.* fields" % n)
        r["_orig"], r["_resp"] = orig, resp
        recs.setdefault(frozenset((orig, resp)), []).append(r)
    return recs


# --------------------------------------------------------------- comparing

def same_text(tsh, kx):
    """tshark's rendering of a string against kexray's decoded string.
    Returns (equal, note or None)."""
    if kx is None:
        return False, None
    note = None
    if "\0" in kx:
        kx = kx[:kx.index("\0")]
        note = "tshark stops at a NUL byte; compared the part before it"
    if tsh == kx:
        return True, note
    pat = b""
    for ch in tsh:
        if ch == "\ufffd":
            pat += b"[\\x80-\\xff]"
        else:
            pat += re.escape(ch.encode("utf-8"))
    cands = [kx.encode("utf-8", "surrogateescape")]
    try:
        cands.append(kx.encode("latin-1"))
    except UnicodeEncodeError:
        pass
    rx = re.compile(pat, re.S)
    for c in cands:
        if rx.fullmatch(c):
            return True, note or "non-ASCII bytes compared as tshark shows them (U+FFFD)"
    return False, note


def show(s, n=120):
    r = repr(s)
    return r if len(r) <= n else r[:n] + "...(%d chars)" % len(s)


def pair_up(tstreams, krecs):
    """Match tshark streams to kexray records with the same endpoints; when
    the endpoints were reused, by nearest start time."""
    pairs = []
    for st in sorted(tstreams):
        s = tstreams[st]
        cands = krecs.get(s["ends"], [])
        free = [r for r in cands if not r.get("_used")]
        if not free:
            pairs.append((st, None))
            continue
        if len(free) > 1:
            def dist(r):
                try:
                    return abs(float(r.get("ts")) - s["time"])
                except (TypeError, ValueError):
                    return float("inf")
            free.sort(key=dist)
        free[0]["_used"] = True
        pairs.append((st, free[0]))
    return pairs


def check_capture(kexray, capture):
    """Returns (ok, summary, problems, notes)."""
    ports = ssh_ports(capture)
    tstreams = tshark_conns(capture, ports)
    krecs = kexray_conns(kexray, capture)
    problems, notes = [], []
    nconn = nban = nlist = nhassh = 0
    for st, rec in pair_up(tstreams, krecs):
        s = tstreams[st]
        ends = " <-> ".join(("[%s]:%d" if ":" in a else "%s:%d") % (a, p)
                            for a, p in sorted(s["ends"]))
        where = "tcp.stream %d (%s)" % (st, ends)
        if rec is None:
            if s["banners"]:
                problems.append("%s: tshark decodes SSH banner(s), kexray has no record" % where)
            elif s["kexinits"]:
                notes.append("%s: tshark decodes a KEXINIT but no banner; kexray has no record" % where)
            continue
        nconn += 1
        side_of = {rec["_orig"]: "client", rec["_resp"]: "server"}
        if s["other_lines"]:
            notes.append("%s: %d line(s) before an identification string not compared"
                         % (where, s["other_lines"]))
        for ep, side in side_of.items():
            banners = s["banners"].get(ep, [])
            kx = rec.get(side)
            if not banners:
                if kx is not None:
                    notes.append("%s: tshark decodes no %s banner; kexray: %s"
                                 % (where, side, show(kx, 60)))
            for fn, b in banners[:1]:
                nban += 1
                ok, note = same_text(b, kx)
                if not ok:
                    problems.append("%s: %s banner (frame %d): tshark %s, kexray %s"
                                    % (where, side, fn, show(b), show(kx)))
                elif note:
                    notes.append("%s: %s banner: %s" % (where, side, note))
            if len(banners) > 1:
                notes.append("%s: tshark shows %d %s identification lines; compared the first"
                             % (where, len(banners), side))
            kexinits = s["kexinits"].get(ep, [])
            kk = rec.get(side + "_kexinit")
            if not kexinits:
                if kk:
                    notes.append("%s: tshark decodes no %s KEXINIT; kexray has one" % (where, side))
                continue
            if len(kexinits) > 1:
                notes.append("%s: tshark shows %d %s KEXINITs; compared the first"
                             % (where, len(kexinits), side))
            tk = kexinits[0]
            if not isinstance(kk, dict):
                problems.append("%s: tshark decodes the %s KEXINIT (frame %d), kexray has none"
                                % (where, side, tk["frame"]))
                continue
            for n in NAME_LISTS:
                if tk[n] is None:
                    continue
                lst = kk.get(n)
                if not isinstance(lst, list) or not all(isinstance(x, str) for x in lst):
                    problems.append("%s: %s %s: kexray value is not a list of strings: %s"
                                    % (where, side, n, show(lst)))
                    continue
                nlist += 1
                ok, note = same_text(tk[n], ",".join(lst))
                if not ok:
                    problems.append("%s: %s %s (frame %d): tshark %s, kexray %s"
                                    % (where, side, n, tk["frame"], show(tk[n]), show(",".join(lst))))
            tf = tk["first_kex_packet_follows"]
            kf = kk.get("first_kex_packet_follows")
            if tf is not None and isinstance(kf, bool) and flag(tf) != kf:
                problems.append("%s: %s first_kex_packet_follows: tshark %s, kexray %s"
                                % (where, side, tf, kf))
            th = tk.get("hassh")
            if th is not None:
                key = "hassh" if side == "client" else "hasshServer"
                nhassh += 1
                if rec.get(key) != th:
                    problems.append("%s: %s (frame %d): tshark %s, kexray %s"
                                    % (where, key, tk["frame"], th, rec.get(key)))
    summary = "%d connections, %d banners, %d lists, %d hassh compared" % (
        nconn, nban, nlist, nhassh)
    if ports:
        summary += " (also decoded as SSH: tcp port %s)" % ",".join(str(p) for p in sorted(ports))
    return not problems, summary, problems, notes


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog="See the top of this file for details.")
    ap.add_argument("--kexray", required=True, help="path to the kexray binary")
    ap.add_argument("--skip-missing", action="store_true",
                    help="exit 77 (skip) if tshark is absent or a capture does not exist")
    ap.add_argument("captures", nargs="+", metavar="CAPTURE",
                    help="a capture file, or a directory: every *.pcap, *.pcapng "
                    "and *.cap in it")
    args = ap.parse_args()
    expanded = []
    for cap in args.captures:
        if os.path.isdir(cap):
            expanded += sorted(os.path.join(cap, f) for f in os.listdir(cap)
                               if f.endswith((".pcap", ".pcapng", ".cap")))
        else:
            expanded.append(cap)
    args.captures = expanded

    passed = failed = 0
    skipped = False
    have_tshark = shutil.which("tshark") is not None
    if not have_tshark:
        if args.skip_missing:
            print("skip: tshark not found")
            print("0 passed, 0 failed")
            return SKIP
        print("FAIL: tshark not found")
        print("0 passed, %d failed" % len(args.captures))
        return 1
    for cap in args.captures:
        if not os.path.isfile(cap):
            if args.skip_missing:
                print("skip %s: no such file" % cap)
                skipped = True
            else:
                print("FAIL %s: no such file" % cap)
                failed += 1
            continue
        try:
            ok, summary, problems, notes = check_capture(args.kexray, cap)
        except CheckError as e:
            print("FAIL %s: %s" % (cap, e))
            failed += 1
            continue
        for n in notes:
            print("note %s: %s" % (cap, n))
        if ok:
            print("ok %s: %s" % (cap, summary))
            passed += 1
        else:
            print("FAIL %s: %s; %d mismatch(es)" % (cap, summary, len(problems)))
            for p in problems:
                print("    " + p)
            failed += 1
        sys.stdout.flush()
    print("%d passed, %d failed" % (passed, failed))
    if failed:
        return 1
    return SKIP if skipped else 0


if __name__ == "__main__":
    sys.exit(main())
