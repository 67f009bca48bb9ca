#!/usr/bin/env python3
"""The rsyslog configuration of docs/scale-out.md, run: rsyslogd (Debian's
rsyslog, imfile) tails kexray's JSON Lines file and forwards every line,
here with omfile to a local file.

The configuration is taken from the documentation itself (the fenced block
that begins "# kexray: imfile -> forward"), its paths moved into a
temporary directory. rsyslogd runs in the foreground (-n) with that
configuration and its own pid file; kexray writes records to the watched
file twice while it runs (the second run appends: tailing, not a one-off
read). The test waits, bounded, until every line has arrived, then checks
the forwarded lines are kexray's, in order, each the same JSON object, and
lines longer than rsyslog's default 8 KiB message arrive whole. rsyslogd is
stopped by its PID. Exit 77 (skip) without rsyslogd.

Usage: rsyslog_test.py --kexray BUILD/kexray --pcaps DIR --doc docs/scale-out.md
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from kxtest import check, finish  # noqa: E402

ENV = dict(os.environ, TZ="UTC", LC_ALL="C")
MARK = "# kexray: imfile -> forward"


def doc_config(doc):
    text = open(doc).read()
    m = re.search(r"```\n(" + re.escape(MARK) + r".*?)```", text, re.S)
    return m.group(1) if m else None


def lines_of(path):
    if not os.path.exists(path):
        return []
    with open(path, "rb") as f:
        data = f.read()
    return data.split(b"\n")[:-1] if data.endswith(b"\n") else data.split(b"\n")[:-1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kexray", required=True)
    ap.add_argument("--pcaps", required=True)
    ap.add_argument("--doc", required=True)
    a = ap.parse_args()
    rsyslogd = shutil.which("rsyslogd") or (
        "/usr/sbin/rsyslogd" if os.access("/usr/sbin/rsyslogd", os.X_OK) else None)
    if rsyslogd is None:
        print("skip: rsyslogd is not installed (Debian: rsyslog)")
        return 77
    conf = doc_config(a.doc)
    check("docs/scale-out.md holds the rsyslog configuration", conf is not None)
    if conf is None:
        return 1
    tmp = tempfile.mkdtemp(prefix="kexray-rsyslog-")
    proc = None
    try:
        work = os.path.join(tmp, "work")
        os.makedirs(work)
        # kexray started as root drops to its own user, which must be able
        # to write the output's directory (as /var/log/kexray is made for it).
        os.chmod(tmp, 0o755)
        logdir = os.path.join(tmp, "kexray")
        os.makedirs(logdir)
        os.chmod(logdir, 0o1777)
        conf = conf.replace("/var/spool/rsyslog", work)
        conf = conf.replace("/var/log/kexray/", logdir + "/")
        check("the configuration's paths all moved to the temporary directory",
              "/var/" not in conf, conf)
        cpath = os.path.join(tmp, "rsyslog.conf")
        with open(cpath, "w") as f:
            f.write(conf)
        src = os.path.join(logdir, "kexray.json")
        dst = os.path.join(logdir, "forwarded.json")
        pidfile = os.path.join(tmp, "rsyslogd.pid")
        r = subprocess.run([rsyslogd, "-N1", "-f", cpath], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=60)
        check("rsyslogd -N1 accepts the configuration", r.returncode == 0,
              r.stdout.decode(errors="replace"))

        proc = subprocess.Popen([rsyslogd, "-n", "-f", cpath, "-i", pidfile],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        k = a.kexray
        runs = [["-r", os.path.join(a.pcaps, "openssh_kex_mismatch.pcap"),
                 "--json", "--records", "full"],
                ["-r", os.path.join(a.pcaps, "close_bruteforce.pcap"), "--json"]]
        for args in runs:
            subprocess.run([k, "-q", "-o", src] + args, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, env=ENV, timeout=120)
            time.sleep(0.5)
        want = lines_of(src)
        deadline = time.monotonic() + 60
        got = []
        while time.monotonic() < deadline and proc.poll() is None:
            got = lines_of(dst)
            if len(got) >= len(want):
                break
            time.sleep(0.5)
        check("rsyslogd was still running while lines were forwarded",
              proc.poll() is None, proc.returncode)
        check("every line kexray wrote was forwarded (%d of %d)" % (len(got), len(want)),
              len(want) > 40 and len(got) == len(want), (len(got), len(want)))
        same = len(got) == len(want) and all(
            json.loads(g) == json.loads(w) for g, w in zip(got, want))
        check("the forwarded lines are kexray's JSON objects, in order", same)
        longest = max((len(w) for w in want), default=0)
        check("a line longer than rsyslog's default 8 KiB message arrived whole "
              "(longest %d bytes)" % longest, longest > 8192 and same, longest)
        check("rsyslogd wrote its pid file", os.path.exists(pidfile))
    finally:
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=20)
        shutil.rmtree(tmp, ignore_errors=True)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
