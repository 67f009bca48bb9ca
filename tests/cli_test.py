#!/usr/bin/env python3
"""Command-line behaviour: exit statuses, one-line errors on bad input that
name the file (and the packet where it applies), connections read before
the damage still reported, stdin, several files, filters, and the 1 MiB
blocks kexray reads captures and writes records in (strace).

Usage: cli_test.py --kexray BUILD/kexray --pcaps DIR
Prints one line per check and a final "N passed, M failed".
"""
import argparse
import json
import os
import re
import struct
import subprocess
import sys
import tempfile
from kxtest import ENV, check, finish, run  # noqa: E402


def json_lines(out):
    """The connection records ("type": "ssh"); the run's last line is its
    "summary" record."""
    recs = [json.loads(l) for l in out.splitlines() if l.strip()]
    return [r for r in recs if r.get("type") == "ssh"]


def one_line(err):
    return len([l for l in err.splitlines() if l.strip()]) == 1


BLOCK = 1 << 20   # kexray's read and write size for files (capture.c, main.c)
SYSCALL = re.compile(r"^(openat|read|write|close)\((.*)\)\s+=\s+(-?\d+)")


def io_blocks(k, pcaps, tmp):
    """Reading files, kexray reads the capture and writes its records in
    1 MiB blocks, not stdio's 4 KiB: the system calls, seen by strace."""
    cap = os.path.join(pcaps, "close_bruteforce.pcap")
    out_path, log = os.path.join(tmp, "blocks.jsonl"), os.path.join(tmp, "strace.log")
    with open(out_path, "wb") as out:
        res = subprocess.run(["strace", "-s", "0", "-o", log, "-e", "trace=openat,read,write,close",
                              k, "--json", "--records", "full"] + ["-r", cap] * 8,
                             stdout=out, stderr=subprocess.PIPE, env=ENV, timeout=120)
    size = os.path.getsize(out_path)
    cap_fds, cap_reads, writes = set(), [], []
    with open(log) as f:
        for line in f:
            m = SYSCALL.match(line)
            if m is None:
                continue
            call, args, ret = m.group(1), m.group(2).split(", "), int(m.group(3))
            if call == "openat" and os.path.basename(cap) in args[1]:
                cap_fds.add(ret)
            elif call == "close" and int(args[0]) in cap_fds:
                cap_fds.discard(int(args[0]))
            elif call == "read" and int(args[0]) in cap_fds:
                cap_reads.append(int(args[-1]))
            elif call == "write" and args[0] == "1":
                writes.append(int(args[-1]))
    check("reading a capture, kexray asks for 1 MiB a read(2) (libpcap alone: 4 KiB)",
          res.returncode in (0, 1) and len(cap_reads) >= 8 and set(cap_reads) == {BLOCK},
          "rc=%d reads %s" % (res.returncode, sorted(set(cap_reads))[:5]))
    check("its %d bytes of records go out in 1 MiB write(2)s (stdio alone: 4 KiB)" % size,
          size > 2 * BLOCK and len(writes) == -(-size // BLOCK) and
          all(w == BLOCK for w in writes[:-1]) and sum(writes) == size,
          "%d writes, sizes %s" % (len(writes), sorted(set(writes))[:5]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kexray", required=True)
    ap.add_argument("--pcaps", required=True)
    a = ap.parse_args()
    k = a.kexray
    login = os.path.join(a.pcaps, "openssh_login.pcap")
    seed = os.path.join(a.pcaps, "seed_openssh53_libssh2.pcap")
    tmp = tempfile.mkdtemp(prefix="kexray-cli-")

    rc, out, err = run(k, ["--version"])
    check("--version exits 0 and names the program", rc == 0 and out.startswith("kexray "), out + err)
    rc, out, err = run(k, ["-h"])
    check("-h exits 0 and documents the exit statuses", rc == 0 and "exit status" in out, err)
    rc, out, err = run(k, [])
    check("no input is a usage error (2) that points at -h", rc == 2 and "kexray -h" in err and one_line(err), "rc=%d" % rc)
    rc, out, err = run(k, ["--bogus", "-r", login])
    check("unknown option is a usage error (2)", rc == 2, "rc=%d" % rc)
    rc, out, err = run(k, ["--port", "22,x", "-r", login])
    check("bad --port list is a usage error (2) with one line", rc == 2 and one_line(err), "rc=%d %s" % (rc, err))
    for bad in ("0/30", "30", "30/0", "x/y"):
        rc, out, err = run(k, ["--bruteforce", bad, "-r", login])
        check("bad --bruteforce %s is a usage error (2) with one line" % bad,
              rc == 2 and one_line(err) and "--bruteforce" in err, "rc=%d %s" % (rc, err))
    brute = os.path.join(os.path.dirname(login), "close_bruteforce.pcap")
    for arg, want in (("30/30", 1), ("41/30", 0), ("off", 0), ("5/1", 1)):
        rc, out, err = run(k, ["--json", "--bruteforce", arg, "-r", brute])
        n = sum(1 for l in out.splitlines() if '"type":"bruteforce"' in l)
        check("--bruteforce %s: %d bruteforce record(s) for 40 failed logins" % (arg, want),
              rc == 0 and n == want, "rc=%d n=%d" % (rc, n))
    rc, out, err = run(k, ["-r", login, "tcp", "port", "and"])
    check("bad BPF expression is a usage error (2) with one line",
          rc == 2 and one_line(err) and "filter" in err, "rc=%d %s" % (rc, err))

    rc, out, err = run(k, ["-r", login])
    check("clean capture without problems exits 0", rc == 0, "rc=%d %s" % (rc, err))
    rc, out, err = run(k, ["-r", seed])
    check("capture with a mismatch exits 1", rc == 1, "rc=%d" % rc)
    rc, out, err = run(k, ["--only-problems", "--json", "-r", login, "-r", seed])
    recs = json_lines(out)
    check("--only-problems shows only the failing connection over two files",
          rc == 1 and len(recs) == 1 and recs[0]["verdict"] == "MISMATCH", out)
    rc, out, err = run(k, ["--json", "-r", login, "-r", seed])
    check("two -r files report both connections", len(json_lines(out)) == 2, out)

    with open(seed, "rb") as f:
        seed_bytes = f.read()
    rc, out, err = run(k, ["--json", "-r", "-"], stdin=seed_bytes)
    recs = json_lines(out)
    check("-r - reads a capture from stdin", rc == 1 and len(recs) == 1 and
          recs[0]["server"] == "SSH-2.0-OpenSSH_5.3", out + err)

    # Bad inputs: one clear line naming the file, exit 3, never a crash.
    notcap = os.path.join(tmp, "notes.txt")
    with open(notcap, "w") as f:
        f.write("this is not a capture file\n" * 10)
    rc, out, err = run(k, ["-r", notcap])
    check("a text file: exit 3, one line naming it", rc == 3 and one_line(err) and notcap in err, err)

    empty = os.path.join(tmp, "empty.pcap")
    open(empty, "wb").close()
    rc, out, err = run(k, ["-r", empty])
    check("an empty file: exit 3, one line naming it", rc == 3 and one_line(err) and empty in err, err)

    missing = os.path.join(tmp, "does-not-exist.pcap")
    rc, out, err = run(k, ["-r", missing])
    check("a missing file: exit 3, one line naming it", rc == 3 and one_line(err) and missing in err, err)

    odd = os.path.join(tmp, "usb.pcap")
    with open(odd, "wb") as f:   # pcap header with LINKTYPE_USB_LINUX (189)
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 189))
        f.write(struct.pack("<IIII", 0, 0, 4, 4) + b"\0\0\0\0")
    rc, out, err = run(k, ["-r", odd])
    check("an unsupported link type: exit 3, one line naming file and type",
          rc == 3 and one_line(err) and odd in err and "link type" in err, err)

    # Truncated mid-record: the connection read before the damage is kept.
    with open(login, "rb") as f:
        data = f.read()
    cut = os.path.join(tmp, "cut.pcap")
    with open(cut, "wb") as f:
        f.write(data[:len(data) - 30])
    rc, out, err = run(k, ["--json", "-r", cut])
    recs = json_lines(out)
    check("a capture cut mid-record: exit 3, one line with the packet number",
          rc == 3 and one_line(err) and cut in err and "packet " in err, "rc=%d %s" % (rc, err))
    check("... and the connection read before the damage is still reported",
          len(recs) == 1 and recs[0]["client"] is not None, out)

    # A bad file among good ones: the good ones are still read.
    rc, out, err = run(k, ["--json", "-r", notcap, "-r", seed])
    check("a bad file among good ones: exit 3, the good file still reported",
          rc == 3 and len(json_lines(out)) == 1, "rc=%d %s" % (rc, out))

    # --sshd-log (docs/sshd-log.md): the same exit statuses from logs.
    seedlog = os.path.join(os.path.dirname(os.path.abspath(__file__)), "logs",
                           "seed_openssh53_libssh2.sshd.log")
    with open(seedlog, "rb") as f:
        seedlog_bytes = f.read()
    rc, out, err = run(k, ["--json", "--sshd-log", "-"], stdin=seedlog_bytes)
    recs = json_lines(out)
    check("--sshd-log - reads a log from stdin: the seed's mismatch, exit 1",
          rc == 1 and len(recs) == 1 and recs[0]["source"] == "sshd-log" and
          recs[0]["mismatch"] == ["kex"], "rc=%d %s %s" % (rc, out, err))
    rc, out, err = run(k, ["--sshd-log", login])
    check("--sshd-log on a capture (binary): exit 3, one line naming it",
          rc == 3 and one_line(err) and login in err and "not a text log" in err,
          "rc=%d %s" % (rc, err))
    rc, out, err = run(k, ["--sshd-log", missing])
    check("--sshd-log on a missing file: exit 3, one line naming it",
          rc == 3 and one_line(err) and missing in err, "rc=%d %s" % (rc, err))
    rc, out, err = run(k, ["--sshd-log", seedlog, "-r", seed])
    check("--sshd-log with -r is a usage error (2) with one line",
          rc == 2 and one_line(err), "rc=%d %s" % (rc, err))

    io_blocks(k, a.pcaps, tmp)

    return finish()


if __name__ == "__main__":
    sys.exit(main())
