/* output.c: records reach the file whole, a failed write is counted per
 * record, and a reopen after a rename gets the same descriptor number. */
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "kexray/report/output.h"

static char dir[64];

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/kx-test-output.XXXXXX");
	return mkdtemp(dir) != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	char p[128];
	const char *names[] = { "a", "a.1", "blocks" };

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		unlink(p);
	}
	rmdir(dir);
	return 0;
}

static size_t
file_size(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return (size_t)st.st_size;
}

static void
test_records_and_reopen(void **state)
{
	struct kx_output *o;
	char path[128], moved[128];
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/a", dir);
	snprintf(moved, sizeof(moved), "%s/a.1", dir);
	assert_int_equal(kx_output_open(path, &o), 0);
	fd = kx_output_fd(o);
	assert_true(fd >= 0);
	assert_true(kx_output_dirfd(o) >= 0);
	assert_int_equal(kx_output_check_dir(o, "root"), 0);
	/* Each record as it ends: in the file at once. */
	fputs("{\"n\":", kx_output_stream(o));
	fprintf(kx_output_stream(o), "%d}\n", 1);
	kx_output_record(o);
	assert_int_equal(file_size(path), 8);
	/* Rotation: the old name moves, a reopen creates the path anew on
	 * the same descriptor number. */
	assert_int_equal(rename(path, moved), 0);
	fputs("{\"n\":2}\n", kx_output_stream(o));
	kx_output_record(o);
	assert_int_equal(kx_output_reopen(o), 0);
	assert_int_equal(kx_output_fd(o), fd);
	fputs("{\"n\":3}\n", kx_output_stream(o));
	kx_output_record(o);
	assert_int_equal(kx_output_lost(o), 0);
	assert_int_equal(kx_output_close(o), 0);
	assert_int_equal(file_size(moved), 16);
	assert_int_equal(file_size(path), 8);
}

/* Reading files: 1 MiB writes, every record in the file at the end. */
static void
test_blocks(void **state)
{
	struct kx_output *o;
	char path[128], rec[600];
	size_t total = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/blocks", dir);
	assert_int_equal(kx_output_open(path, &o), 0);
	assert_int_equal(kx_output_block(o), 0);
	memset(rec, 'x', sizeof(rec) - 2);
	rec[sizeof(rec) - 2] = '\n';
	rec[sizeof(rec) - 1] = '\0';
	for (int i = 0; i < 4000; i++) {
		fputs(rec, kx_output_stream(o));
		kx_output_record(o);
		total += sizeof(rec) - 1;
	}
	/* Whole 1 MiB blocks are out; the rest waits. */
	assert_int_equal(file_size(path) % (1u << 20), 0);
	assert_true(file_size(path) > 0);
	assert_int_equal(kx_output_close(o), 0);
	assert_int_equal(file_size(path), total);
}

/* /dev/full: every record counted as not written; close says so. */
static void
test_full(void **state)
{
	struct kx_output *o;

	(void)state;
	if (access("/dev/full", W_OK) != 0)
		skip();
	assert_int_equal(kx_output_open("/dev/full", &o), 0);
	for (int i = 0; i < 5; i++) {
		fprintf(kx_output_stream(o), "{\"n\":%d}\n", i);
		kx_output_record(o);
	}
	assert_int_equal(kx_output_lost(o), 5);
	assert_int_equal(kx_output_close(o), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_records_and_reopen),
		cmocka_unit_test(test_blocks),
		cmocka_unit_test(test_full),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
