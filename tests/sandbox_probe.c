/* What a compromised parser would try, against the real privilege drop
 * and seccomp filter (src/input/privilege.c, src/input/sandbox.c): run as root, it
 * opens what kexray would have open (an output and its directory, a raw
 * packet socket, another file, a terminal it controls), forks a process of
 * the same user to be a victim, drops, enters the sandbox, then tries each
 * attack. One line per check, "ok" or "FAIL", and exit 0 when all passed.
 *
 * sandbox_probe DIR [--no-sandbox]
 *   DIR: an empty directory the probe may use (mode 0777).
 *   --no-sandbox: drop only, and expect every attack to succeed: the
 *   checks can see the difference (the test runs both).
 *
 * Built without sanitizers: their runtimes need system calls the filter
 * refuses, and kexray itself enters no filter in a sanitizer build. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kexray/input/privilege.h"

static int failed, passed;
static bool sandboxed = true;

/* With the sandbox, the call must fail with EPERM; without it, succeed. */
static void
refused(const char *what, int rc)
{
	int e = errno;
	bool ok = sandboxed ? rc < 0 && e == EPERM : rc >= 0;

	printf("%s %s %s (rc %d, %s)\n", ok ? "ok  " : "FAIL", what,
	    sandboxed ? "refused" : "allowed without the sandbox", rc,
	    rc < 0 ? strerror(e) : "success");
	ok ? passed++ : failed++;
}

static void
allowed(const char *what, int rc)
{
	int e = errno;

	printf("%s %s allowed (rc %d, %s)\n", rc >= 0 ? "ok  " : "FAIL", what,
	    rc, rc < 0 ? strerror(e) : "success");
	rc >= 0 ? passed++ : failed++;
}

int
main(int argc, char **argv)
{
	struct kx_sandbox sb = { .nwrite = 0, .trunc_fd = -1 };
	const char *dir, *user = KX_PRIV_USER;
	char path[4096];
	struct passwd *pw;
	int dirfd, outfd, otherfd, rawfd, master, slave, r;
	pid_t victim;
	int life[2], ready[2];
	unsigned char frame[64];
	void *page;

	if (argc < 2) {
		fputs("usage: sandbox_probe DIR [--no-sandbox]\n", stderr);
		return 2;
	}
	dir = argv[1];
	sandboxed = !(argc > 2 && strcmp(argv[2], "--no-sandbox") == 0);
	if (geteuid() != 0) {
		puts("skip: needs root");
		return 77;
	}
	if ((pw = getpwnam(user)) == NULL) {
		user = "nobody";
		pw = getpwnam(user);
	}
	if (pw == NULL) {
		puts("skip: no user to drop to");
		return 77;
	}
	/* What kexray has open when it drops. */
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	snprintf(path, sizeof(path), "%s/out.jsonl", dir);
	outfd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
	snprintf(path, sizeof(path), "%s/other", dir);
	otherfd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/victim-%d", dir, i);
		close(open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0666));
		if (chown(path, pw->pw_uid, pw->pw_gid) != 0)
			perror("chown");
	}
	rawfd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (rawfd >= 0) {
		struct sockaddr_ll sll = { .sll_family = AF_PACKET,
		    .sll_protocol = htons(ETH_P_ALL),
		    .sll_ifindex = (int)if_nametoindex("lo") };

		if (bind(rawfd, (struct sockaddr *)&sll, sizeof(sll)) != 0)
			perror("bind");
	}
	if (dirfd < 0 || outfd < 0 || otherfd < 0 || rawfd < 0) {
		perror("set-up");
		return 2;
	}
	/* A terminal the probe controls, as kexray started from a shell. */
	master = posix_openpt(O_RDWR | O_NOCTTY);
	if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0 ||
	    setsid() < 0 || (slave = open(ptsname(master), O_RDWR)) < 0 ||
	    ioctl(slave, TIOCSCTTY, 0) != 0) {
		perror("terminal");
		return 2;
	}
	/* A process of the same user, which the dropped probe could signal
	 * if nothing stopped it. */
	if (pipe(life) != 0 || pipe(ready) != 0 || (victim = fork()) < 0) {
		perror("fork");
		return 2;
	}
	if (victim == 0) {
		char c;

		close(life[1]);
		if (setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0)
			_exit(1);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		/* Until the probe exits (end of file), or is killed. */
		while (read(life[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(life[0]);
	close(ready[1]);
	/* Not before the victim is the user's. */
	if (read(ready[0], path, 1) != 1) {
		fputs("victim did not start\n", stderr);
		return 2;
	}

	if (kx_priv_drop(user) != 0)
		return 2;
	kx_sandbox_allow_write(&sb, outfd);
	kx_sandbox_allow_write(&sb, STDOUT_FILENO);
	kx_sandbox_allow_write(&sb, STDERR_FILENO);
	kx_sandbox_allow_dir(&sb, dirfd);
	sb.trunc_fd = outfd;
	if (sandboxed && kx_sandbox_enter(&sb) != 1) {
		puts("FAIL the sandbox was not entered");
		return 1;
	}
	fflush(stdout);

	allowed("write to the output", (int)write(outfd, "{}\n", 3));
	memset(frame, 0xff, 12);
	memset(frame + 12, 0, sizeof(frame) - 12);
	frame[12] = 0x88;
	frame[13] = 0xb5;   /* IEEE local experimental */
	refused("write to the raw capture socket (a frame on the wire)",
	    (int)write(rawfd, frame, sizeof(frame)));
	refused("sendto on the raw capture socket",
	    (int)sendto(rawfd, frame, sizeof(frame), 0, NULL, 0));
	refused("write to another file opened before the drop",
	    (int)write(otherfd, "x", 1));
	refused("ftruncate of another file opened before the drop",
	    ftruncate(otherfd, 0));
	allowed("ftruncate of the output", ftruncate(outfd, 3));
	refused("dup2 of the capture socket onto the output's number",
	    dup2(rawfd, outfd));
	refused("fcntl(F_DUPFD) of the capture socket",
	    fcntl(rawfd, F_DUPFD, 100));
	refused("ioctl(TIOCSTI) on the controlling terminal",
	    ioctl(slave, TIOCSTI, "x"));
	refused("kill of another process of the same user",
	    kill(victim, SIGTERM));
	allowed("kill(0) of itself", kill(getpid(), 0));
	snprintf(path, sizeof(path), "%s/created", dir);
	r = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
	refused("creating a file by path", r);
	r = openat(dirfd, "via-dirfd", O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
	allowed("creating a file in the output's directory descriptor", r);
	snprintf(path, sizeof(path), "%s/victim-0", dir);
	refused("unlinking a file", unlink(path));
	refused("unlinkat of a file", unlinkat(dirfd, "victim-1", 0));
	refused("renaming a file", renameat(dirfd, "victim-2", dirfd,
	    "renamed"));
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE |
	    MAP_ANONYMOUS, -1, 0);
	allowed("mmap of read-write memory", page == MAP_FAILED ? -1 : 0);
	refused("mprotect(PROT_EXEC)", mprotect(page, 4096, PROT_READ |
	    PROT_EXEC));
	r = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
	    -1, 0) == MAP_FAILED ? -1 : 0;
	refused("mmap(PROT_EXEC)", r);
	r = socket(AF_INET, SOCK_DGRAM, 0);
	refused("socket", r);
	if (!sandboxed || r >= 0)
		close(r);
	{
		char *const av[] = { (char *)"/bin/true", NULL };
		char *const ev[] = { NULL };
		pid_t c = sandboxed ? 0 : fork();

		if (c == 0) {
			r = execve("/bin/true", av, ev);
			if (!sandboxed)
				_exit(127);
		} else {
			int wst;

			r = waitpid(c, &wst, 0) == c && WIFEXITED(wst) &&
			    WEXITSTATUS(wst) == 0 ? 0 : -1;
		}
		refused("execve", r);
	}
	fflush(stdout);
	printf("%d passed, %d failed\n", passed, failed);
	fflush(stdout);
	/* The victim ends when this process does (its pipe's end of file),
	 * whether or not the kill above got through. */
	_exit(failed > 0 ? 1 : 0);
}
