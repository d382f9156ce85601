/* Unit tests for dashboard recordings: payload quoting, and conversations
 * turned into scenarios the parser accepts, from either side. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "ui.h"
#include "ui_record.h"

static struct ui_model m;

/* Start each test with an empty model. */
static int
setup(void **state)
{
	(void)state;
	ui_model_init(&m);
	return 0;
}

/* Free the model. */
static int
teardown(void **state)
{
	(void)state;
	ui_model_free(&m);
	return 0;
}

/* Quote p[0..n) and compare with want. */
static void
quote_is(const char *p, size_t n, const char *want)
{
	struct buf b;

	buf_init(&b);
	ui_record_quote((const unsigned char *)p, n, &b);
	buf_append(&b, "", 1);
	assert_string_equal((const char *)buf_data(&b), want);
	buf_free(&b);
}

/* Text keeps UTF-8 and escapes quotes, backslashes, $ and controls;
 * mostly binary bytes become hex. */
static void
test_quote_escapes(void **state)
{
	(void)state;
	quote_is("ping", 4, "\"ping\"");
	quote_is("a\"b$c\\\n", 7, "\"a\\\"b\\$c\\\\\\n\"");
	quote_is("\xe4\xbd\xa0\xe5\xa5\xbd \xf0\x9f\x90\xb0", 11,
	    "\"\xe4\xbd\xa0\xe5\xa5\xbd \xf0\x9f\x90\xb0\"");
	quote_is("abcdef\x01gh", 9, "\"abcdef\\x01gh\"");
	quote_is("\x00\x01\x02\xff", 4, "hex \"00 01 02 ff\"");
	quote_is("", 0, "\"\"");
}

/* Make a row for a connection and feed it messages; returns the row. */
static struct ui_conn *
conv(struct conn_info *ci, enum conn_side side, const struct codec *cd,
    const char *const *wire, const size_t *lens, const int *out, size_t n,
    const char *reason)
{
	struct obs_event ev = { .kind = OBS_OPENED };
	struct codec_frame f;
	size_t i;

	memset(ci, 0, sizeof(*ci));
	ci->id = 9;
	ci->side = side;
	ci->state = CS_OPEN;
	ci->codec = cd;
	snprintf(ci->local, sizeof(ci->local), "127.0.0.1:40000");
	snprintf(ci->peer, sizeof(ci->peer), "127.0.0.1:7000");
	ui_model_event(&m, ci, &ev, 1);
	ev.kind = OBS_MSG;
	ev.frame = &f;
	for (i = 0; i < n; i++) {
		memset(&f, 0, sizeof(f));
		f.frame = (const unsigned char *)wire[i];
		f.frame_len = lens[i];
		ev.out = out[i];
		ui_model_event(&m, ci, &ev, 2);
	}
	if (reason != NULL) {
		ev.kind = OBS_CLOSED;
		ci->state = CS_CLOSED;
		snprintf(ci->reason, sizeof(ci->reason), "%s", reason);
		ui_model_event(&m, ci, &ev, 3);
	}
	return ui_model_find(&m, 9);
}

/* Record c and parse the result; returns the text (caller frees). */
static char *
record_and_parse(struct ui_conn *c, const char *service, size_t want_steps)
{
	struct ui_record_meta meta = { service, "127.0.0.1:7000", 0 };
	struct scenario *sc;
	struct buf b;
	char err[512], *text;

	buf_init(&b);
	ui_record_conn(c, &meta, &b);
	text = strndup((const char *)buf_data(&b), buf_len(&b));
	buf_free(&b);
	sc = scenario_parse("rec.txt", text, strlen(text), err, sizeof(err));
	if (sc == NULL)
		fail_msg("%s\n---\n%s", err, text);
	assert_int_equal(sc->nsteps, want_steps);
	scenario_free(sc);
	return text;
}

/* A client conversation: sent becomes send, received becomes expect, and
 * a peer close becomes expect close. */
static void
test_client_side(void **state)
{
	static const char *const wire[] = { "ping \xf0\x9f\x90\xb0\n",
	    "pong $1\n" };
	static const size_t lens[] = { 10, 8 };
	static const int out[] = { 1, 0 };
	struct conn_info ci;
	char *text;

	(void)state;
	text = record_and_parse(conv(&ci, SIDE_CLIENT, &codec_line, wire,
	    lens, out, 2, "EOF (peer closed)"), "echo", 3);
	assert_non_null(strstr(text, "\ncodec line\n"));
	assert_non_null(strstr(text, "\nservice echo\n"));
	assert_non_null(strstr(text, "\nsend \"ping \xf0\x9f\x90\xb0\"\n"));
	assert_non_null(strstr(text, "\nexpect \"pong \\$1\"\n"));
	assert_non_null(strstr(text, "\nexpect close\n"));
	free(text);
}

/* An http conversation with a HEAD and a response the close ended: each
 * reply records as an expect of its body (empty for the HEAD), not as a
 * reply "that did not decode whole". */
static void
test_http_head_and_read_until_close(void **state)
{
	static const char *const wire[] = {
	    "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n",
	    "GET / HTTP/1.0\r\n\r\n",
	    "HTTP/1.0 200 OK\r\n\r\nuntil the close" };
	static const int out[] = { 1, 0, 1, 0 };
	size_t lens[4], i;
	struct conn_info ci;
	char *text;

	(void)state;
	for (i = 0; i < 4; i++)
		lens[i] = strlen(wire[i]);
	text = record_and_parse(conv(&ci, SIDE_CLIENT, &codec_http, wire,
	    lens, out, 4, "EOF (peer closed)"), NULL, 5);
	assert_non_null(strstr(text, "\nexpect \"\"\n"));
	assert_non_null(strstr(text, "\nexpect \"until the close\"\n"));
	assert_null(strstr(text, "did not decode whole"));
	free(text);
}

/* A pause of 10 ms or more before a send is kept as a wait (to the
 * millisecond); a shorter one is not; a client names its peer. */
static void
test_waits_kept(void **state)
{
	static const struct {
		const char	*text;
		int		 out;
		double		 t;
	} msgs[] = {
		{ "hi\n", 1, 2.0 }, { "hi\n", 0, 2.001 },
		{ "again\n", 1, 2.005 }, { "again\n", 0, 2.006 },
		{ "bye\n", 1, 2.256 },
	};
	struct obs_event ev = { .kind = OBS_OPENED };
	struct codec_frame f;
	struct conn_info ci;
	char *text;
	size_t i;

	(void)state;
	memset(&ci, 0, sizeof(ci));
	ci.id = 9;
	ci.side = SIDE_CLIENT;
	ci.state = CS_OPEN;
	ci.codec = &codec_line;
	snprintf(ci.local, sizeof(ci.local), "127.0.0.1:40000");
	snprintf(ci.peer, sizeof(ci.peer), "127.0.0.1:7000");
	ui_model_event(&m, &ci, &ev, 1);
	ev.kind = OBS_MSG;
	ev.frame = &f;
	for (i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		memset(&f, 0, sizeof(f));
		f.frame = (const unsigned char *)msgs[i].text;
		f.frame_len = strlen(msgs[i].text);
		f.body = f.frame;
		f.body_len = f.frame_len - 1;
		ev.out = msgs[i].out;
		ui_model_event(&m, &ci, &ev, msgs[i].t);
	}
	/* send, expect, send, expect, wait, send */
	text = record_and_parse(ui_model_find(&m, 9), NULL, 6);
	assert_non_null(strstr(text, "\nexpect \"hi\"\nsend \"again\"\n"));
	assert_non_null(strstr(text, "\nwait 250ms\nsend \"bye\"\n"));
	assert_non_null(strstr(text, "--connect 127.0.0.1:7000 FILE"));
	free(text);
}

/* A server conversation is replayed from the client's point of view. */
static void
test_server_side_reversed(void **state)
{
	static const char *const wire[] = { "GET\n", "OK\n" };
	static const size_t lens[] = { 4, 3 };
	static const int out[] = { 0, 1 };
	struct conn_info ci;
	char *text;

	(void)state;
	text = record_and_parse(conv(&ci, SIDE_SERVER, &codec_line, wire,
	    lens, out, 2, "response sent"), NULL, 3);
	assert_non_null(strstr(text, "\nsend \"GET\"\n"));
	assert_non_null(strstr(text, "\nexpect \"OK\"\n"));
	assert_non_null(strstr(text, "\nexpect close\n"));
	/* The server's own address replaces HOST:PORT. */
	assert_non_null(strstr(text, "--connect 127.0.0.1:40000 FILE"));
	free(text);
}

/* A jsonhdr request keeps its header fields; the reply is matched by its
 * body. */
static void
test_jsonhdr_header(void **state)
{
	const char *body = "{\"action\": \"search\", \"value\": \"morpheus\"}";
	const char *wire[2];
	size_t lens[2];
	static const int out[] = { 1, 0 };
	struct buf req, rep;
	struct conn_info ci;
	char err[128], *text;

	(void)state;
	buf_init(&req);
	buf_init(&rep);
	assert_int_equal(codec_jsonhdr.encode((const unsigned char *)body,
	    strlen(body), NULL, &req, err, sizeof(err)), 0);
	assert_int_equal(codec_jsonhdr.encode((const unsigned char *)
	    "{\"result\": \"ok\"}", 16, NULL, &rep, err, sizeof(err)), 0);
	wire[0] = (const char *)buf_data(&req);
	lens[0] = buf_len(&req);
	wire[1] = (const char *)buf_data(&rep);
	lens[1] = buf_len(&rep);
	text = record_and_parse(conv(&ci, SIDE_CLIENT, &codec_jsonhdr, wire,
	    lens, out, 2, NULL), "app", 2);
	assert_non_null(strstr(text, "\"content-type\": \"text/json\""));
	assert_non_null(strstr(text, "\nexpect \"{\\\"result\\\": \\\"ok\\\"}\"\n"));
	buf_free(&req);
	buf_free(&rep);
	free(text);
}

/* The bundled demo parses, and scenarios/demo.txt is the same text. */
static void
test_demo_matches_file(void **state)
{
	struct scenario *sc;
	char err[512], file[4096];
	FILE *f;
	size_t n;

	(void)state;
	sc = scenario_parse("demo.txt", ui_demo_scenario,
	    strlen(ui_demo_scenario), err, sizeof(err));
	if (sc == NULL)
		fail_msg("%s", err);
	assert_string_equal(sc->service.name, "app");
	assert_int_equal(sc->connections, 8);
	scenario_free(sc);
	if ((f = fopen("scenarios/demo.txt", "r")) == NULL)
		skip();
	n = fread(file, 1, sizeof(file) - 1, f);
	fclose(f);
	file[n] = '\0';
	assert_string_equal(file, ui_demo_scenario);
}

/* Writing a recording never replaces a file that is there, nor follows a
 * symlink planted at its name; a new path is written whole. */
static void
test_write_never_overwrites(void **state)
{
	static const char *const wire[] = { "ping\n", "pong\n" };
	static const size_t lens[] = { 5, 5 };
	static const int out[] = { 1, 0 };
	struct ui_record_meta meta = { NULL, "127.0.0.1:7000", 0 };
	struct conn_info ci;
	struct ui_conn *c;
	char dir[] = "/tmp/sbrecXXXXXX", path[64], link[64], err[256];
	char got[512];
	FILE *f;
	size_t n;

	(void)state;
	c = conv(&ci, SIDE_CLIENT, &codec_line, wire, lens, out, 2, NULL);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/rec.txt", dir);
	f = fopen(path, "w");
	fputs("mine\n", f);
	fclose(f);
	assert_int_equal(ui_record_write(c, &meta, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "it exists (never overwritten)"));
	f = fopen(path, "r");
	n = fread(got, 1, sizeof(got) - 1, f);
	got[n] = '\0';
	fclose(f);
	assert_string_equal(got, "mine\n");
	snprintf(link, sizeof(link), "%s/link.txt", dir);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(ui_record_write(c, &meta, link, err, sizeof(err)), -1);
	unlink(link);
	unlink(path);
	assert_int_equal(ui_record_write(c, &meta, path, err, sizeof(err)), 0);
	f = fopen(path, "r");
	n = fread(got, 1, sizeof(got) - 1, f);
	got[n] = '\0';
	fclose(f);
	assert_non_null(strstr(got, "\nsend "));
	assert_non_null(strstr(got, "ping"));
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quote_escapes),
		cmocka_unit_test_setup_teardown(test_write_never_overwrites,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_waits_kept, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_client_side, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_http_head_and_read_until_close,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_server_side_reversed,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_jsonhdr_header, setup,
		    teardown),
		cmocka_unit_test(test_demo_matches_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
