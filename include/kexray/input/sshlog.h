/* sshlog: the same diagnosis from OpenSSH's own debug logs, when there is no
 * capture. Reads what sshd writes at LogLevel DEBUG2 or more (and what
 * ssh -vv writes on the client), under a syslog, journald, RFC 5424 or bare
 * `sshd -d` / `sshd -D -e` prefix, groups the lines of each connection by
 * the PID of the sshd process that wrote them (the network and user child
 * processes sshd names are folded in), and builds per connection the same
 * struct kx_conn the packet path builds: both identification strings, both
 * KEXINITs (rebuilt as KEXINIT payloads from the logged name-lists and run
 * through kx_kexinit_parse), endpoints, NEWKEYS each way and how it ended.
 * The caller judges it with kx_analyze and prints it with the usual reports.
 * docs/sshd-log.md lists the formats and lines it reads. */
#ifndef KEXRAY_SSHLOG_H
#define KEXRAY_SSHLOG_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kexray/stream/flow.h"
#include "kexray/core/limits.h"
#include "kexray/core/status.h"
#include "kexray/ssh/hostkey.h"

/* What a connection read from a log adds to struct kx_conn (kx_conn.log).
 * A log has no TCP facts (packets, bytes, TTLs, windows: kx_conn says
 * no_tcp_facts), no packet timing and so no reset forensics; the reports
 * say so. What it does say of the wire is here. */
struct kx_logconn {
	int8_t writer;               /* kx_side whose log it is */
	/* The log shows the side on the wire before the end, by kx_side: the
	 * client connecting ("Connecting to"), the server answering
	 * ("Connection established."), sshd accepting ("Connection from":
	 * both), a step or a KEXINIT of the side. Its close is in
	 * kx_conn.half[side].fin and .rst. */
	bool seen[2];
	/* sshd's listener dropped it: "drop connection #N from ... past
	 * MaxStartups" (sshd.c), before any banner. */
	bool max_startups;
	uint32_t pid;                /* first PID of its lines; 0: none given */
	uint64_t first_line, last_line;  /* 1-based, in the whole input */
	bool have_ts;                /* its lines carry timestamps */
	bool have_ep[2];             /* address and port known, by kx_side */
	bool authenticated;          /* "Accepted ... for" / "Authenticated to" */
	uint16_t outcome_len;
	char outcome[KX_SSHLOG_OUTCOME_KEEP + 1];   /* the line that ended it */
	uint16_t disagree_len;
	char disagree[KX_SSHLOG_NOTE_KEEP + 1];     /* log.negotiation_disagrees */
	/* "Unable to negotiate ...: no matching X found. Their offer: LIST"
	 * (sshd and ssh log it at LogLevel INFO): the categories (bit per
	 * kx_cat) and where LIST, the peer's list, is in outcome. */
	uint8_t failed_cats;
	uint16_t offer_off, offer_len;
	/* sshconnect.c "Server host key: TYPE SHA256:..." (ssh -v): the key
	 * the server showed, by type and fingerprint; "" when not logged.
	 * --known-hosts judges it (kx_hostdb_check_fp). */
	char hostkey_type[KX_KEYTYPE_MAX + 1];
	char hostkey_fp[KX_FP_LEN + 1];
};

struct kx_sshlog_stats {
	uint64_t lines;           /* lines read */
	uint64_t recognised;      /* lines that were OpenSSH messages kexray reads */
	uint64_t binary;          /* lines with NUL or other control bytes */
	uint64_t cut;             /* lines longer than KX_SSHLOG_LINE_MAX */
	uint64_t conns;           /* connections reported */
	uint64_t evicted;         /* reported early at KX_SSHLOG_CONNS_MAX or KX_SSHLOG_HELD_MAX */
	uint64_t open_peak;       /* connections open at once, at most */
	uint64_t held_peak;       /* name-list bytes held at once, at most */
};

struct kx_sshlog;

/* done is called for every connection as soon as its outcome is in the
 * log (or it is evicted), and for those still open when the input ends;
 * the callee must not keep the pointer. */
struct kx_sshlog *kx_sshlog_new(kx_conn_done_fn done, void *arg);
void kx_sshlog_free(struct kx_sshlog *l);

/* Feeds the next bytes of the log; lines may be split across calls. */
void kx_sshlog_feed(struct kx_sshlog *l, const uint8_t *p, size_t n);

/* The input ended: the last line (without LF) is read, then every
 * connection still open is reported, in the order they began. */
void kx_sshlog_finish(struct kx_sshlog *l);

/* Reads a whole file ("-" for standard input) through kx_sshlog_feed.
 * Returns KX_OK; KX_IO after printing one line "kexray: FILE: ..." when it
 * cannot be opened or read; KX_MALFORMED after printing one line when it
 * holds binary data (those lines are skipped, the rest is read). */
KX_WUR enum kx_status kx_sshlog_read_file(struct kx_sshlog *l,
    const char *path);
/* The same from a stream opened before the privilege drop (closed here
 * unless it is stdin), stopping early once *stop is set (NULL: never). */
KX_WUR enum kx_status kx_sshlog_read_stream(struct kx_sshlog *l, FILE *f,
    const char *path, const volatile sig_atomic_t *stop);

const struct kx_sshlog_stats *kx_sshlog_stats(const struct kx_sshlog *l);

/* Connections open now and name-list bytes held now (for the caps' tests). */
uint32_t kx_sshlog_open(const struct kx_sshlog *l);
uint64_t kx_sshlog_held(const struct kx_sshlog *l);

#endif
