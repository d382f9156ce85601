/* Unit tests for run reports: failure groups, thresholds, the `name` of a
 * test and the JSON failure objects, in every format, from run results
 * filled by hand. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include "report.h"
#include "tls_cli.h"

static struct scenario sc;
static struct step steps[2];
static struct scenario_assert asserts[2];
static struct run_result res;
static struct report rep;

/* A scenario "dir/s.txt" with an expect at line 9 and a send at line 12. */
static void
scenario_of(const char *name)
{
	memset(&sc, 0, sizeof(sc));
	memset(steps, 0, sizeof(steps));
	sc.path = "dir/s.txt";
	sc.name = (char *)name;
	steps[0].kind = STEP_EXPECT;
	steps[0].line = 9;
	steps[1].kind = STEP_SEND;
	steps[1].line = 12;
	sc.steps = steps;
	sc.nsteps = 2;
}

/* A finished run of conns connections, passed of them passed. */
static void
run_of(uint64_t conns, uint64_t passed)
{
	memset(&res, 0, sizeof(res));
	hist_init(&res.latency);
	res.conns = conns;
	res.passed = passed;
	res.failed = conns - passed;
	res.t_start = 1.0;
	res.t_end = 1.5;
	res.done = 1;
}

/* The report in one format, as a new string. */
static char *
render(enum report_format fmt)
{
	static char *s;
	static size_t n;
	FILE *f;

	s = NULL;
	f = open_memstream(&s, &n);
	report_write(f, &rep, fmt);
	fclose(f);
	return s;
}

/* Fill res with the issue's example: 37 timeouts at line 12, 3 mismatches
 * at line 15, of 50 connections. */
static void
two_groups(void)
{
	static unsigned char exp[] = { 'a', 'b', 0, 0xff, 'c' };
	static unsigned char got[] = { 'a', 'b', 'X' };
	struct run_failure *g;

	run_of(50, 10);
	res.ngroups = 2;
	g = &res.groups[0];
	g->file = "dir/s.txt";
	g->line = 12;
	g->step = "expect";
	g->reason = "timeout";
	g->count = 37;
	g->conn = 4;
	g->text = "expect bytes: timed out after "
	    "1s\n  received 3 bytes: \"abX\"";
	g->expected = exp;
	g->expected_len = sizeof(exp);
	g->received = got;
	g->received_len = sizeof(got);
	g->diff_offset = 2;
	g->measured = 1.0;
	g = &res.groups[1];
	g->file = "dir/inc.txt";
	g->line = 15;
	g->step = "expect";
	g->reason = "mismatch";
	g->count = 3;
	g->conn = 7;
	g->text = "expect regex: no match";
	g->diff_offset = SIZE_MAX;
	g->measured = -1;
	res.failure = "dir/s.txt:12: connection 4: expect bytes: timed out";
}

static void
test_groups_counted_in_text_tap_and_junit(void **state)
{
	char *t;

	(void)state;
	scenario_of("s.txt");
	two_groups();
	report_add(&rep, &sc, "127.0.0.1:1", &res, NULL);
	assert_false(rep.items[0].passed);
	assert_int_equal(rep.items[0].other, 0);
	assert_string_equal(rep.items[0].summary, "37 connections failed at "
	    "dir/s.txt:12 (timeout), 3 at dir/inc.txt:15 (mismatch)");
	t = render(REPORT_TEXT);
	assert_non_null(strstr(t, "    40 of 50 connections failed: 37 "
	    "connections failed at dir/s.txt:12 (timeout), 3 at "
	    "dir/inc.txt:15 (mismatch)\n"));
	assert_non_null(strstr(t, "    37 at dir/s.txt:12 (expect timeout), "
	    "first: connection 4\n        dir/s.txt:12: connection 4: expect "
	    "bytes: timed out after 1s\n          received 3 bytes: \"abX\"\n"));
	assert_non_null(strstr(t, "    3 at dir/inc.txt:15 (expect mismatch), "
	    "first: connection 7\n        dir/inc.txt:15: connection 7: "));
	assert_non_null(strstr(t, "\n0 passed, 1 failed\n"));
	free(t);
	t = render(REPORT_TAP);
	assert_non_null(strstr(t, "not ok 1 - dir/s.txt\n  ---\n  message: "
	    "\"37 connections failed at dir/s.txt:12 (timeout), 3 at "
	    "dir/inc.txt:15 (mismatch)\"\n  failures:\n    - file: "
	    "\"dir/s.txt\"\n      line: 12\n      step: expect\n      reason: "
	    "timeout\n      count: 37\n      example: |\n        dir/s.txt:12:"));
	assert_non_null(strstr(t, "      count: 3\n"));
	free(t);
	t = render(REPORT_JUNIT);
	assert_non_null(strstr(t, "<testsuites tests=\"1\" failures=\"1\" "
	    "errors=\"0\" skipped=\"0\""));
	assert_non_null(strstr(t, "<testcase classname=\"sockbench.scenario\" "
	    "name=\"dir/s.txt\" file=\"dir/s.txt\" time=\"0.500\">\n"
	    "      <failure message=\"37 connections failed at dir/s.txt:12 "
	    "(timeout), 3 at dir/inc.txt:15 (mismatch); first: dir/s.txt:12: "
	    "connection 4: expect bytes: timed out after 1s\">37 at "
	    "dir/s.txt:12 (expect timeout), first: connection 4\n"));
	assert_non_null(strstr(t, "received 3 bytes: &quot;abX&quot;"));
	/* One <failure> per testcase, as the JUnit schema allows. */
	assert_null(strstr(strstr(t, "<failure") + 1, "<failure"));
	free(t);
	report_free(&rep);
}

static void
test_json_failures_structured_with_base64(void **state)
{
	cJSON *root, *s, *f, *g;
	char *t;

	(void)state;
	scenario_of("s.txt");
	two_groups();
	report_add(&rep, &sc, "127.0.0.1:1", &res, NULL);
	t = render(REPORT_JSON);
	root = cJSON_Parse(t);
	assert_non_null(root);
	s = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "scenarios"), 0);
	f = cJSON_GetObjectItem(s, "failures");
	assert_int_equal(cJSON_GetArraySize(f), 2);
	g = cJSON_GetArrayItem(f, 0);
	assert_string_equal(cJSON_GetObjectItem(g, "file")->valuestring,
	    "dir/s.txt");
	assert_int_equal(cJSON_GetObjectItem(g, "line")->valueint, 12);
	assert_string_equal(cJSON_GetObjectItem(g, "step")->valuestring,
	    "expect");
	assert_string_equal(cJSON_GetObjectItem(g, "reason")->valuestring,
	    "timeout");
	assert_int_equal(cJSON_GetObjectItem(g, "count")->valueint, 37);
	assert_int_equal(cJSON_GetObjectItem(g, "connection")->valueint, 4);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(g,
	    "expected"), "text")->valuestring, "ab\\x00\\xffc");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(g,
	    "expected"), "base64")->valuestring, "YWIA/2M=");
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(g,
	    "expected"), "length")->valueint, 5);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(g,
	    "received"), "base64")->valuestring, "YWJY");
	assert_int_equal(cJSON_GetObjectItem(g, "first_difference")->valueint,
	    2);
	assert_true(cJSON_GetObjectItem(g, "measured_seconds")->valuedouble ==
	    1.0);
	g = cJSON_GetArrayItem(f, 1);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(g, "expected")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(g, "received")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(g, "first_difference")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(g, "measured_seconds")));
	assert_int_equal(cJSON_GetObjectItem(s, "failures_not_grouped")->valueint,
	    0);
	cJSON_Delete(root);
	free(t);
	report_free(&rep);
}

static void
test_base64_of_every_tail_length(void **state)
{
	static const char *const want[] = { "", "YQ==", "YWI=", "YWJj",
	    "YWJjZA==" };
	static unsigned char abcd[] = "abcd";
	size_t n;

	(void)state;
	for (n = 0; n <= 4; n++) {
		cJSON *root, *g;
		char *t;

		scenario_of("s.txt");
		run_of(1, 0);
		res.ngroups = 1;
		res.groups[0].file = "dir/s.txt";
		res.groups[0].line = 9;
		res.groups[0].step = "expect";
		res.groups[0].reason = "mismatch";
		res.groups[0].count = 1;
		res.groups[0].conn = 1;
		res.groups[0].text = "x";
		res.groups[0].received = abcd;
		res.groups[0].received_len = n;
		res.groups[0].diff_offset = SIZE_MAX;
		res.groups[0].measured = -1;
		report_add(&rep, &sc, "t", &res, NULL);
		t = render(REPORT_JSON);
		root = cJSON_Parse(t);
		g = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetArrayItem(
		    cJSON_GetObjectItem(root, "scenarios"), 0), "failures"), 0);
		assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(g,
		    "received"), "base64")->valuestring, want[n]);
		cJSON_Delete(root);
		free(t);
		report_free(&rep);
	}
}

static void
test_latency_keys_kept_without_samples(void **state)
{
	static const char *const keys[] = { "count", "min", "p50", "p90",
	    "p99", "p99.9", "max", "mean" };
	cJSON *root, *l;
	char *t;
	size_t i;

	(void)state;
	scenario_of("s.txt");
	run_of(2, 2);
	report_add(&rep, &sc, "t", &res, NULL);
	t = render(REPORT_JSON);
	root = cJSON_Parse(t);
	l = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(root,
	    "scenarios"), 0), "latency_us");
	assert_int_equal(cJSON_GetArraySize(l), 8);
	for (i = 0; i < 8; i++) {
		cJSON *v = cJSON_GetArrayItem(l, (int)i);

		assert_string_equal(v->string, keys[i]);
		if (i == 0)
			assert_int_equal(v->valueint, 0);
		else
			assert_true(cJSON_IsNull(v));
	}
	cJSON_Delete(root);
	free(t);
	report_free(&rep);
}

/* Two thresholds: p99 < 5ms (fails at 7.2ms) and errors == 0 (holds). */
static void
two_thresholds(void)
{
	int i;

	memset(asserts, 0, sizeof(asserts));
	asserts[0].line = 20;
	asserts[0].metric = ASSERT_LATENCY;
	asserts[0].percentile = 99;
	asserts[0].op = ASSERT_LT;
	asserts[0].value = 5000;
	asserts[0].text = "latency p99 < 5ms";
	asserts[1].line = 21;
	asserts[1].metric = ASSERT_ERRORS;
	asserts[1].op = ASSERT_EQ;
	asserts[1].value = 0;
	asserts[1].text = "errors == 0";
	sc.asserts = asserts;
	sc.nasserts = 2;
	for (i = 0; i < 10; i++)
		hist_record(&res.latency, 7200);
}

static void
test_failed_threshold_fails_a_passing_run_in_every_format(void **state)
{
	cJSON *root, *s, *th, *a;
	char *t;

	(void)state;
	scenario_of("s.txt");
	run_of(10, 10);
	two_thresholds();
	report_add(&rep, &sc, "t", &res, NULL);
	assert_false(rep.items[0].passed);
	assert_string_equal(rep.items[0].summary, "dir/s.txt:20: threshold "
	    "latency p99 < 5ms failed: measured 7.2ms");
	t = render(REPORT_TEXT);
	assert_non_null(strstr(t, "    0 of 10 connections failed, 1 of 2 "
	    "thresholds failed: dir/s.txt:20: threshold latency p99 < 5ms "
	    "failed: measured 7.2ms\n    dir/s.txt:20: threshold latency p99 "
	    "< 5ms failed: measured 7.2ms\n    dir/s.txt:21: threshold errors "
	    "== 0 passed: measured 0\n"));
	assert_non_null(strstr(t, "\n0 passed, 1 failed\n"));
	free(t);
	t = render(REPORT_TAP);
	assert_non_null(strstr(t, "not ok 1 - dir/s.txt\n"));
	assert_non_null(strstr(t, "  thresholds:\n    - threshold: \"latency "
	    "p99 < 5ms\"\n      line: 20\n      passed: false\n      measured: "
	    "\"7.2ms\"\n    - threshold: \"errors == 0\"\n      line: 21\n"
	    "      passed: true\n      measured: \"0\"\n"));
	free(t);
	t = render(REPORT_JUNIT);
	assert_non_null(strstr(t, "<failure message=\"dir/s.txt:20: threshold "
	    "latency p99 &lt; 5ms failed: measured 7.2ms\">dir/s.txt:20: "
	    "threshold latency p99 &lt; 5ms failed: measured 7.2ms\n"
	    "dir/s.txt:21: threshold errors == 0 passed: measured 0\n"
	    "</failure>"));
	free(t);
	t = render(REPORT_JSON);
	root = cJSON_Parse(t);
	s = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "scenarios"), 0);
	assert_false(cJSON_IsTrue(cJSON_GetObjectItem(s, "passed")));
	th = cJSON_GetObjectItem(s, "thresholds");
	assert_int_equal(cJSON_GetArraySize(th), 2);
	a = cJSON_GetArrayItem(th, 0);
	assert_string_equal(cJSON_GetObjectItem(a, "threshold")->valuestring,
	    "latency p99 < 5ms");
	assert_int_equal(cJSON_GetObjectItem(a, "line")->valueint, 20);
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(a, "passed")));
	assert_true(cJSON_GetObjectItem(a, "measured")->valuedouble >= 7200);
	assert_string_equal(cJSON_GetObjectItem(a, "unit")->valuestring, "us");
	assert_string_equal(cJSON_GetObjectItem(a, "measured_text")->valuestring,
	    "7.2ms");
	a = cJSON_GetArrayItem(th, 1);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(a, "passed")));
	assert_string_equal(cJSON_GetObjectItem(a, "unit")->valuestring,
	    "count");
	cJSON_Delete(root);
	free(t);
	report_free(&rep);
}

static void
test_passed_thresholds_reported_for_a_passing_run(void **state)
{
	char *t;

	(void)state;
	scenario_of("s.txt");
	run_of(10, 10);
	two_thresholds();
	asserts[0].value = 10000;
	asserts[0].text = "latency p99 < 10ms";
	report_add(&rep, &sc, "t", &res, NULL);
	assert_true(rep.items[0].passed);
	assert_null(rep.items[0].summary);
	t = render(REPORT_JUNIT);
	assert_non_null(strstr(t, "time=\"0.500\">\n      <system-out>"
	    "dir/s.txt:20: threshold latency p99 &lt; 10ms passed: measured "
	    "7.2ms\ndir/s.txt:21: threshold errors == 0 passed: measured 0\n"
	    "</system-out>\n    </testcase>\n"));
	assert_null(strstr(t, "<failure"));
	free(t);
	t = render(REPORT_TAP);
	assert_non_null(strstr(t, "ok 1 - dir/s.txt\n  ---\n  thresholds:\n"));
	free(t);
	report_free(&rep);
}

static void
test_failures_the_groups_miss_are_counted_not_grouped(void **state)
{
	(void)state;
	scenario_of("s.txt");
	two_groups();
	res.failed = 45;	/* 5 more than the groups hold */
	res.passed = 5;
	report_add(&rep, &sc, "t", &res, NULL);
	assert_int_equal(rep.items[0].other, 5);
	assert_string_equal(rep.items[0].summary, "37 connections failed at "
	    "dir/s.txt:12 (timeout), 3 at dir/inc.txt:15 (mismatch), 5 more "
	    "at steps not grouped");
	report_free(&rep);
}

static void
test_fallback_group_from_first_failure(void **state)
{
	char *t;

	(void)state;
	scenario_of("s.txt");
	run_of(3, 0);
	res.failure = "dir/s.txt:9: connection 2: expect bytes: first "
	    "difference at byte 8: expected 0x58 'X', got 0x31 '1'";
	res.fail_line = 9;
	res.fail_conn = 2;
	report_add(&rep, &sc, "t", &res, NULL);
	assert_int_equal(rep.items[0].ngroups, 1);
	assert_string_equal(rep.items[0].groups[0].step, "expect");
	assert_string_equal(rep.items[0].groups[0].reason, "mismatch");
	assert_int_equal(rep.items[0].groups[0].count, 1);
	assert_int_equal(rep.items[0].groups[0].conn, 2);
	assert_int_equal(rep.items[0].groups[0].diff_offset, 8);
	assert_int_equal(rep.items[0].other, 2);
	assert_string_equal(rep.items[0].summary, "1 connection failed at "
	    "dir/s.txt:9 (mismatch), 2 more at steps not grouped");
	t = render(REPORT_TEXT);
	assert_non_null(strstr(t, "    2 at steps not grouped (no example "
	    "kept)\n"));
	free(t);
	report_free(&rep);
}

static void
test_stopped_run_counts_unfinished_in_a_group(void **state)
{
	char *t;

	(void)state;
	scenario_of("s.txt");
	run_of(5, 1);
	res.failed = 1;		/* 3 still running */
	res.done = 0;
	res.ngroups = 1;
	res.groups[0].file = "dir/s.txt";
	res.groups[0].line = 9;
	res.groups[0].step = "expect";
	res.groups[0].reason = "timeout";
	res.groups[0].count = 1;
	res.groups[0].conn = 1;
	res.groups[0].text = "dir/s.txt:9: connection 1: timed out";
	res.groups[0].diff_offset = SIZE_MAX;
	res.groups[0].measured = -1;
	res.failure = "dir/s.txt:9: connection 1: timed out";
	report_add(&rep, &sc, "t", &res, "--max-time");
	assert_int_equal(rep.items[0].conns_failed, 4);
	assert_int_equal(rep.items[0].ngroups, 2);
	assert_string_equal(rep.items[0].groups[1].reason, "stopped");
	assert_int_equal(rep.items[0].groups[1].count, 3);
	t = render(REPORT_TEXT);
	assert_non_null(strstr(t, "dir/s.txt: stopped after --max-time with 3 "
	    "of 5 connections unfinished"));
	assert_non_null(strstr(t, "4 of 5 connections failed: 1 connection "
	    "failed at dir/s.txt:9 (timeout), 3 at dir/s.txt (stopped)"));
	free(t);
	report_free(&rep);
}

static void
test_name_directive_names_the_test(void **state)
{
	char *t;
	cJSON *root, *s;

	(void)state;
	scenario_of("login & logout");
	run_of(1, 1);
	report_add(&rep, &sc, "t", &res, NULL);
	t = render(REPORT_TAP);
	assert_non_null(strstr(t, "ok 1 - login & logout (dir/s.txt)\n"));
	free(t);
	report_free(&rep);
	/* A '#' in a name must not become a TAP directive. */
	scenario_of("case #2 # SKIP me\nnext");
	report_add(&rep, &sc, "t", &res, NULL);
	t = render(REPORT_TAP);
	assert_non_null(strstr(t, "\nok 1 - case \\#2 \\# SKIP me next "
	    "(dir/s.txt)\n#"));
	free(t);
	report_free(&rep);
	scenario_of("login & logout");
	report_add(&rep, &sc, "t", &res, NULL);
	t = render(REPORT_JUNIT);
	assert_non_null(strstr(t, "name=\"login &amp; logout\" "
	    "file=\"dir/s.txt\""));
	free(t);
	t = render(REPORT_JSON);
	root = cJSON_Parse(t);
	s = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "scenarios"), 0);
	assert_string_equal(cJSON_GetObjectItem(s, "name")->valuestring,
	    "login & logout");
	assert_string_equal(cJSON_GetObjectItem(s, "test")->valuestring,
	    "login & logout");
	assert_string_equal(cJSON_GetObjectItem(s, "file")->valuestring,
	    "dir/s.txt");
	cJSON_Delete(root);
	free(t);
	report_free(&rep);
}

static void
test_errors_counted_and_move_keeps_order(void **state)
{
	struct report one[3];
	char *t;
	cJSON *root;
	size_t i;

	(void)state;
	memset(one, 0, sizeof(one));
	scenario_of("s.txt");
	run_of(1, 1);
	report_add(&one[0], &sc, "t", &res, NULL);
	report_add_error(&one[1], "dir/b.txt", "dir/b.txt: could not start: "
	    "listen: address in use");
	report_add_skipped(&one[2], "dir/c.txt", "not run: interrupted");
	for (i = 0; i < 3; i++)
		report_move(&rep, &one[i]);
	assert_int_equal(rep.n, 3);
	assert_int_equal(one[1].n, 0);
	assert_string_equal(rep.items[1].path, "dir/b.txt");
	assert_int_equal(report_errors(&rep), 1);
	t = render(REPORT_JUNIT);
	assert_non_null(strstr(t, "<testsuites tests=\"3\" failures=\"0\" "
	    "errors=\"1\" skipped=\"1\""));
	assert_non_null(strstr(t, "<error message=\"dir/b.txt: could not start: "
	    "listen: address in use\" type=\"error\">"));
	free(t);
	t = render(REPORT_JSON);
	root = cJSON_Parse(t);
	assert_int_equal(cJSON_GetObjectItem(root, "error_count")->valueint, 1);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(root,
	    "errors")), 1);
	cJSON_Delete(root);
	free(t);
	report_free(&rep);
}

/* A TLS handshake's details as the transport records them. */
static void
tls_of(struct tls_info *ti, const char *subject, uint64_t us, int resumed)
{
	memset(ti, 0, sizeof(*ti));
	ti->done = 1;
	snprintf(ti->version, sizeof(ti->version), "TLSv1.3");
	snprintf(ti->cipher, sizeof(ti->cipher), "TLS_AES_128_GCM_SHA256");
	snprintf(ti->alpn, sizeof(ti->alpn), "h2");
	snprintf(ti->subject, sizeof(ti->subject), "%s", subject);
	snprintf(ti->issuer, sizeof(ti->issuer), "CN=test CA");
	snprintf(ti->not_after, sizeof(ti->not_after),
	    "2027-01-02 03:04:05 UTC");
	ti->handshake_us = us;
	ti->handshake_s = (double)us / 1e6;
	ti->resumed = resumed;
	ti->verified = 1;
}

static void
test_tls_details_per_connection_in_text_json_and_junit(void **state)
{
	struct tls_summary s;
	char *t;
	cJSON *root, *g, *x, *c;

	(void)state;
	scenario_of("s.txt");
	two_groups();
	/* The example of group 1 finished a handshake (a peer name with XML
	 * and JSON specials); that of group 2 did not. */
	res.groups[0].has_tls = 1;
	tls_of(&res.groups[0].tls, "CN=a<b> \"q\"", 1234, 1);
	res.groups[1].has_tls = 1;
	res.groups[1].tls.done = 0;
	memset(&s, 0, sizeof(s));
	s.on = 1;
	s.handshakes = 1;
	s.resumed = 1;
	s.hs_sum = s.hs_max = 0.001234;
	s.first = res.groups[0].tls;
	s.nconns = 2;
	s.conns[0].id = 4;
	snprintf(s.conns[0].peer, sizeof(s.conns[0].peer), "127.0.0.1:1");
	s.conns[0].failed = 1;
	s.conns[0].tls = res.groups[0].tls;
	s.conns[1].id = 7;
	s.conns[1].failed = 1;
	s.conns_other = 5;
	rep.tls = &s;
	report_add(&rep, &sc, "127.0.0.1:1", &res, NULL);
	t = render(REPORT_TEXT);
	assert_non_null(strstr(t, "        tls: connection 4: TLSv1.3 "
	    "TLS_AES_128_GCM_SHA256, alpn h2, resumed handshake 1234 us, peer "
	    "CN=a<b> \"q\", issuer CN=test CA, expires 2027-01-02 03:04:05 "
	    "UTC, verified\n"));
	assert_non_null(strstr(t, "        tls: connection 7: handshake not "
	    "completed\n"));
	assert_non_null(strstr(t, "tls: TLSv1.3 TLS_AES_128_GCM_SHA256, alpn "
	    "h2, 1 handshake (1 resumed), 1.2 ms mean"));
	free(t);
	t = render(REPORT_JSON);
	root = cJSON_Parse(t);
	assert_non_null(root);
	g = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetArrayItem(
	    cJSON_GetObjectItem(root, "scenarios"), 0), "failures"), 0);
	x = cJSON_GetObjectItem(g, "tls");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(x, "handshake_done")));
	assert_string_equal(cJSON_GetObjectItem(x, "peer_subject")->valuestring,
	    "CN=a<b> \"q\"");
	assert_int_equal(cJSON_GetObjectItem(x, "handshake_us")->valueint,
	    1234);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(x, "resumed")));
	g = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetArrayItem(
	    cJSON_GetObjectItem(root, "scenarios"), 0), "failures"), 1);
	x = cJSON_GetObjectItem(g, "tls");
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(x, "handshake_done")));
	assert_null(cJSON_GetObjectItem(x, "version"));
	x = cJSON_GetObjectItem(root, "tls");
	assert_int_equal(cJSON_GetObjectItem(x, "resumed")->valueint, 1);
	assert_int_equal(cJSON_GetObjectItem(x, "connections_not_kept")->
	    valueint, 5);
	c = cJSON_GetObjectItem(x, "connections");
	assert_int_equal(cJSON_GetArraySize(c), 2);
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(c, 0), "id")->
	    valueint, 4);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(c, 0),
	    "cipher")->valuestring, "TLS_AES_128_GCM_SHA256");
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(cJSON_GetArrayItem(c,
	    1), "handshake_done")));
	cJSON_Delete(root);
	free(t);
	t = render(REPORT_JUNIT);
	assert_non_null(strstr(t, "    <properties>\n      <property "
	    "name=\"tls.insecure\" value=\"false\"/>\n"));
	assert_non_null(strstr(t, "<property name=\"tls.peer_subject\" "
	    "value=\"CN=a&lt;b&gt; &quot;q&quot;\"/>"));
	assert_non_null(strstr(t, "      <properties>\n        <property "
	    "name=\"tls.connection.4\" value=\"TLSv1.3 "));
	assert_non_null(strstr(t, "<property name=\"tls.connection.7\" "
	    "value=\"handshake not completed\"/>"));
	free(t);
	rep.tls = NULL;
	report_free(&rep);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_groups_counted_in_text_tap_and_junit),
		cmocka_unit_test(test_json_failures_structured_with_base64),
		cmocka_unit_test(test_base64_of_every_tail_length),
		cmocka_unit_test(test_latency_keys_kept_without_samples),
		cmocka_unit_test(test_failed_threshold_fails_a_passing_run_in_every_format),
		cmocka_unit_test(test_passed_thresholds_reported_for_a_passing_run),
		cmocka_unit_test(test_failures_the_groups_miss_are_counted_not_grouped),
		cmocka_unit_test(test_fallback_group_from_first_failure),
		cmocka_unit_test(test_stopped_run_counts_unfinished_in_a_group),
		cmocka_unit_test(test_name_directive_names_the_test),
		cmocka_unit_test(test_errors_counted_and_move_keeps_order),
		cmocka_unit_test(
		    test_tls_details_per_connection_in_text_json_and_junit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
