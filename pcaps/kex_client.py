#!/usr/bin/env python3
"""kex_client.py - a client that stops inside the key exchange, for the two
patterns of record_sessions.sh that real clients do not make on their own
(standard library only; the server is a real sshd):

  kex_client.py dheat HOST PORT N
      N connections one after another, each sending its banner, its
      KEXINIT and at once (pipelined, as DHEat tools do) an ECDH init
      (SSH_MSG_KEX_ECDH_INIT, RFC 5656 7.1: 32 random bytes as the
      curve25519 share, RFC 8731), reading the server's answer, then
      leaving without NEWKEYS: the server computed its share for nothing.

  kex_client.py hold HOST PORT N SECONDS
      N connections at once, each sending its banner and KEXINIT and then
      nothing, as the regreSSHion exploit holds its connections until the
      server's LoginGraceTime ends them; each waits (at most SECONDS) for
      the server to close it.

Prints one line per connection on stderr; exits 0 when every connection
did what its mode needs (the server's ECDH reply, or the server's close).
"""
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from craftlib import ssh_packet, ssh_string  # noqa: E402

BANNER = b"SSH-2.0-kexray_kex_client\r\n"
LISTS = [b"curve25519-sha256", b"ssh-ed25519", b"aes128-ctr", b"aes128-ctr",
         b"hmac-sha2-256", b"hmac-sha2-256", b"none", b"none", b"", b""]
KEXINIT, KEX_ECDH_INIT, KEX_ECDH_REPLY = 20, 30, 31


def kexinit():
    """RFC 4253 7.1: the code, a cookie, ten name-lists, the guess flag
    and a reserved word."""
    body = bytes([KEXINIT]) + os.urandom(16)
    for names in LISTS:
        body += ssh_string(names)
    return ssh_packet(body + b"\0" + struct.pack("!I", 0))


def read_until(sock, need, deadline):
    """Reads until need(buf) is true, the peer closes or the deadline."""
    buf = b""
    while not need(buf) and time.time() < deadline:
        sock.settimeout(max(0.05, deadline - time.time()))
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            break
        if not chunk:
            return buf, True
        buf += chunk
    return buf, False


def codes(buf):
    """The message codes of the cleartext packets after the banner line."""
    out = []
    nl = buf.find(b"\n")
    if nl < 0:
        return out
    i = nl + 1
    while i + 6 <= len(buf):
        (length,) = struct.unpack("!I", buf[i:i + 4])
        if length < 2 or length > 35000 or i + 4 + length > len(buf):
            break
        out.append(buf[i + 5])
        i += 4 + length
    return out


def dheat(host, port, n):
    ok = 0
    for k in range(n):
        with socket.create_connection((host, port), timeout=5) as s:
            s.sendall(BANNER + kexinit() +
                      ssh_packet(bytes([KEX_ECDH_INIT]) + ssh_string(os.urandom(32))))
            buf, _ = read_until(s, lambda b: KEX_ECDH_REPLY in codes(b), time.time() + 5)
            got = KEX_ECDH_REPLY in codes(buf)
            ok += got
            print("dheat %d: server's ECDH reply %s" % (k, "seen" if got else "MISSING"),
                  file=sys.stderr)
    return ok == n


def hold(host, port, n, seconds):
    socks = []
    for _ in range(n):
        s = socket.create_connection((host, port), timeout=5)
        s.sendall(BANNER + kexinit())
        socks.append(s)
    deadline = time.time() + seconds
    ok = 0
    for k, s in enumerate(socks):
        t0 = time.time()
        _, closed = read_until(s, lambda b: False, deadline)
        ok += closed
        print("hold %d: %s after %.1f s more" % (k, "closed by the server" if closed
                                                else "NOT closed", time.time() - t0),
              file=sys.stderr)
        s.close()
    return ok == n


def main(argv):
    if len(argv) >= 5 and argv[1] == "dheat":
        return 0 if dheat(argv[2], int(argv[3]), int(argv[4])) else 1
    if len(argv) >= 6 and argv[1] == "hold":
        return 0 if hold(argv[2], int(argv[3]), int(argv[4]), float(argv[5])) else 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
