"""craftlib.py - the pieces every capture generator here builds with
(craft.py, craft_resets.py, adversarial/gen.py; standard library only):
classic pcap framing, the Internet checksum, addresses, TCP flags and SSH's
binary packet (RFC 4253 section 6)."""
import struct

LINKTYPE_ETHERNET = 1
FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def pcap_header(linktype=LINKTYPE_ETHERNET, snaplen=65535):
    """Classic pcap, microsecond timestamps (magic a1b2c3d4), version 2.4."""
    return struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, linktype)


def pcap_record(ts_us, data, caplen=None, wirelen=None):
    """One record; caplen and wirelen default to len(data) but may lie."""
    caplen = len(data) if caplen is None else caplen
    wirelen = len(data) if wirelen is None else wirelen
    return struct.pack("<IIII", ts_us // 1000000, ts_us % 1000000,
                       caplen, wirelen) + data


def inet_checksum(data):
    """RFC 1071: the ones' complement of the ones' complement sum."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip4(addr):
    return bytes(int(x) for x in addr.split("."))


def ssh_string(b):
    """RFC 4251 section 5: uint32 length, then the bytes."""
    return struct.pack("!I", len(b)) + b


def ssh_packet(payload, block=8):
    """RFC 4253 section 6 binary packet, no MAC; padding is fixed (zeros)."""
    pad = block - (5 + len(payload)) % block
    if pad < 4:
        pad += block
    return struct.pack("!IB", 1 + len(payload) + pad, pad) + payload + b"\0" * pad
