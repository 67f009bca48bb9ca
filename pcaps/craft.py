#!/usr/bin/env python3
"""craft.py - build the synthetic captures in pcaps/ (standard library only).

Usage: pcaps/craft.py [--out DIR] [NAME...]      (no NAME: all of them)
       pcaps/craft.py --list

Each capture is a classic pcap (microsecond timestamps, Ethernet) holding one
TCP connection between documentation addresses (RFC 5737): SYN, SYN/ACK, ACK,
the SSH identification strings and KEXINIT packets with correct sequence and
acknowledgement numbers, then a FIN close.  IPv4 and TCP checksums are
correct.  Timestamps, cookies, ISNs, IP IDs and padding are fixed, so running
the script again gives identical bytes.
"""
import argparse
import os
import struct
import sys

from craftlib import ACK, FIN, PSH, RST, SYN, inet_checksum, ip4, pcap_header, pcap_record, ssh_packet, ssh_string  # noqa: F401

# ---------------------------------------------------------------- pcap file



# ------------------------------------------------------- Ethernet / IP / TCP



class Host:
    def __init__(self, mac, addr, port, isn, ip_id, ttl):
        self.mac = bytes.fromhex(mac.replace(":", ""))
        self.addr = ip4(addr)
        self.port = port
        self.seq = isn          # next sequence number to send
        self.ip_id = ip_id
        self.ttl = ttl


class Conn:
    """One TCP connection; every method appends frames to self.frames."""

    def __init__(self, client, server, t0_us, step_us=200):
        self.c, self.s = client, server
        self.t = t0_us
        self.step = step_us
        self.frames = []

    def peer(self, h):
        return self.s if h is self.c else self.c

    def segment(self, src, flags, payload=b"", seq=None, options=b"", window=64240):
        """One segment from src; seq defaults to src's next sequence number.
        ACK carries the peer's next sequence number (everything it sent so far)."""
        dst = self.peer(src)
        if seq is None:
            seq = src.seq
        ack = dst.seq if flags & ACK else 0
        doff = (20 + len(options)) // 4
        tcp = struct.pack("!HHIIBBHHH", src.port, dst.port, seq & 0xFFFFFFFF,
                          ack & 0xFFFFFFFF, doff << 4, flags, window, 0, 0) + options
        pseudo = src.addr + dst.addr + struct.pack("!BBH", 0, 6, len(tcp) + len(payload))
        csum = inet_checksum(pseudo + tcp + payload)
        tcp = tcp[:16] + struct.pack("!H", csum) + tcp[18:]
        total = 20 + len(tcp) + len(payload)
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, src.ip_id & 0xFFFF, 0x4000,
                         src.ttl, 6, 0, src.addr, dst.addr)
        ip = ip[:10] + struct.pack("!H", inet_checksum(ip)) + ip[12:]
        src.ip_id += 1
        eth = dst.mac + src.mac + struct.pack("!H", 0x0800)
        self.frames.append((self.t, eth + ip + tcp + payload))
        self.t += self.step
        return seq

    def handshake(self):
        mss = struct.pack("!BBH", 2, 4, 1460)
        self.segment(self.c, SYN, options=mss)
        self.c.seq += 1
        self.segment(self.s, SYN | ACK, options=mss)
        self.s.seq += 1
        self.segment(self.c, ACK)

    def send(self, src, data):
        """data in one segment, in order, then the peer's ACK."""
        self.segment(src, PSH | ACK, data)
        src.seq += len(data)
        self.segment(self.peer(src), ACK)

    def fin(self, src, acked=True):
        self.segment(src, FIN | ACK)
        src.seq += 1
        if acked:
            self.segment(self.peer(src), ACK)

    def write(self, path):
        with open(path, "wb") as f:
            f.write(pcap_header())
            for ts, frame in self.frames:
                f.write(pcap_record(ts, frame))


# ---------------------------------------------------------------------- SSH

SSH_MSG_KEXINIT = 20
KEXINIT_LISTS = (
    "kex", "hostkey", "enc_cs", "enc_sc", "mac_cs", "mac_sc",
    "comp_cs", "comp_sc", "lang_cs", "lang_sc",
)


def kexinit(cookie, lists, first_kex_follows=False):
    """RFC 4253 section 7.1: cookie, ten name-lists, boolean, uint32 0."""
    assert len(cookie) == 16
    body = bytes([SSH_MSG_KEXINIT]) + cookie
    for k in KEXINIT_LISTS:
        body += ssh_string(lists.get(k, "").encode("ascii"))
    body += bytes([1 if first_kex_follows else 0]) + struct.pack("!I", 0)
    return ssh_packet(body)


def both(v):
    return v, v


# ------------------------------------------------------------------ captures

T0 = 1700000000 * 1000000   # 2023-11-14 22:13:20 UTC


def seed_openssh53_libssh2(path):
    """The issue's seed case: libssh2 1.7.0 against OpenSSH 5.3, no common
    key exchange method; OpenSSH closes with a FIN and no DISCONNECT."""
    c = Host("02:00:00:00:00:01", "192.0.2.10", 51514, 0x3A1F0001, 0x1000, 64)
    s = Host("02:00:00:00:00:02", "198.51.100.22", 22, 0x7C2E0001, 0x2000, 64)
    conn = Conn(c, s, T0)
    conn.handshake()
    conn.send(s, b"SSH-2.0-OpenSSH_5.3\r\n")
    conn.send(c, b"SSH-2.0-libssh2_1.7.0_DEV\r\n")
    srv = {
        "kex": "ecdh-sha2-nistp521,ecdh-sha2-nistp384,ecdh-sha2-nistp256,"
               "diffie-hellman-group-exchange-sha256",
        "hostkey": "ssh-rsa,ssh-dss",
    }
    srv["enc_cs"], srv["enc_sc"] = both("aes256-ctr,aes192-ctr,aes128-ctr")
    srv["mac_cs"], srv["mac_sc"] = both("hmac-sha2-512,hmac-sha2-256,hmac-ripemd160")
    srv["comp_cs"], srv["comp_sc"] = both("none,zlib@openssh.com")
    cli = {
        "kex": "diffie-hellman-group14-sha1,diffie-hellman-group-exchange-sha1,"
               "diffie-hellman-group1-sha1",
        "hostkey": "ssh-rsa,ssh-dss",
    }
    cli["enc_cs"], cli["enc_sc"] = both(
        "aes128-ctr,aes192-ctr,aes256-ctr,aes256-cbc,rijndael-cbc@lysator.liu.se,"
        "aes192-cbc,aes128-cbc,blowfish-cbc,arcfour128,arcfour,cast128-cbc,3des-cbc")
    cli["mac_cs"], cli["mac_sc"] = both(
        "hmac-sha1,hmac-sha1-96,hmac-md5,hmac-md5-96,hmac-ripemd160,"
        "hmac-ripemd160@openssh.com")
    cli["comp_cs"], cli["comp_sc"] = both("none")
    conn.send(s, kexinit(bytes(range(0x10, 0x20)), srv))
    conn.send(c, kexinit(bytes(range(0xA0, 0xB0)), cli))
    conn.fin(s)
    conn.fin(c)
    conn.write(path)


SMALL_LISTS = {
    "kex": "curve25519-sha256",
    "hostkey": "ssh-ed25519",
    "enc_cs": "aes128-ctr", "enc_sc": "aes128-ctr",
    "mac_cs": "hmac-sha2-256", "mac_sc": "hmac-sha2-256",
    "comp_cs": "none", "comp_sc": "none",
}


def hostile_banner(path):
    """Escape sequence, NUL, quote, backslash and UTF-8 in the client banner;
    a 300-byte software version (line longer than RFC 4253's 255) from the
    server; port 8022 so SSH must be recognised by content."""
    c = Host("02:00:00:00:00:11", "192.0.2.20", 40022, 0x00C0FFEE, 0x0100, 64)
    s = Host("02:00:00:00:00:12", "198.51.100.30", 8022, 0x5EED0000, 0x0200, 64)
    conn = Conn(c, s, T0 + 3600 * 1000000)
    conn.handshake()
    client_banner = b'SSH-2.0-Evil\x1b[31m\x00"\\' + "\u00e9_\u00fc".encode("utf-8")
    version = b"Long_" + b"".join(b"%03d" % i for i in range(1, 99)) + b"X"
    assert len(version) == 300, len(version)
    conn.send(s, b"SSH-2.0-" + version + b"\r\n")
    conn.send(c, client_banner + b"\r\n")
    conn.send(c, kexinit(b"\x11" * 16, SMALL_LISTS))
    conn.send(s, kexinit(b"\x22" * 16, SMALL_LISTS))
    conn.fin(c)
    conn.fin(s)
    conn.write(path)


# Segment sizes for split_reordered, used in turn (1 to 100 bytes).
SPLIT_SIZES = (1, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 100, 7, 40, 64, 17, 99, 4, 50, 72)
# Delivery plan, as indexes into the cut segments: (a, b) means segment b is
# sent before segment a; RETRANSMIT is sent a second time right after the
# segment that follows it.
SWAPS = ((3, 4), (10, 12), (20, 21))
RETRANSMIT = 7


def split_reordered(path):
    """Client banner + KEXINIT cut into 1..100-byte segments, some sent out of
    order and one retransmitted; the client ISN is close to 2^32 so the
    sequence numbers wrap inside the handshake."""
    c = Host("02:00:00:00:00:21", "192.0.2.40", 49152, 0xFFFFFF00, 0x4000, 64)
    s = Host("02:00:00:00:00:22", "198.51.100.40", 22, 0x10000000, 0x5000, 64)
    conn = Conn(c, s, T0 + 7200 * 1000000)
    conn.handshake()
    conn.send(s, b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n")
    cli = {
        "kex": "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,"
               "ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,"
               "diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,"
               "diffie-hellman-group14-sha256,ext-info-c",
        "hostkey": "ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,"
                   "ecdsa-sha2-nistp521,rsa-sha2-512,rsa-sha2-256",
    }
    cli["enc_cs"], cli["enc_sc"] = both(
        "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,"
        "aes128-gcm@openssh.com,aes256-gcm@openssh.com")
    cli["mac_cs"], cli["mac_sc"] = both(
        "umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,"
        "hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-64@openssh.com,"
        "umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1")
    cli["comp_cs"], cli["comp_sc"] = both("none,zlib@openssh.com,zlib")
    data = b"SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6\r\n" + kexinit(bytes(range(0x40, 0x50)), cli)

    # Cut the client's bytes into (offset, bytes) pieces.
    pieces, off, i = [], 0, 0
    while off < len(data):
        n = SPLIT_SIZES[i % len(SPLIT_SIZES)]
        pieces.append((off, data[off:off + n]))
        off += n
        i += 1
    order = list(range(len(pieces)))
    for a, b in SWAPS:
        if b < len(order):
            order[a], order[b] = order[b], order[a]
    plan = []
    for pos, idx in enumerate(order):
        plan.append(idx)
        if pos > 0 and order[pos - 1] == RETRANSMIT:
            plan.append(RETRANSMIT)
    assert RETRANSMIT in plan and plan.count(RETRANSMIT) == 2

    base = c.seq
    received = set()
    for idx in plan:
        off, chunk = pieces[idx]
        conn.segment(c, PSH | ACK, chunk, seq=base + off)
        received.add(idx)
        # The server ACKs the end of the in-order prefix it holds (a
        # duplicate ACK while a hole is open).
        upto = 0
        while upto < len(pieces) and upto in received:
            upto += 1
        in_order = pieces[upto - 1][0] + len(pieces[upto - 1][1]) if upto else 0
        c.seq = base + in_order
        conn.segment(s, ACK)
    c.seq = base + len(data)

    srv = dict(SMALL_LISTS)
    srv["kex"] = "curve25519-sha256,curve25519-sha256@libssh.org,kex-strict-s-v00@openssh.com"
    srv["hostkey"] = "rsa-sha2-512,rsa-sha2-256,ecdsa-sha2-nistp256,ssh-ed25519"
    srv["enc_cs"], srv["enc_sc"] = both("aes256-gcm@openssh.com,aes128-ctr")
    conn.send(s, kexinit(bytes(range(0x60, 0x70)), srv))
    conn.fin(c)
    conn.fin(s)
    conn.write(path)


CAPTURES = {
    "seed_openssh53_libssh2": seed_openssh53_libssh2,
    "hostile_banner": hostile_banner,
    "split_reordered": split_reordered,
}


def cli(captures, doc):
    """The command line of craft.py and the scripts built on it: build the
    named captures (all without a name) into --out, or --list them."""
    ap = argparse.ArgumentParser(description=doc,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)),
                    help="directory for the .pcap files (default: next to this script)")
    ap.add_argument("--list", action="store_true", help="list the capture names")
    ap.add_argument("names", nargs="*", metavar="NAME")
    args = ap.parse_args()
    if args.list:
        print("\n".join(captures))
        return 0
    names = args.names or list(captures)
    for n in names:
        if n not in captures:
            ap.error("unknown capture %r (see --list)" % n)
    for n in names:
        path = os.path.join(args.out, n + ".pcap")
        captures[n](path)
        print("wrote %s" % path)
    return 0


def main():
    return cli(CAPTURES, __doc__)


if __name__ == "__main__":
    sys.exit(main())
