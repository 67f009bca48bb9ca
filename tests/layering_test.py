#!/usr/bin/env python3
"""The stage order of the source tree (docs/architecture.md), from its
#include lines.

Every "..." include in src/ and include/kexray/ is read. A file belongs to
the stage of its folder (src/<stage>/, include/kexray/<stage>/); src/main.c,
src/options.c and include/kexray/options.h are main. The stages, in the
order data flows through them:

    core < decode < stream < ssh < analyze < events < report

A stage may include itself and the stages before it, never one after it.
input (capture, sshd logs, -w, privilege) and main may include every stage;
no stage includes input or main. Headers include one another without a
circle, except inside decode, where tunnels recurse into the IP decoder.
A folder that is not a stage, or a quoted include that names no file of
the tree, fails too.

Known exceptions are listed below, each with its reason; one that no longer
occurs fails as well, so the list only shrinks.

Usage: layering_test.py --root SOURCE_ROOT
Prints each finding and a final "N passed, M failed".
"""
import argparse
import os
import re
import sys
import tempfile

ORDER = ["core", "decode", "stream", "ssh", "analyze", "events", "report"]
TOP = ["input", "main"]          # may include every stage; nobody includes them
SELF_CIRCLE_OK = {"decode"}      # tunnel.c -> ip.c -> tunnel.c

# (file, include) -> why it is allowed for now.
KNOWN = {
    ("include/kexray/stream/flow.h", "kexray/ssh/ssh.h"):
        "a connection owns its SSH parser state (struct kx_hs) from its first "
        "payload byte (DESIGN \"flow\"), and the stream stage feeds the parser",
    ("src/stream/conn.c", "kexray/analyze/resets.h"):
        "a connection owns its RST log (struct kx_rstlog), freed and measured "
        "with it",
    ("src/stream/pipeline.c", "kexray/analyze/resets.h"):
        "each RST is judged when it arrives, against the TCP facts of that "
        "moment",
    ("src/stream/conn.c", "kexray/analyze/infer_conn.h"):
        "a connection owns its encrypted-size state after NEWKEYS (struct "
        "kx_infer_conn), freed and measured with it",
    ("src/stream/pipeline.c", "kexray/analyze/infer_conn.h"):
        "each encrypted segment's size is noted when it arrives; nothing of "
        "the bytes is kept",
    # A connection read from a log carries struct kx_logconn, and the
    # summary kx_sshlog_stats, both declared by the log reader.
    ("src/analyze/analyze.c", "kexray/input/sshlog.h"): "struct kx_logconn",
    ("src/analyze/close.c", "kexray/input/sshlog.h"): "struct kx_logconn",
    ("src/analyze/close_text.c", "kexray/input/sshlog.h"): "struct kx_logconn",
    ("src/analyze/community_id.c", "kexray/input/sshlog.h"): "struct kx_logconn",
    ("src/events/hostkeys.c", "kexray/input/sshlog.h"): "struct kx_logconn",
    ("src/report/close.c", "kexray/input/sshlog.h"): "struct kx_logconn",
    ("src/report/json.c", "kexray/input/sshlog.h"): "struct kx_logconn",
    ("src/report/lean.c", "kexray/input/sshlog.h"): "struct kx_logconn",
    ("src/report/select.c", "kexray/input/sshlog.h"): "struct kx_logconn",
    ("src/report/text.c", "kexray/input/sshlog.h"): "struct kx_logconn",
    ("src/report/zeek.c", "kexray/input/sshlog.h"): "struct kx_logconn",
    ("include/kexray/report/report.h", "kexray/input/sshlog.h"):
        "struct kx_sshlog_stats, the --sshd-log summary line",
}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def stage_of(rel):
    """The stage of a file, by its path relative to the root."""
    parts = rel.split("/")
    if parts[0] == "src":
        return "main" if len(parts) == 2 else parts[1]
    if parts[:2] == ["include", "kexray"]:
        return "main" if len(parts) == 3 else parts[2]
    return None


def read_tree(root):
    """{rel path: [(line number, include as written, rel path it names)]}"""
    files = {}
    for top in ("src", os.path.join("include", "kexray")):
        for dp, _, names in os.walk(os.path.join(root, top)):
            for n in names:
                if n.endswith((".c", ".h")):
                    rel = os.path.relpath(os.path.join(dp, n), root).replace(os.sep, "/")
                    files[rel] = []
    for rel in files:
        with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
            for no, line in enumerate(f, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                inc = m.group(1)
                if inc.startswith("kexray/"):
                    target = "include/" + inc
                else:
                    target = os.path.normpath(os.path.join(os.path.dirname(rel), inc)).replace(os.sep, "/")
                files[rel].append((no, inc, target))
    return files


def check(root):
    """Returns (findings, stale known entries, includes read)."""
    files = read_tree(root)
    rank = {s: i for i, s in enumerate(ORDER)}
    findings, seen_known, count = [], set(), 0
    for rel, incs in sorted(files.items()):
        st = stage_of(rel)
        if st not in rank and st not in TOP:
            findings.append("%s: folder '%s' is not a stage (add it to the order)" % (rel, st))
            continue
        for no, inc, target in incs:
            count += 1
            if target not in files:
                findings.append("%s:%d: \"%s\" names no file of the tree" % (rel, no, inc))
                continue
            ts = stage_of(target)
            against = (st not in TOP and
                       (ts in TOP or (ts in rank and rank[ts] > rank[st])))
            if not against:
                continue
            if (rel, inc) in KNOWN:
                seen_known.add((rel, inc))
                continue
            findings.append("%s:%d: %s includes %s (%s): against the flow" % (rel, no, st, inc, ts))
    # Circles among headers.
    graph = {r: [t for _, _, t in incs if t in files and t.endswith(".h")]
             for r, incs in files.items() if r.endswith(".h")}
    state = {}

    def visit(n, path):
        state[n] = 1
        for m in graph.get(n, []):
            if state.get(m) == 1:
                circle = path[path.index(m):] + [m]
                stages = {stage_of(x) for x in circle}
                if not (len(stages) == 1 and stages <= SELF_CIRCLE_OK):
                    findings.append("header circle: " + " -> ".join(circle))
            elif m not in state:
                visit(m, path + [m])
        state[n] = 2

    for n in sorted(graph):
        if n not in state:
            visit(n, [n])
    stale = sorted(set(KNOWN) - seen_known)
    return findings, stale, count


def self_test():
    """The checker must see a violation, a circle and a stray folder."""
    with tempfile.TemporaryDirectory() as d:
        def put(rel, text):
            p = os.path.join(d, rel)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "w") as f:
                f.write(text)
        put("include/kexray/core/a.h", '#include "kexray/report/r.h"\n')
        put("include/kexray/report/r.h", '#include "kexray/core/a.h"\n')
        put("src/decode/x.h", '#include "y.h"\n')
        put("src/decode/y.h", '#include "x.h"\n')
        put("src/misc/m.c", '#include "kexray/core/a.h"\n')
        put("src/ssh/s.c", '#include "kexray/input/i.h"\n#include "kexray/core/gone.h"\n')
        put("include/kexray/input/i.h", "")
        found, _, _ = check(d)
    text = "\n".join(found)
    want = ["core includes kexray/report/r.h", "header circle: include/kexray/core/a.h",
            "folder 'misc' is not a stage", "ssh includes kexray/input/i.h",
            "names no file"]
    missing = [w for w in want if w not in text]
    decode_flagged = "src/decode/x.h -> src/decode/y.h" in text
    return missing, decode_flagged


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    a = ap.parse_args()
    passed = failed = 0

    missing, decode_flagged = self_test()
    if missing or decode_flagged:
        print("FAIL checker self-test: missed %s%s" % (missing, ", flagged decode's circle" if decode_flagged else ""))
        failed += 1
    else:
        print("ok   checker self-test: a backward include, a circle, a stray folder, input from a stage, a missing file")
        passed += 1

    findings, stale, count = check(a.root)
    if count < 100:
        print("FAIL only %d includes read under %s: wrong root?" % (count, a.root))
        failed += 1
    for f in findings:
        print("FAIL " + f)
        failed += 1
    for rel, inc in stale:
        print("FAIL %s no longer includes %s: remove it from KNOWN" % (rel, inc))
        failed += 1
    if not findings and not stale and count >= 100:
        print("ok   %d includes follow the stage order (%d known exceptions)" % (count, len(KNOWN)))
        passed += 1
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
