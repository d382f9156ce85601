/* libFuzzer target for the proxy's parsers: a fault spec (--fault and the
 * control socket's add), a control command line and a --record-rules file.
 * The first byte picks the parser. A spec that parses must format to text
 * that parses again, and must run through a pipeline without crashing; a
 * failure must fill err. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "control.h"
#include "fault.h"
#include "record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t out_bytes;

static void
sink_data(void *arg, const unsigned char *p, size_t n)
{
	(void)arg;
	(void)p;
	out_bytes += n;
}

static void
sink_act(void *arg, enum fault_act a, const struct fault_spec *s)
{
	(void)arg;
	(void)a;
	(void)s;
}

/* Parse a spec; run what parses through a pipeline for a simulated 2 s. */
static void
fuzz_fault(const char *text)
{
	struct fault_spec s, s2;
	struct fault_sink sink = { sink_data, sink_act, NULL };
	struct fault_pipe *p;
	char err[300] = "", back[300];
	uint64_t rng = 1;
	double t;

	if (fault_parse(text, &s, err, sizeof(err)) < 0) {
		if (err[0] == '\0')
			abort();
		return;
	}
	fault_format(&s, back, sizeof(back));
	if (fault_parse(back, &s2, err, sizeof(err)) < 0) {
		fprintf(stderr, "fuzz: '%s' formats as '%s', which fails: %s\n",
		    text, back, err);
		abort();
	}
	s.id = 1;
	if (s.kind == FAULT_BANDWIDTH && s.size < 1000)
		s.size = 1000;	/* keep the pieces few */
	p = fault_pipe_new(&s, 1, 0, &rng, &sink);
	for (t = 0; t < 2; t += 0.05) {
		fault_pipe_push(p, t, (const unsigned char *)"0123456789", 10);
		(void)fault_pipe_poll(p, t);
	}
	fault_pipe_eof(p, 2);
	(void)fault_pipe_poll(p, 1e6);
	fault_pipe_free(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct control_cmd cmd;
	struct record_rules *rules = NULL;
	char err[300] = "", *text;

	if (size < 1 || size > 4096)
		return 0;
	text = malloc(size);
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	switch (data[0] % 3) {
	case 0:
		fuzz_fault(text);
		break;
	case 1:
		if (control_parse((const char *)data + 1, size - 1, &cmd, err,
		    sizeof(err)) < 0 && err[0] == '\0')
			abort();
		break;
	case 2:
		if (record_rules_parse((const char *)data + 1, size - 1, "f",
		    &rules, err, sizeof(err)) < 0) {
			if (err[0] == '\0')
				abort();
		} else
			record_rules_free(rules);
		break;
	}
	free(text);
	return 0;
}
