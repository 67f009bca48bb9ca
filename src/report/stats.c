/* Statistics records: packets, kernel and interface drops, connections,
 * outcomes and memory, printed on SIGUSR1, every --stats-interval and at
 * exit. Drops are never silent. */
#include <malloc.h>
#include <sys/resource.h>
#include <time.h>

#include "kexray/events/events.h"
#include "kexray/report/report.h"

static void
memory(uint64_t *heap, uint64_t *max_rss_kib)
{
	struct mallinfo2 mi = mallinfo2();
	struct rusage ru;

	/* Bytes handed out by malloc, in arenas and in mmap'd blocks. */
	*heap = (uint64_t)mi.uordblks + (uint64_t)mi.hblkhd;
	*max_rss_kib = getrusage(RUSAGE_SELF, &ru) == 0 ? (uint64_t)ru.ru_maxrss : 0;
}

void
kx_report_json_stats(FILE *out, const struct kx_stats *st,
    const struct kx_capture_counts *cc, const struct kx_run_counts *rc,
    bool final)
{
	struct timespec now;
	uint64_t heap, rss;

	clock_gettime(CLOCK_REALTIME, &now);
	memory(&heap, &rss);
	fprintf(out, "{\"type\":\"stats\",\"schema_version\":%d,\"ts\":%lld.%06ld,"
	    "\"final\":%s,\"frames\":%llu,\"tcp\":%llu,\"malformed\":%llu,"
	    "\"truncated\":%llu,", KX_JSON_SCHEMA_VERSION, (long long)now.tv_sec,
	    now.tv_nsec / 1000, final ? "true" : "false",
	    (unsigned long long)st->frames, (unsigned long long)st->tcp,
	    (unsigned long long)st->malformed, (unsigned long long)st->truncated);
	if (cc->have_pcap)
		fprintf(out, "\"pcap_received\":%llu,\"kernel_drops\":%llu,"
		    "\"interface_drops\":%llu,", (unsigned long long)cc->recv,
		    (unsigned long long)cc->drop, (unsigned long long)cc->ifdrop);
	fprintf(out, "\"conns_tracked\":%u,\"ssh_conns\":%llu,\"evicted\":%llu,"
	    "\"timeouts\":%llu,\"problems\":%llu,\"verdicts\":{",
	    cc->conns_tracked, (unsigned long long)st->ssh_conns,
	    (unsigned long long)st->evicted, (unsigned long long)st->timeouts,
	    (unsigned long long)rc->problems);
	for (int k = 0; k < KX_V_MAX; k++)
		fprintf(out, "%s\"%s\":%llu", k > 0 ? "," : "", kx_verdict_names[k],
		    (unsigned long long)rc->by_verdict[k]);
	fprintf(out, "},\"heap_bytes\":%llu,\"max_rss_kib\":%llu}\n",
	    (unsigned long long)heap, (unsigned long long)rss);
}

void
kx_report_text_stats(FILE *out, const struct kx_stats *st,
    const struct kx_capture_counts *cc, const struct kx_run_counts *rc,
    bool final)
{
	uint64_t heap, rss;

	memory(&heap, &rss);
	fprintf(out, "kexray: %s%llu frames, ", final ? "" : "so far: ",
	    (unsigned long long)st->frames);
	if (cc->have_pcap)
		fprintf(out, "%llu received by filter, %llu dropped by kernel, "
		    "%llu dropped by interface, ", (unsigned long long)cc->recv,
		    (unsigned long long)cc->drop, (unsigned long long)cc->ifdrop);
	fprintf(out, "%llu SSH connections (%llu problems, %llu OK), %u tracked, "
	    "%llu evicted, %llu timed out, heap %llu KiB, max RSS %llu KiB\n",
	    (unsigned long long)st->ssh_conns, (unsigned long long)rc->problems,
	    (unsigned long long)rc->by_verdict[KX_V_OK], cc->conns_tracked,
	    (unsigned long long)st->evicted, (unsigned long long)st->timeouts,
	    (unsigned long long)(heap / 1024), (unsigned long long)rss);
	fflush(out);
}
