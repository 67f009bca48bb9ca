/* The sshd log reader's own parts (sshlog.h is what the rest of kexray
 * sees). One idea per file:
 *   words.h     cursor words a log line is read with (lit, token, number)
 *   line.c      a line's prefix: syslog, journald, RFC 5424 stamps and
 *               PIDs, the level and the " [preauth]" tag
 *   pids.c      which open connection a PID leads to; the open list, least
 *               recently active first; name-list bytes held
 *   conn.c      building a struct kx_conn from what the lines say:
 *               endpoints, banners, steps, the outcome line, the end
 *   kexinit.c   a logged proposal block rebuilt as a KEXINIT payload
 *   crosscheck.c  the negotiation the log states against kexray's
 *   messages.c  the matchers of OpenSSH's messages, and the dispatch of a
 *               line to them
 *   outcome.c   the matcher of how a connection ended
 *   reader.c    the API: bytes into lines, wrapped lines joined, files */
#ifndef KEXRAY_SSHLOG_INTERNAL_H
#define KEXRAY_SSHLOG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kexray/analyze/negotiate.h"
#include "kexray/core/cursor.h"
#include "kexray/input/sshlog.h"

/* Hash buckets of the PID table (a power of two). */
#define PID_BUCKETS 8192u

/* A KEXINIT proposal block being read, rebuilt as a KEXINIT payload:
 * byte 20, a zero cookie (logs do not show it), then each list as an SSH
 * string; first_kex_packet_follows and reserved when the block ends. */
struct block {
	bool open;
	bool broken;          /* out of order or cut: not used */
	int8_t side;          /* kx_side; -1: OpenSSH 5/6, decided by order */
	uint8_t order;        /* unlabelled blocks of the connection before */
	uint8_t nlists;
	bool have_follows;
	uint8_t follows;
	uint8_t *buf;
	uint32_t len, cap;
	uint32_t list_off;    /* offset of the last list's length field */
};

/* What the log says was negotiated, for the cross-check. */
struct stated {
	uint16_t have;        /* bit per kx_cat: a "kex:" line named it */
	uint16_t nomatch;     /* bit per kx_cat: "(no match)" */
	uint16_t toolong;     /* bit per kx_cat: name longer than kept */
	uint16_t failed;      /* categories of a "no matching X found" */
	uint8_t len[KX_CAT_MAX];
	char alg[KX_CAT_MAX][KX_SSHLOG_ALG_KEEP];
};

struct lconn {
	struct kx_conn c;          /* what kx_analyze and the reports read */
	struct kx_hs_logged hsl;   /* c.hs points to hsl.hs (no reassembly) */
	struct kx_logconn info;    /* c.log points here */
	struct lconn *prev, *next; /* open list, least recently active first */
	uint32_t pids[KX_SSHLOG_PIDS_PER_CONN];
	uint8_t npids;
	bool writer_known;
	uint8_t unlabelled;        /* OpenSSH 5/6 blocks begun */
	bool last_was_list;        /* its latest line was a name-list */
	struct block blk;
	struct stated st;
	size_t held;               /* name-list bytes it holds */
};

struct pident {
	uint32_t pid;
	struct lconn *lc;
	struct pident *next;
};

struct kx_sshlog {
	kx_conn_done_fn done;
	void *arg;
	struct kx_sshlog_stats st;
	struct pident *bucket[PID_BUCKETS];
	struct lconn *head, *tail;   /* open, least recently active first */
	uint32_t nopen;
	uint64_t held;
	uint64_t seq;
	int8_t writer_hint;          /* kx_side whose log it shows it is, -1 */
	struct lconn *prev_list;     /* the previous line was a list of it */
	int64_t now_s;               /* for the year of BSD syslog stamps */
	int year;
	/* the line being read */
	uint32_t line_len;
	bool line_cut;
	uint8_t line[KX_SSHLOG_LINE_MAX];
	/* the line read before it, held until the next one shows whether it
	 * was wrapped (a line of a prefixed log without a prefix of its own
	 * is the rest of the line before) */
	bool have_pend;
	bool pend_prefixed;
	bool pend_cut;
	uint64_t pend_no;            /* its (first) line number */
	uint32_t pend_len;
	uint8_t pend[KX_SSHLOG_LINE_MAX];
};

struct lineinfo {
	bool have_ts;
	uint64_t ts_us;
	bool have_pid;
	uint32_t pid;
	bool prefixed;      /* a syslog/journald prefix was there */
	bool leveled;       /* a "debugN: "/"fatal: " level was there */
	bool cut;           /* longer than KX_SSHLOG_LINE_MAX */
};

/* One message line being matched (messages.c, outcome.c). */
struct ctx {
	struct kx_sshlog *l;
	const struct lineinfo *li;
	uint64_t line_no;
	struct kx_cursor msg;    /* the whole message, for the outcome */
};

/* line.c */
void kx_sshlog_parse_prefix(struct kx_sshlog *l, struct kx_cursor *c,
    struct lineinfo *li);
bool kx_sshlog_strip_level(struct kx_cursor *c);
void kx_sshlog_strip_suffix(struct kx_cursor *c);
bool kx_sshlog_name_byte(uint8_t b);

/* pids.c */
struct lconn *kx_sshlog_pid_conn(struct kx_sshlog *l, uint32_t pid);
void kx_sshlog_pid_bind(struct kx_sshlog *l, struct lconn *lc, uint32_t pid);
void kx_sshlog_pid_unbind(struct kx_sshlog *l, uint32_t pid,
    const struct lconn *lc);
void kx_sshlog_open_unlink(struct kx_sshlog *l, struct lconn *lc);
void kx_sshlog_open_append(struct kx_sshlog *l, struct lconn *lc);
void kx_sshlog_touch(struct kx_sshlog *l, struct lconn *lc);
void kx_sshlog_held_add(struct kx_sshlog *l, struct lconn *lc, size_t n);
void kx_sshlog_held_sub(struct kx_sshlog *l, struct lconn *lc, size_t n);

/* conn.c */
int kx_sshlog_writer_of(const struct kx_sshlog *l, const struct lconn *lc);
void kx_sshlog_set_writer(struct kx_sshlog *l, struct lconn *lc, int side);
void kx_sshlog_note_step(struct lconn *lc, int side, uint8_t what);
struct lconn *kx_sshlog_conn_new(struct kx_sshlog *l,
    const struct lineinfo *li, bool bind, uint64_t line_no);
void kx_sshlog_conn_finish(struct kx_sshlog *l, struct lconn *lc,
    enum kx_close why);
void kx_sshlog_evict(struct kx_sshlog *l, struct lconn *lc);
bool kx_sshlog_parse_addr(const uint8_t *p, size_t n, struct kx_endpoint *ep,
    uint8_t *ver);
/* Sets side's endpoint to ep, port, of IP version ver. */
void kx_sshlog_put_endpoint(struct lconn *lc, int side, struct kx_endpoint ep,
    uint8_t ver, uint64_t port);
bool kx_sshlog_endpoint(struct lconn *lc, int side, struct kx_cursor *m);
bool kx_sshlog_endpoint_bracketed(struct lconn *lc, int side,
    struct kx_cursor *m);
size_t kx_sshlog_unvis(const uint8_t *p, size_t n, uint8_t *out, size_t cap);
void kx_sshlog_banner(struct lconn *lc, int side, const char *head,
    const uint8_t *p, size_t n);
void kx_sshlog_set_outcome(struct lconn *lc, const struct kx_cursor *msg);
void kx_sshlog_offer_in_outcome(struct kx_logconn *info);
void kx_sshlog_closed(struct kx_sshlog *l, struct lconn *lc, int side,
    enum kx_close how, const struct kx_cursor *msg);

/* kexinit.c */
void kx_sshlog_block_begin(struct kx_sshlog *l, struct lconn *lc, int side);
void kx_sshlog_block_list(struct kx_sshlog *l, struct lconn *lc,
    const uint8_t *p, size_t n, bool cut);
void kx_sshlog_block_continue(struct kx_sshlog *l, struct lconn *lc,
    const uint8_t *p, size_t n);
void kx_sshlog_block_end(struct kx_sshlog *l, struct lconn *lc,
    bool fields_seen);
void kx_sshlog_block_free(struct kx_sshlog *l, struct lconn *lc);

/* crosscheck.c */
void kx_sshlog_stated_alg(struct lconn *lc, enum kx_cat cat, const uint8_t *p,
    size_t n);
void kx_sshlog_cross_check(struct lconn *lc);

/* messages.c */
struct lconn *kx_sshlog_conn_of(struct ctx *x);
struct lconn *kx_sshlog_conn_here(struct ctx *x);
struct lconn *kx_sshlog_conn_fresh(struct ctx *x);
void kx_sshlog_process_line(struct kx_sshlog *l, const uint8_t *p, size_t n,
    bool cut, uint64_t line_no);

/* outcome.c */
bool kx_sshlog_msg_outcome(struct ctx *x, struct kx_cursor *m);

#endif
