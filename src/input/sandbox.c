/* The seccomp allow-list for everything after set-up: reading the inputs
 * already open (the AF_PACKET socket through poll/recv and its ring, capture
 * files and logs through read), writing records, the -w file and the host-key
 * journal, reopening the output on SIGHUP, memory, time and signals.
 * Anything else fails with EPERM instead of running. A parser bug gets no
 * execve, socket, ptrace or kill of another process; it cannot write to the
 * capture socket (a mirror port turned injector) or to any descriptor but
 * the outputs, cannot type into a terminal (TIOCSTI), cannot create files
 * outside the output's and the host-key store's directories, and cannot
 * make memory executable. Descriptors cannot be duplicated (dup, dup2,
 * F_DUPFD): that would move the capture socket onto an output's number. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "kexray/input/privilege.h"

void
kx_sandbox_allow_write(struct kx_sandbox *sb, int fd)
{
	if (fd < 0 || sb->nwrite >= KX_SANDBOX_FDS_MAX)
		return;
	for (int i = 0; i < sb->nwrite; i++)
		if (sb->write_fds[i] == fd)
			return;
	sb->write_fds[sb->nwrite++] = fd;
}

void
kx_sandbox_allow_dir(struct kx_sandbox *sb, int fd)
{
	if (fd < 0 || sb->ndir >= KX_SANDBOX_FDS_MAX)
		return;
	for (int i = 0; i < sb->ndir; i++)
		if (sb->dir_fds[i] == fd)
			return;
	sb->dir_fds[sb->ndir++] = fd;
}

void
kx_sandbox_prepare(void)
{
	time_t t = 0;
	struct tm tm;

	/* /etc/localtime, for the text report's times. libcrypto is not
	 * warmed up: its first use reads openssl.cnf, which the filter
	 * refuses, and it goes on with its built-in defaults (MD5, SHA-256
	 * and HMAC-SHA1 from the default provider, all kexray uses); loading
	 * it here would cost 2.3 MiB of peak memory on runs that never hash
	 * anything (a 16 MiB --max-memory flood in tests/adversarial.py). */
	tzset();
	(void)localtime_r(&t, &tm);
}

#if defined(__SANITIZE_ADDRESS__)
#define KX_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define KX_SANITIZED 1
#endif
#endif

#if defined(KX_HAVE_SECCOMP) && !defined(KX_SANITIZED)
#include <fcntl.h>
#include <linux/sched.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

/* Allowed whatever their arguments. */
static const int allowed[] = {
	SCMP_SYS(read), SCMP_SYS(readv), SCMP_SYS(pread64), SCMP_SYS(lseek),
	SCMP_SYS(poll), SCMP_SYS(ppoll), SCMP_SYS(select), SCMP_SYS(pselect6),
	SCMP_SYS(recvfrom), SCMP_SYS(recvmsg), SCMP_SYS(getsockopt),
	SCMP_SYS(close), SCMP_SYS(fstat), SCMP_SYS(newfstatat), SCMP_SYS(statx),
	SCMP_SYS(fsync), SCMP_SYS(fdatasync),
	SCMP_SYS(brk), SCMP_SYS(munmap), SCMP_SYS(mremap), SCMP_SYS(madvise),
	SCMP_SYS(clock_gettime), SCMP_SYS(gettimeofday), SCMP_SYS(time),
	SCMP_SYS(clock_nanosleep), SCMP_SYS(nanosleep),
	SCMP_SYS(rt_sigaction), SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigreturn),
	SCMP_SYS(getpid), SCMP_SYS(gettid), SCMP_SYS(getuid), SCMP_SYS(geteuid),
	SCMP_SYS(getgid), SCMP_SYS(getegid), SCMP_SYS(futex),
	SCMP_SYS(getrusage), SCMP_SYS(sysinfo), SCMP_SYS(uname),
	SCMP_SYS(exit), SCMP_SYS(exit_group), SCMP_SYS(getrandom),
};

/* fcntl: reading and setting flags only, never F_DUPFD. */
static const int fcntl_cmds[] = { F_GETFD, F_SETFD, F_GETFL, F_SETFL };

/* ioctl: isatty(3) (TCGETS) and the terminal's width; never TIOCSTI. */
static const unsigned long ioctl_reqs[] = { TCGETS, TIOCGWINSZ };

/* SCMP_A0() and friends leave datum_b to C's zeroing, which clang's
 * -Wmissing-field-initializers rejects; these spell every field. */
static struct scmp_arg_cmp
arg_eq(unsigned int arg, scmp_datum_t v)
{
	struct scmp_arg_cmp c = { arg, SCMP_CMP_EQ, v, 0 };

	return c;
}

static struct scmp_arg_cmp
arg_without(unsigned int arg, scmp_datum_t bits)
{
	struct scmp_arg_cmp c = { arg, SCMP_CMP_MASKED_EQ, bits, 0 };

	return c;
}

static struct scmp_arg_cmp
arg_with(unsigned int arg, scmp_datum_t bits)
{
	/* (arg & bits) == bits: every one of bits set. */
	struct scmp_arg_cmp c = { arg, SCMP_CMP_MASKED_EQ, bits, bits };

	return c;
}

static int
add_rules(scmp_filter_ctx ctx, const struct kx_sandbox *sb)
{
	pid_t self = getpid();
	int r = 0;

	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]) && r == 0; i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0);
	/* Live, a port found to carry SSH is added to the capture filter
	 * (capture.h, kx_live_follow_port): libpcap swaps the socket's
	 * classic BPF program. Nothing else may be set on a socket. */
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(setsockopt), 2,
		    arg_eq(1, SOL_SOCKET), arg_eq(2, SO_ATTACH_FILTER));
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(setsockopt), 2,
		    arg_eq(1, SOL_SOCKET), arg_eq(2, SO_DETACH_FILTER));
	for (int i = 0; i < sb->nwrite && r == 0; i++) {
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(write), 1,
		    arg_eq(0, (scmp_datum_t)sb->write_fds[i]));
		if (r == 0)
			r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(writev),
			    1, arg_eq(0, (scmp_datum_t)sb->write_fds[i]));
	}
	for (int i = 0; i < sb->ndir && r == 0; i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1,
		    arg_eq(0, (scmp_datum_t)sb->dir_fds[i]));
	for (size_t i = 0; i < sizeof(fcntl_cmds) / sizeof(fcntl_cmds[0]) &&
	    r == 0; i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1,
		    arg_eq(1, (scmp_datum_t)fcntl_cmds[i]));
	for (size_t i = 0; i < sizeof(ioctl_reqs) / sizeof(ioctl_reqs[0]) &&
	    r == 0; i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
		    arg_eq(1, (scmp_datum_t)ioctl_reqs[i]));
	/* Taking a cut record back from the output (output.c); never the
	 * host-key journal or the -w file. */
	if (r == 0 && sb->trunc_fd >= 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ftruncate),
		    1, arg_eq(0, (scmp_datum_t)sb->trunc_fd));
	/* Memory, never executable. */
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
		    arg_without(2, PROT_EXEC));
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
		    arg_without(2, PROT_EXEC));
	/* --workers: threads are made after the filter, and inherit it.
	 * clone only with CLONE_THREAD (a thread of this process, never a
	 * new one); clone3, whose flags a filter cannot read, answers ENOSYS
	 * so that glibc falls back to clone. */
	if (r == 0 && sb->threads)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
		    arg_with(0, CLONE_THREAD));
	if (r == 0 && sb->threads)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS),
		    SCMP_SYS(clone3), 0);
	if (r == 0 && sb->threads)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW,
		    SCMP_SYS(set_robust_list), 0);
	if (r == 0 && sb->threads)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(rseq), 0);
	/* Signals to itself only (abort(3), raise(3)). */
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(kill), 1,
		    arg_eq(0, (scmp_datum_t)self));
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
		    arg_eq(0, (scmp_datum_t)self));
	return r;
}

int
kx_sandbox_enter(const struct kx_sandbox *sb)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	int r;

	if (ctx == NULL) {
		fputs("kexray: seccomp: cannot initialise\n", stderr);
		return -1;
	}
	r = add_rules(ctx, sb);
	if (r == 0)
		r = seccomp_load(ctx);
	seccomp_release(ctx);
	if (r != 0) {
		fprintf(stderr, "kexray: seccomp: %s\n", strerror(-r));
		return -1;
	}
	return 1;
}

#else

int
kx_sandbox_enter(const struct kx_sandbox *sb)
{
	(void)sb;
	return 0;
}

#endif
