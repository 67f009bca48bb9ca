#!/usr/bin/env python3
"""Score kexray's login inference (src/analyze/infer.c) and Zeek's heuristic on the
recorded sessions (pcaps/sessions/, pcaps/record_sessions.sh), against the
servers' own logs (<name>.truth.json).

infer_score.py --run BUILD/tests/infer_run --sessions pcaps/sessions
               [--kexray BUILD/kexray] [--check]

infer_run decodes each capture (its own TCP decoder, tests/infer_harness.c)
and prints, per connection, the encrypted segments in order and kexray's
verdict. The Zeek baseline below is computed from the same segments.
With --kexray, kexray itself is run on each capture (--json) and the
"auth" member of its close records is scored the same way: that is the
pipeline's own answer (its TCP reassembly, its negotiation, its feeding of
segments), not only the pure module's.

Zeek's heuristic, as its source has it (zeek/zeek,
src/analyzer/protocol/ssh/SSH.cc, SSH_Analyzer::ProcessEncrypted, and
scripts/base/protocols/ssh/main.zeek, event ssh_auth_attempted):
  - each reassembled delivery after NEWKEYS is one "packet" of len bytes
    (the encrypted part of the delivery that carried NEWKEYS included);
  - server data before the client's first encrypted data is ignored;
  - the first server packet after that is taken as SERVICE_ACCEPT
    (service_accept_size);
  - before any failure size is known, a packet 16 bytes smaller than
    SERVICE_ACCEPT is a success (authenticated via "none");
  - else, unless it is more than 256 bytes larger than SERVICE_ACCEPT
    (skipped once as a pre-auth banner), the packet's size becomes
    userauth_failure_size, and no event is raised for it;
  - later, a packet of userauth_failure_size raises
    ssh_auth_attempted(F); one 16 bytes smaller than SERVICE_ACCEPT raises
    ssh_auth_attempted(T) and ends the analysis;
  - the script ignores those events when the negotiated compression is
    zlib@openssh.com or zlib; otherwise auth_success takes the event's
    value and auth_attempts counts the events. No event: auth_success unset.
"""
import argparse
import glob
import json
import os
import subprocess
import sys

ZEEK_COMPRESSION = {"zlib@openssh.com", "zlib"}


def zeek(segs, compression):
    saw_client = False
    sa = 0
    fail = 0
    skipped_banner = False
    events = []
    for d, n in segs:
        if d == "c":
            saw_client = True
            continue
        if not saw_client:
            continue
        if not sa:
            sa = n
            continue
        if not fail and n + 16 == sa:
            events.append(True)
            break
        if not fail:
            if not skipped_banner and n - sa > 256:
                skipped_banner = True
                continue
            fail = n
            continue
        if n == fail:
            events.append(False)
            continue
        if n - sa == -16:
            events.append(True)
            break
    if compression in ZEEK_COMPRESSION:
        return None, 0
    if not events:
        return None, 0
    return events[-1], len(events)


# The session kind kexray should give, from the truth file: the scenario's
# kind where the log cannot tell, else sshd's; a command and the three
# forwardings are all "other" (sizes do not tell them apart yet); a failed
# login has no session ("unknown"); None: no truth (Dropbear logs no kind).
KIND_WANT = {"interactive": "interactive", "reverse_shell": "reversed",
             "file_transfer_up": "upload", "file_transfer_down": "download",
             "command": "other", "forward_local": "other", "forward_remote": "other",
             "forward_dynamic": "other", "none": "none"}


def want_kind(t):
    if t["auth_success"] is None and t.get("scenario_kind") == "scan":
        return "unknown"
    if not t["auth_success"]:
        return "unknown"
    k = t.get("scenario_kind") or t.get("session_kind")
    return KIND_WANT.get(k)


def fmt(v):
    return "unknown" if v is None else ("success" if v else "failure")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", required=True, help="the infer_run program")
    ap.add_argument("--sessions", required=True)
    ap.add_argument("--kexray", help="the kexray program: score its close records too")
    ap.add_argument("--check", action="store_true",
                    help="fail unless the issue's targets are met")
    a = ap.parse_args()
    rows = []
    for truth_path in sorted(glob.glob(os.path.join(a.sessions, "*.truth.json"))):
        name = os.path.basename(truth_path)[:-len(".truth.json")]
        pcap = os.path.join(a.sessions, name + ".pcap")
        with open(truth_path, encoding="utf-8") as f:
            truth = json.load(f)
        out = subprocess.run([a.run, pcap, truth_path], check=True,
                             capture_output=True, text=True).stdout
        got = {}
        for ln in out.splitlines():
            d = json.loads(ln)
            got[d["client_port"]] = d
        pipe = {}
        if a.kexray:
            out = subprocess.run([a.kexray, "--json", "-r", pcap], check=False,
                                 capture_output=True, text=True).stdout
            for ln in out.splitlines():
                d = json.loads(ln)
                if d.get("type") == "close":
                    pipe[d["id.orig_p"]] = d.get("auth")
        for t in truth["connections"]:
            k = got.get(t["client_port"])
            if k is None:
                sys.exit("%s: connection from port %d not in the capture" % (name, t["client_port"]))
            comp = t["algorithms"]["c2s"]["compression"] if t["algorithms"] else None
            z_ok, z_att = zeek(k["segs"], comp)
            ms = t.get("methods") or []
            want_key = any(m["method"] == "publickey" and m["result"] == "success" for m in ms)
            want_ch = any(m["method"].startswith("keyboard-interactive") for m in ms)
            rows.append({"name": name, "port": t["client_port"],
                         "key": k.get("key_accepted"), "ch": k.get("challenge"),
                         "want_key": want_key, "want_ch": want_ch,
                         "truth": t["auth_success"], "attempts": t["attempts"],
                         "kx": k.get("auth_success"), "kx_att": k.get("auth_attempts"),
                         "kx_why": k.get("why"), "zeek": z_ok, "zeek_att": z_att,
                         "view": k.get("view_s2c"),
                         "one": (k.get("one_packet_c2s", 0), k.get("one_packet_s2c", 0)),
                         "segs": (k.get("segments_c2s", 0), k.get("segments_s2c", 0)),
                         "bad": (k.get("inconsistent_c2s", 0), k.get("inconsistent_s2c", 0)),
                         "kind": k.get("kind"),
                         "want_kind": want_kind(t),
                         "encrypted": bool(k["segs"]),
                         "pipe": pipe.get(t["client_port"]) if a.kexray else None})
    print("%-18s %-8s %-8s %-8s %-8s %-5s %-5s %-5s %s" % (
        "session", "port", "truth", "kexray", "zeek", "att", "kx", "zeek", "kexray's reason"))
    for r in rows:
        print("%-18s %-8d %-8s %-8s %-8s %-5d %-5s %-5d %s" % (
            r["name"], r["port"], fmt(r["truth"]), fmt(r["kx"]), fmt(r["zeek"]),
            r["attempts"], r["kx_att"] if r["kx_att"] is not None else -1, r["zeek_att"],
            r["kx_why"]))
    # Connections with no login attempted (a scan) are scored apart: their
    # only right answer is "unknown", which would pad the rates.
    noauth = [r for r in rows if r["truth"] is None]
    all_rows, rows = rows, [r for r in rows if r["truth"] is not None]
    n = len(rows)
    kx_right = sum(r["kx"] == r["truth"] for r in rows)
    z_right = sum(r["zeek"] == r["truth"] for r in rows)
    # A verdict where no login was attempted (truth None) is wrong too.
    kx_wrong = sum(r["kx"] is not None and r["kx"] != r["truth"] for r in rows)
    z_wrong = sum(r["zeek"] is not None and r["zeek"] != r["truth"] for r in rows)
    kx_att = sum(r["kx_att"] == r["attempts"] for r in rows)
    z_att = sum(r["zeek_att"] == r["attempts"] for r in rows)
    print()
    print("connections with a login attempted: %d (in %d sessions)" % (n, len({r["name"] for r in rows})))
    print("connections without one (scans): %d; a verdict claimed on them: kexray %d, zeek %d" % (
        len(noauth), sum(r["kx"] is not None for r in noauth),
        sum(r["zeek"] is not None for r in noauth)))
    print("login outcome right:   kexray %d/%d (%.1f%%), zeek %d/%d (%.1f%%)" % (
        kx_right, n, 100.0 * kx_right / n, z_right, n, 100.0 * z_right / n))
    print("wrong direction:       kexray %d, zeek %d" % (kx_wrong, z_wrong))
    print("attempts exact:        kexray %d/%d (%.1f%%), zeek %d/%d (%.1f%%)" % (
        kx_att, n, 100.0 * kx_att / n, z_att, n, 100.0 * z_att / n))
    pipe_fails = []
    if a.kexray:
        # The pipeline's close records: an "auth" member on every connection
        # that reached NEWKEYS, scored with the same bars.
        def pv(r, key, dflt=None):
            p = r["pipe"]
            return p.get(key, dflt) if isinstance(p, dict) else dflt
        # No member is right only where nothing was encrypted (no NEWKEYS).
        absent = [r for r in all_rows if not isinstance(r["pipe"], dict) and r["encrypted"]]
        p_right = sum(pv(r, "success") == r["truth"] for r in rows)
        p_wrong = sum(pv(r, "success") is not None and pv(r, "success") != r["truth"] for r in rows)
        p_att = sum(pv(r, "attempts") == r["attempts"] for r in rows)
        p_noauth = sum(pv(r, "success") is not None for r in noauth)
        p_kind = [r for r in all_rows if r["want_kind"] is not None]
        p_kind_right = sum(pv(r, "session_kind", "unknown") == r["want_kind"] for r in p_kind)
        differ = [r for r in all_rows if isinstance(r["pipe"], dict) and
                  (pv(r, "success") != r["kx"] or pv(r, "attempts") != r["kx_att"])]
        print("kexray's own output (close records' auth member):")
        print("  login outcome right: %d/%d (%.1f%%); wrong direction: %d; "
              "a verdict where no login was attempted: %d" % (
                  p_right, n, 100.0 * p_right / n, p_wrong, p_noauth))
        print("  attempts exact:      %d/%d (%.1f%%)" % (p_att, n, 100.0 * p_att / n))
        print("  session kind right:  %d/%d" % (p_kind_right, len(p_kind)))
        print("  no auth member: %d; differing from the module on the harness's segments: %d" % (
            len(absent), len(differ)))
        for r in absent + differ:
            print("  pipeline: %s port %d: %s" % (r["name"], r["port"], r["pipe"]))
        for r in rows:
            if pv(r, "success") != r["truth"] or pv(r, "attempts") != r["attempts"]:
                print("  pipeline miss: %s port %d: truth %s/%d, kexray %s/%s (%s)" % (
                    r["name"], r["port"], fmt(r["truth"]), r["attempts"],
                    fmt(pv(r, "success")), pv(r, "attempts"), pv(r, "rule")))
        if p_right * 100 < 95 * n:
            pipe_fails.append("kexray's own outcome right on under 95%")
        if p_right <= z_right:
            pipe_fails.append("kexray's own outcome not strictly better than zeek")
        if p_wrong:
            pipe_fails.append("kexray's own output said the opposite of the server's log")
        if p_noauth:
            pipe_fails.append("kexray's own output gave an outcome where no login was attempted")
        if p_att * 100 < 90 * n:
            pipe_fails.append("kexray's own attempts exact on under 90%")
        if absent:
            pipe_fails.append("a connection past NEWKEYS without an auth member")
    # The methods' shape: a public key accepted (PK_OK, then a larger signed
    # request) where the log has a publickey success; a challenge-response
    # (INFO_REQUEST answered) where it has keyboard-interactive.
    shaped = [r for r in all_rows if r["key"] is not None]
    shape_right = sum(r["key"] == r["want_key"] and r["ch"] == r["want_ch"] for r in shaped)
    false_shape = [r for r in shaped if (r["key"] and not r["want_key"]) or (r["ch"] and not r["want_ch"])]
    print("methods' shape right:  kexray %d/%d (public key accepted %d/%d, challenge %d/%d); "
          "a false claim: %d" % (
              shape_right, len(shaped), sum(r["key"] for r in shaped if r["want_key"]),
              sum(r["want_key"] for r in shaped), sum(r["ch"] for r in shaped if r["want_ch"]),
              sum(r["want_ch"] for r in shaped), len(false_shape)))
    if a.kexray:
        def pget(r, k):
            return bool(r["pipe"].get(k)) if isinstance(r["pipe"], dict) else False
        p_shape = sum(pget(r, "key_accepted") == r["want_key"] and
                      pget(r, "challenge") == r["want_ch"] for r in shaped)
        print("  kexray's own output: methods' shape right %d/%d" % (p_shape, len(shaped)))
        if p_shape != shape_right:
            pipe_fails.append("kexray's own methods' shape differs from the module's")
    judged = [r for r in all_rows if r["want_kind"] is not None]
    kind_right = sum(r["kind"] == r["want_kind"] for r in judged)
    special = [r for r in judged if r["want_kind"] in ("interactive", "reversed", "upload", "download")]
    false_special = [r for r in all_rows if r["kind"] in ("interactive", "reversed", "upload", "download")
                     and r["kind"] != r["want_kind"]]
    print("session kind right:    kexray %d/%d (of them typed or bulk: %d/%d); "
          "a wrong typed or bulk claim: %d" % (
              kind_right, len(judged), sum(r["kind"] == r["want_kind"] for r in special),
              len(special), len(false_special)))
    for r in judged:
        if r["kind"] != r["want_kind"]:
            print("  kind: %s port %d: kexray %s, expected %s" % (
                r["name"], r["port"], r["kind"], r["want_kind"]))
    # What sizes alone told about packet boundaries (docs/inference.md):
    # segments provably one packet, and segments no whole number of
    # packets makes, per view of the server's direction.
    views = {}
    for r in all_rows:
        v = views.setdefault(r["view"], [0, 0, 0, 0, 0, 0])
        for d in (0, 1):
            v[d] += r["one"][d]
            v[2 + d] += r["segs"][d]
            v[4 + d] += r["bad"][d]
    for name, v in sorted(views.items(), key=lambda x: str(x[0])):
        print("view %-13s one packet: client %d/%d, server %d/%d; inconsistent: %d, %d" % (
            name, v[0], v[2], v[1], v[3], v[4], v[5]))
    if a.check:
        fails = list(pipe_fails)
        if kx_right * 100 < 95 * n:
            fails.append("kexray's outcome right on under 95%")
        if kx_right <= z_right:
            fails.append("kexray not strictly better than zeek")
        if kx_wrong:
            fails.append("kexray said the opposite of the server's log %d time(s)" % kx_wrong)
        if any(r["kx"] is not None for r in noauth):
            fails.append("kexray gave a login outcome where no login was attempted")
        if kx_att * 100 < 90 * n:
            fails.append("kexray's attempts exact on under 90%")
        if false_shape:
            fails.append("a public key or challenge claimed where the log has none")
        if false_special or any(r["kind"] != r["want_kind"] for r in special):
            fails.append("a typed or bulk session kind wrong")
        if fails:
            print("FAIL: " + "; ".join(fails))
            return 1
        print("OK: the issue's targets are met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
