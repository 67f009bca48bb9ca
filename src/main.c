/* kexray: command line, and wiring the stages together; nothing else. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kexray/capture.h"
#include "kexray/pipeline.h"
#include "kexray/report.h"

enum { EXIT_NOPROBLEM = 0, EXIT_PROBLEMS = 1, EXIT_USAGE = 2, EXIT_INPUT = 3 };

struct run {
	FILE *out;
	bool json;
	bool only_problems;
	struct kx_pipeline *pl;
	uint64_t shown, problems;
};

static void
usage(FILE *f)
{
	fputs(
"usage: kexray -r FILE [-r FILE ...] [--json] [--port LIST] [--only-problems]\n"
"              [BPF expression]\n"
"\n"
"Passive SSH handshake inspector: decodes both banners and KEXINITs of every\n"
"SSH connection in a capture, runs the RFC 4253 negotiation and says what was\n"
"agreed, or which categories have no common algorithm and how it ended.\n"
"\n"
"  -r FILE          read a pcap or pcapng file ('-' for stdin); repeatable\n"
"  --json           JSON Lines, one object per connection (docs/output-format.md)\n"
"  --port LIST      SSH server ports, comma-separated (default 22); SSH on any\n"
"                   other port is found by its 'SSH-' identification line\n"
"  --only-problems  report only connections with a problem\n"
"  -h, --help       this help\n"
"  --version        print the version\n"
"\n"
"exit status: 0 no problem found, 1 problems found, 2 usage error,\n"
"             3 an input could not be read (connections read before the\n"
"             damage are still reported)\n", f);
}

static void
on_conn(struct kx_conn *c, void *arg)
{
	struct run *r = arg;
	struct kx_verdict v;

	kx_analyze(c, &v);
	if (v.problem)
		r->problems++;
	if (r->only_problems && !v.problem)
		return;
	r->shown++;
	if (r->json)
		kx_report_json(r->out, c, &v);
	else
		kx_report_text(r->out, c, &v);
}

static void
on_frame(void *arg, int dlt, const uint8_t *frame, uint32_t caplen,
    uint32_t wirelen, uint64_t ts_us, uint64_t frame_no)
{
	struct run *r = arg;

	kx_pipeline_frame(r->pl, dlt, frame, caplen, wirelen, ts_us, frame_no);
}

static void
on_signal(int sig)
{
	(void)sig;
	kx_capture_stop = 1;
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

int
main(int argc, char **argv)
{
	enum { OPT_JSON = 256, OPT_PORT, OPT_ONLY, OPT_VERSION };
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "port", required_argument, NULL, OPT_PORT },
		{ "only-problems", no_argument, NULL, OPT_ONLY },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	struct kx_pipeline_config cfg = { .ports = { 22 }, .nports = 1 };
	struct run run = { .out = stdout };
	const char **files = NULL;
	char *filter = NULL;
	int nfiles = 0, ch, status = EXIT_NOPROBLEM, input_failed = 0;

	if ((files = calloc((size_t)argc + 1, sizeof(*files))) == NULL)
		return EXIT_INPUT;
	while ((ch = getopt_long(argc, argv, "r:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			files[nfiles++] = optarg;
			break;
		case OPT_JSON:
			run.json = true;
			break;
		case OPT_PORT:
			if (!kx_parse_ports(optarg, &cfg)) {
				fprintf(stderr, "kexray: --port: bad port list "
				    "'%.64s' (want e.g. 22,2222)\n", optarg);
				free(files);
				return EXIT_USAGE;
			}
			break;
		case OPT_ONLY:
			run.only_problems = true;
			break;
		case 'h':
			usage(stdout);
			free(files);
			return EXIT_NOPROBLEM;
		case OPT_VERSION:
			printf("kexray %s\n", KX_VERSION);
			free(files);
			return EXIT_NOPROBLEM;
		default:
			usage(stderr);
			free(files);
			return EXIT_USAGE;
		}
	}
	if (nfiles == 0) {
		fputs("kexray: no input: give -r FILE (live capture is not "
		    "built yet)\n", stderr);
		usage(stderr);
		free(files);
		return EXIT_USAGE;
	}
	if (optind < argc && (filter = join_args(argc - optind, argv + optind)) == NULL) {
		free(files);
		return EXIT_INPUT;
	}

	if (kx_capture_check_filter(filter) != 0) {
		free(files);
		free(filter);
		return EXIT_USAGE;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if ((run.pl = kx_pipeline_new(&cfg, on_conn, &run)) == NULL) {
		fputs("kexray: out of memory\n", stderr);
		free(files);
		free(filter);
		return EXIT_INPUT;
	}
	for (int i = 0; i < nfiles && !kx_capture_stop; i++)
		if (kx_capture_file(files[i], filter, on_frame, &run) != 0)
			input_failed = 1;
	kx_pipeline_finish(run.pl);
	if (!run.json)
		kx_report_text_summary(run.out, kx_pipeline_stats(run.pl),
		    run.shown, run.problems);
	fflush(run.out);
	kx_pipeline_free(run.pl);
	free(files);
	free(filter);
	if (input_failed)
		status = EXIT_INPUT;
	else if (run.problems > 0)
		status = EXIT_PROBLEMS;
	return status;
}
