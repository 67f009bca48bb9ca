/* The seccomp allow-list for the capture loop: reading packets (the
 * AF_PACKET socket through poll/recv and the ring), writing records and
 * the -w file, reopening the output on SIGHUP, memory, time and signals.
 * Anything else fails with EPERM instead of running: an attacker who
 * found a bug in a parser gets no execve, no socket, no ptrace. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kexray/privilege.h"

#if defined(__SANITIZE_ADDRESS__)
#define KX_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define KX_SANITIZED 1
#endif
#endif

#if defined(KX_HAVE_SECCOMP) && !defined(KX_SANITIZED)
#include <seccomp.h>

static const int allowed[] = {
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(writev), SCMP_SYS(readv),
	SCMP_SYS(pread64), SCMP_SYS(lseek),
	SCMP_SYS(poll), SCMP_SYS(ppoll), SCMP_SYS(select), SCMP_SYS(pselect6),
	SCMP_SYS(recvfrom), SCMP_SYS(recvmsg), SCMP_SYS(getsockopt),
	SCMP_SYS(setsockopt), SCMP_SYS(ioctl), SCMP_SYS(fcntl),
	SCMP_SYS(openat), SCMP_SYS(close), SCMP_SYS(fstat),
	SCMP_SYS(newfstatat), SCMP_SYS(statx), SCMP_SYS(rename),
	SCMP_SYS(renameat), SCMP_SYS(unlink), SCMP_SYS(fsync), SCMP_SYS(fdatasync),
	SCMP_SYS(brk), SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mremap),
	SCMP_SYS(madvise), SCMP_SYS(mprotect),
	SCMP_SYS(clock_gettime), SCMP_SYS(gettimeofday), SCMP_SYS(time),
	SCMP_SYS(clock_nanosleep), SCMP_SYS(nanosleep),
	SCMP_SYS(rt_sigaction), SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigreturn),
	SCMP_SYS(getpid), SCMP_SYS(gettid), SCMP_SYS(getuid), SCMP_SYS(geteuid),
	SCMP_SYS(getgid), SCMP_SYS(getegid), SCMP_SYS(futex),
	SCMP_SYS(getrusage), SCMP_SYS(sysinfo), SCMP_SYS(uname),
	SCMP_SYS(exit), SCMP_SYS(exit_group), SCMP_SYS(tgkill), SCMP_SYS(kill),
	SCMP_SYS(getrandom),
};

int
kx_sandbox_enter(void)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	int r = 0;

	if (ctx == NULL) {
		fputs("kexray: seccomp: cannot initialise\n", stderr);
		return -1;
	}
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]) && r == 0; i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0);
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
kx_sandbox_enter(void)
{
	return 0;
}

#endif
