#!/usr/bin/env python3
"""Live --workers N and --fanout-group ID (docs/scale-out.md).

A capture made by the benchmark generator (../shared/bench/gen_ssh_pcap.c,
compiled here) is replayed with tcpreplay onto a veth pair between two
network namespaces this script creates (and removes); kexray captures on
the receiving end:

  workers   kexray -i IF --workers 2: the kernel's fanout spreads the
            packets over two capture handles. Every frame is received once
            (pcap_received equals the frames sent: without the fanout group
            each handle would receive every frame), no kernel drops, and
            the ssh and close records are those of reading the file (by
            endpoints, verdict, banners, mismatch and how it closed). While
            it runs the process has three threads, every one of them
            unprivileged, without capabilities and under the main thread's
            seccomp filter (mode 2, unless built with the sanitizers).
  group     two kexray processes, --fanout-group 4242 each: together they
            receive every frame once and write the file's records, each
            connection in exactly one of the two outputs, both non-empty.

Needs root, iproute2 and tcpreplay (exits 77, skip, otherwise). Every
process it starts it stops by PID.

Usage: live_workers_test.py --kexray BUILD/kexray --gen GEN.c
"""
import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

from kxtest import SKIP, check, finish, proc_status  # noqa: E402
from live_test import Env, records, sh  # noqa: E402


NS = "kx16w%d" % os.getpid()


def key(r):
    if r["type"] == "ssh":
        return ("ssh", r.get("id.orig_h"), r.get("id.orig_p"), r.get("id.resp_h"),
                r.get("id.resp_p"), r.get("verdict"), r.get("client"), r.get("server"),
                tuple(r.get("mismatch") or ()))
    return ("close", r.get("id.orig_h"), r.get("id.orig_p"), r.get("id.resp_h"),
            r.get("id.resp_p"), r.get("close"), r.get("closed_by"), r.get("phase"))


def conn_keys(recs):
    return collections.Counter(key(r) for r in recs if r["type"] in ("ssh", "close"))


def task_status(pid):
    out = []
    for t in os.listdir("/proc/%d/task" % pid):
        st = {}
        with open("/proc/%d/task/%s/status" % (pid, t)) as f:
            for line in f:
                k, _, v = line.partition(":")
                st[k] = v.split()
        out.append(st)
    return out


def link(env):
    tx, rx = env.ns("tx"), env.ns("rx")
    sh("ip", "link", "add", "kx16a", "netns", tx, "type", "veth", "peer", "name", "kx16b",
       "netns", rx)
    for ns, ifc in ((tx, "kx16a"), (rx, "kx16b")):
        sh("sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
           "net.ipv6.conf.default.disable_ipv6=1", ns=ns, check_rc=False)
        sh("ip", "link", "set", ifc, "mtu", "1600", "up", ns=ns)   # VLAN/QinQ frames
    sh("ethtool", "-K", "kx16b", "gro", "off", "lro", "off", ns=rx, check_rc=False)
    return tx, rx


def replay(tx, pcap):
    r = sh("tcpreplay", "-i", "kx16a", "--pps=40000", pcap, ns=tx, timeout=300)
    out = r.stdout.decode()
    for line in out.splitlines():
        if "Successful packets:" in line:
            return int(line.split(":")[1])
    raise RuntimeError("tcpreplay: %s" % out[-300:])


def wait_quiet(paths, settle=1.5, limit=30):
    """Until the outputs stop growing."""
    end, last, since = time.time() + limit, None, time.time()
    while time.time() < end:
        now = tuple(os.path.getsize(p) if os.path.exists(p) else 0 for p in paths)
        if now != last:
            last, since = now, time.time()
        elif time.time() - since >= settle:
            return
        time.sleep(0.2)


def stats_of(recs):
    s = [r for r in recs if r["type"] == "stats" and r.get("final")]
    return s[-1] if s else {}


def test_workers(env, kx, pcap, want):
    tx, rx = link(env)
    out = os.path.join(env.dir, "w2.jsonl")
    k = env.start([kx, "-i", "kx16b", "--workers", "2", "-B", "65536", "--json",
                   "--output", out, "-q", ""], rx, stdout=subprocess.DEVNULL,
                  stderr=open(os.path.join(env.dir, "w2.err"), "wb"))
    time.sleep(1.5)
    kpid = k.pid   # ip netns exec execs in place
    tasks = task_status(kpid)
    check("workers: three threads (two workers and the main one)", len(tasks) == 3, len(tasks))
    # Seccomp mode 2 (filter) wherever the build has the filter (not under
    # the sanitizers): every thread the same as the main one.
    main_sc = (proc_status(kpid).get("Seccomp") or [None])[0]
    check("workers: every thread unprivileged, no capabilities, no_new_privs, the "
          "main thread's seccomp mode (%s)" % main_sc,
          all(t.get("Uid", ["0"])[0] != "0" and t.get("CapEff") == ["0000000000000000"] and
              t.get("NoNewPrivs") == ["1"] and t.get("Seccomp") == [main_sc] for t in tasks),
          [{x: t.get(x) for x in ("Uid", "CapEff", "Seccomp")} for t in tasks])
    sent = replay(tx, pcap)
    wait_quiet([out])
    env.stop(k)
    recs = records(out, kind=None)
    st = stats_of(recs)
    check("workers: every frame received once, none dropped (%d sent)" % sent,
          st.get("pcap_received") == sent and st.get("kernel_drops") == 0,
          {x: st.get(x) for x in ("pcap_received", "kernel_drops", "frames")})
    got = conn_keys(recs)
    check("workers: the ssh and close records of reading the file (%d)" % sum(want.values()),
          got == want, {"missing": list((want - got).items())[:3],
                        "extra": list((got - want).items())[:3]})


def test_group(env, kx, pcap, want):
    tx, rx = link(env)
    outs = [os.path.join(env.dir, "g%d.jsonl" % i) for i in range(2)]
    ks = [env.start([kx, "-i", "kx16b", "--fanout-group", "4242", "-B", "65536", "--json",
                     "--output", o, "-q", ""], rx, stdout=subprocess.DEVNULL,
                    stderr=open(o + ".err", "wb")) for o in outs]
    time.sleep(1.5)
    sent = replay(tx, pcap)
    wait_quiet(outs)
    for k in ks:
        env.stop(k)
    recs = [records(o, kind=None) for o in outs]
    recv = sum(stats_of(r).get("pcap_received", -1) for r in recs)
    check("group: two processes receive every frame once between them (%d sent)" % sent,
          recv == sent, recv)
    each = [conn_keys(r) for r in recs]
    check("group: each process wrote some connections",
          all(sum(e.values()) > 0 for e in each), [sum(e.values()) for e in each])
    check("group: together, the records of reading the file, none twice",
          each[0] + each[1] == want and not (set(each[0]) & set(each[1])),
          {"missing": list((want - (each[0] + each[1])).items())[:3]})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kexray", required=True)
    ap.add_argument("--gen", required=True)
    a = ap.parse_args()
    if os.geteuid() != 0 or not shutil.which("ip") or not shutil.which("tcpreplay"):
        print("skip: needs root, iproute2 and tcpreplay")
        return SKIP
    if not os.path.exists(a.gen) or not shutil.which("cc"):
        print("skip: no generator %s or cc" % a.gen)
        return SKIP
    kx = os.path.abspath(a.kexray)
    tmp = tempfile.mkdtemp(prefix="kexray-lwgen-")
    try:
        gen = os.path.join(tmp, "gen")
        subprocess.run(["cc", "-O2", "-o", gen, a.gen], check=True, timeout=300)
        pcap = os.path.join(tmp, "live.pcap")
        subprocess.run([gen, "-n", "1500", "-s", "11", "--bulk-packets", "6", "-o", pcap, "-q"],
                       check=True, stdout=subprocess.DEVNULL, timeout=300)
        r = subprocess.run([kx, "-q", "-r", pcap, "--json"], stdout=subprocess.PIPE, timeout=300)
        want = conn_keys(json.loads(l) for l in r.stdout.decode().splitlines())
        for name, fn in (("workers", test_workers), ("group", test_group)):
            env = Env(prefix=NS, tmp="kexray-lw-")
            try:
                fn(env, kx, pcap, want)
            except Exception as e:   # a broken scenario is a failure
                check("%s: scenario ran" % name, False, repr(e))
            finally:
                env.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
