/* Runs a fuzz target without libFuzzer: every argument is an input file
 * or a directory whose regular files (in name order) are inputs, each
 * handed to LLVMFuzzerTestOneInput once, in an allocation of exactly its
 * size so a sanitizer build catches a read past the end. This is how
 * every build replays the committed corpus and the inputs of fixed bugs
 * (meson suite fuzz-regression). A crash aborts with the sanitizer's or
 * the check's report; otherwise it prints "replayed N inputs" and exits
 * 0. A missing path, an unreadable file or no input at all exits 1, so a
 * mistyped corpus path cannot pass as an empty one. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kxfuzz.h"

/* Largest input replayed; libFuzzer's -max_len in scripts/fuzz stays below. */
#define REPLAY_MAX (16u * 1024u * 1024u)

static int
run_file(const char *path)
{
	struct stat sb;
	uint8_t *buf;
	size_t n;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &sb) != 0 || sb.st_size < 0 ||
	    (uint64_t)sb.st_size > REPLAY_MAX) {
		fprintf(stderr, "%s: cannot size the file, or larger than %u bytes\n",
		    path, REPLAY_MAX);
		fclose(f);
		return -1;
	}
	n = (size_t)sb.st_size;
	/* One byte more than asked for would hide an over-read: allocate
	 * exactly n (at least 1, so the pointer is never NULL). */
	if ((buf = malloc(n != 0 ? n : 1)) == NULL ||
	    fread(buf, 1, n, f) != n) {
		fprintf(stderr, "%s: cannot read\n", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	fprintf(stderr, "replaying %s (%zu bytes)\n", path, n);
	(void)LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return 0;
}

static int
only_files(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/* Returns the inputs run, or -1. */
static long
run_path(const char *path)
{
	struct dirent **names;
	struct stat sb;
	long ran = 0;
	int n;

	if (stat(path, &sb) != 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(sb.st_mode))
		return run_file(path) == 0 ? 1 : -1;
	if ((n = scandir(path, &names, only_files, alphasort)) < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char sub[4096];

		if (ran >= 0 && snprintf(sub, sizeof(sub), "%s/%s", path,
		    names[i]->d_name) < (int)sizeof(sub) &&
		    stat(sub, &sb) == 0 && S_ISREG(sb.st_mode))
			ran = run_file(sub) == 0 ? ran + 1 : -1;
		free(names[i]);
	}
	free(names);
	return ran;
}

int
main(int argc, char **argv)
{
	long total = 0;

	for (int i = 1; i < argc; i++) {
		long ran = run_path(argv[i]);

		if (ran < 0)
			return 1;
		total += ran;
	}
	if (total == 0) {
		fputs("no input to replay\n", stderr);
		return 1;
	}
	printf("replayed %ld inputs\n", total);
	return 0;
}
