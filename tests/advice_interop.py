#!/usr/bin/env python3
"""advice_interop.py - the advice kexray gives is checked against real peers.

Usage: advice_interop.py --kexray BUILD/kexray --pcaps DIR [SCENARIO...]

For each recorded mismatch (pcaps/openssh_{kex,hostkey,cipher,mac}_mismatch,
recorded by pcaps/record.sh, whose sc_<name> functions give the server's
--srv lines and the client's --cli options, read from the script itself):

  1. kexray --json on the committed capture gives the advice and the lines
     each OpenSSH peer would log;
  2. in a network namespace of its own (record.sh's approach: only lo up, a
     private /run holding /run/sshd and a throw-away home on /root), sshd
     runs with the recorded configuration and the real ssh client with the
     recorded options: it must fail, and sshd's log and ssh's stderr must
     hold the lines kexray predicted (the client's port aside);
  3. the server's fix applied to that configuration - the "+name" line put
     first (sshd takes the first value it reads), then the full line in
     place of the recorded one, and for a host key the ssh-keygen command
     and HostKey line - must make the same client connect;
  4. the client's fix (its -o option put before the recorded ones, then its
     full line in their place) must make it connect to the unchanged server.

Then, with a host key made for the run: a fresh capture of a login must
give the fingerprint `ssh-keygen -l -f` prints, --known-hosts must say
"match" for a plain and for a hashed (ssh-keygen -H) known_hosts and
"changed" (exit 1) for one holding another key, and --host-keys must learn
the key, then match it.

Needs root (network namespaces), iproute2, tcpdump and OpenSSH; exits 77
(meson's "skipped") without them.  Every process it starts is stopped by
its PID; every wait is bounded.  Prints one line per check and a last line
"N passed, M failed".
"""
import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

SKIP = 77
SSHD = "/usr/sbin/sshd"
WAIT = 10.0                 # seconds any readiness wait may take
CLIENT_TIMEOUT = 30
SCENARIOS = ["openssh_kex_mismatch", "openssh_hostkey_mismatch",
             "openssh_cipher_mismatch", "openssh_mac_mismatch"]

# record.sh's NSWRAP: a private /run with /run/sshd, the home on /root.
NSWRAP = ('mount -t tmpfs -o mode=0755,size=4m kxrun /run && '
          'mkdir -m 0755 /run/sshd && mount --bind "$KX_HOME" /root && '
          'cd /root && exec "$@"')

passed = failed = 0


def report(ok, what, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print("ok   %s" % what)
    else:
        failed += 1
        print("FAIL %s%s" % (what, (": " + detail) if detail else ""))
    sys.stdout.flush()


def recorded_options(record_sh, name):
    """The --srv lines and --cli options of sc_<name> in record.sh."""
    text = open(record_sh).read()
    m = re.search(r"^sc_%s\(\) \{\n(.*?)^\}" % re.escape(name), text, re.M | re.S)
    if m is None:
        raise RuntimeError("record.sh has no sc_%s" % name)
    body = m.group(1)
    srv = re.findall(r'--srv "([^"]*)"', body)
    cli = re.findall(r'--cli "([^"]*)"', body)
    return srv, cli


class Netns:
    """One namespace, its processes, its temporary directory."""

    count = 0

    def __init__(self, tag):
        Netns.count += 1
        self.name = "kxadv-%d-%d" % (os.getpid(), Netns.count)
        self.dir = tempfile.mkdtemp(prefix="kxadv-%s-" % tag)
        os.chmod(self.dir, 0o700)
        self.home = os.path.join(self.dir, "home")
        os.makedirs(os.path.join(self.home, ".ssh"), mode=0o700)
        self.procs = []
        subprocess.run(["ip", "netns", "add", self.name], check=True)
        subprocess.run(["ip", "netns", "exec", self.name, "ip", "link", "set", "lo", "up"],
                       check=True)
        self.keygen("ed25519", os.path.join(self.dir, "id_ed25519"))
        shutil.copy(os.path.join(self.dir, "id_ed25519.pub"),
                    os.path.join(self.dir, "authorized_keys"))
        os.chmod(os.path.join(self.dir, "authorized_keys"), 0o600)
        open(os.path.join(self.dir, "known_hosts"), "w").close()

    def prefix(self):
        return ["ip", "netns", "exec", self.name, "env", "-i",
                "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "LC_ALL=C",
                "KX_HOME=" + self.home, "/bin/sh", "-c", NSWRAP, "kxwrap"]

    def keygen(self, kind, path, extra=()):
        subprocess.run(["ssh-keygen", "-q", "-t", kind, "-N", "", "-C", "kexray-advice",
                        "-f", path] + list(extra), check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def start(self, argv, logname):
        log = open(os.path.join(self.dir, logname), "wb")
        p = subprocess.Popen(self.prefix() + argv, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self.procs.append(p)
        return p

    def stop(self, p, sig="TERM"):
        if p.poll() is None:
            p.send_signal({"TERM": 15, "INT": 2}[sig])
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=5)
        if p in self.procs:
            self.procs.remove(p)

    def wait_listen(self, port, p):
        end = time.time() + WAIT
        while time.time() < end:
            out = subprocess.run(["ip", "netns", "exec", self.name, "ss", "-H", "-l", "-t",
                                  "-n", "sport = :%d" % port],
                                 stdout=subprocess.PIPE).stdout
            if out.strip():
                return True
            if p.poll() is not None:
                return False
            time.sleep(0.1)
        return False

    def wait_log(self, logname, pattern, p):
        path = os.path.join(self.dir, logname)
        end = time.time() + WAIT
        while time.time() < end:
            if pattern in open(path, "rb").read().decode("utf-8", "replace"):
                return True
            if p.poll() is not None:
                return False
            time.sleep(0.1)
        return False

    def read(self, logname):
        return open(os.path.join(self.dir, logname), "rb").read().decode("utf-8", "replace")

    def close(self):
        for p in list(self.procs):
            self.stop(p)
        # anything still inside (a per-connection sshd child): by its PID
        for _ in range(3):
            pids = subprocess.run(["ip", "netns", "pids", self.name],
                                  stdout=subprocess.PIPE).stdout.split()
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(int(pid), 15)
                except (OSError, ValueError):
                    pass
            time.sleep(0.5)
        subprocess.run(["ip", "netns", "del", self.name], stderr=subprocess.DEVNULL)
        shutil.rmtree(self.dir, ignore_errors=True)


def sshd_config(ns, lines, hostkeys):
    """record.sh's start_sshd configuration, then lines."""
    cfg = ["ListenAddress 127.0.0.1", "Port 22"]
    cfg += ["HostKey %s" % k for k in hostkeys]
    cfg += ["PidFile none", "UsePAM no", "StrictModes no",
            "AuthorizedKeysFile %s" % os.path.join(ns.dir, "authorized_keys"),
            "PermitRootLogin prohibit-password", "PasswordAuthentication no",
            "KbdInteractiveAuthentication no", "UseDNS no", "LogLevel VERBOSE"]
    return cfg + list(lines)


def run_sshd(ns, cfg_lines, tag):
    path = os.path.join(ns.dir, "sshd_config.%s" % tag)
    with open(path, "w") as f:
        f.write("\n".join(cfg_lines) + "\n")
    t = subprocess.run(ns.prefix() + [SSHD, "-t", "-f", path], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    if t.returncode != 0:
        return None, "sshd -t rejects the configuration: %s" % t.stdout.decode()[:300]
    p = ns.start([SSHD, "-D", "-e", "-f", path], "sshd.%s.log" % tag)
    if not ns.wait_listen(22, p):
        ns.stop(p)
        return None, "sshd did not listen: %s" % ns.read("sshd.%s.log" % tag)[-300:]
    return p, None


def run_ssh(ns, opts):
    # ssh's default LogLevel (INFO): "Unable to negotiate ..." is logged at
    # INFO (log.h logdie), so LogLevel=ERROR would hide it.
    argv = ["ssh", "-F", "none", "-i", os.path.join(ns.dir, "id_ed25519"),
            "-o", "IdentitiesOnly=yes",
            "-o", "UserKnownHostsFile=" + os.path.join(ns.dir, "known_hosts"),
            "-o", "GlobalKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=no",
            "-o", "BatchMode=yes", "-o", "ConnectTimeout=5", "-o", "UpdateHostKeys=no",
            ] + list(opts) + ["-p", "22", "root@127.0.0.1", "true"]
    try:
        r = subprocess.run(["timeout", "-k", "2", str(CLIENT_TIMEOUT)] + ns.prefix() + argv,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as e:
        return 255, str(e)
    return r.returncode, r.stderr.decode("utf-8", "replace")


def attempt(ns, cfg_lines, cli, tag):
    """sshd with cfg_lines, one client run; returns (rc, client stderr,
    sshd log) or raises on set-up failure."""
    p, err = run_sshd(ns, cfg_lines, tag)
    if p is None:
        return None, err, ""
    rc, cerr = run_ssh(ns, cli)
    time.sleep(0.3)   # let sshd's pre-auth child log before it is stopped
    ns.stop(p)
    return rc, cerr, ns.read("sshd.%s.log" % tag)


def kexray_json(kexray, args):
    r = subprocess.run([kexray, "--json", "--records", "full"] + args, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=120)
    recs = [json.loads(l) for l in r.stdout.decode("utf-8").splitlines() if l.strip()]
    recs = [x for x in recs if x.get("type") == "ssh"]   # not the summary
    return r.returncode, recs, r.stderr.decode("utf-8", "replace")


def line_matches(predicted, text, port_may_differ):
    if predicted is None:
        return False
    pat = re.escape(predicted)
    if port_may_differ:
        pat = re.sub(r"port\\ \d+", r"port\\ \\d+", pat)
    return re.search(pat, text) is not None


def replace_directive(lines, new_line):
    """lines with any line setting new_line's option replaced by it (or it
    added when none does)."""
    key = new_line.split()[0].lower()
    out, done = [], False
    for l in lines:
        if l.split() and l.split()[0].lower() == key:
            if not done:
                out.append(new_line)
                done = True
            continue
        out.append(l)
    if not done:
        out.append(new_line)
    return out


def replace_option(opts, option_line):
    """Client -o options with the one for option_line's keyword replaced by
    "-o<keyword> <list>" (ssh_config syntax), or it added first."""
    key = option_line.split()[0].lower()
    new = "-o" + option_line
    out, done = [], False
    for o in opts:
        k = o[2:].split("=")[0].split()[0].lower() if o.startswith("-o") else ""
        if k == key:
            if not done:
                out.append(new)
                done = True
            continue
        out.append(o)
    return out if done else [new] + out


def check_scenario(kexray, pcaps, name):
    srv, cli = recorded_options(os.path.join(pcaps, "record.sh"), name)
    rc, recs, err = kexray_json(kexray, ["-r", os.path.join(pcaps, name + ".pcap")])
    if len(recs) != 1 or not recs[0].get("advice"):
        report(False, "%s: kexray gives advice" % name, "rc %d, %s" % (rc, err.strip()))
        return
    rec = recs[0]
    ns = Netns(name)
    try:
        kinds = ["ed25519"] if name == "openssh_hostkey_mismatch" else ["ed25519", "ecdsa", "rsa"]
        keys = []
        for k in kinds:
            path = os.path.join(ns.dir, "ssh_host_%s_key" % k)
            ns.keygen(k, path)
            keys.append(path)
        base = sshd_config(ns, srv, keys)

        # The recorded configuration fails, logging what kexray predicted.
        rc, cerr, slog = attempt(ns, base, cli, "control")
        report(rc not in (0, None), "%s: recorded configuration fails (client exit %s)" % (name, rc),
               cerr.strip()[-200:])
        wl = rec.get("would_log") or {}
        report(line_matches(wl.get("server"), slog, True),
               "%s: sshd logs what kexray predicted" % name,
               "predicted %r, sshd log: %s" % (wl.get("server"), slog.strip()[-400:]))
        report(line_matches(wl.get("client"), cerr, False),
               "%s: ssh prints what kexray predicted" % name,
               "predicted %r, ssh said: %s" % (wl.get("client"), cerr.strip()[-400:]))

        for adv in rec["advice"]:
            sf, cf = adv.get("server_fix"), adv.get("client_fix")
            what = "%s: %s" % (name, adv["category"])
            if sf is None or sf["action"] != "configure":
                report(False, "%s: a server fix to apply" % what, json.dumps(sf))
                continue
            extra, cmd_ok = [], True
            if sf.get("command"):
                # the key where the advice says, moved into the scenario
                cmd = shlex.split(sf["command"].replace("/etc/ssh/", ns.dir + "/etc-ssh-"))
                r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
                cmd_ok = r.returncode == 0
                report(cmd_ok, "%s: `%s` runs" % (what, sf["command"]), r.stdout.decode()[-200:])
            if sf.get("hostkey_line"):
                extra.append(sf["hostkey_line"].replace("/etc/ssh/", ns.dir + "/etc-ssh-"))
            if sf.get("line"):
                # first: sshd keeps the first value it reads
                cfg = [sf["line"]] + extra + base
            else:
                cfg = extra + base
            rc, cerr, _ = attempt(ns, cfg, cli, "fix-line")
            report(cmd_ok and rc == 0, "%s: server fix %r makes the client connect" %
                   (what, sf.get("line") or sf.get("hostkey_line")), cerr.strip()[-300:])
            if sf.get("full_line"):
                cfg = replace_directive(base, sf["full_line"]) + extra
                rc, cerr, _ = attempt(ns, cfg, cli, "fix-full")
                report(rc == 0, "%s: server fix %r makes the client connect" %
                       (what, sf["full_line"]), cerr.strip()[-300:])
            if cf is not None and cf["action"] == "configure":
                rc, cerr, _ = attempt(ns, base, [cf["option"]] + cli, "cfix-option")
                report(rc == 0, "%s: client fix %r connects to the recorded server" %
                       (what, cf["option"]), cerr.strip()[-300:])
                if cf.get("full_line"):
                    opts = replace_option(cli, cf["full_line"])
                    rc, cerr, _ = attempt(ns, base, opts, "cfix-full")
                    report(rc == 0, "%s: client fix %r connects" % (what, cf["full_line"]),
                           cerr.strip()[-300:])
    finally:
        ns.close()


def check_host_key(kexray):
    """A fresh capture of a login to a server with a key made now."""
    ns = Netns("hostkey")
    try:
        key = os.path.join(ns.dir, "ssh_host_ed25519_key")
        ns.keygen("ed25519", key)
        fp = subprocess.run(["ssh-keygen", "-l", "-f", key + ".pub"], stdout=subprocess.PIPE,
                            check=True).stdout.decode().split()[1]
        pub = open(key + ".pub").read().split()
        cap = os.path.join(ns.dir, "login.pcap")
        tcpdump = ns.start(["tcpdump", "-Z", "root", "--immediate-mode", "-B", "65536", "-i",
                            "lo", "-U", "-s", "0", "-w", cap, "tcp port 22"], "tcpdump.log")
        if not ns.wait_log("tcpdump.log", "listening on lo", tcpdump):
            report(False, "host key: tcpdump starts", ns.read("tcpdump.log")[-200:])
            return
        p, err = run_sshd(ns, sshd_config(ns, [], [key]), "hostkey")
        if p is None:
            report(False, "host key: sshd starts", err)
            return
        rc, cerr = run_ssh(ns, [])
        report(rc == 0, "host key: the client logs in", cerr.strip()[-200:])
        # both FINs in the capture, bounded, before tcpdump stops
        end = time.time() + WAIT
        while time.time() < end:
            r = subprocess.run(["tcpdump", "-r", cap, "-n", "tcp[tcpflags] & tcp-fin != 0"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            if len(r.stdout.splitlines()) >= 2:
                break
            time.sleep(0.25)
        time.sleep(0.5)
        ns.stop(tcpdump, "INT")
        ns.stop(p)

        rc, recs, err = kexray_json(kexray, ["-r", cap])
        hk = recs[0].get("host_key") if len(recs) == 1 else None
        report(hk is not None and hk["fingerprint"] == fp and hk["type"] == pub[0],
               "host key: kexray's fingerprint is ssh-keygen -l's (%s)" % fp, json.dumps(hk))

        kh = os.path.join(ns.dir, "kh")
        with open(kh, "w") as f:
            f.write("127.0.0.1 %s %s\n" % (pub[0], pub[1]))
        rc, recs, _ = kexray_json(kexray, ["-r", cap, "--known-hosts", kh])
        report(rc == 0 and recs and recs[0]["host_key"]["known_hosts"] == "match",
               "host key: known_hosts match", "rc %d %s" % (rc, recs and recs[0]["host_key"]))
        subprocess.run(["ssh-keygen", "-H", "-f", kh], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=True)
        hashed = open(kh).read()
        rc, recs, _ = kexray_json(kexray, ["-r", cap, "--known-hosts", kh])
        report(hashed.startswith("|1|") and rc == 0 and recs and
               recs[0]["host_key"]["known_hosts"] == "match",
               "host key: hashed known_hosts match", hashed[:60])
        other = os.path.join(ns.dir, "other")
        ns.keygen("ed25519", other)
        with open(kh, "w") as f:
            f.write("127.0.0.1 %s\n" % " ".join(open(other + ".pub").read().split()[:2]))
        rc, recs, _ = kexray_json(kexray, ["-r", cap, "--known-hosts", kh])
        h = recs[0]["host_key"] if recs else {}
        report(rc == 1 and h.get("known_hosts") == "changed" and
               h.get("recorded_fingerprint") != fp and recs[0]["problem"] is True,
               "host key: a different key on record is flagged (exit 1)", "rc %d %s" % (rc, h))
        state = os.path.join(ns.dir, "state")
        rc1, r1, _ = kexray_json(kexray, ["-r", cap, "--host-keys", state])
        rc2, r2, _ = kexray_json(kexray, ["-r", cap, "--host-keys", state])
        content = open(state).read() if os.path.exists(state) else ""
        report(r1 and r2 and r1[0]["host_key"]["host_keys"] == "learned" and
               r2[0]["host_key"]["host_keys"] == "match" and
               content.split() == ["127.0.0.1", pub[0], pub[1]],
               "host key: --host-keys learns, then matches", content[:120])
    finally:
        ns.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kexray", required=True)
    ap.add_argument("--pcaps", required=True)
    ap.add_argument("scenarios", nargs="*")
    a = ap.parse_args()
    if os.geteuid() != 0 or shutil.which("ip") is None or not os.path.exists(SSHD) \
            or shutil.which("tcpdump") is None:
        print("skip: needs root, iproute2, tcpdump and %s" % SSHD)
        return SKIP
    for name in a.scenarios or SCENARIOS + ["hostkey"]:
        try:
            if name == "hostkey":
                check_host_key(a.kexray)
            else:
                check_scenario(a.kexray, a.pcaps, name)
        except (OSError, RuntimeError, subprocess.SubprocessError, ValueError) as e:
            report(False, "%s: set-up" % name, str(e))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
