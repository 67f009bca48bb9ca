#!/usr/bin/env python3
"""The excerpts in docs/diagnosing.md and README.md are kexray's real output.

Every block announced by an HTML comment

    <!-- excerpt: ARGS -->
    ```text
    ...
    ```

is checked by running "kexray ARGS" (paths relative to the repository,
TZ=UTC) and requiring each line of the block, except the "..." lines that
mark omissions, to appear in the output whole and in the same order.
{KNOWN_HOSTS_OTHER_KEY} in ARGS is a known_hosts file that files
127.0.0.1 under another ed25519 key (fixed below, made once with
ssh-keygen).

Usage: docs_test.py --kexray BUILD/kexray --root REPO
Prints one line per excerpt and a final "N passed, M failed".
"""
import argparse
import os
import re
import shlex
import subprocess
import sys
import tempfile

OTHER_KEY = ("127.0.0.1 ssh-ed25519 "
             "AAAAC3NzaC1lZDI1NTE5AAAAIPiVvTxp1l+S9S3qjhWfvsorcyG3xjgj04CZBALqXoGw\n")
EXCERPT = re.compile(r"<!-- excerpt: (.*?) -->\n```text\n(.*?)\n```", re.S)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kexray", required=True)
    ap.add_argument("--root", required=True)
    a = ap.parse_args()
    doc = ""
    for rel in ("docs/diagnosing.md", "README.md"):
        with open(os.path.join(a.root, rel)) as f:
            doc += f.read()
    tmp = tempfile.mkdtemp(prefix="kexray-docs-")
    kh = os.path.join(tmp, "known_hosts")
    with open(kh, "w") as f:
        f.write(OTHER_KEY)
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR",)}
    env.update(TZ="UTC", LC_ALL="C")
    passed = failed = 0
    blocks = EXCERPT.findall(doc)
    for args, block in blocks:
        argv = [x.replace("{KNOWN_HOSTS_OTHER_KEY}", kh) for x in shlex.split(args)]
        r = subprocess.run([a.kexray, "-q"] + argv, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, cwd=a.root, env=env, timeout=120)
        out = r.stdout.decode("utf-8", "replace").splitlines()
        pos, missing = 0, None
        for line in block.splitlines():
            if line.strip() == "...":
                continue
            while pos < len(out) and out[pos] != line:
                pos += 1
            if pos == len(out):
                missing = line
                break
            pos += 1
        if missing is None and r.returncode in (0, 1):
            passed += 1
            print("ok   kexray %s" % args)
        else:
            failed += 1
            print("FAIL kexray %s: %s" % (args, "exit %d" % r.returncode if missing is None
                                          else "not in the output (in this order): " + missing[:200]))
    os.unlink(kh)
    os.rmdir(tmp)
    if not blocks:
        failed += 1
        print("FAIL no excerpt found")
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
