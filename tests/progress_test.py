#!/usr/bin/env python3
"""The progress line: on standard error while a large file is read on a
terminal, never when standard error is a pipe, never with -q, never for a
small file; and never mixed into a record written to the same terminal.

The terminal is a pseudo-terminal given by script(1); the large file is
made by the benchmark generator (../shared/bench/gen_ssh_pcap.c, compiled
into a temporary directory: 20,000 connections with five times the
default bulk traffic, about 810 MiB, removed at the end).

Usage: progress_test.py --kexray BUILD/kexray --gen PATH/gen_ssh_pcap.c --pcaps DIR
Prints one line per check and a final "N passed, M failed"; exits 77
(skipped) when the generator's source is not there.
"""
import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from kxtest import check, finish  # noqa: E402

LINE = re.compile(rb"\rkexray: \d+\.\d MiB of \d+\.\d MiB \(\d+%\), \d+ packets/s, "
                  rb"\d+ connections?(, \d+:\d\d left)?\x1b\[K")


def on_terminal(cmd):
    """Runs the shell command with a pseudo-terminal as its terminal;
    returns what it wrote to the terminal."""
    r = subprocess.run(["script", "-qec", cmd, "/dev/null"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, timeout=600,
                       env=dict(os.environ, TERM="xterm"))
    return r.stdout


def screen(data):
    """The lines a terminal shows for data: CR returns to column 0, ESC [ K
    erases to the end of the line, other bytes overwrite."""
    shown = []
    for raw in data.split(b"\n"):
        buf, cur, i = bytearray(), 0, 0
        while i < len(raw):
            if raw[i:i + 3] == b"\x1b[K":
                del buf[cur:]
                i += 3
                continue
            ch = raw[i]
            i += 1
            if ch == 0x0d:
                cur = 0
                continue
            if cur < len(buf):
                buf[cur] = ch
            else:
                buf.append(ch)
            cur += 1
        shown.append(bytes(buf))
    return shown


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kexray", required=True)
    ap.add_argument("--gen", required=True)
    ap.add_argument("--pcaps", required=True)
    a = ap.parse_args()
    if not os.path.exists(a.gen) or shutil.which("script") is None or shutil.which("cc") is None:
        print("skip: no %s, script(1) or cc" % a.gen)
        return 77
    k = shlex.quote(os.path.abspath(a.kexray))
    tmp = tempfile.mkdtemp(prefix="kexray-progress-")
    try:
        gen = os.path.join(tmp, "gen_ssh_pcap")
        subprocess.run(["cc", "-O2", "-o", gen, a.gen], check=True, timeout=300)
        big = os.path.join(tmp, "big.pcap")
        # Five times the default bulk traffic: reading must span several
        # progress intervals (KX_PROGRESS_INTERVAL_MS) however fast kexray
        # is; 20,000 connections at the default took half a second.
        subprocess.run([gen, "-n", "20000", "-s", "1", "--bulk-packets", "150",
                        "-o", big, "-q"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
        qbig = shlex.quote(big)
        seed = shlex.quote(os.path.join(a.pcaps, "seed_openssh53_libssh2.pcap"))

        out = on_terminal("%s -r %s --brief > /dev/null" % (k, qbig))
        lines = LINE.findall(out)
        check("on a terminal, a large file shows the progress line", len(lines) >= 2,
              out[:300])
        check("the line ends erased (nothing left on the terminal)",
              out.endswith(b"\r\x1b[K") and all(s == b"" for s in screen(out)), out[-200:])
        pct = [int(x) for x in re.findall(rb"\((\d+)%\)", out)]
        check("percent rises", pct == sorted(pct) and pct and pct[-1] > pct[0], pct)

        out = on_terminal("%s -q -r %s --brief > /dev/null" % (k, qbig))
        check("-q: no progress line", b"packets/s" not in out and out == b"", out[:300])

        out = on_terminal("%s -r %s --brief > /dev/null" % (k, seed))
        check("a small file: no progress line", b"packets/s" not in out, out[:300])

        r = subprocess.run([a.kexray, "-r", big, "--brief"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, timeout=600)
        check("standard error a pipe: no progress line", b"packets/s" not in r.stderr and
              b"\x1b" not in r.stderr, r.stderr[:300])

        # Records on the same terminal: the line is erased before each one,
        # so no line on the screen mixes the two.
        out = on_terminal("%s -r %s --brief --color=never" % (k, qbig))
        shown = screen(out)
        mixed = [s for s in shown if b"packets/s" in s and b" -> " in s]
        records = [s for s in shown if re.match(rb"(OK|WEAK|MISMATCH|RESET|CLOSED|"
                                                 rb"INCOMPLETE|REFUSED|NO_ANSWER|"
                                                 rb"PROBE|HOSTKEY|FORGED RST) ", s)]
        check("records and the line on one terminal never share a screen line "
              "(%d records)" % len(records), LINE.search(out) and not mixed and
              len(records) >= 20000, mixed[:2])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
