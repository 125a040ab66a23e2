/* SPDX-License-Identifier: MIT */
/* A fuzz target without libFuzzer, for `make check`: each file named on
 * the command line goes through LLVMFuzzerTestOneInput once, as the fuzzer
 * would run it, under the build's sanitizers.  Prints TAP. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
	static uint8_t buf[1 << 20];
	int failed = 0;

	printf("1..%d\n", argc - 1);
	for (int i = 1; i < argc; i++) {
		const char *name = strrchr(argv[i], '/') ? strrchr(argv[i], '/') + 1 : argv[i];
		FILE *f = fopen(argv[i], "rb");
		if (!f) {
			printf("not ok %d - %s: cannot read\n", i, name);
			failed++;
			continue;
		}
		size_t n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		LLVMFuzzerTestOneInput(buf, n);
		printf("ok %d - %s\n", i, name);
		fflush(stdout);
	}
	return failed ? 1 : 0;
}
