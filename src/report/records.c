/* The record dispatch (records.h): one place that knows which writer each
 * record goes to in each format. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kexray/report/patterns.h"
#include "kexray/report/records.h"
#include "kexray/stream/workers.h"

const char *const kx_format_names[KX_FMT_MAX] = {
	[KX_FMT_TEXT] = "text", [KX_FMT_BRIEF] = "brief", [KX_FMT_JSON] = "json",
	[KX_FMT_ZEEK] = "zeek", [KX_FMT_EVE] = "eve",
};

static void
before_write(struct kx_records *r)
{
	if (r->out_tty && r->before_write != NULL)
		r->before_write(r->hook_arg);
}

/* --format zeek with --output naming a directory: a Zeek log directory.
 * 1 when it is one (opened; records go to its ssh.log), 0 when not, -1
 * when it cannot be opened. SIGHUP does not reopen it (out_path NULL). */
static int
open_zeek_dir(struct kx_records *r)
{
	struct stat st;

	if (r->format != KX_FMT_ZEEK || r->out_path == NULL ||
	    stat(r->out_path, &st) != 0 || !S_ISDIR(st.st_mode))
		return 0;
	if (kx_zeek_dir_open(&r->zdir, r->out_path) != 0) {
		fprintf(stderr, "kexray: --output %s: %s\n", r->out_path,
		    strerror(errno));
		return -1;
	}
	r->zdir_on = true;
	r->out = r->zdir.f[KX_ZLOG_SSH];
	r->out_path = NULL;
	return 1;
}

int
kx_records_open(struct kx_records *r, bool block)
{
	int fd;

	/* The output first: its descriptor gets the lowest free number,
	 * which a reopen after rotation gets back (output.h). */
	if (open_zeek_dir(r) < 0 || kx_output_open(r->out_path, &r->o) != 0)
		return -1;
	r->out = kx_output_stream(r->o);
	fd = kx_output_fd(r->o);
	/* A Zeek log directory: records go to its ssh.log, standard output
	 * keeps only what is said to it (the summary). */
	if (r->zdir_on) {
		r->out = r->zdir.f[KX_ZLOG_SSH];
		fd = fileno(r->out);
	}
	r->style.color = (r->format == KX_FMT_TEXT || r->format == KX_FMT_BRIEF) &&
	    kx_color_wanted(r->color, fd);
	r->style.verbose = r->verbose;
	r->out_tty = isatty(fd) == 1;
	/* Reading files (or logs) to anything but a terminal, records go
	 * out in 1 MiB blocks; live or on a terminal, each as it ends, to
	 * reach a log pipeline as it happens. */
	if (block && !r->out_tty && kx_output_block(r->o) != 0)
		return -1;
	return 0;
}

int
kx_records_begin(struct kx_records *r, bool hold)
{
	if (r->zdir_on) {
		/* Every log has its header, rows or not. */
		for (int i = 0; r->live && i < KX_ZLOG_MAX; i++)
			if (i != KX_ZLOG_SSH)
				setvbuf(r->zdir.f[i], NULL, _IOLBF, 0);
		kx_zeek_dir_headers(&r->zdir, time(NULL));
		r->zeek_open = true;
	}
	if (hold && r->format == KX_FMT_BRIEF &&
	    (r->hold = kx_brief_hold_new()) == NULL)
		return -1;
	if ((r->scan = kx_scan_hold_new()) == NULL)
		return -1;
	return 0;
}

/* --brief: the line of a connection whose handshake completed waits,
 * reading files, for its end (brief_hold.h); any other is written now,
 * to out. */
static void
brief_line(struct kx_records *r, FILE *out, struct kx_conn *c,
    const struct kx_verdict *v)
{
	char *line = NULL;
	size_t len = 0;
	FILE *ms;

	if (r->hold == NULL || !v->handshake_complete ||
	    (ms = open_memstream(&line, &len)) == NULL) {
		kx_report_brief(out, c, v, &r->style);
		return;
	}
	kx_report_brief(ms, c, v, &r->style);
	if (fclose(ms) != 0 || len == 0 ||
	    !kx_brief_hold_put(r->hold, c->seq_no, line, len - 1))
		fwrite(line != NULL ? line : "", 1, len, out);
	free(line);
}

/* What goes out before a handshake record, to the output itself even when
 * the record is held (scan_hold.h): -w's packets, each KEXINIT's own
 * record the first time its id is seen (offers.h), before any record
 * naming it, and the Zeek header. */
static void
ssh_before(struct kx_records *r, struct kx_events *ev, struct kx_conn *c,
    const struct kx_verdict *v)
{
	/* -w keeps the packets of what the run reports, as tcpdump -w keeps
	 * what its filter selects. */
	if (r->shown != NULL)
		r->shown(r->hook_arg, c);
	before_write(r);
	switch (r->format) {
	case KX_FMT_JSON:
		for (int side = 0; side < 2; side++)
			if (kx_events_kexinit_first(ev, v, side)) {
				kx_report_json_kexinit(r->out, c, v, side);
				kx_output_record(r->o);   /* a record of its own */
			}
		break;
	case KX_FMT_ZEEK:
		for (int side = 0; r->zdir_on && side < 2; side++)
			if (kx_events_kexinit_first(ev, v, side))
				kx_report_zeek_kexinit(r->zdir.f[KX_ZLOG_KEXINIT], c, v,
				    side);
		if (!r->zeek_open)
			kx_report_zeek_header(r->out, time(NULL));
		r->zeek_open = true;
		break;
	default:
		break;
	}
}

/* The handshake record ("ssh") of a connection analysed once (v), in the
 * chosen format, to out. */
static void
ssh_record(struct kx_records *r, FILE *out, struct kx_conn *c,
    const struct kx_verdict *v)
{
	switch (r->format) {
	case KX_FMT_JSON:
		kx_report_json_ssh(out, c, v, r->records_full);
		break;
	case KX_FMT_BRIEF:
		brief_line(r, out, c, v);
		break;
	case KX_FMT_ZEEK:
		kx_report_zeek(out, c, v);
		break;
	case KX_FMT_EVE:
		kx_report_eve(out, c, v);
		break;
	default:
		kx_report_text_styled(out, c, v, &r->style);
		break;
	}
}

static void
write_ssh(struct kx_records *r, struct kx_events *ev, struct kx_conn *c,
    const struct kx_verdict *v)
{
	ssh_before(r, ev, c, v);
	ssh_record(r, r->out, c, v);
	kx_output_record(r->o);
}

/* Selected out: as if a capture filter had left it out. */
static bool
selected(const struct kx_records *r, const struct kx_conn *c)
{
	return !kx_select_active(&r->sel) || kx_select_match(&r->sel, c);
}

int
kx_records_threads(struct kx_records *r, bool on)
{
	if (on && !r->lock_made) {
		if (pthread_mutex_init(&r->lock, NULL) != 0)
			return -1;
		r->lock_made = true;
	}
	r->threaded = on;
	return 0;
}

/* Tries before kx_records_lock sleeps. */
#define KX_RECORDS_SPIN 256

void
kx_records_lock(struct kx_records *r)
{
	if (!r->threaded)
		return;
	/* Held for one record at a time (a few microseconds): a worker that
	 * finds it taken tries again for about as long before it sleeps, as
	 * sleeping and being woken costs more than the wait (two threads
	 * writing records met here tens of thousands of times a run). */
	for (int i = 0; i < KX_RECORDS_SPIN; i++) {
		if (pthread_mutex_trylock(&r->lock) == 0)
			return;
		/* Between tries, leave the lock's cache line to its holder. */
		for (int j = 0; j < 8; j++) {
#if defined(__x86_64__) || defined(__i386__)
			__builtin_ia32_pause();
#endif
		}
	}
	pthread_mutex_lock(&r->lock);
}

void
kx_records_unlock(struct kx_records *r)
{
	if (r->threaded)
		pthread_mutex_unlock(&r->lock);
}

/* With workers: waits for c's turn (workers.h) when what its records say
 * depends on the connections before it (events.h kx_events_depends). */
static void
take_turn(struct kx_records *r, struct kx_events *ev, const struct kx_conn *c,
    const struct kx_verdict *v, bool ended, enum kx_phase ph)
{
	bool dep;

	if (!r->threaded)
		return;
	kx_records_lock(r);
	/* What a source's connections show together is the same in any
	 * order of other sources': with every connection of c's source on
	 * this worker, the patterns need no turn. */
	dep = kx_events_depends(ev, c, v, ended && !kx_workers_client_local(c),
	    ph);
	kx_records_unlock(r);
	if (dep)
		kx_workers_order();
}

void
kx_records_handshake(struct kx_records *r, struct kx_events *ev,
    struct kx_conn *c)
{
	struct kx_verdict v;

	if (!selected(r, c))
		return;
	/* The connection's own analysis is its worker's; the rest under the
	 * lock. */
	kx_events_analyze(ev, c, &v, false);
	take_turn(r, ev, c, &v, false, KX_PHASE_SYN);
	kx_records_lock(r);
	if (kx_events_account(ev, c, &v, false))
		write_ssh(r, ev, c, &v);
	kx_records_unlock(r);
}

/* The close record in the chosen format, to out (side: the Zeek log
 * directory's close.log). together: the handshake record was written just
 * now, from v. */
static void
close_record(struct kx_records *r, FILE *out, FILE *side, struct kx_conn *c,
    const struct kx_close_info *ci, const struct kx_verdict *v, bool together,
    bool hs_problem)
{
	if (r->format == KX_FMT_JSON)
		kx_report_json_close(out, c, ci, r->records_full);
	else if (r->format == KX_FMT_TEXT)
		kx_report_text_close_after(out, c, ci, together ?
		    v->reason : NULL, r->verbose > 0 || hs_problem ||
		    ci->problem);
	else if (r->format == KX_FMT_BRIEF && !together &&
	    kx_brief_hold_write(r->hold, c->seq_no, out))
		/* Its line, held since NEWKEYS, ends with the end. */
		kx_report_brief_end(out, c, ci);
	else if (r->format == KX_FMT_BRIEF && !together && ci->problem)
		/* Not held (live, or past the cap): a second line only when
		 * the end is itself a problem (a forged reset). One that ended
		 * before NEWKEYS said its end on its one line. */
		kx_report_brief_close(out, c, ci);
	else if (r->zdir_on)
		kx_report_zeek_close(side, c, ci);
	else if (r->format == KX_FMT_EVE)
		kx_report_eve_close(out, c, ci);
}

static void
write_close(struct kx_records *r, struct kx_conn *c,
    const struct kx_close_info *ci, const struct kx_verdict *v, bool together,
    bool hs_problem)
{
	before_write(r);
	close_record(r, r->out, r->zdir_on ? r->zdir.f[KX_ZLOG_CLOSE] : NULL, c,
	    ci, v, together, hs_problem);
}

/* A source's connections together (patterns.h): the record of one
 * pattern and source, in each format. */
static void
write_pattern(struct kx_records *r, const struct kx_conn *c,
    const struct kx_pattern_hit *h)
{
	before_write(r);
	if (r->format == KX_FMT_JSON)
		kx_report_json_pattern(r->out, h);
	else if (r->format == KX_FMT_TEXT || r->format == KX_FMT_BRIEF)
		kx_report_text_pattern(r->out, h);
	else if (r->zdir_on)
		kx_report_zeek_notice_pattern(r->zdir.f[KX_ZLOG_NOTICE], h);
	else if (r->format == KX_FMT_EVE)
		kx_report_eve_pattern(r->out, c, h);
}

/* One held connection's records go out (scan_hold.h): as they were
 * rendered (as_scan false) or as one of a scan's connections, counted
 * again as such. */
static void
write_held(struct kx_records *r, struct kx_events *ev, struct kx_scan_held *it,
    bool as_scan)
{
	int k = as_scan ? 1 : 0;

	before_write(r);
	if (it->out[k] != NULL)
		fwrite(it->out[k], 1, it->out_len[k], r->out);
	if (it->side[k] != NULL && r->zdir_on)
		fwrite(it->side[k], 1, it->side_len[k],
		    r->zdir.f[KX_ZLOG_CLOSE]);
	kx_output_record(r->o);
	if (as_scan)
		kx_events_relabel(ev, &it->label[0], &it->label[1]);
	kx_scan_held_free(it);
}

/* A scan crossed (h): the source's connections held from an older window
 * go out as they are, then the scan's record, then those of its window as
 * its connections. */
static void
write_scan(struct kx_records *r, struct kx_events *ev, const struct kx_conn *c,
    const struct kx_pattern_hit *h)
{
	struct kx_scan_held it;
	uint64_t w = h->first_ts;

	/* Older windows' first: the list is oldest first, so each is taken
	 * while the first of the source is not of this window. */
	while (kx_scan_hold_take_source(r->scan, h->ip_version, h->src, NULL,
	    &it)) {
		if (it.window == w) {
			/* Of this window: it and the rest go after the
			 * record, as the scan's. */
			write_pattern(r, c, h);
			kx_output_record(r->o);
			write_held(r, ev, &it, true);
			while (kx_scan_hold_take_source(r->scan, h->ip_version,
			    h->src, &w, &it))
				write_held(r, ev, &it, true);
			return;
		}
		write_held(r, ev, &it, false);
	}
	write_pattern(r, c, h);
	kx_output_record(r->o);
}

/* Renders the records of c's end (its handshake record when shown, its
 * close record when shown) into *out and *side (the Zeek close.log's);
 * false when out of memory. */
static bool
render_end(struct kx_records *r, struct kx_conn *c, const struct kx_verdict *v,
    const struct kx_close_info *ci, const struct kx_label *lb,
    char **out, size_t *out_len, char **side, size_t *side_len)
{
	FILE *mo, *ms = NULL;
	struct kx_hs_outcome saved;
	bool ok;

	*out = *side = NULL;
	*out_len = *side_len = 0;
	if ((mo = open_memstream(out, out_len)) == NULL)
		return false;
	if (r->zdir_on && (ms = open_memstream(side, side_len)) == NULL) {
		fclose(mo);
		free(*out);
		*out = NULL;
		return false;
	}
	/* The close record says the handshake's verdict (kept in
	 * c->hs_outcome by kx_events_account): this rendering's. */
	saved = c->hs_outcome;
	c->hs_outcome = v->outcome;
	if (lb->shown)
		ssh_record(r, mo, c, v);
	if (lb->close_shown)
		close_record(r, mo, ms, c, ci, v, true,
		    kx_verdict_is_problem((enum kx_verdict_kind)lb->kind));
	c->hs_outcome = saved;
	ok = fclose(mo) == 0;
	if (ms != NULL && fclose(ms) != 0)
		ok = false;
	if (!ok) {
		free(*out);
		free(*side);
		*out = *side = NULL;
	}
	return ok;
}

/* c ended before its handshake record (v, ci; lb: as counted) and may be
 * one of a scan's connections (events.h kx_events_scan_pending): its
 * records are rendered twice, as they are and as the scan's, and held
 * (scan_hold.h). False when they are not: the caller writes them now. */
static bool
hold_end(struct kx_records *r, struct kx_events *ev, struct kx_conn *c,
    const struct kx_verdict *v, const struct kx_close_info *ci,
    const struct kx_label *lb, enum kx_phase ph)
{
	struct kx_verdict vs;
	struct kx_scan_held it, old;
	uint64_t window;

	if (r->scan == NULL || !kx_events_scan_pending(ev, c, ph, &window))
		return false;
	/* The relabelled copy of the one result: nothing else changes. */
	vs = *v;
	kx_patterns_as_scan(&vs);
	if (vs.kind == v->kind)
		return false;   /* what it says stays, scan or not */
	memset(&it, 0, sizeof(it));
	it.ip_version = c->ip_version;
	memcpy(it.src, c->ep[KX_CLIENT].addr, 16);
	it.window = window;
	it.until = window + KX_SCAN_WINDOW_US + KX_SCAN_HOLD_GRACE_US;
	it.label[0] = *lb;
	kx_events_label(ev, &vs, &vs.close, false, &it.label[1]);
	if (lb->shown)
		ssh_before(r, ev, c, v);
	if (!render_end(r, c, v, ci, &it.label[0], &it.out[0], &it.out_len[0],
	    &it.side[0], &it.side_len[0]) ||
	    !render_end(r, c, &vs, &vs.close, &it.label[1], &it.out[1],
	    &it.out_len[1], &it.side[1], &it.side_len[1]))
		goto now;
	/* Full: the oldest go out as they are. */
	while (kx_scan_hold_full(r->scan, kx_scan_held_bytes(&it)) &&
	    kx_scan_hold_take_oldest(r->scan, &old))
		write_held(r, ev, &old, false);
	if (kx_scan_hold_put(r->scan, &it))
		return true;
	/* Larger than the whole hold: out now, after its source's. */
	while (kx_scan_hold_take_source(r->scan, it.ip_version, it.src, NULL,
	    &old))
		write_held(r, ev, &old, false);
	write_held(r, ev, &it, false);
	return true;
now:
	/* Out of memory: its source's held ones, then it, written now. */
	kx_scan_held_free(&it);
	while (kx_scan_hold_take_source(r->scan, c->ip_version,
	    c->ep[KX_CLIENT].addr, NULL, &old))
		write_held(r, ev, &old, false);
	if (lb->shown) {
		ssh_record(r, r->out, c, v);
		kx_output_record(r->o);
	}
	if (lb->close_shown)
		write_close(r, c, ci, v, true, kx_verdict_is_problem(
		    (enum kx_verdict_kind)lb->kind));
	return true;
}

/* The brute-force record of c, which took its source over the threshold. */
static void
write_brute(struct kx_records *r, const struct kx_conn *c,
    const struct kx_brute_hit *hit)
{
	if (r->format == KX_FMT_JSON)
		kx_report_json_bruteforce(r->out, hit);
	else if (r->format == KX_FMT_TEXT || r->format == KX_FMT_BRIEF)
		kx_report_text_bruteforce(r->out, hit);
	else if (r->zdir_on)
		kx_report_zeek_notice(r->zdir.f[KX_ZLOG_NOTICE], hit);
	else if (r->format == KX_FMT_EVE)
		kx_report_eve_bruteforce(r->out, c, hit);
}

void
kx_records_drain(struct kx_records *r, struct kx_events *ev,
    uint64_t watermark)
{
	struct kx_conn c;
	struct kx_brute_hit hit;

	while (kx_events_brute_next(ev, watermark, &c, &hit)) {
		before_write(r);
		write_brute(r, &c, &hit);
		kx_output_record(r->o);
	}
}

void
kx_records_end(struct kx_records *r, struct kx_events *ev, struct kx_conn *c)
{
	struct kx_verdict v;
	struct kx_close_info ci;
	struct kx_brute_hit hit;
	struct kx_pattern_hit hits[KX_PAT_MAX];
	struct kx_label lb;
	bool brute, show, together, shown = false, hs_problem;
	int n;

	kx_events_ended(ev, c);
	if (!selected(r, c))
		return;
	/* The connection is analysed once: here when it ended before
	 * NEWKEYS, else at NEWKEYS, and then only how it ended is judged.
	 * That is its worker's own; the rest is under the lock. */
	together = !c->hs_reported;
	if (together) {
		kx_events_analyze(ev, c, &v, true);
		ci = v.close;
	} else {
		kx_analyze_end(c, &ci);
	}
	take_turn(r, ev, c, together ? &v : NULL, true, ci.phase);
	kx_records_lock(r);
	/* The patterns first: the connection that takes its source over
	 * the scan threshold is one of the scan's, after the scan's record
	 * and the connections held for it (scan_hold.h). */
	n = kx_events_patterns(ev, c, ci.phase, hits);
	for (int i = 0; i < n; i++)
		if (hits[i].kind == KX_PAT_SCAN)
			write_scan(r, ev, c, &hits[i]);
	if (together) {
		shown = kx_events_account(ev, c, &v, true);
		ci = v.close;   /* one of a scan's connections: no problem */
	}
	hs_problem = kx_verdict_is_problem(
	    (enum kx_verdict_kind)c->hs_outcome.kind);
	brute = kx_events_close(ev, c, &ci, &show, &hit, kx_workers_key());
	if (together)
		kx_events_label(ev, &v, &ci, hs_problem, &lb);
	if (!together || !hold_end(r, ev, c, &v, &ci, &lb, ci.phase)) {
		if (together && shown)
			write_ssh(r, ev, c, &v);
		if (show)
			write_close(r, c, &ci, &v, together, hs_problem);
	}
	kx_output_record(r->o);
	if (brute)
		write_brute(r, c, &hit);
	for (int i = 0; i < n; i++)
		if (hits[i].kind != KX_PAT_SCAN)
			write_pattern(r, c, &hits[i]);
	kx_output_record(r->o);
	/* With workers: the queued brute-force ends no worker can precede
	 * any more. */
	kx_records_drain(r, ev, kx_workers_watermark(kx_workers_self()));
	kx_records_unlock(r);
}

void
kx_records_time(struct kx_records *r, struct kx_events *ev, uint64_t now_us)
{
	struct kx_scan_held it;
	bool due;

	if (r->scan == NULL)
		return;
	kx_records_lock(r);
	due = kx_scan_hold_due(r->scan, now_us);
	kx_records_unlock(r);
	if (!due)
		return;
	/* With workers, after every end single-threaded reading would have
	 * reported before this time: one that crosses a held window's scan
	 * comes first, as with one worker. */
	if (r->threaded)
		kx_workers_order();
	kx_records_lock(r);
	while (kx_scan_hold_take_due(r->scan, now_us, &it))
		write_held(r, ev, &it, false);
	kx_records_unlock(r);
}

void
kx_records_release(struct kx_records *r, struct kx_events *ev)
{
	struct kx_scan_held it;

	while (kx_scan_hold_take_oldest(r->scan, &it))
		write_held(r, ev, &it, false);
}

void
kx_records_reopen(struct kx_records *r)
{
	if (r->out_path == NULL)
		return;
	/* Zeek closes a rotated log with #close; the new file gets its own
	 * header with its next record. */
	if (r->zeek_open) {
		kx_report_zeek_footer(r->out, time(NULL));
		kx_output_record(r->o);
	}
	r->zeek_open = false;
	(void)kx_output_reopen(r->o);
}

void
kx_records_stats(struct kx_records *r, const struct kx_stats *st,
    const struct kx_capture_counts *cc, const struct kx_events *ev,
    bool final)
{
	if (r->format == KX_FMT_JSON) {
		kx_report_json_stats(r->out, st, cc, &ev->counts, final);
		kx_output_record(r->o);
	} else
		kx_report_text_stats(stderr, st, cc, &ev->counts, final);
}

void
kx_records_summary(struct kx_records *r, struct kx_events *ev,
    const struct kx_summary_extra *x)
{
	struct kx_style es = { .color = kx_color_wanted(r->color, STDERR_FILENO) };

	ev->sum->shown = ev->counts.shown;
	if (r->format == KX_FMT_JSON) {
		kx_report_summary_json(r->out, ev->sum, x);
		kx_output_record(r->o);
	} else if ((r->format == KX_FMT_TEXT || r->format == KX_FMT_BRIEF) &&
	    x->final) {
		kx_report_summary_text(r->out, ev->sum, x, &r->style);
		kx_output_record(r->o);
	} else if (!r->quiet || !x->final)
		kx_report_summary_text(stderr, ev->sum, x, &es);
}

void
kx_records_finish(struct kx_records *r, struct kx_events *ev,
    const struct kx_summary_extra *x)
{
	kx_records_release(r, ev);   /* counted before the summary */
	kx_records_summary(r, ev, x);
	if (r->zeek_open && !r->zdir_on) {
		kx_report_zeek_footer(r->out, time(NULL));
		kx_output_record(r->o);
	}
	r->zeek_open = false;
}

bool
kx_records_close_zeek(struct kx_records *r)
{
	bool ok = true;

	if (!r->zdir_on)
		return true;
	/* #close on each log; r->out was its ssh.log. */
	if (kx_zeek_dir_close(&r->zdir, time(NULL)) != 0) {
		fprintf(stderr, "kexray: output: a Zeek log could not be "
		    "written\n");
		ok = false;
	}
	r->zdir_on = false;
	r->out = stdout;
	return ok;
}

bool
kx_records_close(struct kx_records *r)
{
	bool ok = kx_output_close(r->o) == 0;

	r->o = NULL;
	kx_brief_hold_free(r->hold);
	r->hold = NULL;
	kx_scan_hold_free(r->scan);
	r->scan = NULL;
	if (r->lock_made)
		pthread_mutex_destroy(&r->lock);
	r->lock_made = r->threaded = false;
	return ok;
}
