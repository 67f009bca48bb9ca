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


# Members of a --records full "ssh" record that the lean record leaves to
# the kexinit records (checked below against them) or keeps in full only
# (docs/output-format.md, "What --records full adds").
FULL_ONLY = {
    "client_kexinit", "server_kexinit", "negotiated", "ratings",
    "client_weak", "server_weak", "terrapin", "pq", "hasshAlgorithms",
    "hasshServerAlgorithms", "client_side", "server_side",
}
# Per-connection facts kept only by --records full.
PER_CONNECTION_FULL = {"client_side", "server_side"}
S2C = {"cipher_alg_s2c": "cipher_s2c", "mac_alg_s2c": "mac_s2c",
       "compression_alg_s2c": "compression_s2c"}
C2S = {"cipher_s2c": "cipher_c2s", "mac_s2c": "mac_c2s",
       "compression_s2c": "compression_c2s"}


def unset(v):
    """null, an empty list, or an object of unset members only."""
    if isinstance(v, dict):
        return all(unset(x) for x in v.values())
    return v is None or v == []


def _same_lean(lean, full, where, errors):
    """Every member of a lean object equals the full object's; members the
    lean object leaves out are unset in the full one."""
    for k, v in lean.items():
        if isinstance(v, dict) and isinstance(full.get(k), dict):
            _same_lean(v, full[k], where + "." + k, errors)
        elif isinstance(v, list) and isinstance(full.get(k), list) and \
                len(v) == len(full[k]) and all(isinstance(x, dict) for x in v):
            for i, (a, b) in enumerate(zip(v, full[k])):
                if isinstance(b, dict):
                    _same_lean(a, b, "%s.%s.%d" % (where, k, i), errors)
                else:
                    errors.append("%s.%s.%d: %r, full %r" % (where, k, i, a, b))
        elif full.get(k) != v:
            errors.append("%s.%s: lean %r, full %r" % (where, k, v, full.get(k)))
    for k, v in full.items():
        if k not in lean and not unset(v):
            errors.append("%s.%s: left out of the lean record, but set: %r" %
                          (where, k, v))


def join_check(lean_records, full_records):
    """Schema 2's promise: the lean records joined with their kexinit
    records say everything the full records say, but for the per-connection
    facts only --records full keeps. Returns a list of errors."""
    errors = []
    kex = {}
    for r in lean_records:
        if r.get("type") == "kexinit":
            if r["id"] in kex and kex[r["id"]] != r:
                errors.append("kexinit %s written twice, differently" % r["id"])
            kex[r["id"]] = r
    lean = {(r["type"], r["uid"]): r for r in lean_records
            if r.get("type") in ("ssh", "close")}
    full = {(r["type"], r["uid"]): r for r in full_records
            if r.get("type") in ("ssh", "close")}
    if set(lean) != set(full):
        errors.append("lean and full records differ in connections")
    for key in sorted(set(lean) & set(full)):
        L, F = lean[key], full[key]
        where = "%s %s" % key
        if key[0] == "close":
            _same_lean(L, F, where, errors)
            continue
        # What the kexinit records carry.
        for side in ("client", "server"):
            kid = L.get(side + "_kexinit_id")
            fk = F.get(side + "_kexinit")
            if (kid is None) != (fk is None) or kid != F.get(side + "_kexinit_id"):
                errors.append("%s: %s_kexinit_id %r" % (where, side, kid))
                continue
            if kid is None:
                continue
            if kid not in kex:
                errors.append("%s: no kexinit record %s before it" % (where, kid))
                continue
            K = kex[kid]
            if K["role"] != side:
                errors.append("%s: kexinit %s has role %s" % (where, kid, K["role"]))
            for name, lst in fk.items():
                if K.get(name) != lst:
                    errors.append("%s: kexinit %s %s differs" % (where, kid, name))
            h = "hassh" if side == "client" else "hasshServer"
            for k in (h, h + "Algorithms"):
                if K.get(k) != F.get(k):
                    errors.append("%s: kexinit %s %s differs" % (where, kid, k))
            if K.get("weak", []) != F.get(side + "_weak"):
                errors.append("%s: kexinit %s weak offers differ" % (where, kid))
            t = F.get("terrapin")
            if t is not None and t["strict_kex"][side] != K["strict_kex"]:
                errors.append("%s: kexinit %s strict_kex differs" % (where, kid))
            p = F.get("pq")
            if p is not None and p[side + "_offers"] != K["pq"]:
                errors.append("%s: kexinit %s pq differs" % (where, kid))
        # The words the lean record keeps for what full spells out.
        t, p = F.get("terrapin"), F.get("pq")
        want = None if t is None else ("exposed" if t["exposed"] else "not_exposed")
        if L.get("terrapin") != want:
            errors.append("%s: terrapin %r, want %r" % (where, L.get("terrapin"), want))
        want = None if p is None else p["verdict"]
        if L.get("pq") != want:
            errors.append("%s: pq %r, want %r" % (where, L.get("pq"), want))
        weak = []
        for cat, rating in (F.get("ratings") or {}).items():
            if rating is not None and rating["status"] in ("warn", "fail"):
                weak.append({"category": cat, "alg": rating["alg"],
                             "status": rating["status"]})
                # why: in both sides' kexinit records (both offered it)
                for side in ("client", "server"):
                    reasons = [w["reason"] for w in kex.get(
                        L.get(side + "_kexinit_id"), {}).get("weak", [])
                        if w["alg"] == rating["alg"]]
                    total = kex.get(L.get(side + "_kexinit_id"), {}).get(
                        "weak_total", 0)
                    if rating["reason"] not in reasons and \
                            total <= len(kex.get(L.get(side + "_kexinit_id"),
                                                 {}).get("weak", [])):
                        errors.append("%s: why %s is weak is in no kexinit "
                                      "record" % (where, rating["alg"]))
        if L.get("weak", []) != weak:
            errors.append("%s: weak %r, want %r" % (where, L.get("weak"), weak))
        neg = F.get("negotiated") or {}
        for k, cat in S2C.items():
            same = neg.get(cat) == neg.get(C2S[cat])
            if L.get(k) != (None if same else neg.get(cat)):
                errors.append("%s: %s %r" % (where, k, L.get(k)))
        if L.get("mismatch"):
            offers = L.get("mismatch_offers", {})
            for cat in L["mismatch"]:
                prop = {"kex": "kex_algorithms",
                        "host_key": "server_host_key_algorithms"}.get(cat)
                if prop is None:
                    kind, way = cat.rsplit("_", 1)
                    prop = {"cipher": "encryption_algorithms",
                            "mac": "mac_algorithms",
                            "compression": "compression_algorithms"}[kind] + \
                        ("_client_to_server" if way == "c2s" else "_server_to_client")
                for side in ("client", "server"):
                    if offers.get(cat, {}).get(side) != F[side + "_kexinit"][prop]:
                        errors.append("%s: mismatch_offers %s %s" % (where, cat, side))
        rest_l = {k: v for k, v in L.items() if k not in (
            "terrapin", "pq", "weak", "mismatch_offers") and k not in S2C}
        rest_f = {k: v for k, v in F.items() if k not in FULL_ONLY}
        _same_lean(rest_l, rest_f, where, errors)
    return errors
