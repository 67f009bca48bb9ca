/* patterns: what several connections from one source show together, beside
 * brute force (bruteforce.h), each reported once per source:
 *
 *  - scan: several short connections within seconds that leave after the
 *    server's banner, KEXINIT or key-exchange reply (or right after NEWKEYS
 *    without a byte of authentication), as ssh-audit and banner grabbers
 *    do; one record instead of a row of CLOSED ones to make sense of.
 *  - regreSSHion (CVE-2024-6387): many connections from one source to one
 *    server that never authenticate and are each closed by the server
 *    after about the same long time (its LoginGraceTime, when the signal
 *    handler races), against a server whose banner is in the vulnerable
 *    range (OpenSSH before 4.4p1, or 8.5p1 up to 9.8p1 excluded;
 *    distribution patches do not show in the banner).
 *  - DHEat (CVE-2002-20001): a high rate of connections whose client sends
 *    its key-exchange init (often pipelined with its KEXINIT) and leaves
 *    without NEWKEYS, making the server compute a Diffie-Hellman share each
 *    time for nothing (whether it was pipelined is not measured).
 *
 * The table is fixed (KX_PATTERN_SOURCES slots, KX_PATTERN_PROBE per
 * source, the least recently seen replaced). Judges; formats nothing. */
#ifndef KEXRAY_PATTERNS_H
#define KEXRAY_PATTERNS_H

#include <stdbool.h>
#include <stdint.h>

#include "kexray/analyze/analyze.h"
#include "kexray/analyze/close.h"
#include "kexray/stream/flow.h"

#define KX_PATTERN_SOURCES 4096u
#define KX_PATTERN_PROBE 4u

/* Scan: at least KX_SCAN_MIN such connections, each at most
 * KX_SCAN_CONN_US long, within KX_SCAN_WINDOW_US. */
#define KX_SCAN_MIN 5u
#define KX_SCAN_CONN_US (5ull * 1000000ull)
#define KX_SCAN_WINDOW_US (10ull * 1000000ull)
/* regreSSHion: at least KX_REGRESSHION_MIN connections closed by the
 * server after at least KX_REGRESSHION_GRACE_US, their lengths within
 * KX_REGRESSHION_SPREAD_US of the first one's, within
 * KX_REGRESSHION_WINDOW_US (the public exploit holds MaxStartups
 * connections open at once, for hours). */
#define KX_REGRESSHION_MIN 10u
#define KX_REGRESSHION_GRACE_US (10ull * 1000000ull)
#define KX_REGRESSHION_SPREAD_US (2ull * 1000000ull)
#define KX_REGRESSHION_WINDOW_US (600ull * 1000000ull)
/* DHEat: at least KX_DHEAT_MIN connections within KX_DHEAT_WINDOW_US
 * whose client sent a key-exchange share the server must answer with its
 * own computation (a DH, ECDH or hybrid init, code 30, or a DH-GEX init,
 * 32) and left without NEWKEYS. A rate no scanner reaches: three
 * ssh-audit scans back to back are 24 connections in a second, some with
 * an init (they fetch each host key type); the attack's tools keep up
 * hundreds a second. */
#define KX_DHEAT_MIN 50u
#define KX_DHEAT_WINDOW_US (10ull * 1000000ull)

enum kx_pattern_kind {
	KX_PAT_SCAN,
	KX_PAT_REGRESSHION,
	KX_PAT_DHEAT,
	KX_PAT_MAX
};

/* "scan", "regresshion", "dheat" */
extern const char *const kx_pattern_names[KX_PAT_MAX];

struct kx_pattern_hit {
	enum kx_pattern_kind kind;
	uint8_t ip_version;
	uint8_t src[16], dst[16];
	uint16_t dport;
	uint32_t count;            /* connections counted in the window */
	uint32_t servers;          /* scan: distinct servers among them (at most 255) */
	uint64_t first_ts, last_ts;
	uint64_t grace_us;         /* regreSSHion: the first connection's length */
};

struct kx_patterns;

struct kx_patterns *kx_patterns_new(void);
void kx_patterns_free(struct kx_patterns *p);

/* Counts c, which ended in phase ph. Fills hits with the patterns its
 * source crosses now and returns how many: each once per burst (a source
 * quiet for a whole window may be reported again). */
int kx_patterns_note(struct kx_patterns *p, const struct kx_conn *c,
    enum kx_phase ph, struct kx_pattern_hit hits[KX_PAT_MAX]);

/* Whether kx_patterns_note would count c (ended in phase ph) in any
 * pattern, or kx_patterns_scanning could be true for it: what depends on
 * the connections before it. Reads c only. */
bool kx_patterns_relevant(const struct kx_conn *c, enum kx_phase ph);

/* c, which ended in phase ph, is one more connection of a scan its source
 * was already reported for (within KX_SCAN_WINDOW_US of the scan's last
 * connection): the caller reports it as part of that scan, not as a
 * problem of its own. Reads the table only. */
bool kx_patterns_scanning(const struct kx_patterns *p, const struct kx_conn *c,
    enum kx_phase ph);

/* After kx_patterns_note(c): c was counted in its source's scan window,
 * which has not reached KX_SCAN_MIN (nor been reported): c may yet be one
 * of a scan's connections, if its source reaches the threshold before
 * *window + KX_SCAN_WINDOW_US (report/scan_hold.h holds its records until
 * then). *window: the window's first connection's end, which names the
 * window (kx_pattern_hit.first_ts of its scan). Reads the table only. */
bool kx_patterns_scan_pending(const struct kx_patterns *p,
    const struct kx_conn *c, enum kx_phase ph, uint64_t *window);

/* Such a connection's verdict: CLOSED or RESET (not by a third party)
 * becomes PROBE, no problem, its reason naming the scan; any other
 * verdict is left as it is. */
void kx_patterns_as_scan(struct kx_verdict *v);

/* Sources dropped from the full table to make room. */
uint64_t kx_patterns_evicted(const struct kx_patterns *p);

/* Whether an OpenSSH banner's version is in CVE-2024-6387's range. */
bool kx_regresshion_banner(const uint8_t *banner, uint32_t len);

#endif
