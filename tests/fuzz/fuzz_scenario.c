/* libFuzzer target for the scenario parser: any bytes must either parse
 * into a scenario that frees cleanly or fail with a located message. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Parse one input as a scenario file and check the outcome. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scenario *sc;
	char err[1024];
	size_t i;

	err[0] = '\0';
	/* Relative `send file` paths resolve under a directory that does not
	 * exist, so the fuzzer reads no files by accident. */
	sc = scenario_parse("/nonexistent-sockbench-fuzz/f.txt",
	    (const char *)data, size, err, sizeof(err));
	if (sc == NULL) {
		if (memchr(err, '\0', sizeof(err)) == NULL ||
		    strncmp(err, "/nonexistent-sockbench-fuzz/f.txt:", 34) != 0) {
			fprintf(stderr, "fuzz: scenario: error without a "
			    "location: %.200s\n", err);
			abort();
		}
		return 0;
	}
	for (i = 0; i < sc->nsteps; i++) {
		const struct step *st = &sc->steps[i];

		if ((st->kind == STEP_REPEAT || st->kind == STEP_MERGE ||
		    st->kind == STEP_END) && (st->jump >= sc->nsteps ||
		    st->depth >= SCENARIO_MAX_DEPTH)) {
			fprintf(stderr, "fuzz: scenario: block step %zu jumps "
			    "out of the program\n", i);
			abort();
		}
	}
	scenario_free(sc);
	return 0;
}
