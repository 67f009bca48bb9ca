#!/usr/bin/env python3
"""Seed inputs for every fuzz target, cut from the recorded captures.

    fuzz/seed_corpus.py [--pcaps DIR] --out DIR

reads every pcaps/*.pcap and *.pcapng (classic pcap and pcapng read here,
Python 3 standard library only), follows each TCP connection, reassembles
both directions, splits them at the SSH identification line and the binary
packets (RFC 4253 4.2, 6) up to NEWKEYS, and writes, in the input format of
each target (see the comment at the top of fuzz/fuzz_<target>.c):

  banner/   each side's first bytes up to and including its identification line
  packet/   each side's cleartext packets after the banner, NEWKEYS included
  kexinit/  each side's KEXINIT payload (message byte 20 first)
  stream/   both directions as the chunks the capture delivered them in
  reasm/    each direction's segments with their sequence offsets, in
            capture order (reordering and wraparound included)
  decode/   each frame of the handshake, behind its link-type byte
  pcap/     each capture whole, and cut after the handshake
  sshlog/   each recorded OpenSSH debug log (pcaps/*.log), whole and in
            7-byte chunks

plus a few hand-written banners for what the captures do not show (SSH-1.x,
pre-banner lines, LF without CR). scripts/fuzz --minimize merges these with
what fuzzing found into fuzz/corpus/ (libFuzzer -merge=1), keeping only the
inputs that add coverage.
"""
import argparse
import os
import struct
import sys

# fuzz_decode.c's table: the first input byte indexes it.
DECODE_DLT_INDEX = {1: 0, 113: 1, 276: 2, 0: 3, 108: 4, 12: 5, 101: 6,
                    228: 7, 229: 8, 242: 9}

STREAM_CHUNK_MAX = 0x7FFF      # fuzz_stream.c: 15-bit chunk length
AFTER_NEWKEYS = 32             # encrypted bytes kept after NEWKEYS
PCAP_SEED_MAX = 65536          # scripts/fuzz's -max_len for fuzz_pcap
MSG_KEXINIT, MSG_NEWKEYS = 20, 21

HAND_WRITTEN = {
    "banner": {
        "ssh199": b"SSH-1.99-OpenSSH_3.9p1\r\n",
        "ssh15": b"SSH-1.5-Cisco-1.25\r\n",
        "prebanner": b"Welcome\r\nauthorised use only\r\nSSH-2.0-OpenSSH_9.2p1 note\r\n",
        "no-cr": b"SSH-2.0-dropbear_2022.83\n",
        "comments": b"SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6 extra words\r\n",
    },
}


def read_capture(path):
    """Returns (linktype, [frame bytes]) for a pcap or pcapng file."""
    data = open(path, "rb").read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    elif magic == b"\x0a\x0d\x0d\x0a":
        return read_pcapng(data)
    else:
        raise ValueError("%s: not a capture file" % path)
    linktype = struct.unpack(end + "I", data[20:24])[0] & 0x0FFFFFFF
    frames, off = [], 24
    while off + 16 <= len(data):
        caplen = struct.unpack(end + "I", data[off + 8:off + 12])[0]
        frames.append(data[off + 16:off + 16 + caplen])
        off += 16 + caplen
    return linktype, frames


def read_pcapng(data):
    """Enhanced and simple packet blocks of the first interface's type."""
    end, off, linktypes, frames = "<", 0, [], []
    while off + 12 <= len(data):
        btype = struct.unpack(end + "I", data[off:off + 4])[0]
        if btype == 0x0A0D0D0A:
            end = "<" if data[off + 8:off + 12] == b"\x4d\x3c\x2b\x1a" else ">"
        blen = struct.unpack(end + "I", data[off + 4:off + 8])[0]
        body = data[off + 8:off + blen - 4]
        if btype == 1:
            linktypes.append(struct.unpack(end + "H", body[:2])[0])
        elif btype == 6:
            caplen = struct.unpack(end + "I", body[12:16])[0]
            frames.append(body[20:20 + caplen])
        elif btype == 3:
            frames.append(body[4:])
        off += blen
    return (linktypes[0] if linktypes else 1), frames


def ip_layer(linktype, f):
    """Returns the IP datagram inside a frame, or None."""
    if linktype == 1:
        etype, off = struct.unpack(">H", f[12:14])[0], 14
        while etype in (0x8100, 0x88A8):
            etype, off = struct.unpack(">H", f[off + 2:off + 4])[0], off + 4
        return f[off:] if etype in (0x0800, 0x86DD) else None
    if linktype == 113:
        return f[16:]
    if linktype == 276:
        return f[20:]
    if linktype in (0, 108):
        return f[4:]
    if linktype in (12, 101, 228, 229):
        return f
    return None


def tcp_segment(ip):
    """(src, dst, sport, dport, seq, flags, payload) or None."""
    if not ip:
        return None
    if ip[0] >> 4 == 4:
        ihl, total = (ip[0] & 15) * 4, struct.unpack(">H", ip[2:4])[0]
        if ip[9] != 6:
            return None
        src, dst, tcp = ip[12:16], ip[16:20], ip[ihl:total]
    elif ip[0] >> 4 == 6:
        nxt, plen, off = ip[6], struct.unpack(">H", ip[4:6])[0], 40
        while nxt in (0, 43, 60):
            nxt, off = ip[off], off + (ip[off + 1] + 1) * 8
        if nxt != 6:
            return None
        src, dst, tcp = ip[8:24], ip[24:40], ip[off:40 + plen]
    else:
        return None
    sport, dport, seq = struct.unpack(">HHI", tcp[:8])
    return src, dst, sport, dport, seq, tcp[13], tcp[(tcp[12] >> 4) * 4:]


def connections(linktype, frames):
    """{key: [(frame index, side, seq, flags, payload)]}; side 0 is the
    client (the SYN sender; without a SYN, the side not on the lower port)."""
    conns, client = {}, {}
    for i, f in enumerate(frames):
        seg = tcp_segment(ip_layer(linktype, f))
        if seg is None:
            continue
        src, dst, sport, dport, seq, flags, payload = seg
        a, b = (src, sport), (dst, dport)
        key = tuple(sorted((a, b)))
        if key not in client:
            syn_only = flags & 0x12 == 0x02
            client[key] = a if syn_only or sport > dport else b
        side = 0 if a == client[key] else 1
        conns.setdefault(key, []).append((i, side, seq, flags, payload))
    return conns


def deliveries(segs):
    """Per direction the in-order stream, its first sequence number and
    whether a SYN gave it; and, in capture order, (side, bytes) for each
    segment that made new bytes contiguous."""
    base, syn = [None, None], [False, False]
    for _, side, seq, flags, payload in segs:
        if flags & 0x02 and base[side] is None:
            base[side], syn[side] = (seq + 1) & 0xFFFFFFFF, True
    for _, side, seq, flags, payload in segs:
        if payload and base[side] is None:
            base[side] = seq
    held = [{}, {}]
    stream = [bytearray(), bytearray()]
    order = []
    for _, side, seq, flags, payload in segs:
        if not payload:
            continue
        off = (seq - base[side]) & 0xFFFFFFFF
        if off >= 0x80000000:
            continue
        held[side][off] = payload
        before = len(stream[side])
        progress = True
        while progress:
            progress = False
            for o, p in list(held[side].items()):
                if o <= len(stream[side]):
                    stream[side] += p[len(stream[side]) - o:]
                    del held[side][o]
                    progress = True
        if len(stream[side]) > before:
            order.append((side, bytes(stream[side][before:])))
    return [bytes(s) for s in stream], base, syn, order


def ssh_split(stream):
    """(banner end, [(start, end, code, payload)] up to NEWKEYS, cleartext
    end) of one direction, or None when it has no identification line."""
    off = 0
    while True:
        lf = stream.find(b"\n", off)
        if lf < 0:
            return None
        line, off = stream[off:lf + 1], lf + 1
        if line.startswith(b"SSH-"):
            break
    banner_end, pkts = off, []
    while off + 5 <= len(stream):
        plen, padlen = struct.unpack(">IB", stream[off:off + 5])
        if plen < 5 or plen > 35000 or off + 4 + plen > len(stream):
            break
        payload = stream[off + 5:off + 4 + plen - padlen]
        pkts.append((off, off + 4 + plen, payload[0] if payload else -1, payload))
        off += 4 + plen
        if payload[:1] == bytes([MSG_NEWKEYS]):
            break
    return banner_end, pkts, off


def reasm_input(segs, side, base, syn, limit):
    """fuzz_reasm.c input: u32 base, u8 flags, then one add per segment."""
    out = bytearray(struct.pack(">IB", base, 1 if syn else 0))
    for _, s, seq, flags, payload in segs:
        if s != side or not payload:
            continue
        off = (seq - base) & 0xFFFFFFFF
        if off < 0x80000000 and off >= limit:
            continue
        for i in range(0, len(payload), 0xFFFF):
            part = payload[i:i + 0xFFFF]
            out += struct.pack(">BIH", 0, (off + i) & 0xFFFFFFFF, len(part)) + part
    out += b"\x04"
    return bytes(out)


def pcap_prefix(path, nrec, limit=PCAP_SEED_MAX):
    """The first nrec records of a classic pcap file, as many whole ones as
    fit in limit bytes, or None for pcapng."""
    data = open(path, "rb").read()
    if data[:4] not in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1",
                        b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        return None
    end = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    off = 24
    for _ in range(nrec):
        if off + 16 > len(data):
            break
        nxt = off + 16 + struct.unpack(end + "I", data[off + 8:off + 12])[0]
        if nxt > limit:
            break
        off = nxt
    return data[:off]


def seeds_of(path):
    """Yields (target, name, bytes) for one capture."""
    name = os.path.splitext(os.path.basename(path))[0]
    linktype, frames = read_capture(path)
    whole = open(path, "rb").read()
    if len(whole) <= PCAP_SEED_MAX:
        yield "pcap", name, whole
    last_handshake_frame = 0
    for n, segs in enumerate(connections(linktype, frames).values()):
        tag = name if n == 0 else "%s-%d" % (name, n)
        streams, base, syn, order = deliveries(segs)
        ends = [0, 0]
        for side, sname in ((0, "client"), (1, "server")):
            sp = ssh_split(streams[side])
            if sp is None:
                continue
            banner_end, pkts, clear_end = sp
            ends[side] = clear_end
            yield "banner", "%s-%s" % (tag, sname), streams[side][:banner_end]
            yield "packet", "%s-%s" % (tag, sname), streams[side][banner_end:clear_end]
            for start, end, code, payload in pkts:
                if code == MSG_KEXINIT:
                    yield "kexinit", "%s-%s" % (tag, sname), payload
                    break
            yield "reasm", "%s-%s" % (tag, sname), reasm_input(
                segs, side, base[side], syn[side], clear_end + AFTER_NEWKEYS)
        rec, got = bytearray(), [0, 0]
        for side, chunk in order:
            room = ends[side] + AFTER_NEWKEYS - got[side]
            chunk = chunk[:max(room, 0)]
            got[side] += len(chunk)
            for i in range(0, len(chunk), STREAM_CHUNK_MAX):
                part = chunk[i:i + STREAM_CHUNK_MAX]
                rec += struct.pack(">H", side << 15 | len(part)) + part
        yield "stream", tag, bytes(rec)
        # The frames up to the last one that carried cleartext handshake bytes.
        for i, side, seq, flags, payload in segs:
            off = (seq - base[side]) & 0xFFFFFFFF if base[side] is not None else 0
            if off < ends[side] or flags & 0x02:
                last_handshake_frame = max(last_handshake_frame, i)
    idx = DECODE_DLT_INDEX.get(linktype)
    if idx is not None:
        for i, f in enumerate(frames[:last_handshake_frame + 1]):
            yield "decode", "%s-%03d" % (name, i), bytes([idx]) + f
    short = pcap_prefix(path, last_handshake_frame + 1)
    if short is not None and 24 < len(short) < len(whole):
        yield "pcap", name + "-handshake", short


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pcaps", default=os.path.join(here, "..", "pcaps"))
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    count = {}

    def write(target, name, data):
        d = os.path.join(a.out, target)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
        count[target] = count.get(target, 0) + 1

    caps = sorted(f for f in os.listdir(a.pcaps) if f.endswith((".pcap", ".pcapng")))
    if not caps:
        sys.exit("no captures in %s" % a.pcaps)
    for cap in caps:
        for target, name, data in seeds_of(os.path.join(a.pcaps, cap)):
            write(target, name, data)
    for log in sorted(f for f in os.listdir(a.pcaps) if f.endswith(".log")):
        data = open(os.path.join(a.pcaps, log), "rb").read()
        # fuzz_sshlog.c: the first byte is the chunk size, 0 for one call.
        write("sshlog", log, b"\x00" + data)
        write("sshlog", log + "-chunked", b"\x07" + data)
    for target, seeds in HAND_WRITTEN.items():
        for name, data in seeds.items():
            write(target, "hand-" + name, data)
    for target in sorted(count):
        print("%-8s %4d seeds" % (target, count[target]))


if __name__ == "__main__":
    main()
