/* rss_run: runs a command and reports its peak resident set size.
 *
 * usage: rss_run FILE COMMAND [ARG...]
 * Writes "maxrss_kib N" to FILE once COMMAND exits, and exits with its
 * status (128 + signal when killed).
 *
 * Why not Python's getrusage(RUSAGE_CHILDREN): Linux carries a process's
 * peak RSS across execve, so a child forked from the test's Python starts
 * with Python's own peak (10+ MiB) and a cap of 16 MiB could not be
 * checked. Forked from this small program, the child's peak is its own
 * (wait4 returns the reaped child's ru_maxrss, getrusage(2)); and /proc's
 * VmHWM is gone by the time the child can be reaped. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct rusage ru;
	FILE *f;
	pid_t pid;
	int st;

	if (argc < 3) {
		fputs("usage: rss_run FILE COMMAND [ARG...]\n", stderr);
		return 2;
	}
	if ((pid = fork()) < 0) {
		perror("rss_run: fork");
		return 2;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		fprintf(stderr, "rss_run: %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	while (wait4(pid, &st, 0, &ru) < 0) {
		if (errno != EINTR) {
			perror("rss_run: wait4");
			return 2;
		}
	}
	if ((f = fopen(argv[1], "w")) == NULL) {
		perror("rss_run: report file");
		return 2;
	}
	fprintf(f, "maxrss_kib %ld\n", ru.ru_maxrss);
	if (fclose(f) != 0) {
		perror("rss_run: report file");
		return 2;
	}
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}
