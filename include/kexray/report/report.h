/* report: the writers (DESIGN "report"): text blocks for people, JSON
 * Lines, Zeek logs (and the Zeek log directory they may go to) and EVE for
 * machines, and the statistics lines. They read the analysis and the
 * run's counts and decide nothing: the verdict is analyze's, what is
 * counted and shown is events', which writer a record goes to is
 * records.h's. Every untrusted string is escaped (STYLE 11). */
#ifndef KEXRAY_REPORT_H
#define KEXRAY_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "kexray/analyze/analyze.h"
#include "kexray/core/escape.h"
#include "kexray/stream/pipeline.h"
#include "kexray/input/sshlog.h"

#define KX_JSON_SCHEMA_VERSION 2

void kx_report_text(FILE *out, const struct kx_conn *c,
    const struct kx_verdict *v);
void kx_report_text_summary(FILE *out, const struct kx_stats *st, uint64_t conns,
    uint64_t shown, uint64_t problems);
/* The last line of a --sshd-log run. */
void kx_report_text_log_summary(FILE *out, const struct kx_sshlog_stats *st,
    uint64_t shown, uint64_t problems);
/* The "ssh" record in full (--records full: every fact inline, null
 * members kept, as schema 1 wrote them). */
void kx_report_json(FILE *out, const struct kx_conn *c,
    const struct kx_verdict *v);
/* The lean "ssh" record (report_lean.c): both KEXINITs by id, unset
 * members left out. */
void kx_report_json_lean(FILE *out, const struct kx_conn *c,
    const struct kx_verdict *v);
/* Lean or full as asked. */
void kx_report_json_ssh(FILE *out, const struct kx_conn *c,
    const struct kx_verdict *v, bool full);
/* The "kexinit" record of side's KEXINIT (KX_CLIENT or KX_SERVER); the
 * caller writes it once per id (offers.h). */
void kx_report_json_kexinit(FILE *out, const struct kx_conn *c,
    const struct kx_verdict *v, int side);
/* The same record as one JSON object, without the newline (the EVE
 * format nests it under "kexray"). */
void kx_report_json_object(FILE *out, const struct kx_conn *c,
    const struct kx_verdict *v);

struct kx_style;   /* color.h */
/* The text block with colour when st says so (kx_report_text: never). */
void kx_report_text_styled(FILE *out, const struct kx_conn *c,
    const struct kx_verdict *v, const struct kx_style *st);
/* --brief: one line per connection (report_brief.c). */
void kx_report_brief(FILE *out, const struct kx_conn *c,
    const struct kx_verdict *v, const struct kx_style *st);
/* --format zeek: a Zeek ssh.log (report_zeek.c). The header opens the log
 * (again after each SIGHUP reopen), the footer closes it; both take the
 * wall-clock time Zeek writes in #open and #close. */
void kx_report_zeek_header(FILE *out, time_t now);
void kx_report_zeek(FILE *out, const struct kx_conn *c,
    const struct kx_verdict *v);
void kx_report_zeek_footer(FILE *out, time_t now);
/* Zeek's ASCII log pieces, shared by the logs of a Zeek log directory
 * (report_zeek_logs.c): a header for path with these columns; a string
 * value escaped as Zeek escapes it ("-" for NULL); "addr<TAB>port" of one
 * side ("-<TAB>-" when a log does not say); auth_success<TAB>auth_attempts
 * from what kexray knows (ci: at the end of the connection, else NULL). */
struct kx_zeek_field {
	const char *name;
	const char *type;
};
void kx_zeek_header(FILE *out, const char *path, const struct kx_zeek_field *f,
    size_t n, time_t now);
void kx_zeek_bytes(FILE *out, const uint8_t *p, size_t len, bool in_set);
void kx_zeek_cstr(FILE *out, const char *s);
void kx_zeek_endpoint(FILE *out, const struct kx_conn *c, int side);
struct kx_close_info;
void kx_zeek_auth(FILE *out, const struct kx_conn *c,
    const struct kx_close_info *ci);

/* A Zeek log directory (--format zeek, -o DIR): ssh.log, and
 * kexray_close.log, kexray_kexinit.log and notice.log (brute force as
 * SSH::Password_Guessing), each with Zeek's header, #close at the end. */
enum kx_zeek_log {
	KX_ZLOG_SSH, KX_ZLOG_CLOSE, KX_ZLOG_KEXINIT, KX_ZLOG_NOTICE, KX_ZLOG_MAX
};
extern const char *const kx_zeek_log_files[KX_ZLOG_MAX];
struct kx_zeek_dir {
	FILE *f[KX_ZLOG_MAX];
	bool begun;                /* the headers are written */
};
/* Opens (appends to) the four logs in dir: 0, or -1 with errno (nothing
 * left open). The headers follow, once the caller has set buffering. */
int kx_zeek_dir_open(struct kx_zeek_dir *d, const char *dir)
    __attribute__((warn_unused_result));
void kx_zeek_dir_headers(struct kx_zeek_dir *d, time_t now);
/* #close on each, and closes them; -1 when a write failed. NULL-safe. */
int kx_zeek_dir_close(struct kx_zeek_dir *d, time_t now);
void kx_report_zeek_close(FILE *out, const struct kx_conn *c,
    const struct kx_close_info *ci);
void kx_report_zeek_kexinit(FILE *out, const struct kx_conn *c,
    const struct kx_verdict *v, int side);
struct kx_brute_hit;
void kx_report_zeek_notice(FILE *out, const struct kx_brute_hit *h);
/* --format eve: Suricata EVE "ssh" events (report_eve.c). */
void kx_report_eve(FILE *out, const struct kx_conn *c,
    const struct kx_verdict *v);

/* The close record (report_close.c): JSON "close" object; the text END
 * block (its last line says how the connection ended); its first line
 * alone for --brief. The "ssh" record comes first (kx_report_json ...),
 * when the handshake outcome is final. */
void kx_report_json_close(FILE *out, const struct kx_conn *c,
    const struct kx_close_info *ci, bool full);
void kx_report_text_close(FILE *out, const struct kx_conn *c,
    const struct kx_close_info *ci);
/* The close record in text after the connection's handshake block:
 * with full false only the END line (an uneventful end of a connection
 * that is no problem); else the whole close block, less its sentence
 * when said (the verdict's reason just written, or NULL) holds it. */
void kx_report_text_close_after(FILE *out, const struct kx_conn *c,
    const struct kx_close_info *ci, const char *said, bool full);
/* The end of a --brief line held since its handshake completed
 * (brief_hold.h): " [phase P, cause, FIN by the client]" and the newline. */
void kx_report_brief_end(FILE *out, const struct kx_conn *c,
    const struct kx_close_info *ci);
void kx_report_brief_close(FILE *out, const struct kx_conn *c,
    const struct kx_close_info *ci);
/* A source that crossed the brute-force threshold (bruteforce.h). */
struct kx_brute_hit;
void kx_report_json_bruteforce(FILE *out, const struct kx_brute_hit *h);
/* The same records as one JSON object, without the newline (EVE nests
 * them); when the connection ended (its closing FIN or RST, else its last
 * packet). */
void kx_report_json_close_object(FILE *out, const struct kx_conn *c,
    const struct kx_close_info *ci, bool full);
void kx_report_json_bruteforce_object(FILE *out, const struct kx_brute_hit *h);
uint64_t kx_close_end_ts(const struct kx_conn *c);
/* --format eve: the close record as a "kexray_close" event, and an "alert"
 * event with kexray's own signature when its closing RST is likely forged;
 * brute force as an "alert" event on the connection that crossed the
 * threshold (report_eve.c). */
void kx_report_eve_close(FILE *out, const struct kx_conn *c,
    const struct kx_close_info *ci);
void kx_report_eve_bruteforce(FILE *out, const struct kx_conn *c,
    const struct kx_brute_hit *h);
void kx_report_text_bruteforce(FILE *out, const struct kx_brute_hit *h);

/* Run-wide counts (events/events.h). */
struct kx_run_counts;

/* Capture-side counts (pcap_stats, live only). */
struct kx_capture_counts {
	bool have_pcap;
	uint64_t recv, drop, ifdrop;
	uint32_t conns_tracked;
};

/* Statistics: a JSON "stats" record on out, or one text line (stderr). */
void kx_report_json_stats(FILE *out, const struct kx_stats *st,
    const struct kx_capture_counts *cc, const struct kx_run_counts *rc,
    bool final);
void kx_report_text_stats(FILE *out, const struct kx_stats *st,
    const struct kx_capture_counts *cc, const struct kx_run_counts *rc,
    bool final);

/* Security verdicts (report/assess.c): JSON members, each written with a
 * leading comma, and the text lines of one connection's block. The
 * members, in order (report/json.c keeps the text of the first and the
 * third, which depend only on the pair, in the memo): ratings to
 * hasshServerAlgorithms; host_key; client_software to advice; would_log. */
void kx_report_assess_json_pair(FILE *out, const struct kx_conn *c,
    const struct kx_verdict *v);
void kx_report_assess_json_hostkey(FILE *out, const struct kx_conn *c,
    const struct kx_verdict *v);
void kx_report_assess_json_advice(FILE *out, const struct kx_conn *c,
    const struct kx_verdict *v);
/* "advice" alone (kx_report_assess_json_advice writes the software
 * first). */
void kx_report_assess_json_advice_only(FILE *out, const struct kx_conn *c,
    const struct kx_verdict *v);
void kx_report_assess_json_would_log(FILE *out, const struct kx_conn *c,
    const struct kx_verdict *v);
/* Fix lines for the weak algorithms in use and Terrapin exposure of a
 * completed handshake (report_fix.c): what to remove, on which side, and
 * what the two sides still agree on after. Nothing otherwise. */
void kx_report_weak_fix_text(FILE *out, const struct kx_conn *c,
    const struct kx_verdict *v);
void kx_report_assess_text(FILE *out, const struct kx_conn *c,
    const struct kx_verdict *v);

/* Zeek-style connection id: "C" and 17 base-62 digits, from the
 * connection's endpoints and first timestamp (stable across runs). */
void kx_conn_uid(const struct kx_conn *c, char out[19]);
/* Address in standard notation (inet_ntop). */
void kx_addr_text(const struct kx_conn *c, int side, char *buf, size_t len);
/* An IPv6 address as inet_ntop writes it (RFC 5952: lower-case hex, the
 * first longest run of two or more zero groups as "::", an IPv4-mapped or
 * -compatible address's last 32 bits in dotted decimal), without its
 * printf; returns the length written, out NUL-terminated. */
#define KX_IP6_TEXT_MAX 46
size_t kx_ip6_text(const uint8_t a[16], char out[KX_IP6_TEXT_MAX]);

/* A record assembled in a local buffer and handed to stdio in a few large
 * writes: stdio's per-call cost (about a thousand instructions for a
 * fprintf), not the bytes, dominated the records' small pieces.
 * kx_sb_flush at the end (and before writing to out directly). */
struct kx_sb {
	FILE *out;
	size_t n;
	char b[2048];
};
void kx_sb_init(struct kx_sb *s, FILE *out);
void kx_sb_flush(struct kx_sb *s);
/* Past the buffer: flush, and a piece larger than it goes out directly. */
void kx_sb_mem_slow(struct kx_sb *s, const void *p, size_t n);

/* Inline: a record is a few hundred small pieces. */
static inline void
kx_sb_mem(struct kx_sb *s, const void *p, size_t n)
{
	if (n > sizeof(s->b) - s->n) {
		kx_sb_mem_slow(s, p, n);
		return;
	}
	memcpy(s->b + s->n, p, n);
	s->n += n;
}

static inline void
kx_sb_put(struct kx_sb *s, const char *str)
{
	kx_sb_mem(s, str, strlen(str));
}

static inline void
kx_sb_putc(struct kx_sb *s, char c)
{
	if (s->n == sizeof(s->b))
		kx_sb_flush(s);
	s->b[s->n++] = c;
}
void kx_sb_u(struct kx_sb *s, uint64_t v);
void kx_sb_us(struct kx_sb *s, uint64_t us);
/* p as a JSON string, quoted and escaped as kx_json_string writes it. */
void kx_sb_json(struct kx_sb *s, const uint8_t *p, size_t len);
void kx_sb_printf(struct kx_sb *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
#define KX_SB_PUTS(s, lit) kx_sb_mem((s), "" lit, sizeof(lit) - 1)
/* A plain name (a table's, no escaping needed) quoted, or null for NULL. */
void kx_sb_name(struct kx_sb *s, const char *name);
/* ,"log":{...}: what a record read from a log adds (docs/sshd-log.md);
 * unset members null (nulls) or left out; nothing for NULL. */
struct kx_logconn;
void kx_sb_log(struct kx_sb *s, const struct kx_logconn *lg, bool nulls);
/* ,"id.orig_h":"A","id.orig_p":N and the same for resp; an endpoint a log
 * does not name is null (nulls) or left out. */
void kx_sb_endpoints(struct kx_sb *s, const struct kx_conn *c, bool nulls);
/* The value of "close" and the member "close_after", as both the ssh and
 * the close record write them: "fin","close_after":"server KEXINIT". */
void kx_sb_close_how(struct kx_sb *s, const struct kx_conn *c);
/* ,"midstream":B,"evicted":B,"duration":SECONDS (microsecond digits), as
 * both the full and the lean close members write them. */
void kx_sb_tail_times(struct kx_sb *s, const struct kx_conn *c);
/* A connection record's opening: {"type":"TYPE","schema_version":N,
 * "ts":FIRST,"uid":"...", then community_id (kx_sb_community_id, nulls). */
void kx_sb_record_head(struct kx_sb *s, const char *type,
    const struct kx_conn *c, bool nulls);
/* The whole seconds of a microsecond time as ISO 8601 in UTC
 * ("2024-03-09T16:00:00"); buf holds at least 32 bytes. */
void kx_iso_seconds(uint64_t ts_us, char buf[32]);
/* A side's softwareversion (RFC 4253 4.2) without "SSH-2.0-" and comments,
 * escaped for text; the whole line when it did not parse; "?" without a
 * banner. */
void kx_text_software(FILE *out, const struct kx_ssh_side *s);
/* ,"community_id":"1:..." (community_id.h, the run's seed) after the
 * uid; without endpoints (a log that does not name them) nothing, or null
 * when keep_null (--records full keeps null members). */
void kx_sb_community_id(struct kx_sb *s, const struct kx_conn *c,
    bool keep_null);

#endif
