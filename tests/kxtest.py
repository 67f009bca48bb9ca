"""What the Python test scripts share: the environment kexray runs in, the
ok/FAIL lines and the exit status, running kexray, reading its JSON Lines,
and polling."""
import json
import os
import subprocess
import time

# Times in UTC and the C locale: the outputs are compared byte for byte.
ENV = dict(os.environ, TZ="UTC", LC_ALL="C")
SKIP = 77          # meson's exit status for a skipped test

results = []


def check(name, cond, detail=""):
    """One ok/FAIL line; the detail is printed only on failure."""
    results.append(bool(cond))
    print("%s %s%s" % ("ok  " if cond else "FAIL", name,
                       "" if cond else ": " + str(detail)[:1500]), flush=True)


def finish():
    """The summary line and the exit status for everything checked."""
    passed = results.count(True)
    print("%d passed, %d failed" % (passed, len(results) - passed))
    return 0 if passed == len(results) else 1


def run(kexray, args, stdin=None, timeout=120, env=None, quiet=False, text=True):
    """kexray with args (after -q when quiet): (exit status, standard output,
    standard error), as text or, with text=False, as bytes."""
    cmd = [kexray] + (["-q"] if quiet else []) + list(args)
    r = subprocess.run(cmd, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=ENV if env is None else env, timeout=timeout)
    if not text:
        return r.returncode, r.stdout, r.stderr
    return (r.returncode, r.stdout.decode("utf-8", "replace"),
            r.stderr.decode("utf-8", "replace"))


def records(text):
    """The JSON objects of JSON Lines text (str or bytes)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def proc_status(pid):
    """/proc/PID/status as a dict of split values (empty once the process is gone)."""
    st = {}
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                k, _, v = line.partition(":")
                st[k] = v.split()
    except OSError:
        pass
    return st


def wait_for(cond, timeout=20.0, step=0.05):
    """Polls cond() until it holds or timeout seconds pass; its last value."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(step)
    return cond()
