"""kexray's JSON Lines as connections (docs/output-format.md).

A connection has two records with the same uid: "ssh", written when its
handshake outcome is final (at NEWKEYS both ways, or when it ends first),
and "close", written when it ends. Other records ("stats", "summary",
"bruteforce") have no uid.
"""
import json


def parse(text):
    """Every JSON line of text (str or bytes)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def connections(records):
    """One dict per connection, in the order connections first appear: its
    "ssh" record updated with its "close" record (the close record's keys
    win: closed_by, close and close_after are final there)."""
    merged, order = {}, []
    for r in records:
        if r.get("type") not in ("ssh", "close") or "uid" not in r:
            continue
        key = r["uid"]
        if key not in merged:
            merged[key] = {}
            order.append(key)
        merged[key].update(r)
    return [merged[k] for k in order]


def of_type(records, kind):
    return [r for r in records if r.get("type") == kind]
