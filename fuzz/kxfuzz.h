/* Shared by the fuzz targets (STYLE 15). A sanitizer finds memory errors
 * on its own; these checks turn a wrong answer into a crash too: the
 * contracts the headers promise (what kx_ssh_feed's status says about the
 * state, offsets that stay inside the bytes they describe) and the output
 * promises (STYLE 11: JSON is valid JSON, text carries no control byte). */
#ifndef KXFUZZ_H
#define KXFUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kexray/stream/flow.h"
#include "kexray/analyze/negotiate.h"
#include "kexray/ssh/ssh.h"

/* The entry point libFuzzer and standalone_main.c call. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts with a message: libFuzzer keeps the input as a crash. */
_Noreturn void kxf_fail(const char *what, const char *file, int line);

#define KXF_CHECK(cond) \
	do { \
		if (!(cond)) \
			kxf_fail(#cond, __FILE__, __LINE__); \
	} while (0)

/* kx_ssh_feed's status against the state it left (include/kexray/ssh/ssh.h),
 * then feeding again: a finished side consumes nothing and answers the
 * same status. data/len are what the last call was given. */
void kxf_check_feed(struct kx_ssh_side *s, enum kx_status st,
    const uint8_t *data, size_t len, size_t used);

/* Every pointer and offset in a side stays inside what it points into;
 * a kept KEXINIT's lists are walked and counted. */
void kxf_check_side(const struct kx_ssh_side *s);

/* A KEXINIT kx_kexinit_parse accepted: each list lies inside raw and
 * kx_namelist_next yields exactly count names. */
void kxf_check_kexinit(const struct kx_kexinit *k);

/* A negotiation result against the two KEXINITs: an agreed algorithm is
 * a name both peers offered (RFC 4253 7.1), taken from the client's copy;
 * the mismatch mask and first_failure agree with the per-category results. */
void kxf_check_nego(const struct kx_kexinit *client,
    const struct kx_kexinit *server, const struct kx_nego *ng);

/* Analyzes a finished connection and formats it both ways into memory;
 * checks the verdict, that the JSON is one valid JSON object on one line
 * (RFC 8259, UTF-8) and that the text is printable ASCII lines. Returns
 * whether the verdict is a problem (what the exit status counts). */
bool kxf_report(const struct kx_conn *c);

/* The checks kxf_report runs on its output. */
void kxf_check_json_line(const char *buf, size_t len);
void kxf_check_text(const char *buf, size_t len);

#endif
