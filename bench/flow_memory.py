#!/usr/bin/env python3
"""What a connection costs kexray in memory, by the stage it reached.

  flow_memory.py --kexray BUILD/kexray [--dir /tmp/bench] [--base OTHER]
                 [--concurrency]

Builds (once, into --dir) captures whose connections all stay open to the
end, with pcaps/adversarial/gen.py's frame builders:
  half-open   N SYNs to port 22 from distinct sources, nothing else
  newkeys     N handshakes (banners, KEXINITs of OpenSSH 9.6's default
              lists, ECDH, NEWKEYS both ways, a little encrypted data)
              that never close
for a small and a large N, runs kexray --json on each and prints the
peak RSS of both and the difference per connection: heap, table slot
and allocator overhead included, as the issue's targets count them.
--base runs the same on another build. --concurrency adds the older
measurement: 100,000 generated SSH connections (gen_ssh_pcap) with 1,000
and with 100,000 flows open at once, per additional concurrent flow.
Not a test: nothing here asserts a size. Run it under
`flock /tmp/kexray-bench.lock` so no other benchmark runs at once.
"""
import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "pcaps", "adversarial"))
import gen  # noqa: E402
import run_bench  # noqa: E402

SIZES = {"half-open": (20000, 220000), "newkeys": (4000, 44000)}

# OpenSSH 9.6's default offers (ssh -Q / sshd -T), so that the KEXINIT
# copies a connection keeps are the size they are on real networks
# (about 1.2 KiB from the client, 1.1 KiB from the server).
_KEX = ("sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,"
        "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,"
        "ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,"
        "diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,"
        "diffie-hellman-group14-sha256")
_HOSTKEY = ("ssh-ed25519-cert-v01@openssh.com,ecdsa-sha2-nistp256-cert-v01@openssh.com,"
            "ecdsa-sha2-nistp384-cert-v01@openssh.com,ecdsa-sha2-nistp521-cert-v01@openssh.com,"
            "sk-ssh-ed25519-cert-v01@openssh.com,sk-ecdsa-sha2-nistp256-cert-v01@openssh.com,"
            "rsa-sha2-512-cert-v01@openssh.com,rsa-sha2-256-cert-v01@openssh.com,ssh-ed25519,"
            "ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,"
            "sk-ssh-ed25519@openssh.com,sk-ecdsa-sha2-nistp256@openssh.com,rsa-sha2-512,"
            "rsa-sha2-256")
_CIPHER = ("chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,"
           "aes128-gcm@openssh.com,aes256-gcm@openssh.com")
_MAC = ("umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,"
        "hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-64@openssh.com,"
        "umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1")
OPENSSH = {"kex": _KEX + ",ext-info-c,kex-strict-c-v00@openssh.com", "hostkey": _HOSTKEY,
           "enc_cs": _CIPHER, "enc_sc": _CIPHER, "mac_cs": _MAC, "mac_sc": _MAC,
           "comp_cs": "none,zlib@openssh.com", "comp_sc": "none,zlib@openssh.com"}
SERVER = "198.51.100.1"


class Writer(gen.FastWriter):
    """gen.Conn's writer interface on the streaming writer."""

    def add(self, ts_us, frame, caplen=None, wirelen=None):
        super().add(ts_us, frame)


def client(i):
    return "10.%d.%d.%d" % ((i >> 16) & 0xFF, (i >> 8) & 0xFF, i & 0xFF)


def build(d, kind, n):
    path = os.path.join(d, "flowmem2_%s_%d.pcap" % (kind, n))
    if os.path.exists(path):
        return path
    print("generating %s ..." % path, flush=True)
    w = Writer(path + ".tmp")
    t = gen.T0
    for i in range(n):
        c = gen.Host(client(i), 20000 + i % 40000, 0x10000000 + i * 7919,
                     0x1000, 64, gen.MAC_C)
        s = gen.Host(SERVER, 22, 0x20000000 + i * 104729, 0x8000, 64, gen.MAC_S)
        conn = gen.Conn(w, c, s, t, step_us=1)
        if kind == "half-open":
            conn.segment(c, gen.SYN, options=gen.MSS)
        else:
            gen.full_handshake(conn, clists=OPENSSH, slists=OPENSSH, close=False)
        t = conn.t
    w.close()
    os.rename(path + ".tmp", path)
    return path


def per_conn(kx, d):
    res = {}
    for kind, (lo, hi) in SIZES.items():
        rss = {}
        for n in (lo, hi):
            path = build(d, kind, n)
            with open(os.devnull, "wb") as out:
                _, _, rss[n] = run_bench.timed([kx, "--json", "-r", path], out=out)
        res[kind] = (rss[lo], rss[hi], (rss[hi] - rss[lo]) * 1024.0 / (hi - lo))
    return res


def show(name, res):
    for kind, (lo, hi, per) in res.items():
        a, b = SIZES[kind]
        print("%s: %-9s %6d conns %7.1f MiB, %6d conns %7.1f MiB: %.0f bytes a connection" %
              (name, kind, a, lo / 1024.0, b, hi / 1024.0, per))


def concurrency(kx, d, conns=100000):
    gen_bin, _ = run_bench.build_tools(d)
    rss = {}
    for conc in (1000, 100000):
        path = os.path.join(d, "flows_n%d_c%d.pcap" % (conns, conc))
        if not os.path.exists(path):
            print("generating %s ..." % path, flush=True)
            subprocess.run([gen_bin, "-n", str(conns), "-c", str(conc), "-s", "3", "-o",
                            path, "-q"], check=True)
        with open(os.devnull, "wb") as out:
            wall, cpu, rss[conc] = run_bench.timed([kx, "--json", "-r", path], out=out)
        print("-c %6d: peak RSS %.1f MiB (wall %.2f s, CPU %.2f s)" %
              (conc, rss[conc] / 1024, wall, cpu))
    per = (rss[100000] - rss[1000]) * 1024 / (100000 - 1000)
    print("per additional concurrent flow: %.0f bytes (%.1f KiB)" % (per, per / 1024))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kexray", required=True)
    ap.add_argument("--base")
    ap.add_argument("--dir", default="/tmp/bench")
    ap.add_argument("--concurrency", action="store_true")
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    if a.base:
        show("base", per_conn(a.base, a.dir))
    show("this", per_conn(a.kexray, a.dir))
    if a.concurrency:
        if a.base:
            concurrency(a.base, a.dir)
        concurrency(a.kexray, a.dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
