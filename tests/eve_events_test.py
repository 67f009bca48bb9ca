#!/usr/bin/env python3
"""--format eve beyond the ssh events (docs/output-format.md "Suricata
EVE"), on every capture in pcaps/:

  - one "kexray_close" event per close record, its "kexray_close" object
    the close record of --json --records full, its timestamp the record's
    end_ts, its flow_id the flow_id of the same connection's ssh event, its
    community_id the record's;
  - one "alert" event with kexray's signature 8220001 per close record
    whose closing RST is likely forged (third_party), none otherwise
    (close_middlebox_rst_*.pcap have one);
  - one "alert" event with signature 8220002 per brute-force record
    (close_bruteforce.pcap), on the connection that crossed the threshold
    (its flow_id and community_id), the record under "kexray";
  - every event has only keys Suricata writes for its type, and a flow_id
    and community_id.

Usage: eve_events_test.py --kexray BUILD/kexray --pcaps DIR
Prints one line per check and a final "N passed, M failed".
"""
import argparse
import datetime
import glob
import os
import sys
from kxtest import ENV, check, finish, records, run  # noqa: E402

COMMON = {"timestamp", "flow_id", "event_type", "src_ip", "src_port", "dest_ip",
          "dest_port", "proto", "vlan", "community_id"}
ALERT = {"action", "gid", "signature_id", "rev", "signature", "category", "severity"}


def ts_of(ev):
    return datetime.datetime.strptime(ev["timestamp"],
                                      "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kexray", required=True)
    ap.add_argument("--pcaps", required=True)
    a = ap.parse_args()
    k = a.kexray
    forged_total = brute_total = close_total = 0
    for pcap in sorted(glob.glob(os.path.join(a.pcaps, "*.pcap"))):
        name = os.path.basename(pcap)[:-5]
        recs = records(run(k, ["-r", pcap, "--json", "--records", "full"], quiet=True)[1])
        evs = records(run(k, ["-r", pcap, "--format", "eve"], quiet=True)[1])
        closes = [r for r in recs if r["type"] == "close"]
        brutes = [r for r in recs if r["type"] == "bruteforce"]
        flow_of = {e["kexray"]["uid"]: e["flow_id"] for e in evs
                   if e["event_type"] == "ssh"}
        cid_of = {e["kexray"]["uid"]: e.get("community_id") for e in evs
                  if e["event_type"] == "ssh"}
        diffs = []
        cev = [e for e in evs if e["event_type"] == "kexray_close"]
        if len(cev) != len(closes):
            diffs.append("%d kexray_close events, %d close records" %
                         (len(cev), len(closes)))
        for ev, rec in zip(cev, closes):
            if set(ev) - COMMON - {"kexray_close"}:
                diffs.append(("keys", sorted(set(ev) - COMMON)))
            if ev.get("kexray_close") != rec:
                diffs.append(("object", rec["uid"]))
            if ev["flow_id"] != flow_of.get(rec["uid"]):
                diffs.append(("flow_id", rec["uid"]))
            if ev.get("community_id") != rec["community_id"] or not ev.get("community_id"):
                diffs.append(("community_id", rec["uid"]))
            if abs(ts_of(ev) - rec["end_ts"]) > 1e-6:
                diffs.append(("timestamp", ev["timestamp"], rec["end_ts"]))
        close_total += len(cev)
        check("%s: a kexray_close event per close record (%d)" % (name, len(cev)),
              not diffs, diffs[:4])

        alerts = [e for e in evs if e["event_type"] == "alert"]
        forged = [e for e in alerts if e["alert"]["signature_id"] == 8220001]
        want = [r for r in closes if r["third_party"]]
        diffs = []
        if len(forged) != len(want):
            diffs.append("%d alerts, %d forged" % (len(forged), len(want)))
        for ev, rec in zip(forged, want):
            if ev.get("kexray") != rec or ev["flow_id"] != flow_of.get(rec["uid"]) \
                    or ev.get("community_id") != rec["community_id"]:
                diffs.append(("alert", rec["uid"]))
        forged_total += len(forged)
        check("%s: a forged-reset alert per likely forged closing RST (%d)" %
              (name, len(forged)), not diffs, diffs[:4])

        bf = [e for e in alerts if e["alert"]["signature_id"] == 8220002]
        diffs = []
        if len(bf) != len(brutes):
            diffs.append("%d alerts, %d bruteforce records" % (len(bf), len(brutes)))
        for ev, rec in zip(bf, brutes):
            if ev.get("kexray") != rec:
                diffs.append(("object", rec))
            if ev["flow_id"] not in flow_of.values() or \
                    ev.get("community_id") not in cid_of.values() or \
                    ev.get("src_ip") != rec["id.orig_h"] or \
                    ev.get("dest_ip") != rec["id.resp_h"]:
                diffs.append(("connection", ev["flow_id"]))
        brute_total += len(bf)
        check("%s: a brute-force alert per brute-force record (%d)" % (name, len(bf)),
              not diffs, diffs[:4])

        bad = [e for e in alerts if set(e) - COMMON - {"alert", "kexray"} or
               set(e["alert"]) != ALERT or not e["alert"]["signature"].startswith("KEXRAY ")
               or "community_id" not in e]
        bad += [e for e in evs if e["event_type"] not in ("ssh", "kexray_close", "alert")]
        check("%s: alert events in Suricata's form, kexray's signatures" % name,
              not bad, bad[:1])
    check("forged-reset alerts were written (%d) and brute-force alerts (%d), "
          "close events (%d)" % (forged_total, brute_total, close_total),
          forged_total > 0 and brute_total > 0 and close_total > 0)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
