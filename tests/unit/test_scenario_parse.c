#include <sys/stat.h>
/* Unit tests for the scenario parser: every directive parses into the steps
 * and settings a runner reads. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "cli.h"
#include "scenario.h"
#include "template.h"

/* Parse text that must be valid, failing the test with the error if not. */
static struct scenario *
parse_ok(const char *text)
{
	struct scenario *sc;
	char err[1024];

	sc = scenario_parse("t.txt", text, strlen(text), err, sizeof(err));
	if (sc == NULL)
		fail_msg("unexpected parse error: %s", err);
	return sc;
}

/* Render a template with connection 1 and no variables into a string. */
static char *
render(const struct tmpl *t)
{
	struct vars v;
	struct buf b;
	char err[256], *s;

	vars_init(&v, 1, 42);
	buf_init(&b);
	assert_int_equal(tmpl_render(t, &v, &b, err, sizeof(err)), 0);
	s = strndup((const char *)buf_data(&b), buf_len(&b));
	buf_free(&b);
	vars_free(&v);
	return s;
}

/* Settings are stored; defaults apply to what is not set. */
static void
test_settings_are_stored_with_defaults(void **state)
{
	struct scenario *sc;

	(void)state;
	sc = parse_ok("send \"x\"\n");
	assert_string_equal(sc->name, "t.txt");
	assert_string_equal(sc->codec_name, "raw");
	assert_int_equal(sc->stream, 1);
	assert_int_equal(sc->connections, 1);
	assert_true(sc->rate == 0);
	assert_true(sc->timeout == 5.0);
	assert_int_equal(sc->max_frame, CODEC_MAX_FRAME_DEFAULT);
	assert_null(sc->service.name);
	scenario_free(sc);

	sc = parse_ok("# S3 client\nname \"app search\"\ncodec jsonhdr\n"
	    "connections 40\nrate 2.5\ntimeout 2s\nmax-frame 64k\n");
	assert_string_equal(sc->name, "app search");
	assert_string_equal(sc->codec_name, "jsonhdr");
	assert_non_null(sc->codec);
	assert_string_equal(sc->codec->name, "jsonhdr");
	assert_int_equal(sc->stream, 0);
	assert_int_equal(sc->connections, 40);
	assert_true(sc->rate == 2.5);
	assert_true(sc->timeout == 2.0);
	assert_int_equal(sc->max_frame, 65536);
	assert_int_equal(sc->nsteps, 0);
	scenario_free(sc);
}

/* Each service form stores its name and option bytes. */
static void
test_service_options_are_stored_as_bytes(void **state)
{
	struct scenario *sc;

	(void)state;
	sc = parse_ok("service echo prefix \"服务端收到, 你发的消息是: \"\n");
	assert_string_equal(sc->service.name, "echo");
	assert_int_equal(sc->service.prefix_len, 37);
	assert_memory_equal(sc->service.prefix,
	    "\xe6\x9c\x8d\xe5\x8a\xa1\xe7\xab\xaf", 9);
	assert_null(sc->service.suffix);
	assert_null(sc->service.fixed);
	scenario_free(sc);

	sc = parse_ok("service echo suffix \"~\"\n");
	assert_int_equal(sc->service.suffix_len, 1);
	assert_memory_equal(sc->service.suffix, "~", 1);
	scenario_free(sc);

	sc = parse_ok("service echo fixed \"data from server\"\n");
	assert_non_null(sc->service.fixed);
	assert_int_equal(sc->service.fixed_len, 16);
	scenario_free(sc);

	sc = parse_ok("service app\n");
	assert_string_equal(sc->service.name, "app");
	scenario_free(sc);

	sc = scenario_parse("dir/sub/t.txt", "service file root files\n", 24,
	    NULL, 0);
	assert_non_null(sc);
	assert_string_equal(sc->service.name, "file");
	assert_string_equal(sc->service.root, "dir/sub/files");
	scenario_free(sc);
}

/* Text sends decode every escape and keep placeholders for rendering. */
static void
test_send_text_decodes_escapes(void **state)
{
	struct scenario *sc;
	struct step *st;
	char *s;

	(void)state;
	sc = parse_ok("send \"a\\n\\r\\t\\\\\\\"\\x41\\u{1F430}\\0\\$\"\n"
	    "send text \"Message ${seq} from ${conn}\"\n");
	assert_int_equal(sc->nsteps, 2);
	st = &sc->steps[0];
	assert_int_equal(st->kind, STEP_SEND);
	assert_int_equal(st->line, 1);
	assert_int_equal(st->u.send.raw, 0);
	assert_null(st->u.send.head);
	assert_int_equal(st->u.send.body->dynamic, 0);
	assert_int_equal(st->u.send.body->parts[0].len, 13);
	assert_memory_equal(st->u.send.body->parts[0].lit,
	    "a\n\r\t\\\"A\xf0\x9f\x90\xb0\0$", 13);
	st = &sc->steps[1];
	assert_int_equal(st->u.send.body->dynamic, 1);
	s = render(st->u.send.body);
	assert_string_equal(s, "Message 0 from 1");
	free(s);
	scenario_free(sc);
}

/* Hex, json with header, raw, chunked and file sends parse. */
static void
test_send_variants_parse(void **state)
{
	struct scenario *sc;
	struct step *st;
	char path[] = "/tmp/sb_test_sendfile_XXXXXX", text[256], *s;
	int fd;

	(void)state;
	sc = parse_ok("codec jsonhdr\n"
	    "send hex \"de ad be ef\"\n"
	    "send json {\"action\": \"search\", \"value\": \"morpheus\"}\n"
	    "send hex \"6d6f\" header {\"content-type\": "
	    "\"binary/custom-client-binary-type\"}\n"
	    "send raw \"abc\" chunk 1 delay 10ms\n"
	    "send raw hex \"00 01\"\n"
	    "send \"x\" chunk 4\n");
	assert_int_equal(sc->nsteps, 6);
	st = &sc->steps[0];
	assert_int_equal(st->u.send.body->parts[0].len, 4);
	assert_memory_equal(st->u.send.body->parts[0].lit, "\xde\xad\xbe\xef",
	    4);
	st = &sc->steps[1];
	assert_int_equal(st->u.send.json, 1);
	s = render(st->u.send.body);
	assert_string_equal(s, "{\"action\": \"search\", \"value\": "
	    "\"morpheus\"}");
	free(s);
	st = &sc->steps[2];
	assert_non_null(st->u.send.head);
	s = render(st->u.send.head);
	assert_string_equal(s, "{\"content-type\": "
	    "\"binary/custom-client-binary-type\"}");
	free(s);
	st = &sc->steps[3];
	assert_int_equal(st->u.send.raw, 1);
	assert_int_equal(st->u.send.chunk, 1);
	assert_true(st->u.send.chunk_delay > 0.0099 &&
	    st->u.send.chunk_delay < 0.0101);
	st = &sc->steps[4];
	assert_int_equal(st->u.send.raw, 1);
	assert_int_equal(st->u.send.body->parts[0].len, 2);
	st = &sc->steps[5];
	assert_int_equal(st->u.send.chunk, 4);
	assert_true(st->u.send.chunk_delay == 0);
	scenario_free(sc);

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "file\0bytes", 10), 10);
	close(fd);
	snprintf(text, sizeof(text), "send file %s\nsend file \"%s\"\n", path,
	    path);
	sc = parse_ok(text);
	assert_int_equal(sc->steps[0].u.send.body->parts[0].len, 10);
	assert_memory_equal(sc->steps[1].u.send.body->parts[0].lit,
	    "file\0bytes", 10);
	scenario_free(sc);
	unlink(path);
}

/* Every expect kind parses, with its own or the default timeout. */
static void
test_expect_kinds_parse_with_timeouts(void **state)
{
	struct scenario *sc;
	struct step_expect *e;
	char *s;

	(void)state;
	sc = parse_ok("codec jsonhdr\n"
	    "timeout 3s\n"
	    "expect \"Message 1 from client.\"\n"
	    "expect hex \"0a 0b\" timeout 1s\n"
	    "expect regex \"^Follow\"\n"
	    "expect json {\"result\": \"x\"}\n"
	    "expect header {\"content-type\": \"text/json\"}\n"
	    "expect length 44\n"
	    "expect close timeout 250ms\n"
	    "expect nothing 500ms\n"
	    "expect text \"t\" header {\"a\": 1} timeout 1s\n");
	assert_int_equal(sc->nsteps, 9);
	assert_non_null(sc->steps[8].u.expect.head);
	assert_null(sc->steps[0].u.expect.head);
	e = &sc->steps[0].u.expect;
	assert_int_equal(e->kind, EXPECT_BYTES);
	assert_true(e->timeout == 3.0);
	s = render(e->bytes);
	assert_string_equal(s, "Message 1 from client.");
	free(s);
	e = &sc->steps[1].u.expect;
	assert_int_equal(e->kind, EXPECT_BYTES);
	assert_true(e->timeout == 1.0);
	assert_memory_equal(e->bytes->parts[0].lit, "\x0a\x0b", 2);
	e = &sc->steps[2].u.expect;
	assert_int_equal(e->kind, EXPECT_REGEX);
	assert_string_equal(e->pattern, "^Follow");
	assert_int_equal(sc->steps[3].u.expect.kind, EXPECT_JSON);
	assert_int_equal(sc->steps[4].u.expect.kind, EXPECT_HEADER);
	e = &sc->steps[5].u.expect;
	assert_int_equal(e->kind, EXPECT_LENGTH);
	assert_int_equal(e->length, 44);
	e = &sc->steps[6].u.expect;
	assert_int_equal(e->kind, EXPECT_CLOSE);
	assert_true(e->timeout == 0.25);
	e = &sc->steps[7].u.expect;
	assert_int_equal(e->kind, EXPECT_NOTHING);
	assert_true(e->timeout == 0.5);
	assert_int_equal(sc->steps[8].u.expect.kind, EXPECT_BYTES);
	scenario_free(sc);
}

/* Blocks flatten with jump indexes pointing at each other. */
static void
test_blocks_flatten_with_jumps(void **state)
{
	struct scenario *sc;
	struct step *s;

	(void)state;
	sc = parse_ok("repeat 3\n"
	    "  repeat 5s\n"
	    "    send \"a\"\n"
	    "    wait 100ms\n"
	    "  end\n"
	    "  merge\n"
	    "    send \"b\"\n"
	    "    send \"c\"\n"
	    "  end\n"
	    "end\n"
	    "shutdown\n"
	    "expect close\n"
	    "close\n");
	s = sc->steps;
	assert_int_equal(sc->nsteps, 13);
	assert_int_equal(s[0].kind, STEP_REPEAT);
	assert_int_equal(s[0].u.repeat.count, 3);
	assert_int_equal(s[0].jump, 9);
	assert_int_equal(s[0].depth, 0);
	assert_int_equal(s[1].kind, STEP_REPEAT);
	assert_int_equal(s[1].u.repeat.count, 0);
	assert_true(s[1].u.repeat.seconds == 5.0);
	assert_int_equal(s[1].jump, 4);
	assert_int_equal(s[1].depth, 1);
	assert_int_equal(s[3].kind, STEP_WAIT);
	assert_true(s[3].u.wait.a > 0.099 && s[3].u.wait.a < 0.101);
	assert_int_equal(s[4].kind, STEP_END);
	assert_int_equal(s[4].jump, 1);
	assert_int_equal(s[4].depth, 1);
	assert_int_equal(s[5].kind, STEP_MERGE);
	assert_int_equal(s[5].jump, 8);
	assert_int_equal(s[8].jump, 5);
	assert_int_equal(s[9].kind, STEP_END);
	assert_int_equal(s[9].jump, 0);
	assert_int_equal(s[9].depth, 0);
	assert_int_equal(s[10].kind, STEP_SHUTDOWN);
	assert_int_equal(s[12].kind, STEP_CLOSE);
	assert_int_equal(s[12].line, 13);
	scenario_free(sc);
}

/* Captures parse and make their variable usable on later lines. */
static void
test_capture_defines_variable_for_later_lines(void **state)
{
	struct scenario *sc;
	struct step_capture *c;

	(void)state;
	sc = parse_ok("codec jsonhdr\n"
	    "send json {\"action\": \"login\"}\n"
	    "expect json {}\n"
	    "capture token regex \"token=([a-z0-9]+)\"\n"
	    "capture id json result.id\n"
	    "capture ct header content-type\n"
	    "send json {\"token\": \"${token}\", \"id\": ${id}} header "
	    "{\"x\": \"${ct}\"}\n");
	c = &sc->steps[2].u.capture;
	assert_int_equal(sc->steps[2].kind, STEP_CAPTURE);
	assert_int_equal(c->kind, CAPTURE_REGEX);
	assert_string_equal(c->name, "token");
	assert_string_equal(c->pattern, "token=([a-z0-9]+)");
	c = &sc->steps[3].u.capture;
	assert_int_equal(c->kind, CAPTURE_JSON);
	assert_string_equal(c->path, "result.id");
	c = &sc->steps[4].u.capture;
	assert_int_equal(c->kind, CAPTURE_HEADER);
	assert_int_equal(sc->steps[5].u.send.body->dynamic, 1);
	scenario_free(sc);
}

/* CRLF endings, a missing final newline, comments and a BOM are fine. */
static void
test_crlf_comments_and_missing_newline_accepted(void **state)
{
	struct scenario *sc;

	(void)state;
	sc = parse_ok("\xef\xbb\xbf# header comment\r\n"
	    "send \"a\"   # trailing comment\r\n"
	    "\r\n"
	    "\t  \r\n"
	    "expect \"a#b\"");
	assert_int_equal(sc->nsteps, 2);
	assert_int_equal(sc->steps[1].line, 5);
	assert_memory_equal(sc->steps[1].u.expect.bytes->parts[0].lit, "a#b", 3);
	scenario_free(sc);
}

/* scenario_load reads a file, and check reports it and exits 0 or 2. */
static void
test_load_and_check_report_files(void **state)
{
	char good[] = "/tmp/sb_test_good_XXXXXX", bad[] = "/tmp/sb_test_bad_XXXXXX";
	char err[512];
	char *argv[4];
	struct scenario *sc;
	int fd;

	(void)state;
	fd = mkstemp(good);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "codec line\nsend \"hi\"\n", 21), 21);
	close(fd);
	fd = mkstemp(bad);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "sned \"hi\"\n", 10), 10);
	close(fd);
	sc = scenario_load(good, err, sizeof(err));
	assert_non_null(sc);
	assert_string_equal(sc->path, good);
	assert_string_equal(sc->dir, "/tmp");
	scenario_free(sc);
	assert_null(scenario_load("/nonexistent/x.txt", err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/x.txt: cannot read"));
	argv[0] = "check";
	argv[1] = good;
	argv[2] = NULL;
	assert_int_equal(check_main(2, argv), 0);
	argv[2] = bad;
	argv[3] = NULL;
	assert_int_equal(check_main(3, argv), 2);
	argv[1] = "--help";
	assert_int_equal(check_main(2, argv), 0);
	unlink(good);
	unlink(bad);
}

/* Thresholds are stored with their metric, operator, value in their unit
 * and source text. */
static void
test_thresholds_are_stored_in_their_units(void **state)
{
	static const char text[] = "assert latency p99.9 <= 5ms\n"
	    "assert errors == 0  # none\nassert passed >= 99.5%\n";
	struct scenario *sc;
	char err[512];

	(void)state;
	sc = scenario_parse("t.txt", text, strlen(text), err, sizeof(err));
	if (sc == NULL)
		fail_msg("%s", err);
	assert_int_equal(sc->nasserts, 3);
	assert_int_equal(sc->asserts[0].metric, ASSERT_LATENCY);
	assert_true(sc->asserts[0].percentile > 99.89 &&
	    sc->asserts[0].percentile < 99.91);
	assert_int_equal(sc->asserts[0].op, ASSERT_LE);
	assert_true(sc->asserts[0].value > 4999 && sc->asserts[0].value < 5001);
	assert_string_equal(sc->asserts[0].text, "latency p99.9 <= 5ms");
	assert_int_equal(sc->asserts[1].metric, ASSERT_ERRORS);
	assert_int_equal(sc->asserts[1].op, ASSERT_EQ);
	assert_string_equal(sc->asserts[1].text, "errors == 0");
	assert_int_equal(sc->asserts[2].metric, ASSERT_PASSED);
	assert_true(sc->asserts[2].value > 99.4 && sc->asserts[2].value < 99.6);
	assert_int_equal(sc->asserts[2].line, 3);
	scenario_free(sc);
}

/* Write text to dir/name. */
static void
write_file(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* include reads a file relative to the including one, its steps keep
 * their file; a cycle is refused with the chain. */
static void
test_include_reads_relative_files_and_refuses_cycles(void **state)
{
	char dir[] = "/tmp/sb-inc-XXXXXX", path[256], err[1024];
	struct scenario *sc;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/lib", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	write_file(dir, "main.txt", "send \"a\"\ninclude lib/steps.txt\n"
	    "call hello(\"x\")\n");
	write_file(dir, "lib/steps.txt", "define hello(who)\n"
	    "  send \"hello ${who}\"\nend\nsend \"b\"\n");
	snprintf(path, sizeof(path), "%s/main.txt", dir);
	sc = scenario_load(path, err, sizeof(err));
	if (sc == NULL)
		fail_msg("%s", err);
	/* send a; send b (from lib); set who; send hello (lib line 2). */
	assert_int_equal(sc->nsteps, 4);
	assert_int_equal(sc->nfiles, 2);
	assert_int_equal(sc->steps[0].file, 0);
	assert_int_equal(sc->steps[1].file, 1);
	assert_int_equal(sc->steps[1].line, 4);
	assert_int_equal(sc->steps[2].kind, STEP_SET);
	assert_int_equal(sc->steps[3].file, 1);
	assert_int_equal(sc->steps[3].line, 2);
	assert_non_null(strstr(sc->files[1], "lib/steps.txt"));
	scenario_free(sc);
	write_file(dir, "lib/steps.txt", "include ../main.txt\n");
	assert_null(scenario_load(path, err, sizeof(err)));
	assert_non_null(strstr(err, "got a cycle through"));
	assert_non_null(strstr(err, "main.txt -> "));
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	assert_int_equal(system(path), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_include_reads_relative_files_and_refuses_cycles),
		cmocka_unit_test(test_thresholds_are_stored_in_their_units),
		cmocka_unit_test(test_settings_are_stored_with_defaults),
		cmocka_unit_test(test_service_options_are_stored_as_bytes),
		cmocka_unit_test(test_send_text_decodes_escapes),
		cmocka_unit_test(test_send_variants_parse),
		cmocka_unit_test(test_expect_kinds_parse_with_timeouts),
		cmocka_unit_test(test_blocks_flatten_with_jumps),
		cmocka_unit_test(test_capture_defines_variable_for_later_lines),
		cmocka_unit_test(test_crlf_comments_and_missing_newline_accepted),
		cmocka_unit_test(test_load_and_check_report_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
