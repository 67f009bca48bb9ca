/* kexray: wires the stages together (docs/architecture.md). The command
 * line is read by options.c, records are written by report/records.c from
 * what events/events.c decides; here the inputs are opened, privileges
 * dropped, and each frame (or log) is handed to the pipeline (or the log
 * reader), whose connections come back through two callbacks. With
 * --workers N, a pipeline per worker thread (stream/workers.h): reading
 * files the frames go to the workers, live each reads its own handle of a
 * fanout group (input/fanout.h); the callbacks are the same, and
 * records.c takes them one at a time through what spans connections. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kexray/events/events.h"
#include "kexray/input/capture.h"
#include "kexray/input/evidence.h"
#include "kexray/input/fanout.h"
#include "kexray/input/privilege.h"
#include "kexray/input/progress.h"
#include "kexray/input/sshlog.h"
#include "kexray/options.h"
#include "kexray/report/records.h"
#include "kexray/stream/pipeline.h"
#include "kexray/stream/workers.h"

struct run {
	struct kx_options opt;      /* the command line; opt.rec writes records */
	struct kx_records *rec;     /* &opt.rec */
	struct kx_events *ev;       /* across connections */
	struct kx_pipeline *pl;
	struct kx_live *cap;
	bool interrupted;           /* SIGINT/SIGTERM before the input's end */
	int ev_fd;                  /* -w reading files: created before the drop */
	struct kx_evidence_writer *evw;   /* -w */
	uint64_t next_stats_us;     /* --stats-interval */
	uint64_t frames_read;       /* -c */
	struct kx_progress *progress;
	bool follow_warned;
	/* --workers N (workers.h, docs/scale-out.md): a pipeline each; the
	 * records' lock (records.h) serialises what spans connections. */
	struct kx_pipeline *pls[KX_WORKERS_MAX];
	struct kx_workers *wk;
	struct kx_stats wstats;     /* the workers' sum (run_stats) */
	struct kx_live *caps[KX_WORKERS_MAX];   /* live: a handle each */
	bool live_failed;
};

/* The pipeline's statistics, or the sum of the workers'. */
static const struct kx_stats *
run_stats(struct run *r, uint32_t *conns)
{
	if (r->wk == NULL) {
		*conns = kx_pipeline_conns(r->pl);
		return kx_pipeline_stats(r->pl);
	}
	kx_workers_stats(r->wk, &r->wstats, conns);
	return &r->wstats;
}

/* pcap_stats of the live handle, or the sum over the workers' handles. */
static void
capture_counts(struct run *r, struct kx_capture_counts *cc)
{
	unsigned n = r->opt.nworkers > 1 ? r->opt.nworkers : 1u;

	memset(cc, 0, sizeof(*cc));
	for (unsigned i = 0; r->cap != NULL && i < n; i++) {
		struct kx_live *l = r->opt.nworkers > 1 ? r->caps[i] : r->cap;
		uint64_t rv, dr, ifd;

		if (l == NULL || kx_live_stats(l, &rv, &dr, &ifd) != 0)
			continue;
		cc->have_pcap = true;
		cc->recv += rv;
		cc->drop += dr;
		/* Every handle sees the same interface's drops. */
		if (i == 0)
			cc->ifdrop = ifd;
	}
}

static void
print_stats(struct run *r, bool final)
{
	struct kx_capture_counts cc;
	const struct kx_stats *st;
	uint32_t conns = 0;

	capture_counts(r, &cc);
	st = run_stats(r, &conns);
	cc.conns_tracked = conns;
	kx_records_stats(r->rec, st, &cc, r->ev, final);
}

/* The summary so far (final: at the end), with what the inputs know. */
static void
print_summary(struct run *r, bool final, const struct kx_sshlog_stats *logst)
{
	struct kx_capture_counts cc;
	struct kx_summary_extra x = { .cc = &cc, .logstats = logst,
	    .final = final, .interrupted = final && r->interrupted };

	uint32_t conns;

	capture_counts(r, &cc);
	if ((r->pl != NULL || r->wk != NULL) && logst == NULL)
		x.stats = run_stats(r, &conns);
	if (final)
		kx_records_finish(r->rec, r->ev, &x);
	else
		kx_records_summary(r->rec, r->ev, &x);
}

/* Signals are only flagged in their handlers; they are acted on here. */
static void
handle_flags(struct run *r, uint64_t now_us)
{
	if (kx_capture_hup) {
		kx_capture_hup = 0;
		kx_records_reopen(r->rec);
	}
	if (kx_capture_usr1) {
		kx_capture_usr1 = 0;
		print_stats(r, false);
		print_summary(r, false, NULL);
	}
	if (r->opt.stats_interval_us != 0 && now_us >= r->next_stats_us) {
		if (r->next_stats_us != 0)
			print_stats(r, false);
		r->next_stats_us = now_us + r->opt.stats_interval_us;
	}
}

/* records.h's hooks: the progress line steps aside for a record on the
 * terminal; -w keeps the packets of each connection reported. */
static void
hide_progress(void *arg)
{
	struct run *r = arg;

	kx_progress_hide(r->progress);
}

static void
keep_evidence(void *arg, const struct kx_conn *c)
{
	struct run *r = arg;

	if (r->evw != NULL)
		kx_evidence_write(r->evw, kx_conn_evidence(c));
}

/* The handshake record, once its outcome is final: at NEWKEYS both ways
 * (kx_pipeline_on_handshake_last). */
static void
on_handshake(struct kx_conn *c, void *arg)
{
	struct run *r = arg;

	kx_records_handshake(r->rec, r->ev, c);
}

/* A connection ended (closed, timed out, evicted, or the input ended). */
static void
on_conn(struct kx_conn *c, void *arg)
{
	struct run *r = arg;

	kx_records_end(r->rec, r->ev, c);
}

/* Packet time passed (kx_pipeline_on_time): records held for a scan whose
 * window is over go out. */
static void
on_time(uint64_t now_us, void *arg)
{
	struct run *r = arg;

	kx_records_time(r->rec, r->ev, now_us);
}

/* SSH found on a port not given to --port: the live filter lets that
 * port's traffic in from now on, so its KEXINITs (in as many segments as
 * they take) and its encrypted traffic are seen as on the SSH ports. */
static void
follow_port(uint16_t port, void *arg)
{
	struct run *r = arg;
	int fail = 0;

	/* With workers, on any worker's thread: every handle widens. */
	kx_records_lock(r->rec);
	if (r->opt.nworkers > 1)
		for (unsigned i = 0; i < r->opt.nworkers; i++)
			fail |= kx_live_follow_port(r->caps[i], r->opt.cfg.ports,
			    r->opt.cfg.nports, port);
	else
		fail = kx_live_follow_port(r->cap, r->opt.cfg.ports,
		    r->opt.cfg.nports, port);
	if (fail != 0 && !r->follow_warned) {
		r->follow_warned = true;
		fprintf(stderr, "kexray: SSH on port %u: cannot widen the capture "
		    "filter for it (give --port %u)\n", port, port);
	}
	kx_records_unlock(r->rec);
}

static void
on_frame(void *arg, int dlt, const uint8_t *frame, uint32_t caplen,
    uint32_t wirelen, uint64_t ts_us, uint64_t frame_no)
{
	struct run *r = arg;

	if (r->evw == NULL && r->ev_fd >= 0 && !r->opt.live) {
		/* Reading files: the first frame tells the link type. */
		r->evw = kx_evidence_open_fd(r->ev_fd, r->opt.ev_path, dlt);
		r->ev_fd = -1;
	}
	if (r->wk != NULL)
		kx_workers_frame(r->wk, dlt, frame, caplen, wirelen, ts_us,
		    frame_no);
	else
		kx_pipeline_frame(r->pl, dlt, frame, caplen, wirelen, ts_us,
		    frame_no);
	/* -c COUNT, as tcpdump: stop after COUNT packets (after the filter). */
	if (r->opt.max_frames != 0 && ++r->frames_read >= r->opt.max_frames)
		kx_capture_stop = 1;
	if (kx_capture_hup || kx_capture_usr1) {
		kx_records_lock(r->rec);
		handle_flags(r, ts_us);
		kx_records_unlock(r->rec);
	}
	if (r->progress != NULL && (frame_no & (KX_PROGRESS_FRAMES - 1)) == 0) {
		uint32_t conns;
		const struct kx_stats *st = run_stats(r, &conns);

		/* With workers: frames read, and what they have handled. */
		kx_progress_tick(r->progress, r->wk != NULL ? frame_no :
		    st->frames, st->ssh_conns + conns);
	}
}

/* Live with --workers: worker idx's frames, from its own handle. */
struct live_worker {
	struct run *r;
	struct kx_workers *w;
	unsigned idx;
	struct kx_pipeline *pl;
};

static void
on_frame_worker(void *arg, int dlt, const uint8_t *frame, uint32_t caplen,
    uint32_t wirelen, uint64_t ts_us, uint64_t frame_no)
{
	struct live_worker *lw = arg;
	struct run *r = lw->r;

	kx_pipeline_frame(lw->pl, dlt, frame, caplen, wirelen, ts_us, frame_no);
	if (r->opt.max_frames != 0 && __atomic_add_fetch(&r->frames_read, 1,
	    __ATOMIC_RELAXED) >= r->opt.max_frames)
		kx_capture_stop = 1;
}

static void
on_tick_worker(void *arg, uint64_t now_us)
{
	struct live_worker *lw = arg;

	kx_pipeline_tick(lw->pl, now_us);
	kx_workers_publish(lw->w, lw->idx);
	/* Signals and the statistics timer: one worker acts on them. */
	if (lw->idx == 0) {
		kx_records_lock(lw->r->rec);
		handle_flags(lw->r, now_us);
		kx_records_unlock(lw->r->rec);
	}
}

static void
live_worker_run(struct kx_workers *w, unsigned idx, struct kx_pipeline *pl,
    void *arg)
{
	struct run *r = arg;
	struct live_worker lw = { .r = r, .w = w, .idx = idx, .pl = pl };

	if (kx_live_run(r->caps[idx], on_frame_worker, on_tick_worker, &lw) != 0) {
		kx_records_lock(r->rec);
		r->live_failed = true;
		kx_records_unlock(r->rec);
		kx_capture_stop = 1;   /* one handle failed: all stop */
	}
}

/* A worker thread ends: what it kept for itself (its memo and caches). */
static void
worker_end(void *arg)
{
	(void)arg;
	kx_analyze_thread_end();
}

static void
on_tick(void *arg, uint64_t now_us)
{
	struct run *r = arg;

	kx_pipeline_tick(r->pl, now_us);
	handle_flags(r, now_us);
}

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		kx_capture_hup = 1;
	else if (sig == SIGUSR1)
		kx_capture_usr1 = 1;
	else
		kx_capture_stop = 1;
}

static void
install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* SIGINT and SIGTERM without SA_RESTART: a read blocked on a pipe or
	 * a FIFO returns EINTR, and the loop sees the stop. Writes retry
	 * (output.c), so no record is cut. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* SIGHUP and SIGUSR1 ask for something and the run goes on: every
	 * read and write they interrupt resumes (poll(2) still returns EINTR,
	 * whatever the flag, so a live capture acts on them at once). */
	sa.sa_flags = SA_RESTART;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
}

/* Standard input, when it is not an input, becomes /dev/null: nothing
 * read after the drop can come from the terminal kexray was started on.
 * Returns 0, or -1 after one line on stderr. */
static int
detach_stdin(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || (fd != STDIN_FILENO && dup2(fd, STDIN_FILENO) < 0)) {
		fprintf(stderr, "kexray: /dev/null: %s\n", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (fd != STDIN_FILENO)
		close(fd);
	return 0;
}

/* Everything is open: gives up root and capabilities (-Z user, or the
 * default user when started as root) and enters the sandbox, allowed to
 * write only to the outputs. Returns 0, or an exit status after one line
 * on stderr. */
static int
confine(struct run *r, bool keep_stdin)
{
	struct kx_sandbox sb = { .nwrite = 0, .trunc_fd = -1,
	    .threads = r->opt.nworkers > 1 };
	const struct kx_records *rec = r->rec;
	const char *user = r->opt.user;

	if (!keep_stdin && detach_stdin() != 0)
		return KX_EXIT_INPUT;
	if (user == NULL)
		user = kx_priv_default_user();
	kx_sandbox_prepare();
	if (kx_priv_drop(user) != 0)
		return KX_EXIT_USAGE;
	if (user != NULL && strcmp(user, "root") != 0 &&
	    kx_output_check_dir(rec->o, user) != 0)
		return KX_EXIT_USAGE;
	kx_sandbox_allow_write(&sb, kx_output_fd(rec->o));
	kx_sandbox_allow_write(&sb, STDERR_FILENO);
	kx_sandbox_allow_write(&sb, r->ev_fd);
	kx_sandbox_allow_write(&sb, kx_evidence_fd(r->evw));
	kx_sandbox_allow_write(&sb, kx_hostkeys_journal_fd(r->ev->hostkeys));
	for (int i = 0; rec->zdir_on && i < KX_ZLOG_MAX; i++)
		kx_sandbox_allow_write(&sb, fileno(rec->zdir.f[i]));
	kx_sandbox_allow_dir(&sb, kx_output_dirfd(rec->o));
	sb.trunc_fd = kx_output_fd(rec->o);
	if (kx_sandbox_enter(&sb) < 0)
		return KX_EXIT_INPUT;
	return 0;
}

static int
exit_status(const struct run *r, bool input_failed)
{
	if (input_failed)
		return KX_EXIT_INPUT;
	if (kx_events_any_problem(r->ev, r->opt.fail_on_weak) && !r->opt.live)
		return KX_EXIT_PROBLEMS;
	return KX_EXIT_NOPROBLEM;
}

/* --sshd-log: the same diagnosis from sshd's (or ssh -v's) own debug log
 * (sshlog.h) instead of packets. Returns the exit status. */
static int
run_sshd_logs(struct run *r)
{
	const char **paths = r->opt.files;
	int n = r->opt.nfiles;
	struct kx_sshlog *sl = NULL;
	FILE **fs;
	bool failed = false, use_stdin = false;
	int st = 0;

	if ((fs = calloc((size_t)n, sizeof(*fs))) == NULL) {
		fputs("kexray: out of memory\n", stderr);
		return KX_EXIT_INPUT;
	}
	if (kx_records_open(r->rec, true) != 0) {
		free(fs);
		return KX_EXIT_USAGE;
	}
	(void)kx_records_begin(r->rec, false);
	/* Every log is opened before the drop; one that cannot be is said
	 * in its turn. */
	for (int i = 0; i < n; i++) {
		if (strcmp(paths[i], "-") == 0) {
			fs[i] = stdin;
			use_stdin = true;
		} else if ((fs[i] = fopen(paths[i], "rb")) == NULL) {
			fprintf(stderr, "kexray: %s: cannot open log: %s\n",
			    paths[i], strerror(errno));
			failed = true;
		}
	}
	install_signals();
	if ((st = confine(r, use_stdin)) != 0)
		goto out;
	if ((sl = kx_sshlog_new(on_conn, r)) == NULL) {
		fputs("kexray: out of memory\n", stderr);
		st = KX_EXIT_INPUT;
		goto out;
	}
	for (int i = 0; i < n && !kx_capture_stop; i++) {
		if (fs[i] == NULL)
			continue;
		if (kx_sshlog_read_stream(sl, fs[i], paths[i],
		    &kx_capture_stop) != KX_OK)
			failed = true;
		fs[i] = NULL;
	}
	r->interrupted = r->ev->interrupted = kx_capture_stop != 0;
	kx_sshlog_finish(sl);
	print_summary(r, true, kx_sshlog_stats(sl));
	st = exit_status(r, failed);
out:
	for (int i = 0; i < n; i++)
		if (fs[i] != NULL && fs[i] != stdin)
			fclose(fs[i]);
	free(fs);
	kx_sshlog_free(sl);
	return st;
}

/* One pipeline, or one per worker with a share of the caps. Returns 0,
 * or -1 when out of memory. */
static int
make_pipelines(struct run *r)
{
	struct kx_pipeline_config wc;

	kx_workers_share(&r->opt.cfg, r->opt.nworkers, &wc);
	for (unsigned i = 0; i < r->opt.nworkers; i++) {
		if ((r->pls[i] = kx_pipeline_new(&wc, on_conn, r)) == NULL)
			return -1;
		kx_pipeline_on_handshake_last(r->pls[i], on_handshake);
		kx_pipeline_on_time(r->pls[i], on_time);
		if (r->opt.follow_ports)
			kx_pipeline_on_ssh_port(r->pls[i], follow_port);
	}
	r->pl = r->opt.nworkers > 1 ? NULL : r->pls[0];
	return 0;
}

/* --workers N > 1: the threads, after the drop and the sandbox (they
 * inherit both; sandbox.c lets a thread be made and end). Returns 0, or
 * -1 after one line on stderr. */
static int
start_workers(struct run *r)
{
	if (kx_records_threads(r->rec, true) != 0 ||
	    (!r->opt.live && !kx_events_queue_brute(r->ev))) {
		fputs("kexray: out of memory\n", stderr);
		return -1;
	}
	if (kx_workers_start(r->opt.nworkers, r->pls, r->opt.live ?
	    live_worker_run : NULL, worker_end, r, &r->wk) != 0) {
		fputs("kexray: cannot start the workers\n", stderr);
		return -1;
	}
	kx_workers_route(r->wk, r->opt.cfg.ports, r->opt.cfg.nports);
	for (unsigned i = 0; i < r->opt.nworkers; i++)
		r->pls[i] = NULL;   /* the workers' now */
	return 0;
}

/* -r FILE ... or -i IFACE: packets. Returns the exit status. */
static int
run_packets(struct run *r)
{
	struct kx_options *o = &r->opt;
	const char **files = o->files;
	int nfiles = o->nfiles, *fds = NULL;   /* -r: descriptor and errno per input */
	int status, input_failed = 0;

	/* The output first: its descriptor gets the lowest free number,
	 * which a reopen after rotation gets back (output.h). Reading files
	 * to anything but a terminal, records go out in 1 MiB blocks;
	 * live, each as it ends, to reach a log pipeline as it happens. */
	if (kx_records_open(r->rec, !o->live) != 0)
		return KX_EXIT_USAGE;
	install_signals();
	if (o->live) {
		o->lo.filter = o->filter;
		o->lo.immediate = o->immediate || isatty(STDOUT_FILENO);
		if (kx_live_open(&o->lo, &r->cap) != 0)
			return KX_EXIT_INPUT;
		/* --workers, --fanout-group: more handles, one fanout
		 * group, before the drop. */
		if ((o->nworkers > 1 || o->fanout_group >= 0) &&
		    kx_fanout_open(&o->lo, r->cap, o->nworkers,
		    (int)o->fanout_group, r->caps) != 0)
			return KX_EXIT_INPUT;
		/* An output that cannot be opened is a usage error, as
		 * --output's. */
		if (o->ev_path != NULL && (r->evw = kx_evidence_open(o->ev_path,
		    kx_live_datalink(r->cap))) == NULL)
			return KX_EXIT_USAGE;
		if ((status = confine(r, false)) != 0)
			return status;
	} else {
		bool use_stdin = false;

		if ((fds = calloc((size_t)nfiles, 2 * sizeof(*fds))) == NULL)
			return KX_EXIT_INPUT;
		/* Every input is opened before the drop; one that cannot be
		 * is said in its turn, as before. */
		for (int i = 0; i < nfiles; i++) {
			fds[2 * i] = kx_capture_open_input(files[i]);
			fds[2 * i + 1] = fds[2 * i] < 0 ? errno : 0;
			use_stdin |= fds[2 * i] == STDIN_FILENO;
		}
		if (o->ev_path != NULL &&
		    (r->ev_fd = kx_evidence_create(o->ev_path)) < 0) {
			status = KX_EXIT_USAGE;
			goto out;
		}
		/* The sizes of the inputs, by path, while they can be seen. */
		r->progress = kx_progress_new(files, nfiles, o->rec.quiet, stderr);
		if ((status = confine(r, use_stdin)) != 0)
			goto out;
	}
	/* --brief holds a line by its connection's number, which is a
	 * worker's own: with workers, lines are written as live. */
	if (make_pipelines(r) != 0 ||
	    kx_records_begin(r->rec, !o->live && o->nworkers == 1) != 0) {
		fputs("kexray: out of memory\n", stderr);
		status = KX_EXIT_INPUT;
		goto out;
	}
	if (o->nworkers > 1 && start_workers(r) != 0) {
		status = KX_EXIT_INPUT;
		goto out;
	}
	if (o->live && r->wk != NULL) {
		kx_workers_finish(r->wk);   /* each runs until the stop flag */
		if (r->live_failed)
			input_failed = 1;
	} else if (o->live) {
		if (kx_live_run(r->cap, on_frame, on_tick, r) != 0)
			input_failed = 1;
	} else {
		for (int i = 0; i < nfiles && !kx_capture_stop; i++) {
			kx_progress_begin(r->progress, i, kx_capture_file_offset);
			if (kx_capture_fd(fds[2 * i], fds[2 * i + 1], files[i],
			    o->filter, on_frame, r) != 0)
				input_failed = 1;
			fds[2 * i] = -1;
		}
		/* Stopped before the last input's end: the report says so. */
		r->interrupted = kx_capture_stop != 0;
		__atomic_store_n(&r->ev->interrupted, r->interrupted,
		    __ATOMIC_RELEASE);
		/* Every worker reports what it still holds, and ends; then
		 * the brute-force ends still queued are counted. */
		kx_workers_finish(r->wk);
		kx_progress_free(r->progress);
		r->progress = NULL;
		if (r->evw == NULL && r->ev_fd >= 0) {
			/* No frame at all: an empty capture, still valid. */
			r->evw = kx_evidence_open_fd(r->ev_fd, o->ev_path, 1);
			r->ev_fd = -1;
		}
	}
	if (r->pl != NULL)
		kx_pipeline_finish(r->pl);
	(void)kx_records_threads(r->rec, false);   /* every worker has ended */
	kx_records_drain(r->rec, r->ev, UINT64_MAX);
	kx_records_release(r->rec, r->ev);   /* what waited for a scan */
	if (r->wk != NULL && kx_workers_stalls(r->wk) > 0 && !o->rec.quiet)
		fprintf(stderr, "kexray: the reader waited %llu times for a "
		    "busy worker\n", (unsigned long long)kx_workers_stalls(r->wk));
	if (o->live || o->stats_interval_us != 0)
		print_stats(r, true);
	/* Nothing read because an input could not be: its one line says
	 * all; a summary of nothing would bury it. */
	uint32_t nconns;

	if (!input_failed || run_stats(r, &nconns)->frames > 0)
		print_summary(r, true, NULL);
	status = exit_status(r, input_failed);
out:
	for (int i = 0; fds != NULL && i < nfiles; i++)
		if (fds[2 * i] > STDIN_FILENO)
			close(fds[2 * i]);
	free(fds);
	return status;
}

int
main(int argc, char **argv)
{
	struct run run = { .ev_fd = -1 };
	struct kx_hostkeys *hk = NULL;
	int status;

	run.rec = &run.opt.rec;
	if ((status = kx_options_parse(&run.opt, argc, argv)) >= 0)
		goto out;
	run.rec->live = run.opt.live;
	run.rec->before_write = hide_progress;
	run.rec->shown = keep_evidence;
	run.rec->hook_arg = &run;
	/* Read before privileges are dropped; the state file may not exist
	 * and is appended to as keys are learned. */
	switch (kx_hostkeys_open(run.opt.known_hosts_path,
	    run.opt.host_keys_path, &hk)) {
	case KX_OK:
		break;
	case KX_LIMIT:
		status = KX_EXIT_OUTPUT;
		goto out;
	default:
		status = KX_EXIT_INPUT;
		goto out;
	}
	if ((run.ev = kx_events_new(run.opt.brute_n, run.opt.brute_min,
	    hk)) == NULL) {
		kx_hostkeys_close(hk);
		fputs("kexray: out of memory\n", stderr);
		status = KX_EXIT_INPUT;
		goto out;
	}
	run.ev->only_problems = run.opt.only_problems;
	run.ev->actx.probes_are_problems = run.opt.probes_are_problems;
	status = run.opt.logs ? run_sshd_logs(&run) : run_packets(&run);
out:
	if (!kx_records_close_zeek(run.rec))
		status = KX_EXIT_OUTPUT;
	if (run.evw != NULL && kx_evidence_close(run.evw) != 0) {
		fprintf(stderr, "kexray: -w %s: write failed\n", run.opt.ev_path);
		status = KX_EXIT_OUTPUT;
	}
	if (run.ev_fd >= 0)
		close(run.ev_fd);
	if (!kx_events_free(run.ev))
		status = KX_EXIT_OUTPUT;
	if (!kx_records_close(run.rec) && status != KX_EXIT_USAGE)
		status = KX_EXIT_OUTPUT;
	kx_progress_free(run.progress);
	kx_workers_free(run.wk);
	for (unsigned i = 0; i < KX_WORKERS_MAX; i++) {
		kx_pipeline_free(run.pls[i]);
		if (run.caps[i] != run.cap)
			kx_live_close(run.caps[i]);
	}
	kx_live_close(run.cap);
	kx_options_free(&run.opt);
	return status;
}
