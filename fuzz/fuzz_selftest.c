/* A stand-in target for test_replay.py: it aborts on the input
 * "kexray-fuzz-selftest: crash" and does nothing with any other, so the
 * test can show that standalone_main.c runs each input it is given and
 * that a crashing one fails the replay. */
#include <stdlib.h>
#include <string.h>

#include "kxfuzz.h"

static const char marker[] = "kexray-fuzz-selftest: crash";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == sizeof(marker) - 1 && memcmp(data, marker, size) == 0)
		abort();
	return 0;
}
