/*
 * binxml-fuzz.c: damaged files do not crash or hang the binxml decoder.
 *
 * Decodes a fixture, then 40 copies of it with random bytes overwritten
 * (a fixed seed, so every run is the same), half of them in chunk and
 * record headers. Each copy must be walked to its end with every record
 * either decoded or reported, and no more results than the file could
 * hold. Worth most under the sanitizer build (run-tests), where any
 * out-of-bounds read fails it.
 *
 * usage: binxml-fuzz FILE.evtx
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decoder.h"
#include "tap.h"

/* Decode path with binxml; count results. -1 when it cannot be opened. */
static long
walk(const char *path, long *records, int *ended)
{
	static struct event	 event;
	struct decoder		*decoder;
	struct decode_problem	 problem;
	enum decode_status	 status;
	long			 results = 0;

	*records = 0;
	*ended = 0;
	if (binxml_decoder.open(path, &decoder, &problem) == -1)
		return -1;
	while ((status = binxml_decoder.next(decoder, &event, &problem)) == DECODE_RECORD ||
	    status == DECODE_SKIPPED) {
		results++;
		*records += status == DECODE_RECORD;
		if (results > 1000000)
			break;
	}
	*ended = status == DECODE_END;
	binxml_decoder.close(decoder);
	return results;
}

int
main(int argc, char **argv)
{
	char		 path[] = "/tmp/binxml-fuzz-XXXXXX", label[96];
	unsigned char	*original, *copy;
	unsigned	 seed = 7;
	long		 size, results, records, original_records, limit, at;
	int		 fd, i, k, ended;
	FILE		*file;

	if (argc != 2 || (file = fopen(argv[1], "rb")) == NULL) {
		printf("1..0 # SKIP no fixture\n");
		return 0;
	}
	fseek(file, 0, SEEK_END);
	size = ftell(file);
	rewind(file);
	original = malloc((size_t)size);
	copy = malloc((size_t)size);
	if (original == NULL || copy == NULL ||
	    fread(original, 1, (size_t)size, file) != (size_t)size || size < 4096 + 65536)
		return 1;
	fclose(file);
	(void)tap_is_string;
	results = walk(argv[1], &original_records, &ended);
	tap_ok(results > 0 && ended, "the undamaged fixture decodes to its end");
	tap_is_number(results, original_records,
	    "the undamaged fixture: every record decoded, none skipped");
	/* A 64 KiB chunk holds at most 65024 / 32 records; slack scans alike. */
	limit = (size / 65536 + 1) * (65536 / 32) * 2;
	if ((fd = mkstemp(path)) == -1)
		return 1;
	close(fd);
	for (i = 0; i < 40; i++) {
		memcpy(copy, original, (size_t)size);
		for (k = 0; k < 1 + i % 16; k++) {
			at = 4096 + (long)(rand_r(&seed) % (unsigned)(size - 4096));
			if (i % 2)	/* a chunk header or the first records */
				at = 4096 + (at - 4096) / 65536 * 65536 +
				    (long)(rand_r(&seed) % 700);
			copy[at] = (unsigned char)rand_r(&seed);
		}
		if ((file = fopen(path, "wb")) == NULL ||
		    fwrite(copy, 1, (size_t)size, file) != (size_t)size)
			return 1;
		fclose(file);
		results = walk(path, &records, &ended);
		snprintf(label, sizeof(label), "damaged copy %d: walked to its end, %ld results",
		    i + 1, results);
		tap_ok(results == -1 || (ended && results <= limit), label);
	}
	unlink(path);
	tap_ok(original_records > 0, "the undamaged fixture has records");
	free(original);
	free(copy);
	return TAP_DONE();
}
