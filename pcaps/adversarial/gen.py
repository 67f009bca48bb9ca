#!/usr/bin/env python3
"""gen.py - build the adversarial captures of pcaps/adversarial/ (stdlib only).

Usage: pcaps/adversarial/gen.py [--out DIR] [--all] [NAME...]
       pcaps/adversarial/gen.py --list

Every capture is hostile input kexray must survive with bounded memory and a
documented outcome (expected.json beside this script; tests/adversarial.py
checks it).  The output is deterministic: fixed timestamps, ISNs, IP IDs and
cookies, and every "random" choice drawn from random.Random with a fixed seed,
so running the script again gives identical bytes.

Without NAME, writes the small captures (the ones committed next to this
script).  --all adds the big ones (a 1 MiB banner, a 100,000-name KEXINIT,
floods of a million SYNs, 100,000 half-open handshakes, 100,000 RSTs, 2,000
handshakes with 20 KiB pending each), which
are only ever generated into a temporary directory at test time.

Frames are Ethernet/IPv4/TCP between RFC 5737 documentation addresses (IPv6:
RFC 3849) with correct lengths and checksums, unless breaking them is the
point.  SSH packets use block size 8 and zero padding (RFC 4253 section 6).
"""
import argparse
import os
import random
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from craftlib import (ACK, FIN, LINKTYPE_ETHERNET, PSH, RST, SYN,  # noqa: E402,F401
                      inet_checksum, ip4, pcap_header, pcap_record, ssh_packet, ssh_string)

# ---------------------------------------------------------------- pcap file

SNAPLEN = 262144
T0 = 1710000000 * 1000000   # 2024-03-09 16:00:00 UTC


class Pcap:
    """Records collected in memory, written at the end."""

    def __init__(self, linktype=LINKTYPE_ETHERNET, snaplen=SNAPLEN):
        self.parts = [pcap_header(linktype, snaplen)]

    def add(self, ts_us, data, caplen=None, wirelen=None):
        self.parts.append(pcap_record(ts_us, data, caplen, wirelen))

    def raw(self, data):
        self.parts.append(data)

    def bytes(self):
        return b"".join(self.parts)


# ------------------------------------------------------- Ethernet / IP / TCP

MSS = struct.pack("!BBH", 2, 4, 1460)


def ip6(addr):
    """2001:db8::N style addresses only (enough for the captures here)."""
    head, _, tail = addr.partition("::")
    hw = [int(x, 16) for x in head.split(":") if x]
    tw = [int(x, 16) for x in tail.split(":") if x]
    words = hw + [0] * (8 - len(hw) - len(tw)) + tw
    return struct.pack("!8H", *words)


def eth(dst, src, ethertype):
    return dst + src + struct.pack("!H", ethertype)


MAC_C = bytes.fromhex("020000000a01")
MAC_S = bytes.fromhex("020000000a02")


def tcp_header(saddr, daddr, sport, dport, seq, ack, flags, payload=b"",
               window=64240, options=b"", doff=None, proto_len=None):
    """TCP header with a correct checksum over the IPv4 or IPv6 pseudo-header
    (RFC 9293 3.1, RFC 8200 8.1). doff overrides the data offset field."""
    if doff is None:
        doff = (20 + len(options)) // 4
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF,
                      ack & 0xFFFFFFFF, (doff & 0xF) << 4, flags, window, 0, 0)
    hdr += options
    seglen = len(hdr) + len(payload) if proto_len is None else proto_len
    if len(saddr) == 4:
        pseudo = saddr + daddr + struct.pack("!BBH", 0, 6, seglen)
    else:
        pseudo = saddr + daddr + struct.pack("!IxxxB", seglen, 6)
    csum = inet_checksum(pseudo + hdr + payload)
    return hdr[:16] + struct.pack("!H", csum) + hdr[18:]


def ipv4_header(saddr, daddr, proto, payload_len, ip_id=0, ttl=64,
                ihl=5, options=b"", total=None, flags_frag=0x4000):
    """IPv4 header (RFC 791) with a correct checksum; ihl and total may lie."""
    if total is None:
        total = 20 + len(options) + payload_len
    hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | (ihl & 0xF), 0, total & 0xFFFF,
                      ip_id & 0xFFFF, flags_frag, ttl, proto, 0, saddr, daddr)
    hdr += options
    return hdr[:10] + struct.pack("!H", inet_checksum(hdr)) + hdr[12:]


def tcp4(saddr, daddr, sport, dport, seq, ack, flags, payload=b"", ip_id=0,
         ttl=64, window=64240, options=b"", smac=MAC_C, dmac=MAC_S):
    """A whole Ethernet/IPv4/TCP frame."""
    tcp = tcp_header(saddr, daddr, sport, dport, seq, ack, flags, payload,
                     window, options)
    ip = ipv4_header(saddr, daddr, 6, len(tcp) + len(payload), ip_id, ttl)
    return eth(dmac, smac, 0x0800) + ip + tcp + payload


class Host:
    def __init__(self, addr, port, isn, ip_id=0x1000, ttl=64, mac=MAC_C):
        self.addr = ip4(addr) if "." in addr else ip6(addr)
        self.port = port
        self.seq = isn & 0xFFFFFFFF     # next sequence number to send
        self.ip_id = ip_id
        self.ttl = ttl
        self.mac = mac


class Conn:
    """One TCP connection written into a Pcap; every segment from one side
    ACKs everything the other side sent so far."""

    def __init__(self, pcap, client, server, t0_us, step_us=100):
        self.p = pcap
        self.c, self.s = client, server
        self.t = t0_us
        self.step = step_us

    def peer(self, h):
        return self.s if h is self.c else self.c

    def frame(self, src, flags, payload=b"", seq=None, options=b""):
        """The bytes of one segment from src (nothing recorded)."""
        dst = self.peer(src)
        seq = src.seq if seq is None else seq
        ack = dst.seq if flags & ACK else 0
        src.ip_id += 1
        if len(src.addr) == 4:
            return tcp4(src.addr, dst.addr, src.port, dst.port, seq, ack, flags,
                        payload, src.ip_id, src.ttl, options=options,
                        smac=src.mac, dmac=dst.mac)
        tcp = tcp_header(src.addr, dst.addr, src.port, dst.port, seq, ack,
                         flags, payload, options=options)
        ip6h = struct.pack("!IHBB16s16s", 0x60000000, len(tcp) + len(payload),
                           6, src.ttl, src.addr, dst.addr)
        return eth(dst.mac, src.mac, 0x86DD) + ip6h + tcp + payload

    def emit(self, data, caplen=None, wirelen=None):
        self.p.add(self.t, data, caplen, wirelen)
        self.t += self.step

    def segment(self, src, flags, payload=b"", seq=None, options=b""):
        self.emit(self.frame(src, flags, payload, seq, options))

    def open(self):
        self.segment(self.c, SYN, options=MSS)
        self.c.seq = (self.c.seq + 1) & 0xFFFFFFFF
        self.segment(self.s, SYN | ACK, options=MSS)
        self.s.seq = (self.s.seq + 1) & 0xFFFFFFFF
        self.segment(self.c, ACK)

    def send(self, src, data, mss=1448, acked=True):
        """data in order, in segments of at most mss bytes, then an ACK."""
        for i in range(0, len(data), mss):
            chunk = data[i:i + mss]
            self.segment(src, PSH | ACK, chunk)
            src.seq = (src.seq + len(chunk)) & 0xFFFFFFFF
        if acked:
            self.segment(self.peer(src), ACK)

    def fin(self, src, acked=True):
        self.segment(src, FIN | ACK)
        src.seq = (src.seq + 1) & 0xFFFFFFFF
        if acked:
            self.segment(self.peer(src), ACK)

    def close(self):
        self.fin(self.c)
        self.fin(self.s)


# ---------------------------------------------------------------------- SSH

KEXINIT_KEYS = ("kex", "hostkey", "enc_cs", "enc_sc", "mac_cs", "mac_sc",
                "comp_cs", "comp_sc", "lang_cs", "lang_sc")

LISTS = {
    "kex": "curve25519-sha256", "hostkey": "ssh-ed25519",
    "enc_cs": "aes128-ctr", "enc_sc": "aes128-ctr",
    "mac_cs": "hmac-sha2-256", "mac_sc": "hmac-sha2-256",
    "comp_cs": "none", "comp_sc": "none",
}

CLIENT_BANNER = b"SSH-2.0-OpenSSH_9.6"
SERVER_BANNER = b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3"


def kexinit_payload(cookie, lists, raw_lists=None):
    """RFC 4253 7.1; raw_lists (bytes per key) override lists."""
    body = bytes([20]) + cookie
    for k in KEXINIT_KEYS:
        if raw_lists is not None and k in raw_lists:
            body += ssh_string(raw_lists[k])
        else:
            body += ssh_string(lists.get(k, "").encode("ascii"))
    return body + b"\0" + struct.pack("!I", 0)


def kexinit(cookie, lists=LISTS, raw_lists=None):
    return ssh_packet(kexinit_payload(cookie, lists, raw_lists))


def ecdh_init():
    """SSH_MSG_KEX_ECDH_INIT (RFC 5656 4), a 32-byte public key."""
    return ssh_packet(bytes([30]) + ssh_string(bytes(range(32))))


def ecdh_reply():
    """SSH_MSG_KEX_ECDH_REPLY: host key, server public key, signature."""
    return ssh_packet(bytes([31]) + ssh_string(b"\x11" * 51) + ssh_string(b"\x22" * 32) +
                      ssh_string(b"\x33" * 83))


NEWKEYS = ssh_packet(bytes([21]))
ENCRYPTED = bytes((i * 37 + 11) & 0xFF for i in range(64))


def full_handshake(conn, cbanner=CLIENT_BANNER, sbanner=SERVER_BANNER,
                   clists=LISTS, slists=LISTS, close=True):
    """Both banners, both KEXINITs, ECDH, NEWKEYS both ways, a little
    encrypted data, then FINs: kexray's verdict is OK."""
    conn.open()
    conn.send(conn.s, sbanner + b"\r\n")
    conn.send(conn.c, cbanner + b"\r\n")
    conn.send(conn.c, kexinit(b"\xc1" * 16, clists))
    conn.send(conn.s, kexinit(b"\x5e" * 16, slists))
    conn.send(conn.c, ecdh_init())
    conn.send(conn.s, ecdh_reply() + NEWKEYS)
    conn.send(conn.c, NEWKEYS)
    conn.send(conn.c, ENCRYPTED)
    conn.send(conn.s, ENCRYPTED)
    if close:
        conn.close()


def new_conn(pcap, n, t0=T0, step=100, cisn=0x10000000, sisn=0x20000000,
             cport=None, sport=22):
    """Connection n between 192.0.2.1 and 198.51.100.1 (client port 40000+n)."""
    c = Host("192.0.2.1", cport if cport is not None else 40000 + n,
             cisn + n * 0x01000000, 0x1000 + n * 0x100, 64, MAC_C)
    s = Host("198.51.100.1", sport, sisn + n * 0x01000000,
             0x8000 + n * 0x100, 64, MAC_S)
    return Conn(pcap, c, s, t0 + n * 10 * 1000000, step)


# --------------------------------------------------- file-format damage

def good_capture():
    p = Pcap()
    full_handshake(new_conn(p, 0))
    return p


def truncated_mid_data():
    """The file ends inside a record's packet bytes (a copy cut short)."""
    data = good_capture().bytes()
    return data[:len(data) * 2 // 3]


def truncated_mid_header():
    """The file ends inside a record header (8 of its 16 bytes)."""
    p = good_capture()
    keep = 1 + len(p.parts) // 2          # the pcap header and some records
    return b"".join(p.parts[:keep]) + p.parts[keep][:8]


def caplen_over_snaplen():
    """File snaplen 96; records claim (and hold) caplen 1514 bytes > snaplen.
    libpcap reads snaplen bytes of each and skips the rest."""
    src = good_capture()
    p = Pcap(snaplen=96)
    p.parts.extend(src.parts[1:])
    return p.bytes()


def caplen_zero():
    """A complete handshake with records of caplen 0 (len 60) between its
    frames: empty frames are malformed and skipped, the capture goes on."""
    src = good_capture()
    p = Pcap()
    for i, rec in enumerate(src.parts[1:]):
        p.raw(rec)
        if i % 4 == 0:
            p.add(T0 + i, b"", caplen=0, wirelen=60)
    return p.bytes()


def wirelen_4gib():
    """A frame whose record claims a wire length of 2^32-1 bytes (4 GiB)
    while holding a normal frame: taken as a frame cut by the snaplen."""
    src = good_capture()
    p = Pcap()
    for i, rec in enumerate(src.parts[1:]):
        if i == 4:   # the server banner segment
            ts_s, ts_us, caplen, _ = struct.unpack("<IIII", rec[:16])
            rec = struct.pack("<IIII", ts_s, ts_us, caplen, 0xFFFFFFFF) + rec[16:]
        p.raw(rec)
    return p.bytes()


def caplen_4gib():
    """A record header claiming caplen 2^32-1: libpcap refuses the record;
    the frames before it are still reported."""
    src = good_capture()
    p = Pcap()
    p.parts.extend(src.parts[1:6])
    p.raw(struct.pack("<IIII", T0 // 1000000 + 1, 0, 0xFFFFFFFF, 0xFFFFFFFF))
    p.raw(b"\0" * 64)
    return p.bytes()


def unknown_linktype():
    """Link type 147 (DLT_USER0): nothing kexray can decode."""
    src = good_capture()
    p = Pcap(linktype=147)
    p.parts.extend(src.parts[1:])
    return p.bytes()


# ------------------------------------------------------------ header damage

def sweep_bases():
    """Frames with every header kexray decodes, each carrying a banner
    segment of its own connection (client port 41000+i)."""
    c4, s4 = ip4("192.0.2.7"), ip4("198.51.100.7")
    payload = b"SSH-2.0-sweep\r\n"
    tcpopts = MSS + b"\x01\x01\x04\x02" + b"\x01\x03\x03\x07"   # MSS NOP NOP SACKOK NOP WS

    def tcp_ip4(port, inner_src=c4, inner_dst=s4, ipopts=b""):
        t = tcp_header(inner_src, inner_dst, port, 22, 0x01020304, 0x0A0B0C0D,
                       PSH | ACK, payload, options=tcpopts)
        ih = ipv4_header(inner_src, inner_dst, 6, len(t) + len(payload), 7, 64,
                         ihl=5 + len(ipopts) // 4, options=ipopts)
        return ih + t + payload

    bases = []
    # Ethernet, 802.1Q, IPv4 with options (NOP NOP NOP EOL), TCP with options
    vlan = struct.pack("!HH", 100, 0x0800)
    bases.append(eth(MAC_S, MAC_C, 0x8100) + vlan +
                 tcp_ip4(41000, ipopts=b"\x01\x01\x01\x00"))
    # Ethernet, QinQ (802.1ad + 802.1Q), IPv4
    bases.append(eth(MAC_S, MAC_C, 0x88A8) + struct.pack("!HH", 10, 0x8100) +
                 struct.pack("!HH", 20, 0x0800) + tcp_ip4(41001))
    # Ethernet, IPv6, hop-by-hop and destination options, TCP
    a6, b6 = ip6("2001:db8::7"), ip6("2001:db8::8")
    t6 = tcp_header(a6, b6, 41002, 22, 0x01020304, 0x0A0B0C0D, PSH | ACK,
                    payload, options=tcpopts)
    hbh = struct.pack("!BB", 60, 0) + b"\x01\x04\0\0\0\0"   # PadN
    dst = struct.pack("!BB", 6, 0) + b"\x01\x04\0\0\0\0"
    body6 = hbh + dst + t6 + payload
    bases.append(eth(MAC_S, MAC_C, 0x86DD) +
                 struct.pack("!IHBB16s16s", 0x60000000, len(body6), 0, 64, a6, b6) +
                 body6)
    # Ethernet, IPv4, GRE (RFC 2784, with checksum present bit), IPv4, TCP
    inner = tcp_ip4(41003)
    gre = struct.pack("!HH", 0x8000, 0x0800) + struct.pack("!HH", 0, 0) + inner
    outer = ipv4_header(ip4("203.0.113.1"), ip4("203.0.113.2"), 47, len(gre), 9)
    bases.append(eth(MAC_S, MAC_C, 0x0800) + outer + gre)
    # Ethernet, IPv4, UDP 4789, VXLAN (RFC 7348), Ethernet, IPv4, TCP
    inner = eth(MAC_S, MAC_C, 0x0800) + tcp_ip4(41004)
    vx = struct.pack("!II", 0x08000000, 4242 << 8) + inner
    udp = struct.pack("!HHHH", 54321, 4789, 8 + len(vx), 0) + vx
    outer = ipv4_header(ip4("203.0.113.1"), ip4("203.0.113.2"), 17, len(udp), 10)
    bases.append(eth(MAC_S, MAC_C, 0x0800) + outer + udp)
    # Ethernet, MPLS (two labels, RFC 3032), IPv4, TCP
    mpls = struct.pack("!II", (16 << 12) | 64, (17 << 12) | 0x100 | 64)
    bases.append(eth(MAC_S, MAC_C, 0x8847) + mpls + tcp_ip4(41005))
    # Ethernet, PPPoE session (RFC 2516), PPP IPv4, TCP
    inner = tcp_ip4(41006)
    ppp = struct.pack("!H", 0x0021) + inner
    pppoe = struct.pack("!BBHH", 0x11, 0, 0x1234, len(ppp)) + ppp
    bases.append(eth(MAC_S, MAC_C, 0x8864) + pppoe)
    return bases


def header_sweep():
    """Every base frame cut at every byte, twice: as a frame the snaplen cut
    (caplen = k, wire length whole) and as a frame that is just short
    (caplen = wire length = k); then each base frame whole."""
    p = Pcap()
    t = T0
    for base in sweep_bases():
        for k in range(len(base)):
            p.add(t, base[:k], caplen=k, wirelen=len(base))
            t += 10
            p.add(t, base[:k])
            t += 10
        p.add(t, base)
        t += 10
    return p.bytes()


def ipv4_bogus():
    """A complete handshake; after each of its client frames, a copy with a
    bogus IHL or total length (IHL 0, 4, 15; total length 0, 19, shorter
    than IHL, longer than the frame, 65535)."""
    src = Pcap()
    conn = new_conn(src, 0)
    full_handshake(conn)
    p = Pcap()
    bogus = 0
    for rec in src.parts[1:]:
        p.raw(rec)
        frame = rec[16:]
        ts_s, ts_us = struct.unpack("<II", rec[:8])
        if frame[26:30] != ip4("192.0.2.1"):
            continue
        ip = bytearray(frame[14:])
        variant = bogus % 8
        bogus += 1
        if variant < 3:
            ip[0] = 0x40 | (0, 4, 15)[variant]
        else:
            total = (0, 19, 18, len(ip) + 40, 65535)[variant - 3]
            struct.pack_into("!H", ip, 2, total)
            if variant == 5:
                ip[0] = 0x46         # IHL 24 bytes, total length 18
        struct.pack_into("!H", ip, 10, 0)
        struct.pack_into("!H", ip, 10, inet_checksum(bytes(ip[:(ip[0] & 15) * 4 or 20])))
        p.add(ts_s * 1000000 + ts_us + 1, frame[:14] + bytes(ip))
    return p.bytes()


def ipv6_ext_chain():
    """An IPv6 handshake whose every frame carries 100 destination-options
    headers before TCP (kexray follows at most 16), then the same handshake
    without them on another port: only that one is a connection."""
    out = Pcap()

    def run(port, chained):
        tmp = Pcap()
        c = Host("2001:db8::1", port, 0x31000000, mac=MAC_C)
        s = Host("2001:db8::2", 22, 0x41000000, mac=MAC_S)
        conn = Conn(tmp, c, s, T0 + (port - 40000) * 1000000)
        full_handshake(conn)
        for rec in tmp.parts[1:]:
            frame = rec[16:]
            ts_s, ts_us = struct.unpack("<II", rec[:8])
            if chained:
                ip6h, rest = frame[14:54], frame[54:]
                chain = b""
                for i in range(100):
                    nxt = 60 if i < 99 else 6
                    chain += struct.pack("!BB", nxt, 0) + b"\x01\x04\0\0\0\0"
                hdr = bytearray(ip6h)
                struct.pack_into("!H", hdr, 4, len(chain) + len(rest))
                hdr[6] = 60
                frame = frame[:14] + bytes(hdr) + chain + rest
            out.add(ts_s * 1000000 + ts_us, frame)

    run(40001, True)
    run(40002, False)
    return out.bytes()


def tcp_bogus_offset():
    """A complete handshake; after each client frame, a copy of it whose TCP
    data offset is 0..4 words (below the header) or 15 (past the segment)."""
    src = Pcap()
    full_handshake(new_conn(src, 0))
    p = Pcap()
    n = 0
    for rec in src.parts[1:]:
        p.raw(rec)
        frame = rec[16:]
        if frame[26:30] != ip4("192.0.2.1"):
            continue
        ts_s, ts_us = struct.unpack("<II", rec[:8])
        f = bytearray(frame)
        doff = (0, 1, 2, 3, 4, 15)[n % 6]
        n += 1
        f[14 + 20 + 12] = doff << 4
        if doff == 15 and len(f) >= 14 + 20 + 60:
            f = f[:14 + 20 + 40]          # keep it shorter than 60 bytes
            struct.pack_into("!H", f, 16, len(f) - 14)
        p.add(ts_s * 1000000 + ts_us + 1, bytes(f))
    return p.bytes()


# --------------------------------------------------------- TCP reassembly

def overlap_conflict():
    """Overlapping segments with conflicting bytes, in the banner (an
    in-order retransmission that says 'Evil') and in the KEXINIT (two queued
    copies of the same out-of-order segment, aes128-ctr then aes256-ctr).
    The first copy wins both times."""
    p = Pcap()
    conn = new_conn(p, 0)
    c, s = conn.c, conn.s
    conn.open()
    conn.send(s, SERVER_BANNER + b"\r\n")
    good = b"SSH-2.0-Good_1.0\r\n"
    evil = b"SSH-2.0-Evil_6.6\r\n"
    base = c.seq
    conn.segment(c, PSH | ACK, good[:10], seq=base)
    conn.segment(c, PSH | ACK, good[10:], seq=base + 10)
    conn.segment(c, PSH | ACK, evil, seq=base)          # conflicting resend
    c.seq = (base + len(good)) & 0xFFFFFFFF
    conn.segment(s, ACK)
    kx = kexinit(b"\xc1" * 16, LISTS)
    forged = kx.replace(b"aes128-ctr", b"aes256-ctr")
    assert len(forged) == len(kx) and forged != kx
    cut = kx.index(b"aes128-ctr") - 5
    base = c.seq
    conn.segment(c, PSH | ACK, kx[cut:], seq=base + cut)       # early
    conn.segment(c, PSH | ACK, forged[cut:], seq=base + cut)   # early, other bytes
    conn.segment(c, PSH | ACK, kx[:cut], seq=base)
    c.seq = (base + len(kx)) & 0xFFFFFFFF
    conn.segment(s, ACK)
    conn.send(s, kexinit(b"\x5e" * 16, LISTS))
    conn.send(c, ecdh_init())
    conn.send(s, ecdh_reply() + NEWKEYS)
    conn.send(c, NEWKEYS)
    conn.close()
    return p.bytes()


def beyond_window():
    """Mid-handshake, client segments 2^30 and 2^31-1 bytes past the next
    expected byte (far beyond any window); the handshake completes."""
    p = Pcap()
    conn = new_conn(p, 0)
    c, s = conn.c, conn.s
    conn.open()
    conn.send(s, SERVER_BANNER + b"\r\n")
    conn.send(c, CLIENT_BANNER + b"\r\n")
    conn.segment(c, PSH | ACK, b"far away" * 8, seq=c.seq + (1 << 30))
    conn.segment(c, PSH | ACK, b"farther " * 8, seq=c.seq + (1 << 31) - 1)
    conn.send(c, kexinit(b"\xc1" * 16))
    conn.send(s, kexinit(b"\x5e" * 16))
    conn.send(c, ecdh_init())
    conn.send(s, ecdh_reply() + NEWKEYS)
    conn.send(c, NEWKEYS)
    conn.close()
    return p.bytes()


def seq_wraparound():
    """Both ISNs just below 2^32: the client's sequence numbers wrap inside
    its banner, the server's inside its KEXINIT; segments of 7 bytes, the
    client's KEXINIT with two of them swapped across the wrap."""
    p = Pcap()
    conn = new_conn(p, 0)
    conn.c.seq = 0xFFFFFFF0
    conn.s.seq = 0xFFFFFFF0 - 60
    c, s = conn.c, conn.s
    conn.open()
    conn.send(s, SERVER_BANNER + b"\r\n", mss=7)
    conn.send(c, CLIENT_BANNER + b"\r\n", mss=7)
    kx = kexinit(b"\xc1" * 16)
    base = c.seq
    pieces = [(i, kx[i:i + 7]) for i in range(0, len(kx), 7)]
    pieces[1], pieces[2] = pieces[2], pieces[1]
    for off, chunk in pieces:
        conn.segment(c, PSH | ACK, chunk, seq=base + off)
    c.seq = (base + len(kx)) & 0xFFFFFFFF
    conn.segment(s, ACK)
    conn.send(s, kexinit(b"\x5e" * 16), mss=7)
    conn.send(c, ecdh_init())
    conn.send(s, ecdh_reply() + NEWKEYS)
    conn.send(c, NEWKEYS)
    conn.close()
    return p.bytes()


def ooo_flood():
    """After its banner, the client sends 2,000 out-of-order 16-byte
    segments, each leaving a 16-byte hole before it, and never fills the
    holes; the server closes."""
    p = Pcap()
    conn = new_conn(p, 0)
    c, s = conn.c, conn.s
    conn.open()
    conn.send(s, SERVER_BANNER + b"\r\n")
    conn.send(c, CLIENT_BANNER + b"\r\n")
    base = c.seq
    for i in range(2000):
        conn.segment(c, PSH | ACK, bytes([i & 0xFF]) * 16, seq=base + 16 + 32 * i)
    conn.fin(s, acked=False)
    conn.segment(c, RST)
    return p.bytes()


# ---------------------------------------------------- identification line

def banner_1mib():
    """A client 'banner' of 1 MiB without CR LF; the server answers with its
    banner and KEXINIT and closes."""
    p = Pcap()
    conn = new_conn(p, 0)
    conn.open()
    conn.send(conn.s, SERVER_BANNER + b"\r\n")
    conn.send(conn.s, kexinit(b"\x5e" * 16))
    conn.send(conn.c, b"SSH-2.0-" + b"A" * (1024 * 1024))
    conn.close()
    return p.bytes()


def prebanner_10000():
    """A server that sends 10,000 lines before its identification string
    (RFC 4253 4.2 allows some; OpenSSH's client gives up after 1024)."""
    p = Pcap()
    conn = new_conn(p, 0)
    conn.open()
    lines = b"".join(b"%d\r\n" % (i % 10) for i in range(10000))
    conn.send(conn.s, lines + SERVER_BANNER + b"\r\n")
    conn.send(conn.c, CLIENT_BANNER + b"\r\n")
    conn.send(conn.c, kexinit(b"\xc1" * 16))
    conn.close()
    return p.bytes()


HOSTILE_CLIENT = (b"SSH-2.0-Nul\x00Esc\x1b[2J\x1b]0;pwned\x07Bad\xff\xfe"
                  b"Overlong\xc0\xafSurrogate\xed\xa0\x80Lone\x80End")
HOSTILE_SERVER = b"SSH-2.0-Srv\x1b[31mRed\x1b[0m\x7fDel\x00"


def banner_control():
    """NUL, ESC (CSI and OSC sequences), DEL and invalid UTF-8 (0xff, an
    overlong '/', a UTF-16 surrogate, a lone continuation byte) in both
    identification strings; the handshake then completes."""
    p = Pcap()
    full_handshake(new_conn(p, 0), cbanner=HOSTILE_CLIENT, sbanner=HOSTILE_SERVER)
    return p.bytes()


# ------------------------------------------------------- binary packets

BAD_LENGTHS = (0, 4, 35001, 0xFFFFFFFF)


def packet_length():
    """Four connections; in each the client's first binary packet has a
    packet_length of 0, 4, 35001 or 2^32-1 (RFC 4253 6.1); the server sends
    its KEXINIT and closes."""
    p = Pcap()
    for i, plen in enumerate(BAD_LENGTHS):
        conn = new_conn(p, i)
        conn.open()
        conn.send(conn.s, SERVER_BANNER + b"\r\n")
        conn.send(conn.c, CLIENT_BANNER + b"\r\n")
        conn.send(conn.s, kexinit(b"\x5e" * 16))
        conn.send(conn.c, struct.pack("!IB", plen, 4) + b"\x14" + b"\0" * 58)
        conn.close()
    return p.bytes()


def padding_overrun():
    """A client KEXINIT packet whose padding_length (255) is larger than
    the whole packet (packet_length 1 + KEXINIT + 7)."""
    p = Pcap()
    conn = new_conn(p, 0)
    conn.open()
    conn.send(conn.s, SERVER_BANNER + b"\r\n")
    conn.send(conn.c, CLIENT_BANNER + b"\r\n")
    conn.send(conn.s, kexinit(b"\x5e" * 16))
    body = kexinit_payload(b"\xc1" * 16, LISTS)
    pkt = struct.pack("!IB", 1 + len(body) + 7, 255) + body + b"\0" * 7
    conn.send(conn.c, pkt)
    conn.close()
    return p.bytes()


def kexinit_overrun():
    """Three connections whose client KEXINIT has a name-list length that
    overruns the packet: 2^32-16, one byte past the end, and a list length
    field itself cut by the end of the packet."""
    p = Pcap()
    for i in range(3):
        conn = new_conn(p, i)
        conn.open()
        conn.send(conn.s, SERVER_BANNER + b"\r\n")
        conn.send(conn.c, CLIENT_BANNER + b"\r\n")
        conn.send(conn.s, kexinit(b"\x5e" * 16))
        body = bytearray(kexinit_payload(b"\xc1" * 16, LISTS))
        if i == 0:
            struct.pack_into("!I", body, 17, 0xFFFFFFF0)
        elif i == 1:
            struct.pack_into("!I", body, 17, len(body) - 17 - 4 + 1)
        else:
            body = bytes([20]) + b"\xc1" * 16 + ssh_string(b"curve25519-sha256") + b"\0\0"
        conn.send(conn.c, ssh_packet(bytes(body)))
        conn.close()
    return p.bytes()


def kexinit_names(count):
    return ",".join("x%d@example.com" % i for i in range(count))


def kexinit_many_names():
    """A client KEXINIT whose kex list has 3,000 unknown names before the
    one the server has, within RFC 4253's 35000-byte packet: negotiation
    must walk them all and agree on the last."""
    p = Pcap()
    cl = dict(LISTS)
    cl["kex"] = kexinit_names(1500) + ",curve25519-sha256"
    cl["mac_cs"] = ",".join("m%d" % i for i in range(1500)) + ",hmac-sha2-256"
    full_handshake(new_conn(p, 0), clists=cl)
    return p.bytes()


def kexinit_100000_names():
    """A client KEXINIT of 100,000 names (about 1.4 MB, past RFC 4253's
    35000-byte packet and kexray's per-direction buffer)."""
    p = Pcap()
    conn = new_conn(p, 0)
    conn.open()
    conn.send(conn.s, SERVER_BANNER + b"\r\n")
    conn.send(conn.c, CLIENT_BANNER + b"\r\n")
    conn.send(conn.s, kexinit(b"\x5e" * 16))
    cl = dict(LISTS)
    cl["kex"] = kexinit_names(100000)
    conn.send(conn.c, kexinit(b"\xc1" * 16, cl))
    conn.close()
    return p.bytes()


def kexinit_empty_names():
    """Name-lists with empty names: consecutive commas, a leading and a
    trailing comma, and a list that is a lone comma."""
    p = Pcap()
    raw = {
        "kex": b"curve25519-sha256,,ext-info-c,",
        "enc_cs": b",aes128-ctr",
        "enc_sc": b"aes128-ctr,,,aes256-ctr",
        "lang_cs": b",",
    }
    conn = new_conn(p, 0)
    conn.open()
    conn.send(conn.s, SERVER_BANNER + b"\r\n")
    conn.send(conn.c, CLIENT_BANNER + b"\r\n")
    conn.send(conn.c, ssh_packet(kexinit_payload(b"\xc1" * 16, LISTS, raw)))
    conn.send(conn.s, kexinit(b"\x5e" * 16))
    conn.send(conn.c, ecdh_init())
    conn.send(conn.s, ecdh_reply() + NEWKEYS)
    conn.send(conn.c, NEWKEYS)
    conn.close()
    return p.bytes()


def kexinit_one_byte():
    """The client's banner and KEXINIT one byte per segment (no ACKs in
    between); the handshake then completes."""
    p = Pcap()
    conn = new_conn(p, 0, step=10)
    c, s = conn.c, conn.s
    conn.open()
    conn.send(s, SERVER_BANNER + b"\r\n")
    conn.send(c, CLIENT_BANNER + b"\r\n" + kexinit(b"\xc1" * 16), mss=1)
    conn.send(s, kexinit(b"\x5e" * 16))
    conn.send(c, ecdh_init())
    conn.send(s, ecdh_reply() + NEWKEYS)
    conn.send(c, NEWKEYS)
    conn.close()
    return p.bytes()


# ----------------------------------------------------------------- floods

class FastWriter:
    """Streams records to a file in large writes (the floods are tens of
    megabytes; building them as one bytes object would double that)."""

    def __init__(self, path):
        self.f = open(path, "wb")
        self.buf = [pcap_header(snaplen=SNAPLEN)]
        self.n = 0

    def add(self, ts_us, frame):
        self.buf.append(struct.pack("<IIII", ts_us // 1000000, ts_us % 1000000,
                                    len(frame), len(frame)))
        self.buf.append(frame)
        self.n += 1
        if self.n % 65536 == 0:
            self.f.write(b"".join(self.buf))
            self.buf = []

    def close(self):
        self.f.write(b"".join(self.buf))
        self.f.close()


def rand_addr(rng):
    """A random unicast address in 10.0.0.0/8 (RFC 1918)."""
    return bytes((10, rng.randrange(256), rng.randrange(256), rng.randrange(1, 255)))


SYN_FLOOD_COUNT = 1000000
HALF_OPEN_COUNT = 100000
RST_STORM_COUNT = 100000
SERVER_ADDR = ip4("198.51.100.1")


def syn_flood(path):
    """1,000,000 SYNs to port 22 from random sources and ports (a flow
    table flood), 5 microseconds apart."""
    rng = random.Random(0x5F100D)
    w = FastWriter(path)
    for i in range(SYN_FLOOD_COUNT):
        src = rand_addr(rng)
        w.add(T0 + 5 * i, tcp4(src, SERVER_ADDR, rng.randrange(1024, 65536), 22,
                               rng.randrange(1 << 32), 0, SYN, b"", i, 64,
                               options=MSS))
    w.close()


def half_open(path):
    """100,000 concurrent SSH handshakes that never finish: every one
    gets its SYN, then every one its SYN-ACK, its ACK, the server banner,
    the client banner and the client KEXINIT, phase after phase, so all of
    them are open at once. None closes."""
    ck = kexinit(b"\xc1" * 16)
    sb = SERVER_BANNER + b"\r\n"
    cb = CLIENT_BANNER + b"\r\n"
    w = FastWriter(path)
    t = T0
    conns = []
    for i in range(HALF_OPEN_COUNT):
        src = bytes((10, 1 + (i >> 16), (i >> 8) & 0xFF, i & 0xFF))
        conns.append((src, 20000 + i % 40000, (i * 2654435761) & 0xFFFFFFFF,
                      (i * 40503 + 7) & 0xFFFFFFFF))
    phases = (
        lambda a, p, ci, si: tcp4(a, SERVER_ADDR, p, 22, ci, 0, SYN, b"", 1, options=MSS),
        lambda a, p, ci, si: tcp4(SERVER_ADDR, a, 22, p, si, ci + 1, SYN | ACK, b"", 1,
                                  options=MSS, smac=MAC_S, dmac=MAC_C),
        lambda a, p, ci, si: tcp4(a, SERVER_ADDR, p, 22, ci + 1, si + 1, ACK, b"", 2),
        lambda a, p, ci, si: tcp4(SERVER_ADDR, a, 22, p, si + 1, ci + 1, PSH | ACK, sb, 2,
                                  smac=MAC_S, dmac=MAC_C),
        lambda a, p, ci, si: tcp4(a, SERVER_ADDR, p, 22, ci + 1, si + 1 + len(sb),
                                  PSH | ACK, cb, 3),
        lambda a, p, ci, si: tcp4(a, SERVER_ADDR, p, 22, ci + 1 + len(cb),
                                  si + 1 + len(sb), PSH | ACK, ck, 4),
    )
    for phase in phases:
        for a, p, ci, si in conns:
            w.add(t, phase(a, p, ci, si))
            t += 5
    w.close()


PENDING_COUNT = 2000
PENDING_CHUNKS = 20


def pending_flood(path):
    """2,000 handshakes whose clients, after their banner, each send the
    first 20 KiB of a 34,000-byte binary packet in 1 KiB segments, round
    robin, so every connection's buffer grows (2, 4, 8, 16, 32 KiB) at the
    same time and waits for bytes that never come."""
    sb = SERVER_BANNER + b"\r\n"
    cb = CLIENT_BANNER + b"\r\n"
    head = struct.pack("!IB", 34000, 6) + bytes([20])
    body = head + bytes((i * 7) & 0xFF for i in range(1024 * PENDING_CHUNKS - len(head)))
    w = FastWriter(path)
    t = T0
    conns = []
    for i in range(PENDING_COUNT):
        a = bytes((10, 2, i >> 8, i & 0xFF))
        conns.append((a, 30000 + i, (i * 2654435761) & 0xFFFFFFFF,
                      (i * 40503 + 7) & 0xFFFFFFFF))
    for a, p, ci, si in conns:
        for f in (tcp4(a, SERVER_ADDR, p, 22, ci, 0, SYN, b"", 1, options=MSS),
                  tcp4(SERVER_ADDR, a, 22, p, si, ci + 1, SYN | ACK, b"", 1,
                       options=MSS, smac=MAC_S, dmac=MAC_C),
                  tcp4(a, SERVER_ADDR, p, 22, ci + 1, si + 1, ACK, b"", 2),
                  tcp4(SERVER_ADDR, a, 22, p, si + 1, ci + 1, PSH | ACK, sb, 2,
                       smac=MAC_S, dmac=MAC_C),
                  tcp4(a, SERVER_ADDR, p, 22, ci + 1, si + 1 + len(sb),
                       PSH | ACK, cb, 3)):
            w.add(t, f)
            t += 5
    for k in range(PENDING_CHUNKS):
        chunk = body[1024 * k:1024 * (k + 1)]
        for a, p, ci, si in conns:
            w.add(t, tcp4(a, SERVER_ADDR, p, 22, ci + 1 + len(cb) + 1024 * k,
                          si + 1 + len(sb), PSH | ACK, chunk, 4 + k))
            t += 5
    w.close()


def rst_storm(path):
    """100,000 RSTs (random sources, ports and sequence numbers, to port 22
    and back from it) around one complete handshake, and 1,000 more on the
    handshake's own 4-tuple after it closed."""
    rng = random.Random(0x7257)
    w = FastWriter(path)
    tmp = Pcap()
    conn = new_conn(tmp, 0, t0=T0 + 250000, step=1000)
    full_handshake(conn)
    real = [(struct.unpack("<II", r[:8]), r[16:]) for r in tmp.parts[1:]]
    t = T0
    half = RST_STORM_COUNT // 2
    for i in range(RST_STORM_COUNT):
        a, port = rand_addr(rng), rng.randrange(1024, 65536)
        if i % 2:
            f = tcp4(a, SERVER_ADDR, port, 22, rng.randrange(1 << 32), 0, RST, b"", i)
        else:
            f = tcp4(SERVER_ADDR, a, 22, port, rng.randrange(1 << 32),
                     rng.randrange(1 << 32), RST | ACK, b"", i)
        w.add(t, f)
        t += 5
        if i == half:
            for (ts_s, ts_us), frame in real:
                w.add(t, frame)
                t += 5
    c, s = conn.c, conn.s
    for i in range(1000):
        src, dst = (c, s) if i % 2 else (s, c)
        w.add(t, tcp4(src.addr, dst.addr, src.port, dst.port,
                      src.seq + rng.randrange(-70000, 70000), 0, RST, b"", i))
        t += 5
    w.close()


# ---------------------------------------------------------------- registry

# name: (builder, small); small captures are committed, the rest are built
# at test time only. A builder returns the file's bytes, or (floods) takes
# the path and writes it itself.
CAPTURES = {
    "truncated_mid_data": (truncated_mid_data, True),
    "truncated_mid_header": (truncated_mid_header, True),
    "caplen_over_snaplen": (caplen_over_snaplen, True),
    "caplen_zero": (caplen_zero, True),
    "wirelen_4gib": (wirelen_4gib, True),
    "caplen_4gib": (caplen_4gib, True),
    "unknown_linktype": (unknown_linktype, True),
    "header_sweep": (header_sweep, True),
    "ipv4_bogus": (ipv4_bogus, True),
    "ipv6_ext_chain": (ipv6_ext_chain, True),
    "tcp_bogus_offset": (tcp_bogus_offset, True),
    "overlap_conflict": (overlap_conflict, True),
    "beyond_window": (beyond_window, True),
    "seq_wraparound": (seq_wraparound, True),
    "ooo_flood": (ooo_flood, True),
    "prebanner_10000": (prebanner_10000, True),
    "banner_control": (banner_control, True),
    "packet_length": (packet_length, True),
    "padding_overrun": (padding_overrun, True),
    "kexinit_overrun": (kexinit_overrun, True),
    "kexinit_many_names": (kexinit_many_names, True),
    "kexinit_empty_names": (kexinit_empty_names, True),
    "kexinit_one_byte": (kexinit_one_byte, True),
    "banner_1mib": (banner_1mib, False),
    "kexinit_100000_names": (kexinit_100000_names, False),
    "syn_flood": (syn_flood, False),
    "half_open": (half_open, False),
    "rst_storm": (rst_storm, False),
    "pending_flood": (pending_flood, False),
}


def build(name, out):
    fn, _ = CAPTURES[name]
    path = os.path.join(out, name + ".pcap")
    if fn in (syn_flood, half_open, rst_storm, pending_flood):
        fn(path)
    else:
        data = fn()
        with open(path, "wb") as f:
            f.write(data)
    return path


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)),
                    help="directory for the .pcap files (default: next to this script)")
    ap.add_argument("--all", action="store_true",
                    help="the big captures too (test time only, never committed)")
    ap.add_argument("--list", action="store_true",
                    help="list the names, 'small' or 'big' beside each")
    ap.add_argument("names", nargs="*", metavar="NAME")
    args = ap.parse_args()
    if args.list:
        for n, (_, small) in CAPTURES.items():
            print(n, "small" if small else "big")
        return 0
    names = args.names or [n for n, (_, small) in CAPTURES.items()
                           if small or args.all]
    for n in names:
        if n not in CAPTURES:
            print("gen.py: no capture named %r (see --list)" % n, file=sys.stderr)
            return 2
    os.makedirs(args.out, exist_ok=True)
    for n in names:
        build(n, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
