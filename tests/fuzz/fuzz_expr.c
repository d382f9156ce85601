/* libFuzzer target for scenario expressions: any bytes must either compile
 * or fail with an offset inside the input, and a compiled expression must
 * evaluate to a value or a runtime error, never crash or leak. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "expr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every name is set, to a value that is sometimes an integer. */
static int
lookup(void *arg, const char *name, const unsigned char **p, size_t *n)
{
	(void)arg;
	*p = (const unsigned char *)(strlen(name) % 2 ? "12" : "ab");
	*n = 2;
	return 0;
}

/* Compile and evaluate one input. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t rng = 1;
	struct expr_env env = { lookup, NULL, &rng };
	struct expr *e;
	struct value v;
	char err[512];
	size_t off = 0;

	if (expr_compile((const char *)data, size, &e, err, sizeof(err),
	    &off) == -1) {
		if (off > size || memchr(err, '\0', sizeof(err)) == NULL) {
			fprintf(stderr, "fuzz: expr: error offset %zu past "
			    "%zu bytes\n", off, size);
			abort();
		}
		return 0;
	}
	if (expr_eval(e, &env, &v, err, sizeof(err)) == 0)
		value_free(&v);
	expr_free(e);
	return 0;
}
