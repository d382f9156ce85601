/* libFuzzer target for CSV data files: any bytes must either load into a
 * rectangular table whose every cell lies inside it, or fail with a
 * located message. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Parse one input and read every cell back. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct data_table *t;
	char err[512];
	size_t r, k, len;
	const unsigned char *p;

	t = data_parse("f.csv", (const char *)data, size, err, sizeof(err));
	if (t == NULL) {
		if (strncmp(err, "f.csv:", 6) != 0)
			abort();
		return 0;
	}
	for (r = 0; r < t->nrows; r++)
		for (k = 0; k < t->ncols; k++) {
			p = data_cell(t, r, k, &len);
			if (p[len] != '\0' || len > size)
				abort();
		}
	data_free(t);
	return 0;
}
