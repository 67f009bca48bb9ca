/* privilege: once its inputs and outputs are open, kexray gives up root and
 * every capability (DESIGN "Privilege", as tcpdump's -Z does) and, where
 * libseccomp is available, confines itself to the system calls the run
 * needs, with the descriptors it may write to named one by one. */
#ifndef KEXRAY_PRIVILEGE_H
#define KEXRAY_PRIVILEGE_H

#include <stdbool.h>

/* The user kexray drops to when started as root without -Z: a system
 * user of its own (created by the .deb, by the systemd unit's sysusers
 * file, or by hand: README "Privilege"). */
#define KX_PRIV_USER "kexray"

/* KX_PRIV_USER when it exists, else "nobody" after a warning on stderr;
 * NULL when not running as root (nothing to switch). */
const char *kx_priv_default_user(void);

/* Switches to user (its uid, its primary gid, no supplementary groups;
 * NULL: stay who we are) and checks that root cannot be regained; then
 * empties every capability set and sets no_new_privs. A user of "root"
 * keeps root and its capabilities. Returns 0, or -1 after printing one
 * line to stderr. */
int kx_priv_drop(const char *user);

/* What the sandboxed run may still touch. */
#define KX_SANDBOX_FDS_MAX 12
struct kx_sandbox {
	int write_fds[KX_SANDBOX_FDS_MAX];  /* write/writev only to these */
	int nwrite;
	int dir_fds[KX_SANDBOX_FDS_MAX];    /* openat only in these */
	int ndir;
	int trunc_fd;   /* ftruncate only this one (the output), -1 none */
	bool threads;   /* --workers: threads may be made (and end) after it */
};

/* Adds fd to the set (ignored when negative or the set is full). */
void kx_sandbox_allow_write(struct kx_sandbox *sb, int fd);
void kx_sandbox_allow_dir(struct kx_sandbox *sb, int fd);

/* What must happen before the filter: libc reads the time zone file on
 * first use. */
void kx_sandbox_prepare(void);

/* Installs the seccomp filter. Returns 1 installed, 0 not available (no
 * libseccomp at build time, or a sanitizer build whose runtime needs
 * ptrace at exit), -1 after printing one line to stderr. */
int kx_sandbox_enter(const struct kx_sandbox *sb);

#endif
