#include <arpa/inet.h>
#include <sys/socket.h>

#include "kexray/report.h"

void
kx_addr_text(const struct kx_conn *c, int side, char *buf, size_t len)
{
	if (inet_ntop(c->ip_version == 4 ? AF_INET : AF_INET6,
	    c->ep[side].addr, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
}

void
kx_conn_uid(const struct kx_conn *c, char out[19])
{
	static const char digits[] =
	    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	uint64_t h = 14695981039346656037ull;   /* FNV-1a 64 */
	uint8_t key[2 * 18 + 8 + 2];
	size_t n = 0;

	for (int s = 0; s < 2; s++) {
		for (int i = 0; i < 16; i++)
			key[n++] = c->ep[s].addr[i];
		key[n++] = (uint8_t)(c->ep[s].port >> 8);
		key[n++] = (uint8_t)c->ep[s].port;
	}
	for (int i = 0; i < 8; i++)
		key[n++] = (uint8_t)(c->ts_first >> (8 * i));
	key[n++] = (uint8_t)(c->vlan >> 8);
	key[n++] = (uint8_t)c->vlan;
	for (size_t i = 0; i < n; i++) {
		h ^= key[i];
		h *= 1099511628211ull;
	}
	out[0] = 'C';
	for (int i = 1; i < 18; i++) {
		out[i] = digits[h % 62];
		h = h / 62 ^ (h * 31 + (uint64_t)i);
	}
	out[18] = '\0';
}
