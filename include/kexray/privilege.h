/* privilege: after the interface is open, kexray gives up root (DESIGN
 * "Privilege", as tcpdump's -Z does) and, where libseccomp is available,
 * confines itself to the system calls the capture loop and output need. */
#ifndef KEXRAY_PRIVILEGE_H
#define KEXRAY_PRIVILEGE_H

#include <stdbool.h>

/* Switches to user (its uid, its primary gid, no supplementary groups) and
 * checks that root cannot be regained. A user of "root" keeps root.
 * Returns 0, or -1 after printing one line to stderr. */
int kx_priv_drop(const char *user);

/* Installs the seccomp filter. Returns 1 installed, 0 not available (no
 * libseccomp at build time, or a sanitizer build whose runtime needs
 * ptrace at exit), -1 after printing one line to stderr. */
int kx_sandbox_enter(void);

#endif
