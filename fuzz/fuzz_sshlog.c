/* Fuzz target: the OpenSSH debug log reader (--sshd-log, sshlog.h), whose
 * lines carry what a remote peer chose (its identification string, its
 * name-lists, a user name). Input: one byte, then the log. The byte sets
 * how the log is handed over, since lines may be split across calls: 0,
 * all at once; otherwise in chunks of that many bytes. Every connection
 * the reader reports is analyzed and formatted both ways, with the output
 * checks of kxf_report; at the end every connection has been reported,
 * and no more were open at once than the reader's cap. */
#include "kexray/input/sshlog.h"
#include "kxfuzz.h"

static void
on_conn(struct kx_conn *c, void *arg)
{
	uint64_t *n = arg;

	KXF_CHECK(c->source == KX_SOURCE_SSHD_LOG || c->source == KX_SOURCE_SSH_LOG);
	(*n)++;
	(void)kxf_report(c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kx_sshlog *l;
	uint64_t reported = 0;
	size_t chunk;

	if (size < 1)
		return 0;
	chunk = data[0] != 0 ? data[0] : size;
	if ((l = kx_sshlog_new(on_conn, &reported)) == NULL)
		return 0;
	for (size_t off = 1; off < size; off += chunk)
		kx_sshlog_feed(l, data + off, size - off < chunk ? size - off : chunk);
	kx_sshlog_finish(l);
	KXF_CHECK(kx_sshlog_open(l) == 0);
	KXF_CHECK(kx_sshlog_stats(l)->conns == reported);
	KXF_CHECK(kx_sshlog_stats(l)->open_peak <= KX_SSHLOG_CONNS_MAX);
	kx_sshlog_free(l);
	return 0;
}
