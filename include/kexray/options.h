/* options: the command line, read into one struct kx_options (docs/kexray.1
 * is the manual). Reading only: nothing is opened here but a -F file, and
 * every value is checked against its range. To add an option: an OPT_ value
 * and a longopts row in options.c, its case in kx_options_parse, a member
 * here, a line of usage(), and the man page. */
#ifndef KEXRAY_OPTIONS_H
#define KEXRAY_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "kexray/input/capture.h"
#include "kexray/report/records.h"
#include "kexray/stream/pipeline.h"

/* The exit status (docs/kexray.1 "EXIT STATUS"). */
enum {
	KX_EXIT_NOPROBLEM = 0, KX_EXIT_PROBLEMS = 1, KX_EXIT_USAGE = 2,
	KX_EXIT_INPUT = 3,
	KX_EXIT_OUTPUT = 4,   /* a record (or -w, --host-keys) could not be written */
};

struct kx_options {
	/* input */
	const char **files;          /* -r, or --sshd-log paths, in order */
	int nfiles;
	bool logs;                   /* files are --sshd-log paths */
	struct kx_live_opts lo;      /* -i, -s, -p, -B (filter: set when live) */
	bool live;                   /* -i */
	bool immediate;              /* --immediate */
	char *filter;                /* BPF expression, NULL: none; owned */
	bool follow_ports;           /* live with the default filter */
	uint64_t max_frames;         /* -c, 0 no limit */
	unsigned nworkers;           /* --workers, 1 by default */
	long fanout_group;           /* --fanout-group, -1 none */
	/* the stages */
	struct kx_pipeline_config cfg;   /* --port, timeouts, caps */
	const char *known_hosts_path;    /* --known-hosts */
	const char *host_keys_path;      /* --host-keys */
	bool only_problems;              /* --only-problems */
	bool probes_are_problems;        /* --probes-are-problems */
	bool fail_on_weak;               /* --fail-on weak */
	uint32_t brute_n, brute_min;     /* --bruteforce; brute_n 0: off */
	/* output */
	struct kx_records rec;       /* --format and what goes with it */
	const char *ev_path;         /* -w */
	uint64_t stats_interval_us;  /* --stats-interval, 0 off */
	const char *user;            /* -Z */
};

/* Fills o from argv. Returns -1 when kexray is to run, else the exit
 * status to leave with (after -h, --version, -D, or one line on stderr
 * for a usage error). kx_options_free(o) either way. */
int kx_options_parse(struct kx_options *o, int argc, char **argv);
void kx_options_free(struct kx_options *o);

#endif
