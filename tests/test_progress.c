/* progress: the line's words, and when there is a line at all: only on a
 * terminal (a pseudo-terminal here), never with -q, never for stdin or
 * small inputs; drawn in place and erased. */
#define _XOPEN_SOURCE 700
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kexray/input/progress.h"

static void
test_format(void **state)
{
	char buf[160];

	(void)state;
	/* 24 MiB of 96 MiB in 2 s: 6 s left; 100000 frames: 50000/s. */
	kx_progress_format(buf, sizeof(buf), 24u << 20, 96u << 20, 2000000,
	    100000, 1234);
	assert_string_equal(buf, "kexray: 24.0 MiB of 96.0 MiB (25%), 50000 "
	    "packets/s, 1234 connections, 0:06 left");
	kx_progress_format(buf, sizeof(buf), 0, 3ull << 30, 0, 0, 1);
	assert_string_equal(buf, "kexray: 0.0 MiB of 3.0 GiB (0%), 0 packets/s, "
	    "1 connection");
	/* More read than the sizes said (a file that grew): capped. */
	kx_progress_format(buf, sizeof(buf), 200u << 20, 100u << 20, 65000000,
	    10, 0);
	assert_string_equal(buf, "kexray: 100.0 MiB of 100.0 MiB (100%), 0 "
	    "packets/s, 0 connections, 0:00 left");
	/* Minutes. */
	kx_progress_format(buf, sizeof(buf), 1u << 20, 61u << 20, 2000000, 0, 0);
	assert_string_equal(buf, "kexray: 1.0 MiB of 61.0 MiB (1%), 0 packets/s, "
	    "0 connections, 2:00 left");
}

static char path_big[] = "/tmp/kx-progress-big-XXXXXX";
static char path_small[] = "/tmp/kx-progress-small-XXXXXX";

static int
setup(void **state)
{
	int fd;

	(void)state;
	fd = mkstemp(path_big);
	assert_true(fd >= 0);
	/* Sparse: the size is what counts. */
	assert_int_equal(ftruncate(fd, 2 * KX_PROGRESS_MIN_BYTES), 0);
	close(fd);
	fd = mkstemp(path_small);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, KX_PROGRESS_MIN_BYTES - 1), 0);
	close(fd);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(path_big);
	unlink(path_small);
	return 0;
}

static int64_t
half_read(void)
{
	return KX_PROGRESS_MIN_BYTES;
}

static void
test_when(void **state)
{
	const char *big[] = { path_big }, *small[] = { path_small };
	const char *both[] = { path_small, path_big }, *stdin_[] = { "-" };
	int master, slave, pipefd[2];
	FILE *tty, *pipe_f;
	struct kx_progress *p;
	char got[512];
	ssize_t n;
	struct pollfd pfd;

	(void)state;
	master = posix_openpt(O_RDWR | O_NOCTTY);
	assert_true(master >= 0);
	assert_int_equal(grantpt(master), 0);
	assert_int_equal(unlockpt(master), 0);
	slave = open(ptsname(master), O_RDWR | O_NOCTTY);
	assert_true(slave >= 0);
	tty = fdopen(slave, "w");
	assert_non_null(tty);
	assert_int_equal(pipe(pipefd), 0);
	pipe_f = fdopen(pipefd[1], "w");
	assert_non_null(pipe_f);

	assert_null(kx_progress_new(big, 1, false, pipe_f));
	assert_null(kx_progress_new(big, 1, true, tty));
	assert_null(kx_progress_new(small, 1, false, tty));
	assert_null(kx_progress_new(stdin_, 1, false, tty));
	/* Two inputs count together. */
	p = kx_progress_new(both, 2, false, tty);
	assert_non_null(p);
	kx_progress_free(p);

	p = kx_progress_new(big, 1, false, tty);
	assert_non_null(p);
	kx_progress_begin(p, 0, half_read);
	/* Before KX_PROGRESS_INTERVAL_MS nothing is drawn. */
	kx_progress_tick(p, 10, 1);
	{
		struct timespec ts = { 0, (long)KX_PROGRESS_INTERVAL_MS * 1000000L + 1000000L };

		nanosleep(&ts, NULL);
	}
	kx_progress_tick(p, 20000, 3);
	kx_progress_hide(p);
	kx_progress_free(p);
	fflush(tty);
	/* A pseudo-terminal may hand the bytes over in pieces (a loaded
	 * machine): read until the final erase arrives, a bounded number of
	 * times. */
	pfd.fd = master;
	pfd.events = POLLIN;
	got[0] = '\0';
	for (size_t have = 0, tries = 0; tries < 50 &&
	    strstr(got, "left\033[K\r\033[K") == NULL; tries++) {
		if (poll(&pfd, 1, 2000) != 1)
			break;
		n = read(master, got + have, sizeof(got) - 1 - have);
		if (n <= 0)
			break;
		have += (size_t)n;
		got[have] = '\0';
	}
	assert_true(got[0] != '\0');
	assert_non_null(strstr(got, "\rkexray: 8.0 MiB of 16.0 MiB (50%), "));
	assert_non_null(strstr(got, " 3 connections, 0:0"));
	assert_non_null(strstr(got, "\033[K"));
	/* Drawn once, erased once (hide; free finds nothing to erase). */
	assert_non_null(strstr(got, "left\033[K\r\033[K"));
	assert_null(strstr(strstr(got, "left"), "kexray"));
	fclose(tty);
	fclose(pipe_f);
	close(pipefd[0]);
	close(master);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test_setup_teardown(test_when, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
