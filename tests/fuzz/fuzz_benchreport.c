/* libFuzzer target for the report readers sockbench merge uses: any bytes
 * must either read into a bench report whose histograms agree with its
 * counts, or fail with a message; the same for a run report. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bench_report.h"
#include "merge.h"
#include "report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct bench_read *fz_read;

/* Read one input as a bench report and as a run report. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct report rep;
	char err[256];

	if (fz_read == NULL && (fz_read = malloc(sizeof(*fz_read))) == NULL)
		abort();
	err[0] = '\0';
	if (bench_read_json(fz_read, (const char *)data, size, err,
	    sizeof(err)) == 0) {
		const struct loadgen_result *r = &fz_read->res;

		if (r->n.requests > r->n.answered || fz_read->nper == 0 ||
		    hist_count(&r->lat) < r->lat.lost ||
		    (hist_count(&r->lat) > 0 && (hist_min(&r->lat) >
		    hist_max(&r->lat) || hist_value_at(&r->lat, 99.9) >
		    hist_max(&r->lat)))) {
			fprintf(stderr, "fuzz: benchreport: inconsistent "
			    "report read\n");
			abort();
		}
		bench_read_free(fz_read);
	} else if (memchr(err, '\0', sizeof(err)) == NULL || err[0] == '\0') {
		fprintf(stderr, "fuzz: benchreport: refused without a reason\n");
		abort();
	}
	memset(&rep, 0, sizeof(rep));
	err[0] = '\0';
	if (run_read_json(&rep, (const char *)data, size, err,
	    sizeof(err)) < 0 && err[0] == '\0') {
		fprintf(stderr, "fuzz: benchreport: run report refused without "
		    "a reason\n");
		abort();
	}
	report_free(&rep);
	return 0;
}
