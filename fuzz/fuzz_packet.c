/* Fuzz target: binary packet framing (RFC 4253 6) and the cleartext
 * messages in it. A fixed, valid identification line is fed first, so
 * every input starts right at the first packet_length. */
#include <string.h>

#include "kxfuzz.h"

static const char banner[] = "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kx_ssh_side s;
	enum kx_status st;
	size_t used = 0;

	kx_ssh_side_init(&s, true);
	st = kx_ssh_feed(&s, (const uint8_t *)banner, strlen(banner), &used);
	KXF_CHECK(st == KX_NEED_MORE && used == strlen(banner));
	KXF_CHECK(s.state == KX_SSH_PACKETS);

	st = kx_ssh_feed(&s, data, size, &used);
	kxf_check_feed(&s, st, data, size, used);
	kxf_check_side(&s);
	kx_ssh_side_free(&s);
	return 0;
}
