"""Issue 15: the sandbox holds in every mode, and no record is lost to a
signal, a full disk or a rotation.

  probe      tests/sandbox_probe.c against the real drop and filter: each
             attack refused, and each allowed without the filter (root)
  privilege  -r and --sshd-log drop to the kexray user with no capability,
             no_new_privs and seccomp (read from /proc); started with only
             CAP_NET_RAW, none is left
  full       output to /dev/full and to a filesystem that fills mid-run:
             exit 4, the count on stderr, every line in the file whole JSON
  live_full  live on lo in namespaces of its own, --output on a tmpfs that
             fills and frees again: the records before and after written,
             those in between counted, exit 4
  signals    SIGUSR1 against a full stdout pipe, SIGHUP/SIGUSR1 while
             reading a stalled '-r -' and FIFO: no record lost, no EINTR;
             SIGINT during -r and SIGTERM during --sshd-log: the summary
             says "interrupted", every line whole
  hostkeys   kill -9 during --host-keys: the keys learned are in the file;
             a cut last line is compacted away at the next start
  rotation   logrotate (create, postrotate kill -HUP) while kexray, dropped,
             reads a stalled FIFO: every record once, every line JSON; an
             output directory the user cannot write is refused at start
  snaplen    captures cut to 64 and 96 bytes a frame (as editcap -s), made
             here from pcaps/: every connection reported INCOMPLETE, frames
             truncated not malformed; IPv4 total length 0 (GSO) read from
             the frame's length

Runs as root (skips otherwise). Temporary files under one directory made
here; every process started is stopped by its pid; every wait is bounded.

Usage: hardening_test.py --kexray K --probe P --pcaps DIR --logs DIR [--sanitized]
Prints one line per check and "N passed, M failed".
"""
import argparse
import grp
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from kxtest import check, finish, proc_status, results, wait_for  # noqa: E402


def lines_json(data):
    """Every line of data parsed; None when a line is not whole JSON."""
    out = []
    for ln in data.splitlines():
        if not ln.strip():
            continue
        try:
            out.append(json.loads(ln))
        except ValueError:
            return None
    return out


def by_type(recs, *types):
    return [r for r in recs if r.get("type") in types]


def stop(p):
    if p.poll() is None:
        p.kill()
    try:
        p.wait(timeout=20)
    except subprocess.TimeoutExpired:
        pass


class Feeder(threading.Thread):
    """Writes head to a FIFO (or a pipe's stdin), then waits for go, then
    writes the rest and closes it."""

    def __init__(self, path_or_file, head, rest):
        super().__init__(daemon=True)
        self.target, self.head, self.rest = path_or_file, head, rest
        self.go = threading.Event()
        self.sent_head = threading.Event()

    def run(self):
        f = open(self.target, "wb") if isinstance(self.target, str) else self.target
        try:
            f.write(self.head)
            f.flush()
            self.sent_head.set()
            self.go.wait(60)
            f.write(self.rest)
        except (BrokenPipeError, OSError, ValueError):
            pass
        finally:
            self.sent_head.set()
            try:
                f.close()
            except (OSError, ValueError):
                pass


def blocked_in_read(pid):
    """The process sleeps in the kernel (waiting on its input)."""
    st = proc_status(pid)
    return st.get("State", ["?"])[0] == "S"


class Env:
    def __init__(self, a):
        self.a = a
        self.k = a.kexray
        self.dir = tempfile.mkdtemp(prefix="kx15-%d-" % os.getpid())
        os.chmod(self.dir, 0o755)
        self.pcap = os.path.join(a.pcaps, "close_bruteforce.pcap")
        with open(self.pcap, "rb") as f:
            self.pcap_bytes = f.read()
        self.user = "kexray"
        try:
            pwd.getpwnam("kexray")
        except KeyError:
            self.user = "nobody"
        self.pw = pwd.getpwnam(self.user)

    def path(self, name):
        return os.path.join(self.dir, name)

    def userdir(self, name):
        """A directory the dropped user owns."""
        d = self.path(name)
        os.makedirs(d, exist_ok=True)
        os.chown(d, self.pw.pw_uid, self.pw.pw_gid)
        return d

    def reference(self, args):
        r = subprocess.run([self.k, "--json"] + args, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=300)
        return lines_json(r.stdout.decode())


def test_probe(env):
    for mode in ([], ["--no-sandbox"]):
        d = env.path("probe" + ("-open" if mode else ""))
        os.makedirs(d)
        os.chmod(d, 0o777)
        r = subprocess.run(["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "sh",
                            env.a.probe, d] + mode, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=60)
        out = r.stdout.decode(errors="replace")
        fails = [ln for ln in out.splitlines() if ln.startswith("FAIL")]
        check("probe%s: %s" % (" " + mode[0] if mode else "",
                               "every attack refused by the sandbox" if not mode else
                               "each attack succeeds without the filter (the probe sees the "
                               "difference)"),
              r.returncode == 0 and "21 passed, 0 failed" in out, fails or out[-400:])


def start_stalled(env, args, head, stdin_feed=False):
    """kexray --json ARGS with its input a FIFO (or stdin pipe) given head
    bytes and then held open."""
    fifo = env.path("in-%d.fifo" % len(results))
    if not stdin_feed:
        os.mkfifo(fifo)
        args = [a if a != "@FIFO@" else fifo for a in args]
    p = subprocess.Popen([env.k, "--json"] + args, stdin=subprocess.PIPE if stdin_feed else
                         subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return p, fifo


def test_privilege(env):
    # -r, dropped while reading a FIFO that stalls after the header.
    pc = env.pcap_bytes
    p, fifo = start_stalled(env, ["-r", "@FIFO@"], b"")
    feed = Feeder(fifo, pc[:len(pc) // 2], pc[len(pc) // 2:])
    feed.start()
    feed.sent_head.wait(20)
    wait_for(lambda: blocked_in_read(p.pid), 10)
    st = proc_status(p.pid)
    feed.go.set()
    out, err = p.communicate(timeout=60)
    want_seccomp = ["0"] if env.a.sanitized else ["2"]
    check("privilege: -r runs as %s, no capability, no_new_privs, seccomp %s" %
          (env.user, want_seccomp[0]),
          st.get("Uid", [None])[0] == str(env.pw.pw_uid) and
          st.get("Gid", [None])[0] == str(env.pw.pw_gid) and
          st.get("CapEff") == ["0000000000000000"] and st.get("CapPrm") == ["0000000000000000"] and
          st.get("CapBnd") == ["0000000000000000"] and
          st.get("NoNewPrivs") == ["1"] and st.get("Seccomp") == want_seccomp,
          {x: st.get(x) for x in ("Uid", "Gid", "CapEff", "CapPrm", "CapBnd", "NoNewPrivs",
                                   "Seccomp")})
    ref = env.reference(["-r", env.pcap])
    got = lines_json(out.decode())
    check("privilege: -r, dropped, reports what it reports as root would",
          p.returncode == 0 and got is not None and
          len(by_type(got, "ssh", "close")) == len(by_type(ref, "ssh", "close")),
          (p.returncode, err[-300:]))

    # --sshd-log
    log = os.path.join(env.a.logs, "seed_openssh53_libssh2.sshd.log")
    with open(log, "rb") as f:
        text = f.read()
    p = subprocess.Popen([env.k, "--json", "--sshd-log", "-"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdin.write(text[:len(text) // 2])
    p.stdin.flush()
    wait_for(lambda: blocked_in_read(p.pid), 10)
    st = proc_status(p.pid)
    p.stdin.write(text[len(text) // 2:])
    out, err = p.communicate(timeout=60)
    check("privilege: --sshd-log runs as %s, no capability, no_new_privs, seccomp %s" %
          (env.user, want_seccomp[0]),
          st.get("Uid", [None])[0] == str(env.pw.pw_uid) and
          st.get("CapEff") == ["0000000000000000"] and
          st.get("NoNewPrivs") == ["1"] and st.get("Seccomp") == want_seccomp and
          p.returncode in (0, 1),
          ({x: st.get(x) for x in ("Uid", "CapEff", "NoNewPrivs", "Seccomp")}, p.returncode,
           err[-300:]))

    # Started as nobody with only CAP_NET_RAW (ambient): none is left.
    if shutil.which("setpriv") is None:
        check("privilege: setpriv(1) present", False)
        return
    fifo = env.path("caps.fifo")
    os.mkfifo(fifo)
    os.chmod(fifo, 0o666)
    p = subprocess.Popen(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                          "--inh-caps=+net_raw", "--ambient-caps=+net_raw", env.k, "--json",
                          "-r", fifo], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    feed = Feeder(fifo, pc[:len(pc) // 2], pc[len(pc) // 2:])
    feed.start()
    feed.sent_head.wait(20)
    wait_for(lambda: blocked_in_read(p.pid) and
             proc_status(p.pid).get("Uid", [""])[0] == "65534", 10)
    st = proc_status(p.pid)
    feed.go.set()
    out, err = p.communicate(timeout=60)
    check("privilege: started with only CAP_NET_RAW, no capability is left",
          st.get("CapEff") == ["0000000000000000"] and st.get("CapPrm") == ["0000000000000000"]
          and st.get("CapAmb") == ["0000000000000000"] and p.returncode == 0,
          ({x: st.get(x) for x in ("Uid", "CapEff", "CapPrm", "CapAmb")}, p.returncode,
           err[-300:]))


def test_full(env):
    big = ["-r", env.pcap] * 6
    ref = env.reference(big)
    r = subprocess.run([env.k, "--json"] + big, stdout=open("/dev/full", "wb"),
                       stderr=subprocess.PIPE, timeout=120)
    err = r.stderr.decode().splitlines()
    check("full: /dev/full gives exit 4, the failure once and the count",
          r.returncode == 4 and len(err) == 2 and "No space left on device" in err[0] and
          ("%d of %d records not written" % (len(ref), len(ref))) in err[1],
          (r.returncode, err))
    # A filesystem that fills mid-run (tmpfs in a mount namespace of its own).
    mnt = env.path("small")
    os.makedirs(mnt)
    out = os.path.join(mnt, "o.jsonl")
    copy = env.path("full-copy.jsonl")
    script = ('mount -t tmpfs -o size=400k,mode=0777 kx15 "$1" && k="$2" o="$3" c="$4" && '
              'shift 4 && "$k" --json "$@" --output "$o"; rc=$?; cp "$o" "$c"; exit $rc')
    r = subprocess.run(["unshare", "-m", "sh", "-c", script, "sh", mnt, env.k, out, copy] + big,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    err = r.stderr.decode().splitlines()
    with open(copy) as f:
        text = f.read()
    recs = lines_json(text)
    lost = None
    if err and " records not written" in err[-1]:
        lost = int(err[-1].split(": ")[-1].split()[0])
    check("full: a filesystem that fills mid-run: exit 4, every line in the file whole JSON, "
          "written + counted lost = all %d records" % len(ref),
          r.returncode == 4 and recs is not None and text.endswith("\n") and
          lost is not None and 0 < lost < len(ref) and len(recs) + lost == len(ref),
          (r.returncode, err, None if recs is None else len(recs), lost))


def ssh_pairs(port, tag, n):
    """n TCP connections on 127.0.0.1:port exchanging SSH banners, each
    closed by both sides; the client's banner carries tag."""
    import socket
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(16)
    for i in range(n):
        c = socket.create_connection(("127.0.0.1", port), timeout=10)
        s, _ = srv.accept()
        s.sendall(b"SSH-2.0-kx15srv\r\n")
        c.sendall(b"SSH-2.0-%s-%d\r\n" % (tag.encode(), i))
        c.recv(100)
        s.recv(100)
        c.close()
        s.close()
    srv.close()


def count_lines(path, tag):
    """ssh records so far whose client banner carries tag."""
    n = 0
    try:
        with open(path, "rb") as f:
            for ln in f:
                try:
                    r = json.loads(ln)
                except ValueError:
                    continue
                n += r.get("type") == "ssh" and tag in (r.get("client") or "")
    except OSError:
        pass
    return n


def live_full_inner(a):
    """Inside a mount and network namespace of its own (test_live_full):
    live on lo, --output on a tmpfs that is filled, then freed."""
    import errno
    mnt = a.inner_dir
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0777", "kx15", mnt], check=True)
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    out = os.path.join(mnt, "o.jsonl")
    err = open(os.path.join(a.inner_copy + ".err"), "wb")
    # A stats record every second: the disk's failure shows whether or
    # not a connection ends while it is full. Not --immediate: its
    # TPACKET_V2 ring holds 8 frames of the default snaplen in libpcap's
    # default 2 MiB, and a burst of connections on lo overflows it.
    k = subprocess.Popen([a.kexray, "-i", "lo", "--json", "--output", out, "--port", "2222",
                          "--stats-interval", "1"], stdout=subprocess.DEVNULL, stderr=err)
    try:
        wait_for(lambda: os.path.exists(out) and proc_status(k.pid).get("Seccomp", ["0"])[0] in
                 ("0", "2") and proc_status(k.pid).get("Uid", ["0"])[0] != "0", 20)
        time.sleep(0.5)
        ssh_pairs(2222, "before", 3)
        wait_for(lambda: count_lines(out, "before-") >= 3, 20)
        filler = os.path.join(mnt, "filler")
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            for _ in range(100000):   # 1 MiB of tmpfs; bounded all the same
                os.write(fd, b"\0" * 4096)
        except OSError as e:
            if e.errno != errno.ENOSPC:
                raise
        finally:
            os.close(fd)
        ssh_pairs(2222, "full", 3)
        # Records are tried and lost (the stats records at least): wait
        # until stderr says so (bounded), then free the space.
        wait_for(lambda: b"write failed" in open(a.inner_copy + ".err", "rb").read(), 20)
        time.sleep(1.5)   # a second failed write: still said once
        os.unlink(filler)
        ssh_pairs(2222, "after", 3)
        wait_for(lambda: count_lines(out, "after-") >= 3, 20)
        time.sleep(1.5)   # and a stats record after the space came back
    finally:
        k.send_signal(signal.SIGTERM)
        try:
            rc = k.wait(timeout=30)
        except subprocess.TimeoutExpired:
            k.kill()
            rc = k.wait(timeout=10)
        err.close()
        shutil.copy(out, a.inner_copy)
    with open(a.inner_copy + ".rc", "w") as f:
        f.write(str(rc))
    return 0


def test_live_full(env):
    copy = env.path("live-full.jsonl")
    d = env.path("live-full-mnt")
    os.makedirs(d)
    r = subprocess.run(["unshare", "-m", "-n", sys.executable, os.path.abspath(__file__),
                        "--kexray", env.k, "--probe", env.a.probe, "--pcaps", env.a.pcaps,
                        "--logs", env.a.logs, "--inner-live-full", d, "--inner-copy", copy],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
    try:
        rc = int(open(copy + ".rc").read())
        err = open(copy + ".err").read().strip().splitlines()
        text = open(copy).read()
    except (OSError, ValueError):
        check("live full: the run inside its namespaces ended", False, r.stdout[-600:])
        return
    recs = lines_json(text)
    ssh = by_type(recs or [], "ssh")
    tags = [x.get("client", "") or "" for x in ssh]
    lost = int(err[-1].split(": ")[-1].split()[0]) if err and "records not written" in err[-1] \
        else 0
    # Records written into the output's last page while the disk was full
    # (tmpfs has it already) may survive; at least one must have been lost.
    stats = by_type(recs or [], "stats")
    check("live full: a filesystem that fills and frees again: exit 4, the failure once and "
          "the count on stderr, every line whole JSON, the records before and after it written",
          rc == 4 and recs is not None and lost >= 2 and
          sum("before-" in t for t in tags) == 3 and sum("after-" in t for t in tags) == 3 and
          sum("write failed" in ln for ln in err) == 1 and len(stats) >= 2,
          (rc, err, None if recs is None else len(recs), tags,
           [(x.get("frames"), x.get("kernel_drops")) for x in stats[-1:]]))


def test_signals(env):
    pc = env.pcap_bytes
    # SIGUSR1 while the stdout pipe is full: nothing lost.
    many = ["-r", env.pcap] * 30
    ref = env.reference(many)
    rfd, wfd = os.pipe()
    p = subprocess.Popen([env.k, "--json"] + many, stdout=wfd, stderr=subprocess.PIPE)
    os.close(wfd)
    time.sleep(0.5)
    sent = 0
    for _ in range(40):
        if p.poll() is not None:
            break
        p.send_signal(signal.SIGUSR1)
        sent += 1
        time.sleep(0.02)
    chunks = []
    while True:
        b = os.read(rfd, 1 << 16)
        if not b:
            break
        chunks.append(b)
    os.close(rfd)
    p.wait(timeout=120)
    err = p.stderr.read().decode()
    recs = lines_json(b"".join(chunks).decode())
    check("signals: %d SIGUSR1 against a full stdout pipe: every record arrives, whole" % sent,
          sent > 0 and p.returncode == 0 and recs is not None and
          len(by_type(recs, "ssh", "close")) == len(by_type(ref, "ssh", "close")) and
          "Interrupted" not in err,
          (p.returncode, sent, None if recs is None else len(by_type(recs, "ssh", "close")),
           len(by_type(ref, "ssh", "close")), err[-300:]))

    # SIGHUP and SIGUSR1 while reading a stalled '-r -' and a stalled FIFO.
    ref = env.reference(["-r", env.pcap])
    for how in ("-r -", "FIFO"):
        if how == "-r -":
            p = subprocess.Popen([env.k, "--json", "-r", "-"], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            feed = Feeder(p.stdin, pc[:len(pc) // 2], pc[len(pc) // 2:])
        else:
            fifo = env.path("sig.fifo")
            os.mkfifo(fifo)
            p = subprocess.Popen([env.k, "--json", "-r", fifo], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE)
            feed = Feeder(fifo, pc[:len(pc) // 2], pc[len(pc) // 2:])
        feed.start()
        feed.sent_head.wait(20)
        wait_for(lambda: blocked_in_read(p.pid), 10)
        for _ in range(3):
            p.send_signal(signal.SIGHUP)
            time.sleep(0.05)
            p.send_signal(signal.SIGUSR1)
            time.sleep(0.05)
        feed.go.set()
        feed.join(60)
        p.stdin = None   # the feeder closed it
        out, err = p.communicate(timeout=60)
        recs = lines_json(out.decode())
        check("signals: SIGHUP and SIGUSR1 while reading a stalled %s: the whole input read, "
              "exit 0, no 'Interrupted system call'" % how,
              p.returncode == 0 and recs is not None and
              len(by_type(recs, "ssh", "close")) == len(by_type(ref, "ssh", "close")) and
              b"Interrupted" not in err,
              (p.returncode, None if recs is None else len(recs), err[-300:]))

    # SIGINT during -r: the summary says the input was cut.
    for fmt, word in (("--json", None), ("--brief", "interrupted")):
        p = subprocess.Popen([env.k, fmt, "-r", "-"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        # Cut inside a connection (close_bruteforce.pcap's 15th).
        feed = Feeder(p.stdin, pc[:len(pc) // 3 + 777], b"")
        feed.start()
        feed.sent_head.wait(20)
        wait_for(lambda: blocked_in_read(p.pid), 10)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=60)
        feed.go.set()
        if word is None:
            recs = lines_json(out.decode())
            summ = by_type(recs or [], "summary")
            check("signals: SIGINT during -r: summary final and \"interrupted\": true, "
                  "every line whole, exit 0 or 1",
                  p.returncode in (0, 1) and recs is not None and len(summ) == 1 and
                  summ[0].get("interrupted") is True and summ[0]["final"] is True,
                  (p.returncode, summ, err[-300:]))
            cut = [x for x in by_type(recs or [], "ssh") if x.get("close") == "capture_end"]
            check("signals: SIGINT during -r: the connection open at the cut is reported, "
                  "marked flow.interrupted",
                  len(cut) == 1 and "flow.interrupted" in cut[0].get("anomalies", []) and
                  not [x for x in by_type(recs or [], "ssh") if x.get("close") != "capture_end"
                       and "flow.interrupted" in x.get("anomalies", [])], cut)
        else:
            check("signals: SIGINT during -r --brief: the summary says 'interrupted'",
                  p.returncode in (0, 1) and b"interrupted" in out, (p.returncode, out[-400:]))
    # An input read whole is not marked.
    summ = by_type(ref, "summary")
    check("signals: an input read to its end has no \"interrupted\"",
          len(summ) == 1 and "interrupted" not in summ[0], summ)

    # SIGTERM during --sshd-log: records whole, summary, marked, clean exit.
    log = os.path.join(env.a.logs, "seed_openssh53_libssh2.sshd.log")
    with open(log, "rb") as f:
        text = f.read()
    p = subprocess.Popen([env.k, "--json", "--sshd-log", "-"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdin.write(text[:len(text) // 2])
    p.stdin.flush()
    wait_for(lambda: blocked_in_read(p.pid), 10)
    p.send_signal(signal.SIGTERM)
    try:
        out, err = p.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        stop(p)
        out, err = b"", b"timeout"
    recs = lines_json(out.decode())
    summ = by_type(recs or [], "summary")
    check("signals: SIGTERM during --sshd-log: clean exit, every line whole, a summary "
          "marked interrupted",
          p.returncode in (0, 1) and recs is not None and len(summ) == 1 and
          summ[0].get("interrupted") is True, (p.returncode, summ, err[-300:]))


def test_hostkeys(env):
    a = os.path.join(env.a.pcaps, "openssh_ipv6.pcap")
    b = os.path.join(env.a.pcaps, "close_bruteforce.pcap")
    ref_state = env.path("hk-ref")
    subprocess.run([env.k, "--json", "-r", a, "-r", b, "--host-keys", ref_state],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    with open(ref_state) as f:
        ref_keys = f.read().splitlines()
    state = env.path("hk")
    fifo = env.path("hk.fifo")
    os.mkfifo(fifo)
    p = subprocess.Popen([env.k, "--json", "-r", a, "-r", b, "-r", fifo,
                          "--host-keys", state], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    feed = Feeder(fifo, env.pcap_bytes[:24], b"")
    feed.start()
    feed.sent_head.wait(20)
    wait_for(lambda: blocked_in_read(p.pid) and os.path.exists(state) and
             len(open(state).read().splitlines()) >= len(ref_keys), 20)
    p.send_signal(signal.SIGKILL)
    p.wait(timeout=20)
    feed.go.set()
    with open(state) as f:
        got = f.read().splitlines()
    check("hostkeys: kill -9 mid-run: the %d keys learned before are in the file" %
          len(ref_keys), len(ref_keys) >= 2 and sorted(got) == sorted(ref_keys),
          (ref_keys, got))
    # A cut last line (a kill during the append) is dropped at the next start.
    with open(state, "a") as f:
        f.write(ref_keys[0][:len(ref_keys[0]) // 2])
    r = subprocess.run([env.k, "--json", "-r", a, "--host-keys", state],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    with open(state) as f:
        text = f.read()
    recs = lines_json(r.stdout.decode()) or []
    ssh = by_type(recs, "ssh")
    check("hostkeys: a cut last line is compacted away at the next start; the key still "
          "matches",
          r.returncode == 0 and sorted(text.splitlines()) == sorted(ref_keys) and
          text.endswith("\n") and not [x for x in os.listdir(env.dir) if ".kexray-" in x],
          (r.returncode, r.stderr[-300:], text[-200:]))


def test_rotation(env):
    if shutil.which("logrotate") is None:
        check("rotation: logrotate present (scripts/deps.sh installs it)", False)
        return
    d = env.userdir("logs")
    out = os.path.join(d, "kx.jsonl")
    pc = env.pcap_bytes
    fifo = env.path("rot.fifo")
    os.mkfifo(fifo)
    p = subprocess.Popen([env.k, "--json", "-r", env.pcap, "-r", fifo, "--output", out],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    feed = Feeder(fifo, pc[:len(pc) // 2], pc[len(pc) // 2:])
    feed.start()
    feed.sent_head.wait(20)
    wait_for(lambda: blocked_in_read(p.pid), 10)
    conf = env.path("logrotate.conf")
    with open(conf, "w") as f:
        f.write("%s {\n  rotate 3\n  create 0640 %s %s\n  nocompress\n  missingok\n"
                "  postrotate\n    kill -HUP %d\n  endscript\n}\n" %
                (out, env.user, grp.getgrgid(env.pw.pw_gid).gr_name, p.pid))
    r = subprocess.run(["logrotate", "-f", "-s", env.path("logrotate.state"), conf],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    time.sleep(0.5)
    feed.go.set()
    o, err = p.communicate(timeout=60)
    texts = []
    for name in (out + ".1", out):
        try:
            with open(name) as f:
                texts.append(f.read())
        except OSError:
            texts.append("")
    parsed = [lines_json(t) for t in texts]
    ref = env.reference(["-r", env.pcap, "-r", env.pcap])
    ok = r.returncode == 0 and p.returncode == 0 and all(x is not None for x in parsed)
    n = [len(by_type(x or [], "ssh", "close")) for x in parsed]
    check("rotation: logrotate (create + kill -HUP) after the drop: every record once across "
          "the rotated and the new file, every line whole JSON, both non-empty",
          ok and n[0] > 0 and n[1] > 0 and sum(n) == len(by_type(ref, "ssh", "close")) and
          b"cannot reopen" not in err,
          (r.returncode, r.stderr[-200:], p.returncode, n, len(by_type(ref, "ssh", "close")),
           err[-300:]))
    st = os.stat(out)
    check("rotation: the new file is the one logrotate created (owner %s)" % env.user,
          st.st_uid == env.pw.pw_uid, st.st_uid)
    # An output directory the dropped user cannot write: refused at start.
    rootdir = env.path("rootonly")
    os.makedirs(rootdir)
    os.chmod(rootdir, 0o755)
    r = subprocess.run([env.k, "--json", "-r", env.pcap, "--output",
                        os.path.join(rootdir, "x.jsonl")], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    err = r.stderr.decode().strip().splitlines()
    check("rotation: an output directory %s cannot write: exit 2, one line that says so" %
          env.user, r.returncode == 2 and len(err) == 1 and "cannot create files" in err[0]
          and env.user in err[0], (r.returncode, err))


def pcap_frames(data):
    """(header, [(rec_header_fields, frame)]) of a classic pcap."""
    import struct
    magic = data[:4]
    e = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    off, out = 24, []
    while off + 16 <= len(data):
        sec, frac, incl, orig = struct.unpack(e + "IIII", data[off:off + 16])
        out.append([sec, frac, orig, data[off + 16:off + 16 + incl]])
        off += 16 + incl
    return e, data[:24], out


def pcap_write(path, e, head, frames):
    import struct
    with open(path, "wb") as f:
        f.write(head)
        for sec, frac, orig, fr in frames:
            f.write(struct.pack(e + "IIII", sec, frac, len(fr), orig))
            f.write(fr)


def summary_of(env, path):
    r = subprocess.run([env.k, "--json", "-r", path], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    recs = lines_json(r.stdout.decode()) or []
    summ = by_type(recs, "summary")
    return r, by_type(recs, "ssh"), summ[0] if summ else {}


def test_snaplen(env):
    for name in ("close_bruteforce.pcap", "openssh_ipv6.pcap"):
        src = os.path.join(env.a.pcaps, name)
        with open(src, "rb") as f:
            e, head, frames = pcap_frames(f.read())
        _, ref_ssh, ref = summary_of(env, src)
        for snap in (64, 96):
            # What editcap -s does: each frame cut to snap bytes, its
            # length on the wire kept (and the file's snaplen lowered).
            import struct
            h = head[:16] + struct.pack(e + "I", snap) + head[20:]
            cut = env.path("%s-%d.pcap" % (name, snap))
            pcap_write(cut, e, h, [[a, b, o, fr[:snap]] for a, b, o, fr in frames])
            r, ssh, summ = summary_of(env, cut)
            check("snaplen %d, %s: %d of %d connections reported, all INCOMPLETE and "
                  "flagged decode.truncated; no frame malformed" %
                  (snap, name, len(ssh), len(ref_ssh)),
                  r.returncode in (0, 1) and len(ssh) == len(ref_ssh) > 0 and
                  summ.get("malformed") == 0 and summ.get("truncated", 0) > 0 and
                  all(x["verdict"] == "INCOMPLETE" and "decode.truncated" in
                      x.get("anomalies", []) for x in ssh),
                  (r.returncode, {k: summ.get(k) for k in ("connections", "malformed",
                                                          "truncated", "verdicts")}))
    # GSO/TSO and BIG TCP: IPv4 total length 0, the frame's length is the
    # packet's. Only frames longer than Ethernet's minimum (no padding).
    src = os.path.join(env.a.pcaps, "close_bruteforce.pcap")
    with open(src, "rb") as f:
        e, head, frames = pcap_frames(f.read())
    n = 0
    for fr in frames:
        b = bytearray(fr[3])
        if len(b) > 60 and len(b) == fr[2] and b[12:14] == b"\x08\x00":
            b[16:18] = b"\x00\x00"
            n += 1
        fr[3] = bytes(b)
    gso = env.path("gso.pcap")
    pcap_write(gso, e, head, frames)
    _, ref_ssh, ref = summary_of(env, src)
    r, ssh, summ = summary_of(env, gso)
    check("IPv4 total length 0 (GSO) on %d frames: read from the frame's length, the same "
          "verdicts, none malformed" % n,
          n > 0 and summ.get("malformed") == 0 and summ.get("verdicts") == ref.get("verdicts")
          and [x["verdict"] for x in ssh] == [x["verdict"] for x in ref_ssh],
          (summ.get("malformed"), summ.get("verdicts"), ref.get("verdicts")))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kexray", required=True)
    ap.add_argument("--probe", required=True)
    ap.add_argument("--pcaps", required=True)
    ap.add_argument("--logs", required=True)
    ap.add_argument("--sanitized", action="store_true")
    ap.add_argument("--only", default="")
    ap.add_argument("--inner-live-full", dest="inner_dir", default="")
    ap.add_argument("--inner-copy", default="")
    a = ap.parse_args()
    if os.geteuid() != 0:
        print("skip: needs root")
        return 77
    if a.inner_dir:
        return live_full_inner(a)
    env = Env(a)
    tests = [("probe", test_probe), ("privilege", test_privilege), ("full", test_full),
             ("live_full", test_live_full),
             ("signals", test_signals), ("hostkeys", test_hostkeys),
             ("rotation", test_rotation), ("snaplen", test_snaplen)]
    try:
        for name, fn in tests:
            if a.only and name not in a.only.split(","):
                continue
            try:
                fn(env)
            except Exception as e:   # one broken part must not hide the others
                check("%s: ran to its end" % name, False, repr(e))
    finally:
        shutil.rmtree(env.dir, ignore_errors=True)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
