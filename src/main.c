/* kexray: command line, and wiring the stages together; nothing else. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "kexray/input/capture.h"
#include "kexray/analyze/community_id.h"
#include "kexray/analyze/memo.h"
#include "kexray/input/evidence.h"
#include "kexray/ssh/hostkey.h"
#include "kexray/report/output.h"
#include "kexray/stream/pipeline.h"
#include "kexray/input/privilege.h"
#include "kexray/report/report.h"
#include "kexray/report/color.h"
#include "kexray/input/progress.h"
#include "kexray/report/select.h"
#include "kexray/input/sshlog.h"
#include "kexray/events/summary.h"
#include "kexray/events/bruteforce.h"
#include "kexray/events/offers.h"
#include "kexray/report/brief_hold.h"
#include "kexray/stream/workers.h"
#include "kexray/input/fanout.h"
#include "kexray/events/brute_queue.h"

/* --format: what records look like. */
enum out_format { FMT_TEXT, FMT_BRIEF, FMT_JSON, FMT_ZEEK, FMT_EVE, FMT_MAX };
static const char *const format_names[FMT_MAX] = {
	[FMT_TEXT] = "text", [FMT_BRIEF] = "brief", [FMT_JSON] = "json",
	[FMT_ZEEK] = "zeek", [FMT_EVE] = "eve",
};

/* -F: a BPF expression is a line or two; this bounds a wrong file. */
#define KX_FILTER_FILE_MAX 65536u

enum {
	EXIT_NOPROBLEM = 0, EXIT_PROBLEMS = 1, EXIT_USAGE = 2, EXIT_INPUT = 3,
	EXIT_OUTPUT = 4,   /* a record (or -w, --host-keys) could not be written */
};

struct run {
	FILE *out;                  /* kx_output_stream(o) */
	struct kx_output *o;        /* the one writer of records */
	const char *out_path;       /* --output, reopened on SIGHUP */
	bool interrupted;           /* SIGINT/SIGTERM before the input's end */
	bool json;
	bool only_problems;
	bool live;
	struct kx_pipeline *pl;
	struct kx_live *cap;
	struct kx_run_counts counts;
	const char *ev_path;        /* -w */
	int ev_fd;                  /* -w reading files: created before the drop */
	struct kx_evidence_writer *ev;
	uint64_t stats_interval_us; /* --stats-interval, 0 off */
	uint64_t next_stats_us;
	const char *known_hosts_path;  /* --known-hosts */
	const char *host_keys_path;    /* --host-keys */
	struct kx_hostdb *known_hosts, *host_keys;
	enum out_format format;     /* --format, --json, --brief */
	enum kx_color_mode color;   /* --color */
	struct kx_style style;
	bool quiet;                 /* -q */
	bool out_tty;               /* records go to a terminal */
	/* The Zeek header is written with the first record, as Zeek creates
	 * a log only when it has something to write. */
	bool zeek_open;
	struct kx_select sel;       /* --host, --client-software, --server-software */
	struct kx_summary *sum;
	struct kx_progress *progress;
	struct kx_brute *brute;     /* --bruteforce, NULL with "off" */
	struct kx_analysis_ctx actx; /* the host-key files, for the analysis */
	/* Live with the default filter: a port where SSH is found by its
	 * "SSH-" line is let in whole from then on (kx_live_follow_port). */
	bool follow_ports, follow_warned;
	const struct kx_pipeline_config *cfg;
	bool records_full;          /* --records full */
	int verbose;                /* -v, -vv */
	uint64_t max_frames;        /* -c, 0 no limit */
	uint64_t frames_read;
	bool fail_on_weak;          /* --fail-on weak */
	uint64_t weak;              /* connections with a weak algorithm in use */
	struct kx_brief_hold *hold; /* --brief lines waiting for their end */
	struct kx_offers *offers;   /* kexinit records written (offers.h) */
	/* --format zeek --output DIR: a Zeek log directory (report.h). */
	bool zdir_on;
	struct kx_zeek_dir zdir;
	/* --workers N (workers.h, docs/scale-out.md): each worker analyses
	 * its own connections; lock serialises what spans connections (the
	 * counts, summary, brute force, kexinit records, host keys) and the
	 * writing. Unused (never taken) with one worker. */
	unsigned nworkers;
	struct kx_workers *wk;
	bool threaded, lock_made;
	pthread_mutex_t lock;
	struct kx_stats wstats;     /* the workers' sum (run_stats) */
	struct kx_live *caps[KX_WORKERS_MAX];   /* live: a handle each */
	struct kx_brute_queue *bq;  /* brute-force ends, put in input order */
	bool live_failed;
};

static void
run_lock(struct run *r)
{
	if (r->threaded)
		pthread_mutex_lock(&r->lock);
}

static void
run_unlock(struct run *r)
{
	if (r->threaded)
		pthread_mutex_unlock(&r->lock);
}

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
live_counts(struct run *r, struct kx_capture_counts *cc)
{
	for (unsigned i = 0; r->cap != NULL && i < (r->nworkers > 1 ?
	    r->nworkers : 1u); i++) {
		struct kx_live *l = r->nworkers > 1 ? r->caps[i] : r->cap;
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
usage(FILE *f)
{
	fputs(
"usage: kexray -r FILE [-r FILE ...] [options] [BPF expression]\n"
"       kexray -i IFACE [options] [BPF expression]\n"
"       kexray --sshd-log FILE [--sshd-log FILE ...] [--json] [--only-problems]\n"
"              [output and selection options]\n"
"       kexray -D\n"
"\n"
"Passive SSH handshake inspector: decodes both banners and KEXINITs of every\n"
"SSH connection, runs the RFC 4253 negotiation and says what was agreed, or\n"
"which categories have no common algorithm and how the connection ended.\n"
"\n"
"input\n"
"  -r FILE          read a pcap or pcapng file, gzip-compressed or not ('-'\n"
"                   for stdin); repeatable\n"
"  -i IFACE         capture live on IFACE ('any' for all); needs root or\n"
"                   CAP_NET_RAW, then drops to -Z USER\n"
"  -D               list the interfaces -i can use\n"
"  -c COUNT         stop after COUNT packets (after the filter)\n"
"  -F FILE          read the BPF expression from FILE ('#' starts a comment)\n"
"  -n               accepted for tcpdump's habit: kexray never resolves names\n"
"  --sshd-log FILE  no packets: read sshd's debug log (LogLevel DEBUG2 or more,\n"
"                   or ssh -vv's) instead, '-' for stdin; repeatable, read in\n"
"                   order (docs/sshd-log.md)\n"
"  -s SNAPLEN       bytes captured per packet (default 262144)\n"
"  -p               do not put the interface in promiscuous mode\n"
"  -B KIB           kernel capture buffer size in KiB\n"
"  --immediate      deliver packets at once (default when output is a terminal)\n"
"  --workers N      N threads, each with its own connections (default 1; at\n"
"                   most 64). Live: N capture handles in one PACKET_FANOUT\n"
"                   group; files: the connections split by their endpoints\n"
"                   (docs/scale-out.md)\n"
"  --fanout-group ID  live: join fanout group ID (0 to 65535), shared with\n"
"                   other kexray processes on the same interface\n"
"  BPF expression   a libpcap filter, as with tcpdump. Live, the default passes\n"
"                   TCP on the SSH ports, every SYN/FIN/RST, every segment that\n"
"                   begins 'SSH-', and GRE/VXLAN/Geneve/MPLS/PPPoE; give '' to\n"
"                   capture everything (docs/live-capture.md)\n"
"what to report\n"
"  --port LIST      SSH server ports, comma-separated (default 22); SSH on any\n"
"                   other port is found by its 'SSH-' identification line\n"
"  --only-problems  report only connections with a problem\n"
"  --probes-are-problems  count port checks and health probes (connected,\n"
"                   left without a word) as problems; by default their\n"
"                   verdict is PROBE, not a problem\n"
"  --fail-on weak   also exit 1 when a handshake completed on a weak\n"
"                   algorithm or is exposed to Terrapin (WEAK)\n"
"  --host ADDR      only connections with ADDR at either end (an address or a\n"
"                   prefix such as 10.0.0.0/8); repeatable\n"
"  --client-software GLOB  only connections whose client identification\n"
"                   matches GLOB ('OpenSSH_9*', '*PuTTY*'; case-insensitive);\n"
"                   repeatable\n"
"  --server-software GLOB  the same for the server\n"
"  --known-hosts FILE  check each server's host key against an OpenSSH\n"
"                   known_hosts file (hashed names too); a changed key is a\n"
"                   problem\n"
"  --host-keys FILE  remember each server's host key in FILE (known_hosts\n"
"                   format, created if missing, each key appended as it is\n"
"                   learned) and flag a key that differs from the remembered\n"
"                   one\n"
"  --handshake-timeout SEC  a connection idle this long before NEWKEYS both\n"
"                   ways (or after a FIN) is reported as timed out (default 120)\n"
"  --idle-timeout SEC  same for an established session (default 3600)\n", f);
	/* Two strings: C11 compilers need take only 4095 bytes in one. */
	fputs(
"output\n"
"  --json           JSON Lines, one object per connection (docs/output-format.md)\n"
"  --records WHAT   JSON records: lean (default: each KEXINIT once, in its own\n"
"                   kexinit record) or full (every fact inline, as schema 1)\n"
"  --brief          one line per connection: verdict, time, uid, endpoints,\n"
"                   software, diagnosis and how it ended\n"
"  -v, -vv          text: the full block for every connection, not only for\n"
"                   problems (-v); also both whole KEXINITs, as --records\n"
"                   full (-vv)\n"
"  --format FMT     text (default), brief, json, zeek (a Zeek ssh.log) or eve\n"
"                   (Suricata EVE events: ssh, kexray_close, alert)\n"
"  --community-id-seed N  seed of the records' community_id (Community ID\n"
"                   v1; 0 to 65535, default 0): the seed Zeek and Suricata use\n"
"  --color WHEN     colour the text: auto (on a terminal, unless NO_COLOR is\n"
"                   set; the default), always or never\n"
"  -q               no progress line and no summary on standard error\n"
"  -o, --output FILE  append records to FILE instead of standard output;\n"
"                   SIGHUP reopens it (log rotation). With --format zeek, a\n"
"                   directory: a Zeek log directory (ssh.log, notice.log,\n"
"                   kexray_close.log, kexray_kexinit.log)\n"
"  -w FILE          write the handshake packets of every connection reported\n"
"                   (after the filters and --only-problems) to FILE, a pcap\n"
"  --stats-interval SEC  print statistics every SEC seconds (SIGUSR1: now,\n"
"                   with the summary so far)\n"
"limits (docs/limits.md); at a table cap the least recently active\n"
"connection is reported early, marked evicted, and the capture goes on\n"
"  --max-conns N    connections tracked at once (default 262144)\n"
"  --max-memory MIB memory in all, MiB (default 448, at least 16); 8 MiB\n"
"                   is left to the program and half the rest to the\n"
"                   allocator, the other half bounds the connections' state\n"
"  --max-buffer BYTES  handshake bytes kept per direction (default 65536)\n"
"  --max-ooo N      out-of-order segments held per direction (default 32)\n"
"  --bruteforce N/MINUTES  report a source once N of its connections to one\n"
"                   server end before a session within MINUTES (default\n"
"                   30/30, as Zeek; 'off' to disable)\n"
"privilege\n"
"  -Z USER          user to run as once the inputs and outputs are open\n"
"                   (default kexray when started as root, nobody if there is\n"
"                   no such user; '-Z root' keeps root); no capability is kept\n"
"  -h, --help       this help\n"
"  --version        print the version, and libpcap's\n"
"\n"
"exit status: 0 no problem found, 1 problems found (or WEAK with --fail-on\n"
"             weak), 2 usage error,\n"
"             3 an input could not be read (connections read before the\n"
"             damage are still reported), 4 a record could not be written\n"
"             (the count is on standard error). SIGINT or SIGTERM stops\n"
"             after reporting every open connection; reading files or\n"
"             logs, the summary then says \"interrupted\".\n", f);
}

static void
print_stats(struct run *r, bool final)
{
	struct kx_capture_counts cc = { 0 };
	const struct kx_stats *st;
	uint32_t conns = 0;

	live_counts(r, &cc);
	st = run_stats(r, &conns);
	cc.conns_tracked = conns;
	if (r->json) {
		kx_report_json_stats(r->out, st, &cc, &r->counts, final);
		kx_output_record(r->o);
	} else
		kx_report_text_stats(stderr, st, &cc, &r->counts, final);
}

/* The summary (summary.h): at the end of the output in text, brief and
 * JSON; on standard error for the pipeline formats (not with -q), and
 * beside the statistics for a live SIGUSR1 in text. */
static void
print_summary(struct run *r, bool final, const struct kx_sshlog_stats *logst)
{
	struct kx_capture_counts cc = { 0 };
	struct kx_summary_extra x = { .cc = &cc, .logstats = logst,
	    .final = final, .interrupted = final && r->interrupted };
	struct kx_style es = { .color = kx_color_wanted(r->color, STDERR_FILENO) };

	uint32_t conns;

	if (r->sum == NULL)
		return;
	live_counts(r, &cc);
	if ((r->pl != NULL || r->wk != NULL) && logst == NULL)
		x.stats = run_stats(r, &conns);
	r->sum->shown = r->counts.shown;
	if (r->format == FMT_JSON) {
		kx_report_summary_json(r->out, r->sum, &x);
		kx_output_record(r->o);
	} else if ((r->format == FMT_TEXT || r->format == FMT_BRIEF) && final) {
		kx_report_summary_text(r->out, r->sum, &x, &r->style);
		kx_output_record(r->o);
	} else if (!r->quiet || !final)
		kx_report_summary_text(stderr, r->sum, &x, &es);
}

static void
reopen_output(struct run *r)
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

/* Signals are only flagged in their handlers; they are acted on here. */
static void
handle_flags(struct run *r, uint64_t now_us)
{
	if (kx_capture_hup) {
		kx_capture_hup = 0;
		reopen_output(r);
	}
	if (kx_capture_usr1) {
		kx_capture_usr1 = 0;
		print_stats(r, false);
		print_summary(r, false, NULL);
	}
	if (r->stats_interval_us != 0 && now_us >= r->next_stats_us) {
		if (r->next_stats_us != 0)
			print_stats(r, false);
		r->next_stats_us = now_us + r->stats_interval_us;
	}
}

/* --brief: the line of a connection whose handshake completed waits,
 * reading files, for its end (brief_hold.h); any other is written now. */
static void
brief_line(struct run *r, struct kx_conn *c, const struct kx_verdict *v)
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

/* The handshake record ("ssh") of a connection analysed once (v): counted,
 * summarised, and written in the chosen format; in JSON each KEXINIT's
 * own record first, the first time its id is seen (offers.h). */
static void
write_ssh(struct run *r, struct kx_conn *c, const struct kx_verdict *v)
{
	c->hs_outcome = v->outcome;
	r->counts.by_verdict[v->kind]++;
	if (v->problem)
		r->counts.problems++;
	if (kx_verdict_weak(v))
		r->weak++;
	if (r->sum != NULL)
		kx_summary_add(r->sum, c, v);
	if (r->only_problems && !v->problem)
		return;
	r->counts.shown++;
	/* -w keeps the packets of what the run reports, as tcpdump -w keeps
	 * what its filter selects. */
	if (r->ev != NULL)
		kx_evidence_write(r->ev, c->evidence);
	if (r->out_tty)
		kx_progress_hide(r->progress);
	switch (r->format) {
	case FMT_JSON:
		for (int side = 0; side < 2; side++)
			if (v->assess.have_kexinit_id[side] && kx_offers_first(r->offers,
			    v->assess.kexinit_id[side])) {
				kx_report_json_kexinit(r->out, c, v, side);
				kx_output_record(r->o);   /* a record of its own */
			}
		kx_report_json_ssh(r->out, c, v, r->records_full);
		break;
	case FMT_BRIEF:
		brief_line(r, c, v);
		break;
	case FMT_ZEEK:
		for (int side = 0; r->zdir_on && side < 2; side++)
			if (v->assess.have_kexinit_id[side] && kx_offers_first(r->offers,
			    v->assess.kexinit_id[side]))
				kx_report_zeek_kexinit(r->zdir.f[KX_ZLOG_KEXINIT], c, v,
				    side);
		if (!r->zeek_open)
			kx_report_zeek_header(r->out, time(NULL));
		r->zeek_open = true;
		kx_report_zeek(r->out, c, v);
		break;
	case FMT_EVE:
		kx_report_eve(r->out, c, v);
		break;
	default:
		kx_report_text_styled(r->out, c, v, &r->style);
		break;
	}
	kx_output_record(r->o);
}

/* SSH found on a port not given to --port: the live filter lets that
 * port's traffic in from now on, so its KEXINITs (in as many segments as
 * they take) and its encrypted traffic are seen as on the SSH ports. */
static void
follow_port(uint16_t port, void *arg)
{
	struct run *r = arg;
	int fail = 0;

	run_lock(r);
	if (r->nworkers > 1)
		for (unsigned i = 0; i < r->nworkers; i++)
			fail |= kx_live_follow_port(r->caps[i], r->cfg->ports,
			    r->cfg->nports, port);
	else
		fail = kx_live_follow_port(r->cap, r->cfg->ports,
		    r->cfg->nports, port);
	if (fail != 0 && !r->follow_warned) {
		r->follow_warned = true;
		fprintf(stderr, "kexray: SSH on port %u: cannot widen the capture "
		    "filter for it (give --port %u)\n", port, port);
	}
	run_unlock(r);
}

/* With workers: whether v names a KEXINIT whose record is not written yet
 * (which connection writes it is then a matter of order). */
static bool
new_offer(struct run *r, const struct kx_verdict *v)
{
	bool n = false;

	if (!r->threaded)
		return false;
	run_lock(r);
	for (int side = 0; side < 2; side++)
		n |= v->assess.have_kexinit_id[side] &&
		    !kx_offers_seen(r->offers, v->assess.kexinit_id[side]);
	run_unlock(r);
	return n;
}

/* The handshake record, once its outcome is final: at NEWKEYS both ways
 * (kx_pipeline_on_handshake). A connection that ends first gets it from
 * on_conn, from the same one analysis as its close record. */
static void
report_ssh(struct kx_conn *c, void *arg)
{
	struct run *r = arg;
	struct kx_verdict v;
	/* The host-key files are shared by every connection: judged under
	 * the lock; the rest of the analysis is the worker's own. */
	bool hostdb = r->known_hosts != NULL || r->host_keys != NULL;

	/* Selected out: as if a capture filter had left it out. */
	if (kx_select_active(&r->sel) && !kx_select_match(&r->sel, c))
		return;
	if (hostdb) {
		kx_workers_order();
		run_lock(r);
	}
	kx_analyze_with(c, &r->actx, &v);
	if (!hostdb) {
		if (new_offer(r, &v))
			kx_workers_order();
		run_lock(r);
	}
	write_ssh(r, c, &v);
	run_unlock(r);
}

/* The brute-force record of the connection c that crossed the threshold. */
static void
write_brute(struct run *r, const struct kx_conn *c,
    const struct kx_brute_hit *hit)
{
	if (r->format == FMT_JSON)
		kx_report_json_bruteforce(r->out, hit);
	else if (r->format == FMT_TEXT || r->format == FMT_BRIEF)
		kx_report_text_bruteforce(r->out, hit);
	else if (r->zdir_on)
		kx_report_zeek_notice(r->zdir.f[KX_ZLOG_NOTICE], hit);
	else if (r->format == FMT_EVE)
		kx_report_eve_bruteforce(r->out, c, hit);
}

/* With workers (under the lock): counts the queued ends no worker can
 * precede any more, in input order, and writes what crosses. */
static void
drain_brute(struct run *r, struct kx_workers *ws)
{
	struct kx_brute_item it;
	struct kx_brute_hit hit;
	uint64_t wm;

	if (r->bq == NULL)
		return;
	wm = kx_workers_watermark(ws);
	while (kx_brute_queue_pop(r->bq, wm, &it))
		if (kx_brute_note(r->brute, &it.conn, it.phase, &hit)) {
			if (r->out_tty)
				kx_progress_hide(r->progress);
			write_brute(r, &it.conn, &hit);
			kx_output_record(r->o);
		}
}

/* How c ended (ci), and its whole analysis (v) when its handshake record
 * is not written yet (together). */
static void
analyze_end(struct run *r, struct kx_conn *c, bool together,
    struct kx_verdict *v, struct kx_close_info *ci)
{
	if (together) {
		kx_analyze_with(c, &r->actx, v);
		*ci = v->close;
	} else {
		kx_analyze_end(c, ci);
	}
}

/* The connection ended: its handshake record if not yet written, then the
 * close record (close.h, resets.h) and, when this connection takes its
 * source over the threshold, the brute-force record (bruteforce.h). The
 * connection is analysed once: here when it ended before NEWKEYS, else at
 * NEWKEYS, and then only how it ended is judged here. */
static void
on_conn(struct kx_conn *c, void *arg)
{
	struct run *r = arg;
	struct kx_verdict v;
	struct kx_close_info ci;
	struct kx_brute_hit hit;
	bool brute, hs_problem;
	bool hostdb = r->known_hosts != NULL || r->host_keys != NULL;

	/* Reading files or logs, a signal cut the input: what is still open
	 * is not what the whole input would have shown. */
	if (__atomic_load_n(&r->interrupted, __ATOMIC_ACQUIRE) &&
	    c->close == KX_CLOSE_CAPTURE_END)
		kx_anom_set(&c->anomalies, KX_ANOM_FLOW_INTERRUPTED);
	if (kx_select_active(&r->sel) && !kx_select_match(&r->sel, c))
		return;
	bool together = !c->hs_reported;

	/* The connection's own analysis is the worker's; the host-key
	 * store, a KEXINIT's first record and the brute-force count depend
	 * on the connections before it (kx_workers_order). */
	if (!hostdb)
		analyze_end(r, c, together, &v, &ci);
	if (hostdb || (together && new_offer(r, &v)))
		kx_workers_order();
	run_lock(r);
	if (hostdb)
		analyze_end(r, c, together, &v, &ci);
	if (together)
		write_ssh(r, c, &v);
	hs_problem = kx_verdict_is_problem((enum kx_verdict_kind)c->hs_outcome.kind);
	if (r->sum != NULL)
		kx_summary_close(r->sum, c, &ci);
	brute = false;
	/* With workers, an end the brute-force count takes waits for the
	 * ends before it in the input (brute_queue.h). */
	if (r->bq == NULL || !kx_brute_counts(r->brute, c, ci.phase) ||
	    !kx_brute_queue_push(r->bq, kx_workers_key(), c, ci.phase))
		brute = kx_brute_note(r->brute, c, ci.phase, &hit);
	/* A problem only now (a forged RST after the handshake): counted
	 * here; the handshake's own problems were counted with its record. */
	if (ci.problem && !hs_problem)
		r->counts.problems++;
	if (!r->only_problems || hs_problem || ci.problem) {
		if (r->out_tty)
			kx_progress_hide(r->progress);
		if (r->format == FMT_JSON)
			kx_report_json_close(r->out, c, &ci, r->records_full);
		else if (r->format == FMT_TEXT)
			kx_report_text_close_after(r->out, c, &ci, together ?
			    v.reason : NULL, r->verbose > 0 || hs_problem ||
			    ci.problem);
		else if (r->format == FMT_BRIEF && !together &&
		    kx_brief_hold_write(r->hold, c->seq_no, r->out))
			/* Its line, held since NEWKEYS, ends with the end. */
			kx_report_brief_end(r->out, c, &ci);
		else if (r->format == FMT_BRIEF && !together && ci.problem)
			/* Not held (live, or past the cap): a second line
			 * only when the end is itself a problem (a forged
			 * reset). One that ended before NEWKEYS said its end
			 * on its one line. */
			kx_report_brief_close(r->out, c, &ci);
		else if (r->zdir_on)
			kx_report_zeek_close(r->zdir.f[KX_ZLOG_CLOSE], c, &ci);
		else if (r->format == FMT_EVE)
			kx_report_eve_close(r->out, c, &ci);
	}
	kx_output_record(r->o);
	if (brute)
		write_brute(r, c, &hit);
	kx_output_record(r->o);
	drain_brute(r, kx_workers_self());
	run_unlock(r);
}

static void
on_frame(void *arg, int dlt, const uint8_t *frame, uint32_t caplen,
    uint32_t wirelen, uint64_t ts_us, uint64_t frame_no)
{
	struct run *r = arg;

	if (r->ev == NULL && r->ev_fd >= 0 && !r->live) {
		/* Reading files: the first frame tells the link type. */
		r->ev = kx_evidence_open_fd(r->ev_fd, r->ev_path, dlt);
		r->ev_fd = -1;
	}
	if (r->wk != NULL)
		kx_workers_frame(r->wk, dlt, frame, caplen, wirelen, ts_us,
		    frame_no);
	else
		kx_pipeline_frame(r->pl, dlt, frame, caplen, wirelen, ts_us,
		    frame_no);
	/* -c COUNT, as tcpdump: stop after COUNT packets (after the filter). */
	if (r->max_frames != 0 && ++r->frames_read >= r->max_frames)
		kx_capture_stop = 1;
	if (kx_capture_hup || kx_capture_usr1) {
		run_lock(r);
		handle_flags(r, ts_us);
		run_unlock(r);
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
	if (r->max_frames != 0 && __atomic_add_fetch(&r->frames_read, 1,
	    __ATOMIC_RELAXED) >= r->max_frames)
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
		run_lock(lw->r);
		handle_flags(lw->r, now_us);
		run_unlock(lw->r);
	}
}

static void
live_worker_run(struct kx_workers *w, unsigned idx, struct kx_pipeline *pl,
    void *arg)
{
	struct run *r = arg;
	struct live_worker lw = { .r = r, .w = w, .idx = idx, .pl = pl };

	if (kx_live_run(r->caps[idx], on_frame_worker, on_tick_worker, &lw) != 0) {
		run_lock(r);
		r->live_failed = true;
		run_unlock(r);
		kx_capture_stop = 1;   /* one handle failed: all stop */
	}
}

/* A worker thread ends: what it kept for itself (its memo and caches). */
static void
worker_end(void *arg)
{
	(void)arg;
	kx_memo_clear();
	kx_assess_cache_free();
	kx_fingerprint_thread_end();
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

/* The trailing arguments, joined by spaces, as tcpdump does. */
static char *
join_args(int argc, char **argv)
{
	size_t len = 1;
	char *s;

	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	if ((s = calloc(1, len)) == NULL)
		return NULL;
	for (int i = 0; i < argc; i++) {
		if (i > 0)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

/* A whole number of seconds in [lo, hi]; false on anything else. */
static bool
parse_seconds(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static int
bad_value(const char *opt, const char *val, const char *want)
{
	fprintf(stderr, "kexray: %s: bad value '%.64s' (want %s)\n", opt, val, want);
	return EXIT_USAGE;
}

/* One line for a bad option, then where the help is. */
static void
bad_option(char **argv, int opt, const char *what)
{
	if (opt > ' ' && opt < 0x7f)
		fprintf(stderr, "kexray: -%c: %s; try kexray -h\n", opt, what);
	else   /* a long option: getopt leaves it where it stopped */
		fprintf(stderr, "kexray: %.64s: %s; try kexray -h\n",
		    argv[optind - 1], what);
}

/* -F FILE: the filter expression from a file, as tcpdump reads it (the
 * whole file, newlines as spaces, '#' to the end of a line a comment).
 * NULL after one line on stderr. */
static char *
read_filter_file(const char *path)
{
	FILE *f;
	char *s;
	size_t n = 0;
	int ch;
	bool comment = false;

	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "kexray: -F %s: %s\n", path, strerror(errno));
		return NULL;
	}
	if ((s = malloc(KX_FILTER_FILE_MAX + 1)) == NULL) {
		fclose(f);
		fputs("kexray: out of memory\n", stderr);
		return NULL;
	}
	while ((ch = getc(f)) != EOF && n < KX_FILTER_FILE_MAX) {
		if (ch == '#')
			comment = true;
		if (ch == '\n')
			comment = false;
		if (!comment)
			s[n++] = ch == '\n' || ch == '\r' || ch == '\t' ? ' ' :
			    (char)ch;
	}
	s[n] = '\0';
	if (ch != EOF) {
		fprintf(stderr, "kexray: -F %s: longer than %u bytes\n", path,
		    KX_FILTER_FILE_MAX);
		free(s);
		s = NULL;
	}
	fclose(f);
	return s;
}

/* --known-hosts / --host-keys: NULL path, nothing to do. Returns 0, or -1
 * after one line on stderr. */
static int
load_hostdb(const char *path, bool missing_ok, struct kx_hostdb **db)
{
	char err[256];

	if (path == NULL)
		return 0;
	if (kx_hostdb_load(path, missing_ok, db, err, sizeof(err)) != KX_OK) {
		fprintf(stderr, "kexray: %s: %s\n", missing_ok ? "--host-keys" :
		    "--known-hosts", err);
		return -1;
	}
	return 0;
}

enum {
	OPT_JSON = 256, OPT_PORT, OPT_ONLY, OPT_VERSION, OPT_OUTPUT,
	OPT_IMMEDIATE, OPT_STATS, OPT_HS_TIMEOUT, OPT_IDLE_TIMEOUT,
	OPT_MAX_CONNS, OPT_MAX_MEMORY, OPT_MAX_BUFFER, OPT_MAX_OOO,
	OPT_SSHD_LOG, OPT_KNOWN_HOSTS, OPT_HOST_KEYS,
	OPT_BRIEF, OPT_FORMAT, OPT_COLOR, OPT_HOST, OPT_CLIENT_SW, OPT_SERVER_SW,
	OPT_BRUTEFORCE, OPT_RECORDS, OPT_CID_SEED, OPT_PROBES, OPT_FAIL_ON,
	OPT_WORKERS, OPT_FANOUT_GROUP,
};

/* After --output is open, before any privilege drop or sandbox: colour,
 * and whether records share the terminal with the progress line. */
static int
output_ready(struct run *r, bool block)
{
	int fd;

	if (kx_output_open(r->out_path, &r->o) != 0)
		return -1;
	r->out = kx_output_stream(r->o);
	fd = kx_output_fd(r->o);
	/* A Zeek log directory (open_zeek_dir): records go to its ssh.log,
	 * standard output keeps only what is said to it (the summary). */
	if (r->zdir_on) {
		r->out = r->zdir.f[KX_ZLOG_SSH];
		fd = fileno(r->out);
	}
	r->style.color = (r->format == FMT_TEXT || r->format == FMT_BRIEF) &&
	    kx_color_wanted(r->color, fd);
	r->out_tty = isatty(fd) == 1;
	/* Reading files (or logs) to anything but a terminal, records go
	 * out in 1 MiB blocks; live or on a terminal, each as it ends. */
	if (block && !r->out_tty && kx_output_block(r->o) != 0)
		return -1;
	return 0;
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

/* Everything is open: gives up root and capabilities (user, or the
 * default user when started as root) and enters the sandbox, allowed to
 * write only to the outputs. Returns 0, or an exit status after one line
 * on stderr. */
static int
confine(struct run *r, const char *user, bool keep_stdin)
{
	struct kx_sandbox sb = { .nwrite = 0, .trunc_fd = -1,
	    .threads = r->nworkers > 1 };

	if (!keep_stdin && detach_stdin() != 0)
		return EXIT_INPUT;
	if (user == NULL)
		user = kx_priv_default_user();
	kx_sandbox_prepare();
	if (kx_priv_drop(user) != 0)
		return EXIT_USAGE;
	if (user != NULL && strcmp(user, "root") != 0 &&
	    kx_output_check_dir(r->o, user) != 0)
		return EXIT_USAGE;
	kx_sandbox_allow_write(&sb, kx_output_fd(r->o));
	kx_sandbox_allow_write(&sb, STDERR_FILENO);
	kx_sandbox_allow_write(&sb, r->ev_fd);
	kx_sandbox_allow_write(&sb, kx_evidence_fd(r->ev));
	kx_sandbox_allow_write(&sb, kx_hostdb_journal_fd(r->host_keys));
	for (int i = 0; r->zdir_on && i < KX_ZLOG_MAX; i++)
		kx_sandbox_allow_write(&sb, fileno(r->zdir.f[i]));
	kx_sandbox_allow_dir(&sb, kx_output_dirfd(r->o));
	sb.trunc_fd = kx_output_fd(r->o);
	if (kx_sandbox_enter(&sb) < 0)
		return EXIT_INPUT;
	return 0;
}

/* --format zeek with --output naming a directory: a Zeek log directory.
 * 1 when it is one (opened; records go to its ssh.log), 0 when not, -1
 * when it cannot be opened. SIGHUP does not reopen it (out_path NULL). */
static int
open_zeek_dir(struct run *r)
{
	struct stat st;

	if (r->format != FMT_ZEEK || r->out_path == NULL ||
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

/* Its headers, once buffering is set; every log has one, rows or not. */
static void
zeek_dir_begin(struct run *r)
{
	if (!r->zdir_on)
		return;
	for (int i = 0; r->live && i < KX_ZLOG_MAX; i++)
		if (i != KX_ZLOG_SSH)
			setvbuf(r->zdir.f[i], NULL, _IOLBF, 0);
	kx_zeek_dir_headers(&r->zdir, time(NULL));
	r->zeek_open = true;
}

/* The end of the output: the summary, and Zeek's #close. */
static void
output_end(struct run *r, const struct kx_sshlog_stats *logst)
{
	print_summary(r, true, logst);
	if (r->zeek_open && !r->zdir_on) {
		kx_report_zeek_footer(r->out, time(NULL));
		kx_output_record(r->o);
	}
	r->zeek_open = false;
}

/* --sshd-log: the same diagnosis from sshd's (or ssh -v's) own debug log
 * (sshlog.h) instead of packets. Returns the exit status. */
static int
run_sshd_logs(struct run *r, const char **paths, int n, const char *user)
{
	struct kx_sshlog *sl = NULL;
	FILE **fs;
	bool failed = false, use_stdin = false;
	int st = 0;

	if ((fs = calloc((size_t)n, sizeof(*fs))) == NULL) {
		fputs("kexray: out of memory\n", stderr);
		return EXIT_INPUT;
	}
	if (open_zeek_dir(r) < 0 || output_ready(r, true) != 0) {
		free(fs);
		return EXIT_USAGE;
	}
	zeek_dir_begin(r);
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
	if ((st = confine(r, user, use_stdin)) != 0)
		goto out;
	if ((sl = kx_sshlog_new(on_conn, r)) == NULL) {
		fputs("kexray: out of memory\n", stderr);
		st = EXIT_INPUT;
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
	r->interrupted = kx_capture_stop != 0;
	kx_sshlog_finish(sl);
	output_end(r, kx_sshlog_stats(sl));
	st = failed ? EXIT_INPUT : r->counts.problems > 0 ||
	    (r->fail_on_weak && r->weak > 0) ? EXIT_PROBLEMS : EXIT_NOPROBLEM;
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
make_pipelines(struct run *r, const struct kx_pipeline_config *cfg,
    struct kx_pipeline **pls)
{
	struct kx_pipeline_config wc;

	kx_workers_share(cfg, r->nworkers, &wc);
	for (unsigned i = 0; i < r->nworkers; i++) {
		if ((pls[i] = kx_pipeline_new(&wc, on_conn, r)) == NULL)
			return -1;
		kx_pipeline_on_handshake_last(pls[i], report_ssh);
		if (r->follow_ports)
			kx_pipeline_on_ssh_port(pls[i], follow_port);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "port", required_argument, NULL, OPT_PORT },
		{ "only-problems", no_argument, NULL, OPT_ONLY },
		{ "output", required_argument, NULL, OPT_OUTPUT },
		{ "immediate", no_argument, NULL, OPT_IMMEDIATE },
		{ "stats-interval", required_argument, NULL, OPT_STATS },
		{ "handshake-timeout", required_argument, NULL, OPT_HS_TIMEOUT },
		{ "idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT },
		{ "max-conns", required_argument, NULL, OPT_MAX_CONNS },
		{ "max-memory", required_argument, NULL, OPT_MAX_MEMORY },
		{ "max-buffer", required_argument, NULL, OPT_MAX_BUFFER },
		{ "max-ooo", required_argument, NULL, OPT_MAX_OOO },
		{ "sshd-log", required_argument, NULL, OPT_SSHD_LOG },
		{ "known-hosts", required_argument, NULL, OPT_KNOWN_HOSTS },
		{ "host-keys", required_argument, NULL, OPT_HOST_KEYS },
		{ "brief", no_argument, NULL, OPT_BRIEF },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "color", required_argument, NULL, OPT_COLOR },
		{ "host", required_argument, NULL, OPT_HOST },
		{ "client-software", required_argument, NULL, OPT_CLIENT_SW },
		{ "server-software", required_argument, NULL, OPT_SERVER_SW },
		{ "bruteforce", required_argument, NULL, OPT_BRUTEFORCE },
		{ "records", required_argument, NULL, OPT_RECORDS },
		{ "community-id-seed", required_argument, NULL, OPT_CID_SEED },
		{ "probes-are-problems", no_argument, NULL, OPT_PROBES },
		{ "fail-on", required_argument, NULL, OPT_FAIL_ON },
		{ "workers", required_argument, NULL, OPT_WORKERS },
		{ "fanout-group", required_argument, NULL, OPT_FANOUT_GROUP },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	struct kx_pipeline_config cfg = { .ports = { 22 }, .nports = 1 };
	struct kx_live_opts lo = { .promisc = 1 };
	struct run run = { .out = NULL, .ev_fd = -1 };
	const char **files = NULL;
	int *fds = NULL;   /* -r: descriptor and errno per input */
	const char *user = NULL;
	char *filter = NULL, *own_filter = NULL;
	const char *filter_file = NULL;   /* -F */
	int nfiles = 0, ch, status = EXIT_USAGE, input_failed = 0;
	int nlogs = 0;   /* --sshd-log paths, kept in files[] */
	bool immediate = false;
	long v;
	uint32_t brute_n = KX_BRUTE_DEFAULT_COUNT;
	uint32_t brute_min = KX_BRUTE_DEFAULT_MINUTES;
	long fanout_group = -1;   /* --fanout-group, -1 none */
	struct kx_pipeline *pls[KX_WORKERS_MAX] = { NULL };

	if ((files = calloc((size_t)argc + 1, sizeof(*files))) == NULL)
		return EXIT_INPUT;
	/* Errors in options are one line of ours, not getopt's (which names
	 * argv[0]) and not the whole help. */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":r:i:s:pB:Dw:Z:hqnvc:F:o:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'r':
			files[nfiles++] = optarg;
			break;
		case OPT_SSHD_LOG:
			files[nfiles++] = optarg;
			nlogs++;
			break;
		case 'i':
			lo.iface = optarg;
			break;
		case OPT_KNOWN_HOSTS:
			run.known_hosts_path = optarg;
			break;
		case OPT_HOST_KEYS:
			run.host_keys_path = optarg;
			break;
		case 's':
			if (!parse_seconds(optarg, 64, 262144, &v)) {
				status = bad_value("-s", optarg, "64 to 262144 bytes");
				goto out;
			}
			lo.snaplen = (int)v;
			break;
		case 'p':
			lo.promisc = 0;
			break;
		case 'B':
			if (!parse_seconds(optarg, 1, 4 * 1024 * 1024, &v)) {
				status = bad_value("-B", optarg, "a size in KiB");
				goto out;
			}
			lo.buffer_kib = (int)v;
			break;
		case 'D':
			status = kx_capture_list_interfaces(stdout) == 0 ?
			    EXIT_NOPROBLEM : EXIT_INPUT;
			goto out;
		case 'w':
			run.ev_path = optarg;
			break;
		case 'Z':
			user = optarg;
			break;
		case OPT_JSON:
			run.format = FMT_JSON;
			break;
		case OPT_BRIEF:
			run.format = FMT_BRIEF;
			break;
		case OPT_RECORDS:
			if (strcmp(optarg, "lean") != 0 && strcmp(optarg, "full") != 0) {
				status = bad_value("--records", optarg, "lean or full");
				goto out;
			}
			run.records_full = optarg[0] == 'f';
			break;
		case OPT_CID_SEED:
			if (!parse_seconds(optarg, 0, 65535, &v)) {
				status = bad_value("--community-id-seed", optarg,
				    "0 to 65535");
				goto out;
			}
			kx_community_id_set_seed((uint16_t)v);
			break;
		case OPT_FORMAT: {
			int f = 0;

			while (f < FMT_MAX && strcmp(optarg, format_names[f]) != 0)
				f++;
			if (f == FMT_MAX) {
				status = bad_value("--format", optarg,
				    "text, brief, json, zeek or eve");
				goto out;
			}
			run.format = (enum out_format)f;
			break;
		}
		case OPT_COLOR:
			if (!kx_color_parse(optarg, &run.color)) {
				status = bad_value("--color", optarg,
				    "auto, always or never");
				goto out;
			}
			break;
		case 'q':
			run.quiet = true;
			break;
		case 'n':
			/* tcpdump's "do not resolve names": kexray never does. */
			break;
		case 'v':
			run.verbose++;
			break;
		case 'c':
			if (!parse_seconds(optarg, 1, LONG_MAX, &v)) {
				status = bad_value("-c", optarg, "a packet count");
				goto out;
			}
			run.max_frames = (uint64_t)v;
			break;
		case 'F':
			filter_file = optarg;
			break;
		case OPT_PROBES:
			run.actx.probes_are_problems = true;
			break;
		case OPT_FAIL_ON:
			if (strcmp(optarg, "weak") != 0) {
				status = bad_value("--fail-on", optarg, "weak");
				goto out;
			}
			run.fail_on_weak = true;
			break;
		case OPT_HOST:
			if (!kx_select_add_host(&run.sel, optarg)) {
				status = bad_value("--host", optarg, "an IPv4 or IPv6 "
				    "address or prefix, at most 64 of them");
				goto out;
			}
			break;
		case OPT_CLIENT_SW:
		case OPT_SERVER_SW:
			if (!kx_select_add_software(&run.sel, ch == OPT_CLIENT_SW ?
			    KX_CLIENT : KX_SERVER, optarg)) {
				status = bad_value(ch == OPT_CLIENT_SW ?
				    "--client-software" : "--server-software", optarg,
				    "at most 16 patterns per side");
				goto out;
			}
			break;
		case OPT_BRUTEFORCE:
			if (strcmp(optarg, "off") == 0) {
				brute_n = 0;
			} else if (!kx_brute_parse(optarg, &brute_n, &brute_min)) {
				status = bad_value("--bruteforce", optarg,
				    "N/MINUTES like 30/30, or off");
				goto out;
			}
			break;
		case OPT_WORKERS:
			if (!parse_seconds(optarg, 1, KX_WORKERS_MAX, &v)) {
				status = bad_value("--workers", optarg, "1 to 64");
				goto out;
			}
			run.nworkers = (unsigned)v;
			break;
		case OPT_FANOUT_GROUP:
			if (!parse_seconds(optarg, 0, 65535, &v)) {
				status = bad_value("--fanout-group", optarg,
				    "0 to 65535");
				goto out;
			}
			fanout_group = v;
			break;
		case OPT_PORT:
			if (!kx_parse_ports(optarg, &cfg)) {
				status = bad_value("--port", optarg,
				    "a list like 22,2222");
				goto out;
			}
			break;
		case OPT_ONLY:
			run.only_problems = true;
			break;
		case 'o':
		case OPT_OUTPUT:
			run.out_path = optarg;
			break;
		case OPT_IMMEDIATE:
			immediate = true;
			break;
		case OPT_STATS:
			if (!parse_seconds(optarg, 1, 86400, &v)) {
				status = bad_value("--stats-interval", optarg,
				    "1 to 86400 seconds");
				goto out;
			}
			run.stats_interval_us = (uint64_t)v * 1000000u;
			break;
		case OPT_HS_TIMEOUT:
		case OPT_IDLE_TIMEOUT:
			if (!parse_seconds(optarg, 1, 30 * 86400, &v)) {
				status = bad_value(ch == OPT_HS_TIMEOUT ?
				    "--handshake-timeout" : "--idle-timeout",
				    optarg, "1 to 2592000 seconds");
				goto out;
			}
			if (ch == OPT_HS_TIMEOUT)
				cfg.handshake_timeout_us = (uint64_t)v * 1000000u;
			else
				cfg.idle_timeout_us = (uint64_t)v * 1000000u;
			break;
		case OPT_MAX_CONNS:
			if (!parse_seconds(optarg, 1, UINT32_MAX, &v)) {
				status = bad_value("--max-conns", optarg,
				    "1 to 4294967295 connections");
				goto out;
			}
			cfg.max_conns = (uint32_t)v;
			break;
		case OPT_MAX_MEMORY:
			if (!parse_seconds(optarg, KX_MEMORY_MIN_MIB,
			    KX_MEMORY_CEIL_MIB, &v)) {
				status = bad_value("--max-memory", optarg,
				    "16 to 1048576 MiB");
				goto out;
			}
			cfg.max_memory = (uint64_t)v * 1024u * 1024u;
			break;
		case OPT_MAX_BUFFER:
			if (!parse_seconds(optarg, 1, KX_REASM_DEPTH_CEIL, &v)) {
				status = bad_value("--max-buffer", optarg,
				    "1 to 16777216 bytes");
				goto out;
			}
			cfg.max_buffer = (uint32_t)v;
			break;
		case OPT_MAX_OOO:
			if (!parse_seconds(optarg, 1, KX_REASM_OOO_CEIL, &v)) {
				status = bad_value("--max-ooo", optarg,
				    "1 to 4096 segments");
				goto out;
			}
			cfg.max_ooo = (uint32_t)v;
			break;
		case 'h':
			usage(stdout);
			status = EXIT_NOPROBLEM;
			goto out;
		case OPT_VERSION:
			printf("kexray %s\n%s\n", KX_VERSION, pcap_lib_version());
			status = EXIT_NOPROBLEM;
			goto out;
		case ':':
			bad_option(argv, optopt, "needs a value");
			goto out;
		default:
			bad_option(argv, optopt, "unknown option");
			goto out;
		}
	}
	run.json = run.format == FMT_JSON;
	run.style.verbose = run.verbose;
	if ((run.sum = kx_summary_new()) == NULL ||
	    (run.offers = kx_offers_new(KX_OFFERS_MAX)) == NULL) {
		fputs("kexray: out of memory\n", stderr);
		status = EXIT_INPUT;
		goto out;
	}
	if (run.nworkers == 0)
		run.nworkers = 1;
	if (nlogs > 0) {
		if (nlogs != nfiles || lo.iface != NULL || optind < argc ||
		    run.ev_path != NULL || run.host_keys_path != NULL ||
		    run.nworkers > 1 || fanout_group >= 0) {
			fputs("kexray: --sshd-log reads logs only: not with -r, "
			    "-i, -w, --host-keys, --workers, --fanout-group or a "
			    "filter expression\n", stderr);
			goto out;
		}
		status = run_sshd_logs(&run, files, nfiles, user);
		goto out;
	}
	if ((nfiles == 0) == (lo.iface == NULL)) {
		fputs(nfiles == 0 ? "kexray: no input: give -r FILE, -i IFACE or "
		    "--sshd-log FILE; try kexray -h\n" :
		    "kexray: give either -r FILE or -i IFACE, not both\n", stderr);
		goto out;
	}
	run.live = lo.iface != NULL;
	if (fanout_group >= 0 && !run.live) {
		fputs("kexray: --fanout-group is for live capture (-i)\n", stderr);
		goto out;
	}
	cfg.keep_evidence = run.ev_path != NULL;
	if (filter_file != NULL) {
		if (optind < argc) {
			fputs("kexray: -F gives the filter: not also on the "
			    "command line\n", stderr);
			goto out;
		}
		if ((own_filter = read_filter_file(filter_file)) == NULL)
			goto out;
		filter = own_filter;
	} else if (optind < argc) {
		if ((own_filter = join_args(argc - optind, argv + optind)) == NULL) {
			status = EXIT_INPUT;
			goto out;
		}
		filter = own_filter;
	} else if (run.live) {
		run.follow_ports = true;
		if ((own_filter = kx_capture_default_filter(cfg.ports,
		    cfg.nports)) == NULL) {
			status = EXIT_INPUT;
			goto out;
		}
		filter = own_filter;
	}
	if (filter != NULL && filter[0] == '\0')
		filter = NULL;   /* '' asks for everything */
	if (kx_capture_check_filter(filter) != 0)
		goto out;
	/* Read before privileges are dropped; the state file may not exist
	 * and is appended to as keys are learned. */
	if (load_hostdb(run.known_hosts_path, false, &run.known_hosts) != 0 ||
	    load_hostdb(run.host_keys_path, true, &run.host_keys) != 0) {
		status = EXIT_INPUT;
		goto out;
	}
	run.actx.known_hosts = run.known_hosts;
	run.actx.host_keys = run.host_keys;
	if (run.host_keys != NULL) {
		char err[256];

		if (kx_hostdb_journal_open(run.host_keys, run.host_keys_path,
		    err, sizeof(err)) != KX_OK) {
			fprintf(stderr, "kexray: --host-keys: %s\n", err);
			status = EXIT_OUTPUT;
			goto out;
		}
	}
	/* The output first: its descriptor gets the lowest free number,
	 * which a reopen after rotation gets back (output.h). Reading files
	 * to anything but a terminal, records go out in 1 MiB blocks;
	 * live, each as it ends, to reach a log pipeline as it happens. */
	if (open_zeek_dir(&run) < 0 || output_ready(&run, !run.live) != 0) {
		status = EXIT_USAGE;
		goto out;
	}
	install_signals();
	if (run.live) {
		lo.filter = filter;
		lo.immediate = immediate || isatty(STDOUT_FILENO);
		if (kx_live_open(&lo, &run.cap) != 0) {
			status = EXIT_INPUT;
			goto out;
		}
		/* --workers, --fanout-group: more handles, one fanout
		 * group, before the drop. */
		if ((run.nworkers > 1 || fanout_group >= 0) &&
		    kx_fanout_open(&lo, run.cap, run.nworkers, (int)fanout_group,
		    run.caps) != 0) {
			status = EXIT_INPUT;
			goto out;
		}
		/* An output that cannot be opened is a usage error, as
		 * --output's. */
		if (run.ev_path != NULL && (run.ev = kx_evidence_open(run.ev_path,
		    kx_live_datalink(run.cap))) == NULL) {
			status = EXIT_USAGE;
			goto out;
		}
	} else {
		bool use_stdin = false;

		if ((fds = calloc((size_t)nfiles, 2 * sizeof(*fds))) == NULL) {
			status = EXIT_INPUT;
			goto out;
		}
		/* Every input is opened before the drop; one that cannot be
		 * is said in its turn, as before. */
		for (int i = 0; i < nfiles; i++) {
			fds[2 * i] = kx_capture_open_input(files[i]);
			fds[2 * i + 1] = fds[2 * i] < 0 ? errno : 0;
			use_stdin |= fds[2 * i] == STDIN_FILENO;
		}
		if (run.ev_path != NULL &&
		    (run.ev_fd = kx_evidence_create(run.ev_path)) < 0) {
			status = EXIT_USAGE;
			goto out;
		}
		/* The sizes of the inputs, by path, while they can be seen. */
		run.progress = kx_progress_new(files, nfiles, run.quiet, stderr);
		if ((status = confine(&run, user, use_stdin)) != 0)
			goto out;
	}
	if (run.live && (status = confine(&run, user, false)) != 0)
		goto out;
	status = EXIT_USAGE;
	if (make_pipelines(&run, &cfg, pls) != 0 ||
	    (brute_n != 0 && (run.brute = kx_brute_new(brute_n,
	    brute_min)) == NULL)) {
		fputs("kexray: out of memory\n", stderr);
		status = EXIT_INPUT;
		goto out;
	}
	if (run.follow_ports)
		run.cfg = &cfg;
	run.pl = run.nworkers > 1 ? NULL : pls[0];
	zeek_dir_begin(&run);
	/* --brief holds a line by its connection's number, which is a
	 * worker's own: with workers, lines are written as live. */
	if (run.format == FMT_BRIEF && !run.live && run.nworkers == 1 &&
	    (run.hold = kx_brief_hold_new()) == NULL) {
		fputs("kexray: out of memory\n", stderr);
		status = EXIT_INPUT;
		goto out;
	}
	if (run.nworkers > 1) {
		/* Threads after the drop and the sandbox: they inherit both
		 * (sandbox.c lets a thread be made and end). */
		pthread_mutex_init(&run.lock, NULL);
		run.lock_made = run.threaded = true;
		if (!run.live && brute_n != 0 &&
		    (run.bq = kx_brute_queue_new()) == NULL) {
			fputs("kexray: out of memory\n", stderr);
			status = EXIT_INPUT;
			goto out;
		}
		if (kx_workers_start(run.nworkers, pls, run.live ?
		    live_worker_run : NULL, worker_end, &run, &run.wk) != 0) {
			fputs("kexray: cannot start the workers\n", stderr);
			status = EXIT_INPUT;
			goto out;
		}
		for (unsigned i = 0; i < run.nworkers; i++)
			pls[i] = NULL;   /* the workers' now */
	}
	if (run.live && run.wk != NULL) {
		kx_workers_finish(run.wk);   /* each runs until the stop flag */
		if (run.live_failed)
			input_failed = 1;
	} else if (run.live) {
		if (kx_live_run(run.cap, on_frame, on_tick, &run) != 0)
			input_failed = 1;
	} else {
		int i;

		for (i = 0; i < nfiles && !kx_capture_stop; i++) {
			kx_progress_begin(run.progress, i, kx_capture_file_offset);
			if (kx_capture_fd(fds[2 * i], fds[2 * i + 1], files[i],
			    filter, on_frame, &run) != 0)
				input_failed = 1;
			fds[2 * i] = -1;
		}
		/* Stopped before the last input's end: the report says so. */
		__atomic_store_n(&run.interrupted, kx_capture_stop != 0,
		    __ATOMIC_RELEASE);
		/* Every worker reports what it still holds, and ends. */
		kx_workers_finish(run.wk);
		drain_brute(&run, run.wk);
		kx_progress_free(run.progress);
		run.progress = NULL;
		if (run.ev == NULL && run.ev_fd >= 0) {
			/* No frame at all: an empty capture, still valid. */
			run.ev = kx_evidence_open_fd(run.ev_fd, run.ev_path, 1);
			run.ev_fd = -1;
		}
	}
	if (run.pl != NULL)
		kx_pipeline_finish(run.pl);
	run.threaded = false;   /* every worker has ended */
	if (run.wk != NULL && kx_workers_stalls(run.wk) > 0 && !run.quiet)
		fprintf(stderr, "kexray: the reader waited %llu times for a "
		    "busy worker\n", (unsigned long long)kx_workers_stalls(run.wk));
	if (run.live || run.stats_interval_us != 0)
		print_stats(&run, true);
	/* Nothing read because an input could not be: its one line says
	 * all; a summary of nothing would bury it. */
	uint32_t nconns;

	if (!input_failed || run_stats(&run, &nconns)->frames > 0)
		output_end(&run, NULL);
	if (input_failed)
		status = EXIT_INPUT;
	else if ((run.counts.problems > 0 || (run.fail_on_weak &&
	    run.weak > 0)) && !run.live)
		status = EXIT_PROBLEMS;
	else
		status = EXIT_NOPROBLEM;
out:
	if (run.zdir_on) {
		/* #close on each log; run.out was its ssh.log. */
		if (kx_zeek_dir_close(&run.zdir, time(NULL)) != 0) {
			fprintf(stderr, "kexray: output: a Zeek log could not be "
			    "written\n");
			status = EXIT_OUTPUT;
		}
		run.out = stdout;
	}
	if (run.ev != NULL && kx_evidence_close(run.ev) != 0) {
		fprintf(stderr, "kexray: -w %s: write failed\n", run.ev_path);
		status = EXIT_OUTPUT;
	}
	if (run.ev_fd >= 0)
		close(run.ev_fd);
	if (run.host_keys != NULL) {
		int jerr = 0;
		uint64_t jf = kx_hostdb_journal_failed(run.host_keys, &jerr);

		if (jf > 0) {
			fprintf(stderr, "kexray: --host-keys %s: %llu key%s not "
			    "saved: %s\n", run.host_keys_path,
			    (unsigned long long)jf, jf == 1 ? "" : "s",
			    strerror(jerr));
			status = EXIT_OUTPUT;
		}
	}
	if (kx_output_close(run.o) != 0 && status != EXIT_USAGE)
		status = EXIT_OUTPUT;
	for (int i = 0; fds != NULL && i < nfiles; i++)
		if (fds[2 * i] > STDIN_FILENO)
			close(fds[2 * i]);
	free(fds);
	kx_progress_free(run.progress);
	kx_workers_free(run.wk);
	for (unsigned i = 0; i < KX_WORKERS_MAX; i++) {
		kx_pipeline_free(pls[i]);
		if (run.caps[i] != run.cap)
			kx_live_close(run.caps[i]);
	}
	if (run.lock_made)
		pthread_mutex_destroy(&run.lock);
	kx_live_close(run.cap);
	kx_hostdb_free(run.known_hosts);
	kx_hostdb_free(run.host_keys);
	kx_summary_free(run.sum);
	kx_offers_free(run.offers);
	kx_brute_free(run.brute);
	kx_brief_hold_free(run.hold);
	kx_brute_queue_free(run.bq);
	free(files);
	free(own_filter);
	return status;
}
