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
	return 0;
}

/* --brief: the line of a connection whose handshake completed waits,
 * reading files, for its end (brief_hold.h); any other is written now. */
static void
brief_line(struct kx_records *r, struct kx_conn *c, const struct kx_verdict *v)
{
	char *line = NULL;
	size_t len = 0;
	FILE *ms;

	if (r->hold == NULL || !v->handshake_complete ||
	    (ms = open_memstream(&line, &len)) == NULL) {
		kx_report_brief(r->out, c, v, &r->style);
		return;
	}
	kx_report_brief(ms, c, v, &r->style);
	if (fclose(ms) != 0 || len == 0 ||
	    !kx_brief_hold_put(r->hold, c->seq_no, line, len - 1))
		fwrite(line != NULL ? line : "", 1, len, r->out);
	free(line);
}

/* The handshake record ("ssh") of a connection analysed once (v), in the
 * chosen format; in JSON each KEXINIT's own record first, the first time
 * its id is seen (offers.h). */
static void
write_ssh(struct kx_records *r, struct kx_events *ev, struct kx_conn *c,
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
		kx_report_json_ssh(r->out, c, v, r->records_full);
		break;
	case KX_FMT_BRIEF:
		brief_line(r, c, v);
		break;
	case KX_FMT_ZEEK:
		for (int side = 0; r->zdir_on && side < 2; side++)
			if (kx_events_kexinit_first(ev, v, side))
				kx_report_zeek_kexinit(r->zdir.f[KX_ZLOG_KEXINIT], c, v,
				    side);
		if (!r->zeek_open)
			kx_report_zeek_header(r->out, time(NULL));
		r->zeek_open = true;
		kx_report_zeek(r->out, c, v);
		break;
	case KX_FMT_EVE:
		kx_report_eve(r->out, c, v);
		break;
	default:
		kx_report_text_styled(r->out, c, v, &r->style);
		break;
	}
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

void
kx_records_lock(struct kx_records *r)
{
	if (r->threaded)
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
	dep = kx_events_depends(ev, c, v, ended, ph);
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
	kx_events_analyze(ev, c, &v);
	take_turn(r, ev, c, &v, false, KX_PHASE_SYN);
	kx_records_lock(r);
	if (kx_events_account(ev, c, &v, false))
		write_ssh(r, ev, c, &v);
	kx_records_unlock(r);
}

/* The close record in the chosen format. together: the handshake record
 * was written just now, from v. */
static void
write_close(struct kx_records *r, struct kx_conn *c,
    const struct kx_close_info *ci, const struct kx_verdict *v, bool together,
    bool hs_problem)
{
	before_write(r);
	if (r->format == KX_FMT_JSON)
		kx_report_json_close(r->out, c, ci, r->records_full);
	else if (r->format == KX_FMT_TEXT)
		kx_report_text_close_after(r->out, c, ci, together ?
		    v->reason : NULL, r->verbose > 0 || hs_problem ||
		    ci->problem);
	else if (r->format == KX_FMT_BRIEF && !together &&
	    kx_brief_hold_write(r->hold, c->seq_no, r->out))
		/* Its line, held since NEWKEYS, ends with the end. */
		kx_report_brief_end(r->out, c, ci);
	else if (r->format == KX_FMT_BRIEF && !together && ci->problem)
		/* Not held (live, or past the cap): a second line only when
		 * the end is itself a problem (a forged reset). One that ended
		 * before NEWKEYS said its end on its one line. */
		kx_report_brief_close(r->out, c, ci);
	else if (r->zdir_on)
		kx_report_zeek_close(r->zdir.f[KX_ZLOG_CLOSE], c, ci);
	else if (r->format == KX_FMT_EVE)
		kx_report_eve_close(r->out, c, ci);
}

/* A source's connections together (patterns.h): one record per pattern
 * and source, in JSON and text (brief too). */
static void
write_patterns(struct kx_records *r, struct kx_events *ev,
    const struct kx_conn *c, enum kx_phase ph)
{
	struct kx_pattern_hit hits[KX_PAT_MAX];
	int n = kx_events_patterns(ev, c, ph, hits);

	for (int i = 0; i < n; i++) {
		if (r->format == KX_FMT_JSON)
			kx_report_json_pattern(r->out, &hits[i]);
		else if (r->format == KX_FMT_TEXT || r->format == KX_FMT_BRIEF)
			kx_report_text_pattern(r->out, &hits[i]);
		else if (r->zdir_on)
			kx_report_zeek_notice_pattern(r->zdir.f[KX_ZLOG_NOTICE],
			    &hits[i]);
		else if (r->format == KX_FMT_EVE)
			kx_report_eve_pattern(r->out, c, &hits[i]);
	}
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
	bool brute, show, together;

	kx_events_ended(ev, c);
	if (!selected(r, c))
		return;
	/* The connection is analysed once: here when it ended before
	 * NEWKEYS, else at NEWKEYS, and then only how it ended is judged.
	 * That is its worker's own; the rest is under the lock. */
	together = !c->hs_reported;
	if (together) {
		kx_events_analyze(ev, c, &v);
		ci = v.close;
	} else {
		kx_analyze_end(c, &ci);
	}
	take_turn(r, ev, c, together ? &v : NULL, true, ci.phase);
	kx_records_lock(r);
	if (together) {
		if (kx_events_account(ev, c, &v, true))
			write_ssh(r, ev, c, &v);
		ci = v.close;   /* one of a scan's connections: no problem */
	}
	brute = kx_events_close(ev, c, &ci, &show, &hit, kx_workers_key());
	if (show)
		write_close(r, c, &ci, &v, together, kx_verdict_is_problem(
		    (enum kx_verdict_kind)c->hs_outcome.kind));
	kx_output_record(r->o);
	if (brute)
		write_brute(r, c, &hit);
	write_patterns(r, ev, c, ci.phase);
	kx_output_record(r->o);
	/* With workers: the queued brute-force ends no worker can precede
	 * any more. */
	kx_records_drain(r, ev, kx_workers_watermark(kx_workers_self()));
	kx_records_unlock(r);
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
	if (r->lock_made)
		pthread_mutex_destroy(&r->lock);
	r->lock_made = r->threaded = false;
	return ok;
}
