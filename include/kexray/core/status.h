/* Status codes shared by every stage (STYLE 2: OK, NEED_MORE, MALFORMED and
 * LIMIT stay distinct so a decoder fed by reassembly can tell "wait" from
 * "broken" from "too big"). */
#ifndef KEXRAY_STATUS_H
#define KEXRAY_STATUS_H

#define KX_WUR __attribute__((warn_unused_result))

enum kx_status {
	KX_OK = 0,
	KX_NEED_MORE,    /* not enough bytes yet; nothing consumed */
	KX_MALFORMED,    /* the bytes break the protocol's rules */
	KX_LIMIT,        /* a cap in limits.h was hit */
	KX_UNSUPPORTED,  /* valid, but not something kexray decodes (e.g. UDP) */
	KX_NOMEM,
	KX_IO,
	KX_STATUS_MAX
};

const char *kx_strerror(enum kx_status st);

#endif
