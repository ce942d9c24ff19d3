/*
 * replay.c: run a fuzz target over files, without libFuzzer.
 *
 * Linked with one fuzz-*.c, it calls LLVMFuzzerTestOneInput on each file
 * named and prints one TAP line per file, so committed crash inputs
 * (fuzz/regressions/) are replayed by 'make check' with any compiler; the
 * sanitizer build catches what the fuzzer caught.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The whole of a file in memory; NULL when it cannot be read. */
static uint8_t *
read_file(const char *name, size_t *size)
{
	FILE	*file = fopen(name, "rb");
	uint8_t	*data = NULL, *grown;
	size_t	 allocated = 0, n;

	*size = 0;
	if (file == NULL)
		return NULL;
	for (;;) {
		if (*size == allocated) {
			allocated = allocated ? allocated * 2 : 65536;
			if ((grown = realloc(data, allocated)) == NULL) {
				free(data);
				fclose(file);
				return NULL;
			}
			data = grown;
		}
		if ((n = fread(data + *size, 1, allocated - *size, file)) == 0)
			break;
		*size += n;
	}
	fclose(file);
	return data;
}

int
main(int argc, char **argv)
{
	uint8_t	*data;
	size_t	 size;
	int	 i, failed = 0;

	printf("1..%d\n", argc - 1);
	for (i = 1; i < argc; i++) {
		if ((data = read_file(argv[i], &size)) == NULL) {
			printf("not ok %d - %s: cannot read\n", i, argv[i]);
			failed = 1;
			continue;
		}
		LLVMFuzzerTestOneInput(data, size);
		free(data);
		/* Reaching here is the test: a crash ends the program first. */
		printf("ok %d - %s replays without a crash\n", i, argv[i]);
	}
	return failed;
}
