#!/usr/bin/env python3
"""craft_resets.py - build the reset-forensics captures (standard library only).

Usage: pcaps/craft_resets.py [--out DIR] [NAME...]   (no NAME: all of them)
       pcaps/craft_resets.py --list

Real programs cannot forge a RST on demand, so each forged-reset signal of
docs/output-format.md ("resets") gets one capture here, built so that the
RST differs from a genuine one in that one respect, plus one capture with a
clean genuine RST that must not be flagged.

Every capture is a classic pcap (microsecond timestamps, Ethernet) seen from
a sensor between the two hosts: client 192.0.2.10:50000 (TTL 60 at the
sensor, IPv4 IDs from 1000 up), server 198.51.100.22:22 (TTL 58, IDs from
30000 up). Every segment but a forged RST carries the TCP timestamps option
(RFC 7323) and the SYNs a window scale of 7. The connection opens, both
identification strings cross, and then the RST under test arrives, claiming
to come from the server unless the name says otherwise. Timestamps, ISNs and
IDs are fixed: running the script again gives identical bytes.
"""
import argparse
import os
import struct
import sys

from craftlib import ACK, FIN, PSH, RST, SYN, inet_checksum, pcap_header, pcap_record  # noqa: F401

SNAPLEN = 262144
T0 = 1700000000 * 1000000
STEP = 1000                      # 1 ms between frames

CLIENT_BANNER = b"SSH-2.0-OpenSSH_9.6\r\n"
SERVER_BANNER = b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"


class Host:
    def __init__(self, mac, addr, port, isn, ip_id, ttl, window):
        self.mac = bytes.fromhex(mac)
        self.addr = bytes(int(x) for x in addr.split("."))
        self.port = port
        self.seq = isn
        self.ip_id = ip_id
        self.ttl = ttl
        self.window = window      # raw, as scaled by 2^7
        self.tsval = 100000 + port


class Capture:
    def __init__(self):
        self.c = Host("020000000001", "192.0.2.10", 50000, 1000000, 1000, 60, 502)
        self.s = Host("020000000002", "198.51.100.22", 22, 7000000, 30000, 58, 1024)
        self.t = T0
        self.frames = []

    def peer(self, h):
        return self.s if h is self.c else self.c

    def seg(self, src, flags, payload=b"", seq=None, ack=None, ttl=None,
            ip_id=None, window=None, ts=True, syn_opts=False, advance=True,
            step=STEP):
        """One segment from src. Defaults are src's genuine values: its next
        seq, the peer's next seq as ACK, its TTL, next IP ID, own window."""
        dst = self.peer(src)
        seq = src.seq if seq is None else seq
        ack = dst.seq if ack is None else ack
        opts = b""
        if syn_opts:
            # MSS 1460, SACK permitted, timestamps, NOP, window scale 7
            opts = (struct.pack("!BBH", 2, 4, 1460) + b"\x04\x02" +
                    struct.pack("!BBII", 8, 10, src.tsval, 0) + b"\x01" +
                    struct.pack("!BBB", 3, 3, 7))
        elif ts:
            opts = b"\x01\x01" + struct.pack("!BBII", 8, 10, src.tsval,
                                             dst.tsval)
        while len(opts) % 4:
            opts += b"\0"
        src.tsval += 1
        win = (65535 if flags & SYN else src.window) if window is None else window
        tcp = struct.pack("!HHIIBBHHH", src.port, dst.port, seq & 0xFFFFFFFF,
                          ack & 0xFFFFFFFF if flags & ACK else 0,
                          (5 + len(opts) // 4) << 4, flags, win, 0, 0) + opts + payload
        pseudo = src.addr + dst.addr + struct.pack("!BBH", 0, 6, len(tcp))
        tcp = tcp[:16] + struct.pack("!H", inet_checksum(pseudo + tcp)) + tcp[18:]
        if ip_id is None:
            ip_id = src.ip_id
            src.ip_id = (src.ip_id + 1) & 0xFFFF
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), ip_id, 0x4000,
                         src.ttl if ttl is None else ttl, 6, 0, src.addr, dst.addr)
        ip = ip[:10] + struct.pack("!H", inet_checksum(ip)) + ip[12:]
        frame = dst.mac + src.mac + b"\x08\x00" + ip + tcp
        self.frames.append((self.t, frame))
        self.t += step
        if advance:
            src.seq += len(payload) + (1 if flags & (SYN | FIN) else 0)

    def opening(self):
        c, s = self.c, self.s
        self.seg(c, SYN, syn_opts=True)
        self.seg(s, SYN | ACK, syn_opts=True)
        self.seg(c, ACK)
        self.seg(s, PSH | ACK, SERVER_BANNER)
        self.seg(c, ACK)
        self.seg(c, PSH | ACK, CLIENT_BANNER)
        self.seg(s, ACK)

    def rst(self, src, **kw):
        """A RST that looks genuine unless kw says otherwise: RST|ACK, the
        sender's next seq, TTL, next ID, own window, timestamps."""
        kw.setdefault("advance", False)
        flags = kw.pop("flags", RST | ACK)
        payload = kw.pop("payload", b"")
        self.seg(src, flags, payload, **kw)

    def closing(self):
        c, s = self.c, self.s
        self.seg(c, FIN | ACK)
        self.seg(s, FIN | ACK)
        self.seg(c, ACK)

    def write(self, path):
        with open(path, "wb") as f:
            f.write(pcap_header(snaplen=SNAPLEN))
            for ts, fr in self.frames:
                f.write(pcap_record(ts, fr))


def genuine(k):
    """The server resets with everything its own segments had."""
    k.rst(k.s)


def hop_distance(k):
    """TTL 61: three hops nearer the sensor than the server (58)."""
    k.rst(k.s, ttl=61)


def ip_id_of_peer(k):
    """IPv4 ID copied from the client's last segment."""
    k.rst(k.s, ip_id=(k.c.ip_id - 1) & 0xFFFF)


def ip_id_zero(k):
    """IPv4 ID 0 though the server's IDs were rising and it never closed."""
    k.rst(k.s, ip_id=0)


def data_after_rst(k):
    """A RST in the server's name, then the server's own data at that very
    sequence number: the server never reset; the connection goes on and
    closes with FINs."""
    k.rst(k.s)
    k.seg(k.s, PSH | ACK, b"\0\0\0\x0c\x0a\x02" + b"\0" * 10)   # IGNORE
    k.seg(k.c, ACK)
    k.closing()


def burst(k):
    """Three RSTs from the 'server' within 2 ms, sequence numbers stepped by
    1460, nothing from the client between them."""
    for i in range(3):
        k.rst(k.s, seq=k.s.seq + 1460 * i)


def seq_out_of_window(k):
    """Sequence number 10,000,000 past what the client expects (its window
    is 502 << 7 = 64256 bytes)."""
    k.rst(k.s, seq=k.s.seq + 10000000)


def seq_not_next(k):
    """Sequence number inside the client's window but 100 past the next."""
    k.rst(k.s, seq=k.s.seq + 100)


def window_copied(k):
    """Window 502: the client's own, not the server's 1024."""
    k.rst(k.s, window=k.c.window)


def timestamps_missing(k):
    """No timestamps option, though every server segment had one."""
    k.rst(k.s, ts=False)


def payload(k):
    """A RST carrying 32 bytes of text."""
    k.rst(k.s, payload=b"connection reset by policy 4711\n")


def zero_window_id_no_ack(k):
    """A bare RST: window 0, IP ID 0, no ACK flag, from a server that never
    closed (the ID 0 also fires ip_id_zero)."""
    k.rst(k.s, flags=RST, window=0, ip_id=0)


def both_ends(k):
    """A RST to each end 0.2 ms apart: the 'server' resets the client, the
    'client' resets the server."""
    k.rst(k.s, step=200)
    k.rst(k.c)


CAPTURES = {
    "resets_genuine": genuine,
    "resets_hop_distance": hop_distance,
    "resets_ip_id_of_peer": ip_id_of_peer,
    "resets_ip_id_zero": ip_id_zero,
    "resets_data_after_rst": data_after_rst,
    "resets_burst": burst,
    "resets_seq_out_of_window": seq_out_of_window,
    "resets_seq_not_next": seq_not_next,
    "resets_window_copied": window_copied,
    "resets_timestamps_missing": timestamps_missing,
    "resets_payload": payload,
    "resets_zero_window_id_no_ack": zero_window_id_no_ack,
    "resets_both_ends": both_ends,
}


def build(name, out):
    k = Capture()
    k.opening()
    CAPTURES[name](k)
    path = os.path.join(out, name + ".pcap")
    k.write(path)
    return path


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--list", action="store_true")
    ap.add_argument("names", nargs="*")
    a = ap.parse_args()
    if a.list:
        for n, fn in CAPTURES.items():
            print("%-32s %s" % (n, fn.__doc__.split("\n")[0]))
        return 0
    for n in a.names:
        if n not in CAPTURES:
            sys.exit("craft_resets.py: unknown capture %s (see --list)" % n)
    for n in a.names or CAPTURES:
        print(build(n, a.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
