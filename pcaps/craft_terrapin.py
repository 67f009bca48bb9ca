#!/usr/bin/env python3
"""craft_terrapin.py - build the Terrapin captures in pcaps/ (standard library only).

Usage: pcaps/craft_terrapin.py [--out DIR] [NAME...]      (no NAME: all of them)
       pcaps/craft_terrapin.py --list

Terrapin (CVE-2023-48795) is judged on a connection: it needs
chacha20-poly1305@openssh.com, or a CBC cipher with an encrypt-then-MAC MAC,
and is stopped only when the client sends kex-strict-c-v00@openssh.com and
the server kex-strict-s-v00@openssh.com.  The peers recorded by record.sh
(Debian 12 builds) all do strict kex, so the four shapes are built here:

  terrapin_chacha              chacha20-poly1305, no strict kex: exposed
  terrapin_cbc_etm             aes128-cbc + hmac-sha2-256-etm, no strict kex,
                               over diffie-hellman-group-exchange-sha256 (the
                               host key comes in KEX_DH_GEX_REPLY, 33, after a
                               KEX_DH_GEX_GROUP that also uses code 31): exposed
  terrapin_strict_both         chacha20-poly1305, both markers: protected
  terrapin_strict_client_only  chacha20-poly1305, only the client's marker:
                               exposed

Each capture is one complete handshake (banners, KEXINITs, the key exchange
messages, NEWKEYS both ways) with the connection framing of craft.py (which
this script imports, unchanged).  The server's host key is a real Ed25519
public key made by ssh-keygen; its `ssh-keygen -l` fingerprint is
SHA256:Xw5uPyjI+crC/Er3K3XWBldKlYQ2YyHdTx8rOBcKF20.  The key exchange values
and the signature are fixed filler (kexray does not verify them).  Running
the script again gives identical bytes.
"""
import base64
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import craft  # noqa: E402  (the shared pcap/TCP/SSH builders)

HOST_KEY = base64.b64decode(
    "AAAAC3NzaC1lZDI1NTE5AAAAIJdSfxKzHMeC45Kxw33fYdRxDDBqzIczyy2SLRDl0lHl")
HOST_KEY_FP = "SHA256:Xw5uPyjI+crC/Er3K3XWBldKlYQ2YyHdTx8rOBcKF20"

# RFC 4253 12, RFC 5656 7.1, RFC 4419 5
KEXDH_INIT, KEXDH_REPLY = 30, 31
GEX_GROUP, GEX_INIT, GEX_REPLY, GEX_REQUEST = 31, 32, 33, 34
NEWKEYS = 21

STRICT_C = "kex-strict-c-v00@openssh.com"
STRICT_S = "kex-strict-s-v00@openssh.com"


def mpint_bytes(b):
    """RFC 4251 5 mpint of a positive number given big-endian."""
    if b[0] & 0x80:
        b = b"\0" + b
    return craft.ssh_string(b)


def signature():
    # string "ssh-ed25519", string 64-byte signature (RFC 8709 6); filler
    return craft.ssh_string(craft.ssh_string(b"ssh-ed25519") + bytes(range(64)))


def lists(kex, cipher, mac, marker=None):
    d = {
        "kex": kex + ("," + marker if marker else ""),
        "hostkey": "ssh-ed25519,rsa-sha2-256",
    }
    d["enc_cs"], d["enc_sc"] = craft.both(cipher)
    d["mac_cs"], d["mac_sc"] = craft.both(mac)
    d["comp_cs"], d["comp_sc"] = craft.both("none")
    return d


def handshake(path, n, cli, srv, gex=False):
    """One connection: n picks addresses, ports and time so that every
    capture is its own connection."""
    c = craft.Host("02:00:00:00:01:%02x" % (2 * n), "192.0.2.%d" % (100 + n),
                   50000 + n, 0x10000000 * n + 1, 0x6000 + n, 64)
    s = craft.Host("02:00:00:00:01:%02x" % (2 * n + 1), "198.51.100.%d" % (100 + n),
                   22, 0x20000000 * n + 7, 0x7000 + n, 64)
    conn = craft.Conn(c, s, craft.T0 + (10 + n) * 3600 * 1000000)
    conn.handshake()
    conn.send(s, b"SSH-2.0-OpenSSH_9.5\r\n")
    conn.send(c, b"SSH-2.0-OpenSSH_9.5\r\n")
    conn.send(c, craft.kexinit(bytes([0xC0 + n]) * 16, cli))
    conn.send(s, craft.kexinit(bytes([0xD0 + n]) * 16, srv))
    if gex:
        # RFC 4419 3: min, preferred, max group size
        conn.send(c, craft.ssh_packet(bytes([GEX_REQUEST]) + struct.pack("!III", 2048, 3072, 8192)))
        p = b"\xff" * 256                  # a 2048-bit modulus (filler)
        conn.send(s, craft.ssh_packet(bytes([GEX_GROUP]) + mpint_bytes(p) + mpint_bytes(b"\x02")))
        conn.send(c, craft.ssh_packet(bytes([GEX_INIT]) + mpint_bytes(b"\x5a" * 256)))
        conn.send(s, craft.ssh_packet(bytes([GEX_REPLY]) + craft.ssh_string(HOST_KEY)
                                      + mpint_bytes(b"\x3c" * 256) + signature()))
    else:
        # RFC 5656 4 / RFC 8731 3: Q_C, then K_S, Q_S, signature
        conn.send(c, craft.ssh_packet(bytes([KEXDH_INIT]) + craft.ssh_string(b"\x11" * 32)))
        conn.send(s, craft.ssh_packet(bytes([KEXDH_REPLY]) + craft.ssh_string(HOST_KEY)
                                      + craft.ssh_string(b"\x22" * 32) + signature()))
    conn.send(s, craft.ssh_packet(bytes([NEWKEYS])))
    conn.send(c, craft.ssh_packet(bytes([NEWKEYS])))
    conn.fin(c)
    conn.fin(s)
    conn.write(path)


CHACHA = "chacha20-poly1305@openssh.com,aes128-ctr"
MAC = "hmac-sha2-256-etm@openssh.com,hmac-sha2-256"


def terrapin_chacha(path):
    """chacha20-poly1305 negotiated, neither side does strict kex."""
    handshake(path, 1, lists("curve25519-sha256,ext-info-c", CHACHA, MAC),
              lists("curve25519-sha256", CHACHA, MAC))


def terrapin_cbc_etm(path):
    """aes128-cbc with hmac-sha2-256-etm@openssh.com, neither side strict;
    diffie-hellman-group-exchange-sha256."""
    gex = "diffie-hellman-group-exchange-sha256"
    handshake(path, 2, lists(gex, "aes128-cbc,aes128-ctr", MAC),
              lists(gex, "aes128-cbc,aes256-ctr", MAC), gex=True)


def terrapin_strict_both(path):
    """chacha20-poly1305, both strict-kex markers."""
    handshake(path, 3, lists("curve25519-sha256", CHACHA, MAC, STRICT_C),
              lists("curve25519-sha256", CHACHA, MAC, STRICT_S))


def terrapin_strict_client_only(path):
    """chacha20-poly1305, only the client's strict-kex marker."""
    handshake(path, 4, lists("curve25519-sha256", CHACHA, MAC, STRICT_C),
              lists("curve25519-sha256", CHACHA, MAC))


CAPTURES = {
    "terrapin_chacha": terrapin_chacha,
    "terrapin_cbc_etm": terrapin_cbc_etm,
    "terrapin_strict_both": terrapin_strict_both,
    "terrapin_strict_client_only": terrapin_strict_client_only,
}


def main():
    return craft.cli(CAPTURES, __doc__)


if __name__ == "__main__":
    sys.exit(main())
