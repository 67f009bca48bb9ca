/* The command line (options.h): getopt_long over a table, each value
 * checked against its range, then the combinations checked and the
 * capture filter built. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "kexray/analyze/community_id.h"
#include "kexray/core/limits.h"
#include "kexray/events/bruteforce.h"
#include "kexray/options.h"
#include "kexray/stream/workers.h"

/* -F: a BPF expression is a line or two; this bounds a wrong file. */
#define KX_FILTER_FILE_MAX 65536u

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
"                   group; files: the reader and N - 1 threads, connections\n"
"                   split by client address or endpoints\n"
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
	return KX_EXIT_USAGE;
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

enum {
	OPT_JSON = 256, OPT_PORT, OPT_ONLY, OPT_VERSION, OPT_OUTPUT,
	OPT_IMMEDIATE, OPT_STATS, OPT_HS_TIMEOUT, OPT_IDLE_TIMEOUT,
	OPT_MAX_CONNS, OPT_MAX_MEMORY, OPT_MAX_BUFFER, OPT_MAX_OOO,
	OPT_SSHD_LOG, OPT_KNOWN_HOSTS, OPT_HOST_KEYS,
	OPT_BRIEF, OPT_FORMAT, OPT_COLOR, OPT_HOST, OPT_CLIENT_SW, OPT_SERVER_SW,
	OPT_BRUTEFORCE, OPT_RECORDS, OPT_CID_SEED, OPT_PROBES, OPT_FAIL_ON,
	OPT_WORKERS, OPT_FANOUT_GROUP,
};

/* Which inputs go together, and the capture filter: from the trailing
 * arguments, from -F, or live kexray's own default. Returns -1, or an
 * exit status after one line on stderr. */
static int
check_inputs(struct kx_options *o, int nlogs, int argc, char **argv,
    const char *filter_file)
{
	if (nlogs > 0) {
		/* --host-keys learns keys into a known_hosts file, which needs
		 * the key itself; a log gives its fingerprint only. */
		if (nlogs != o->nfiles || o->lo.iface != NULL || optind < argc ||
		    o->ev_path != NULL || o->host_keys_path != NULL ||
		    o->nworkers > 1 || o->fanout_group >= 0) {
			fputs("kexray: --sshd-log reads logs only: not with -r, "
			    "-i, -w, --host-keys, --workers, --fanout-group or a "
			    "filter expression\n", stderr);
			return KX_EXIT_USAGE;
		}
		o->logs = true;
		return -1;
	}
	if ((o->nfiles == 0) == (o->lo.iface == NULL)) {
		fputs(o->nfiles == 0 ? "kexray: no input: give -r FILE, -i IFACE or "
		    "--sshd-log FILE; try kexray -h\n" :
		    "kexray: give either -r FILE or -i IFACE, not both\n", stderr);
		return KX_EXIT_USAGE;
	}
	o->live = o->lo.iface != NULL;
	if (o->fanout_group >= 0 && !o->live) {
		fputs("kexray: --fanout-group is for live capture (-i)\n", stderr);
		return KX_EXIT_USAGE;
	}
	o->cfg.keep_evidence = o->ev_path != NULL;
	if (filter_file != NULL) {
		if (optind < argc) {
			fputs("kexray: -F gives the filter: not also on the "
			    "command line\n", stderr);
			return KX_EXIT_USAGE;
		}
		if ((o->filter = read_filter_file(filter_file)) == NULL)
			return KX_EXIT_USAGE;
	} else if (optind < argc) {
		if ((o->filter = join_args(argc - optind, argv + optind)) == NULL)
			return KX_EXIT_INPUT;
	} else if (o->live) {
		o->follow_ports = true;
		if ((o->filter = kx_capture_default_filter(o->cfg.ports,
		    o->cfg.nports)) == NULL)
			return KX_EXIT_INPUT;
	}
	if (o->filter != NULL && o->filter[0] == '\0') {
		free(o->filter);   /* '' asks for everything */
		o->filter = NULL;
	}
	if (kx_capture_check_filter(o->filter) != 0)
		return KX_EXIT_USAGE;
	return -1;
}

int
kx_options_parse(struct kx_options *o, int argc, char **argv)
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
	const char *filter_file = NULL;   /* -F */
	int ch, status = KX_EXIT_USAGE;
	int nlogs = 0;   /* --sshd-log paths, kept in files[] */
	long v;

	memset(o, 0, sizeof(*o));
	o->nworkers = 1;
	o->fanout_group = -1;
	o->cfg.ports[0] = 22;
	o->cfg.nports = 1;
	o->lo.promisc = 1;
	o->brute_n = KX_BRUTE_DEFAULT_COUNT;
	o->brute_min = KX_BRUTE_DEFAULT_MINUTES;
	if ((o->files = calloc((size_t)argc + 1, sizeof(*o->files))) == NULL)
		return KX_EXIT_INPUT;
	/* Errors in options are one line of ours, not getopt's (which names
	 * argv[0]) and not the whole help. */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":r:i:s:pB:Dw:Z:hqnvc:F:o:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'r':
			o->files[o->nfiles++] = optarg;
			break;
		case OPT_SSHD_LOG:
			o->files[o->nfiles++] = optarg;
			nlogs++;
			break;
		case 'i':
			o->lo.iface = optarg;
			break;
		case OPT_KNOWN_HOSTS:
			o->known_hosts_path = optarg;
			break;
		case OPT_HOST_KEYS:
			o->host_keys_path = optarg;
			break;
		case 's':
			if (!parse_seconds(optarg, 64, 262144, &v)) {
				status = bad_value("-s", optarg, "64 to 262144 bytes");
				goto out;
			}
			o->lo.snaplen = (int)v;
			break;
		case 'p':
			o->lo.promisc = 0;
			break;
		case 'B':
			if (!parse_seconds(optarg, 1, 4 * 1024 * 1024, &v)) {
				status = bad_value("-B", optarg, "a size in KiB");
				goto out;
			}
			o->lo.buffer_kib = (int)v;
			break;
		case 'D':
			status = kx_capture_list_interfaces(stdout) == 0 ?
			    KX_EXIT_NOPROBLEM : KX_EXIT_INPUT;
			goto out;
		case 'w':
			o->ev_path = optarg;
			break;
		case 'Z':
			o->user = optarg;
			break;
		case OPT_JSON:
			o->rec.format = KX_FMT_JSON;
			break;
		case OPT_BRIEF:
			o->rec.format = KX_FMT_BRIEF;
			break;
		case OPT_RECORDS:
			if (strcmp(optarg, "lean") != 0 && strcmp(optarg, "full") != 0) {
				status = bad_value("--records", optarg, "lean or full");
				goto out;
			}
			o->rec.records_full = optarg[0] == 'f';
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

			while (f < KX_FMT_MAX && strcmp(optarg, kx_format_names[f]) != 0)
				f++;
			if (f == KX_FMT_MAX) {
				status = bad_value("--format", optarg,
				    "text, brief, json, zeek or eve");
				goto out;
			}
			o->rec.format = (enum kx_format)f;
			break;
		}
		case OPT_COLOR:
			if (!kx_color_parse(optarg, &o->rec.color)) {
				status = bad_value("--color", optarg,
				    "auto, always or never");
				goto out;
			}
			break;
		case 'q':
			o->rec.quiet = true;
			break;
		case 'n':
			/* tcpdump's "do not resolve names": kexray never does. */
			break;
		case 'v':
			o->rec.verbose++;
			break;
		case 'c':
			if (!parse_seconds(optarg, 1, LONG_MAX, &v)) {
				status = bad_value("-c", optarg, "a packet count");
				goto out;
			}
			o->max_frames = (uint64_t)v;
			break;
		case 'F':
			filter_file = optarg;
			break;
		case OPT_PROBES:
			o->probes_are_problems = true;
			break;
		case OPT_FAIL_ON:
			if (strcmp(optarg, "weak") != 0) {
				status = bad_value("--fail-on", optarg, "weak");
				goto out;
			}
			o->fail_on_weak = true;
			break;
		case OPT_HOST:
			if (!kx_select_add_host(&o->rec.sel, optarg)) {
				status = bad_value("--host", optarg, "an IPv4 or IPv6 "
				    "address or prefix, at most 64 of them");
				goto out;
			}
			break;
		case OPT_CLIENT_SW:
		case OPT_SERVER_SW:
			if (!kx_select_add_software(&o->rec.sel, ch == OPT_CLIENT_SW ?
			    KX_CLIENT : KX_SERVER, optarg)) {
				status = bad_value(ch == OPT_CLIENT_SW ?
				    "--client-software" : "--server-software", optarg,
				    "at most 16 patterns per side");
				goto out;
			}
			break;
		case OPT_BRUTEFORCE:
			if (strcmp(optarg, "off") == 0) {
				o->brute_n = 0;
			} else if (!kx_brute_parse(optarg, &o->brute_n, &o->brute_min)) {
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
			o->nworkers = (unsigned)v;
			break;
		case OPT_FANOUT_GROUP:
			if (!parse_seconds(optarg, 0, 65535, &v)) {
				status = bad_value("--fanout-group", optarg,
				    "0 to 65535");
				goto out;
			}
			o->fanout_group = v;
			break;
		case OPT_PORT:
			if (!kx_parse_ports(optarg, &o->cfg)) {
				status = bad_value("--port", optarg,
				    "a list like 22,2222");
				goto out;
			}
			break;
		case OPT_ONLY:
			o->only_problems = true;
			break;
		case 'o':
		case OPT_OUTPUT:
			o->rec.out_path = optarg;
			break;
		case OPT_IMMEDIATE:
			o->immediate = true;
			break;
		case OPT_STATS:
			if (!parse_seconds(optarg, 1, 86400, &v)) {
				status = bad_value("--stats-interval", optarg,
				    "1 to 86400 seconds");
				goto out;
			}
			o->stats_interval_us = (uint64_t)v * 1000000u;
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
				o->cfg.handshake_timeout_us = (uint64_t)v * 1000000u;
			else
				o->cfg.idle_timeout_us = (uint64_t)v * 1000000u;
			break;
		case OPT_MAX_CONNS:
			if (!parse_seconds(optarg, 1, UINT32_MAX, &v)) {
				status = bad_value("--max-conns", optarg,
				    "1 to 4294967295 connections");
				goto out;
			}
			o->cfg.max_conns = (uint32_t)v;
			break;
		case OPT_MAX_MEMORY:
			if (!parse_seconds(optarg, KX_MEMORY_MIN_MIB,
			    KX_MEMORY_CEIL_MIB, &v)) {
				status = bad_value("--max-memory", optarg,
				    "16 to 1048576 MiB");
				goto out;
			}
			o->cfg.max_memory = (uint64_t)v * 1024u * 1024u;
			break;
		case OPT_MAX_BUFFER:
			if (!parse_seconds(optarg, 1, KX_REASM_DEPTH_CEIL, &v)) {
				status = bad_value("--max-buffer", optarg,
				    "1 to 16777216 bytes");
				goto out;
			}
			o->cfg.max_buffer = (uint32_t)v;
			break;
		case OPT_MAX_OOO:
			if (!parse_seconds(optarg, 1, KX_REASM_OOO_CEIL, &v)) {
				status = bad_value("--max-ooo", optarg,
				    "1 to 4096 segments");
				goto out;
			}
			o->cfg.max_ooo = (uint32_t)v;
			break;
		case 'h':
			usage(stdout);
			status = KX_EXIT_NOPROBLEM;
			goto out;
		case OPT_VERSION:
			printf("kexray %s\n%s\n", KX_VERSION, pcap_lib_version());
			status = KX_EXIT_NOPROBLEM;
			goto out;
		case ':':
			bad_option(argv, optopt, "needs a value");
			goto out;
		default:
			bad_option(argv, optopt, "unknown option");
			goto out;
		}
	}
	return check_inputs(o, nlogs, argc, argv, filter_file);
out:
	return status;
}

void
kx_options_free(struct kx_options *o)
{
	free(o->files);
	free(o->filter);
	o->files = NULL;
	o->filter = NULL;
}
