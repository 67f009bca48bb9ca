#include "kexray/core/status.h"

static const char *const status_names[KX_STATUS_MAX] = {
	[KX_OK] = "ok",
	[KX_NEED_MORE] = "need more bytes",
	[KX_MALFORMED] = "malformed",
	[KX_LIMIT] = "limit reached",
	[KX_UNSUPPORTED] = "unsupported",
	[KX_NOMEM] = "out of memory",
	[KX_IO] = "input/output error",
};

const char *
kx_strerror(enum kx_status st)
{
	if ((unsigned)st >= KX_STATUS_MAX)
		return "unknown status";
	return status_names[st];
}
