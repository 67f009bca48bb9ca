/* Fuzz target: the identification string and the lines before it
 * (RFC 4253 4.2), kx_ssh_feed in state BANNER. The whole input is one
 * direction's first bytes, read once as a server (pre-banner lines
 * allowed) and once as a client. */
#include <stdbool.h>

#include "kxfuzz.h"

static void
one_side(const uint8_t *data, size_t size, bool is_server)
{
	struct kx_ssh_side s;
	enum kx_status st;
	size_t used = 0;

	kx_ssh_side_init(&s, is_server);
	st = kx_ssh_feed(&s, data, size, &used);
	kxf_check_feed(&s, st, data, size, used);
	kxf_check_side(&s);
	kx_ssh_side_free(&s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one_side(data, size, true);
	one_side(data, size, false);
	return 0;
}
