/* The dashboard's send line, time stamps, details section and transcripts
 * as text: the bytes a typed line becomes for each codec, the escapes and
 * hex it takes and refuses, stamps in the three modes, the TCP_INFO, queue,
 * SO_PEERCRED and TLS lines, and a transcript of a kept conversation. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <curses.h>
#include <limits.h>
#include "codec.h"
#include "transport.h"
#include "ui_actions.h"
#include "ui_draw.h"
#include "ui_keys.h"
#include "ui_details.h"
#include "ui_files.h"
#include "ui_fmt.h"
#include "ui_model.h"
#include "ui_msgview.h"

/* Encode line for codec name (peer 127.0.0.1:8080); the result in out
 * (NUL-terminated), what and err; returns ui_actions_encode's status. */
static int
enc(const char *line, const char *codec, struct buf *out, char *what,
    char *err)
{
	int r;

	buf_reset(out);
	what[0] = err[0] = '\0';
	r = ui_actions_encode(line, codec != NULL ? codec_find(codec) : NULL,
	    "127.0.0.1:8080", out, what, 64, err, 200);
	buf_append(out, "", 1);
	out->len--;
	return r;
}

#define BYTES_ARE(b, lit) do { \
	assert_int_equal(buf_len(b), sizeof(lit) - 1); \
	assert_memory_equal(buf_data(b), lit, sizeof(lit) - 1); \
} while (0)

static void
text_is_one_message_of_the_codec(void **state)
{
	struct buf b;
	char what[64], err[200];

	(void)state;
	buf_init(&b);
	assert_int_equal(enc("ping", "line", &b, what, err), 0);
	BYTES_ARE(&b, "ping\n");
	assert_string_equal(what, "a line frame");
	assert_int_equal(enc("SET k v", "resp", &b, what, err), 0);
	BYTES_ARE(&b, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n");
	assert_int_equal(enc("hi", "len16", &b, what, err), 0);
	BYTES_ARE(&b, "\x00\x02hi");
	/* raw text goes as nc sends a line, with its LF. */
	assert_int_equal(enc("hi", "raw", &b, what, err), 0);
	BYTES_ARE(&b, "hi\n");
	assert_string_equal(what, "a line (nc-style)");
	/* jsonhdr: a frame that decodes back to the body. */
	assert_int_equal(enc("{\"a\": 1}", "jsonhdr", &b, what, err), 0);
	{
		struct codec_frame f;
		char e2[160];

		assert_true(codec_find("jsonhdr")->decode(buf_data(&b),
		    buf_len(&b), 1 << 20, &f, e2, sizeof(e2)) ==
		    (ssize_t)buf_len(&b));
		assert_int_equal(f.body_len, 8);
		assert_memory_equal(f.body, "{\"a\": 1}", 8);
	}
	buf_free(&b);
}

static void
http_method_and_path_become_a_request_with_host(void **state)
{
	struct buf b;
	char what[64], err[200];

	(void)state;
	buf_init(&b);
	assert_int_equal(enc("GET /a.txt", "http", &b, what, err), 0);
	BYTES_ARE(&b, "GET /a.txt HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n");
	assert_string_equal(what, "an http request");
	assert_int_equal(enc("HEAD / HTTP/1.1", "http", &b, what, err), 0);
	BYTES_ARE(&b, "HEAD / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n");
	/* Anything else is sent as typed, escapes resolved. */
	assert_int_equal(enc("GET / HTTP/1.0\\r\\n\\r\\n", "http", &b, what,
	    err), 0);
	BYTES_ARE(&b, "GET / HTTP/1.0\r\n\r\n");
	buf_free(&b);
}

static void
escapes_and_hex_give_exact_bytes(void **state)
{
	struct buf b;
	char what[64], err[200];

	(void)state;
	buf_init(&b);
	assert_int_equal(enc("a\\tb\\x41\\\\\\0", "line", &b, what, err), 0);
	BYTES_ARE(&b, "a\tbA\\\0\n");
	assert_int_equal(enc("x 48 65 6C", "line", &b, what, err), 0);
	BYTES_ARE(&b, "Hel\n");
	assert_int_equal(enc("hex:48656c", "len16", &b, what, err), 0);
	BYTES_ARE(&b, "\x00\x03Hel");
	/* raw: no framing at all, whatever the codec. */
	assert_int_equal(enc("raw:x 00 ff 0d", "line", &b, what, err), 0);
	BYTES_ARE(&b, "\x00\xff\r");
	assert_string_equal(what, "raw bytes");
	assert_int_equal(enc("raw:GET /\\r\\n", "http", &b, what, err), 0);
	BYTES_ARE(&b, "GET /\r\n");
	/* Text that starts like a prefix: its first letter escaped. */
	assert_int_equal(enc("\\x78 marks", "line", &b, what, err), 0);
	BYTES_ARE(&b, "x marks\n");
	assert_int_equal(enc("\\x72aw:1", "line", &b, what, err), 0);
	BYTES_ARE(&b, "raw:1\n");
	/* Hex on the raw codec: the bytes alone, no LF added. */
	assert_int_equal(enc("x 01 02", "raw", &b, what, err), 0);
	BYTES_ARE(&b, "\x01\x02");
	buf_free(&b);
}

static void
bad_lines_are_refused_with_the_reason(void **state)
{
	struct buf b;
	char what[64], err[200];

	(void)state;
	buf_init(&b);
	assert_int_equal(enc("x 4", "line", &b, what, err), -1);
	assert_string_equal(err, "an odd number of hex digits");
	assert_int_equal(enc("hex:4g", "line", &b, what, err), -1);
	assert_string_equal(err, "'g' is not a hex digit");
	assert_int_equal(enc("a\\q", "line", &b, what, err), -1);
	assert_non_null(strstr(err, "unknown escape \\q"));
	assert_int_equal(enc("\\x4", "line", &b, what, err), -1);
	assert_string_equal(err, "\\x needs two hex digits");
	assert_int_equal(enc("", "line", &b, what, err), -1);
	assert_string_equal(err, "nothing to send");
	assert_int_equal(enc("x ", "line", &b, what, err), -1);
	assert_string_equal(err, "nothing to send");
	/* The codec's own refusal: an unbalanced quote in a RESP command. */
	assert_int_equal(enc("SET \"k v", "resp", &b, what, err), -1);
	assert_non_null(strstr(err, "quote"));
	assert_int_equal(buf_len(&b), 0);
	buf_free(&b);
}

static void
stamps_absolute_relative_delta(void **state)
{
	char s[32], want[32];

	(void)state;
	ui_msgview_stamp(UI_TS_ABSOLUTE, 100.25, 90, 95, 1e9, s, sizeof(s));
	ui_fmt_clock(1e9 + 100.25, want, sizeof(want));
	assert_string_equal(s, want);
	ui_msgview_stamp(UI_TS_RELATIVE, 100.25, 90, 95, 1e9, s, sizeof(s));
	assert_string_equal(s, "+10.250000");
	ui_msgview_stamp(UI_TS_DELTA, 100.25, 90, 100.2495, 1e9, s,
	    sizeof(s));
	assert_string_equal(s, "+0.000500");
	ui_msgview_stamp(UI_TS_RELATIVE, 5000.5, 0, 0, 0, s, sizeof(s));
	assert_string_equal(s, "+5000.500");
	ui_msgview_stamp(UI_TS_RELATIVE, 2e7, 0, 0, 0, s, sizeof(s));
	assert_string_equal(s, "+20000000");
	assert_true(strlen(s) <= 12);
	ui_msgview_stamp(UI_TS_DELTA, 1, 0, 2, 0, s, sizeof(s));
	assert_string_equal(s, "+0.000000");	/* never negative */
	assert_string_equal(ui_msgview_ts_name(UI_TS_DELTA),
	    "delta to the line before");
}

static void
details_name_tcp_info_queues_peer_and_tls(void **state)
{
	struct conn_info ci;
	struct conn_act_tcp t;
	struct tls_info ti;
	struct buf b;
	size_t n;

	(void)state;
	memset(&ci, 0, sizeof(ci));
	memset(&t, 0, sizeof(t));
	memset(&ti, 0, sizeof(ti));
	ci.side = SIDE_CLIENT;
	ci.t_start = 10;
	ci.t_open = 10.0005;
	ci.t_last = 11;
	ci.read_paused = 1;
	t.has_info = 1;
	snprintf(t.state, sizeof(t.state), "ESTABLISHED");
	t.rtt_us = 52;
	t.rttvar_us = 26;
	t.cwnd = 10;
	t.mss = 1448;
	t.retrans = 3;
	t.unacked = 1;
	t.has_queues = 1;
	t.recvq = 6;
	t.tx_queued = 2048;
	buf_init(&b);
	n = ui_details_render(&ci, &t, 12, &b);
	buf_append(&b, "", 1);
	assert_int_equal(n, 3);
	assert_string_equal((char *)buf_data(&b),
	    "tcp ESTABLISHED  rtt 52us (var 26us)  cwnd 10 (mss 1448)  "
	    "retrans 3  unacked 1  lost 0\n"
	    "kernel send-q 0 B  recv-q 6 B   ours: to write 2.0 KiB  partial "
	    "frame 0 B   READING PAUSED\n"
	    "connected in 500us  age 2.0s  last byte 1.0s ago");
	/* A Unix socket's peer process, TLS, a closed socket. */
	ci.cred_pid = 42;
	ci.cred_uid = 1000;
	ci.cred_gid = 100;
	ci.read_paused = 0;
	snprintf(ti.version, sizeof(ti.version), "TLSv1.3");
	snprintf(ti.cipher, sizeof(ti.cipher), "TLS_AES_256_GCM_SHA384");
	snprintf(ti.subject, sizeof(ti.subject), "CN=localhost");
	snprintf(ti.issuer, sizeof(ti.issuer), "CN=localhost");
	snprintf(ti.not_after, sizeof(ti.not_after), "2027-01-01 00:00:00 UTC");
	ti.handshake_s = 0.0012;
	ti.done = 1;
	ti.verified = 1;
	ci.tls = &ti;
	buf_reset(&b);
	n = ui_details_render(&ci, NULL, 12, &b);
	buf_append(&b, "", 1);
	assert_int_equal(n, 5);
	assert_string_equal((char *)buf_data(&b),
	    "socket: closed\n"
	    "peer process pid 42 uid 1000 gid 100 (SO_PEERCRED)\n"
	    "tls TLSv1.3 TLS_AES_256_GCM_SHA384  alpn -  handshake 1.2ms  "
	    "verified\n"
	    "    peer cert expires 2027-01-01 00:00:00 UTC  subject "
	    "CN=localhost  issuer CN=localhost\n"
	    "connected in 500us  age 2.0s  last byte 1.0s ago");
	buf_free(&b);
}

/* Feed one message of a connection to the model. */
static void
feed(struct ui_model *m, struct conn_info *ci, int out, const char *s,
    double t)
{
	struct codec_frame f = { .frame = (const unsigned char *)s,
	    .frame_len = strlen(s) };
	struct obs_event ev = { .kind = OBS_MSG, .out = out, .frame = &f };

	ui_model_event(m, ci, &ev, t);
}

static void
transcript_lists_every_kept_line_with_times_and_sizes(void **state)
{
	struct ui_model m;
	struct conn_info ci;
	struct obs_event ev = { .kind = OBS_OPENED };
	struct buf b;
	const char *text;

	(void)state;
	ui_model_init(&m);
	memset(&ci, 0, sizeof(ci));
	ci.id = 7;
	ci.side = SIDE_CLIENT;
	ci.state = CS_OPEN;
	ci.codec = codec_find("line");
	ci.t_start = 100;
	snprintf(ci.local, sizeof(ci.local), "127.0.0.1:5000");
	snprintf(ci.peer, sizeof(ci.peer), "127.0.0.1:7000");
	ui_model_event(&m, &ci, &ev, 100);
	feed(&m, &ci, 1, "ping\n", 100.5);
	feed(&m, &ci, 0, "pong\n", 100.75);
	ui_model_add_note(&m, 7, 101, "FIN sent from the dashboard");
	buf_init(&b);
	ui_files_transcript_text(ui_model_find(&m, 7), 0, &b);
	buf_append(&b, "", 1);
	text = (const char *)buf_data(&b);
	assert_non_null(strstr(text, "# sockbench transcript of connection #7 "
	    "(client side)\n# local 127.0.0.1:5000  peer 127.0.0.1:7000  "
	    "codec line\n"));
	assert_non_null(strstr(text, "# 3 entries kept\n"));
	assert_non_null(strstr(text, "    +0.500000 -> 5 bytes ping\n"));
	assert_non_null(strstr(text, "    +0.750000 <- 5 bytes pong\n"));
	assert_non_null(strstr(text, "    +1.000000 -- FIN sent from the "
	    "dashboard\n"));
	buf_free(&b);
	ui_model_free(&m);
}

/* A dashboard state with no terminal and an idle engine; lat set makes it
 * bench --ui's. */
static struct ui *
new_ui(const struct hist *lat)
{
	struct ui *u = calloc(1, sizeof(*u));

	assert_non_null(u);
	u->e = engine_new(NULL);
	u->lat = lat;
	u->title = "test";
	ui_model_init(&u->m);
	return u;
}

static void
free_ui(struct ui *u)
{
	ui_model_free(&u->m);
	engine_free(u->e);
	free(u);
}

static void
keys_toggle_views_and_edit_the_send_line(void **state)
{
	struct ui *u = new_ui(NULL);

	(void)state;
	ui_keys_dispatch(u, 't');
	assert_int_equal(u->tsmode, UI_TS_RELATIVE);
	ui_keys_dispatch(u, 't');
	ui_keys_dispatch(u, 't');
	assert_int_equal(u->tsmode, UI_TS_ABSOLUTE);
	ui_keys_dispatch(u, 'd');
	assert_true(u->details);
	/* No connection selected: i says so and opens nothing. */
	ui_keys_dispatch(u, 'i');
	assert_false(u->sending);
	assert_string_equal(u->status, "no connection selected");
	/* The send line's own keys, once open. */
	u->sending = true;
	assert_int_equal(ui_keys_mode(u), UI_KEYS_SEND);
	ui_keys_dispatch(u, 'q');	/* typed, not quit */
	ui_keys_dispatch(u, 'x');
	ui_keys_dispatch(u, KEY_BACKSPACE);
	ui_keys_dispatch(u, 0xc3);
	ui_keys_dispatch(u, 0xa9);	/* e-acute, two bytes */
	assert_string_equal(u->send_buf, "q\xc3\xa9");
	ui_keys_dispatch(u, 127);	/* one character, both bytes */
	assert_string_equal(u->send_buf, "q");
	assert_false(u->quit);
	ui_keys_dispatch(u, 27);	/* Esc closes the line */
	assert_false(u->sending);
	assert_string_equal(u->send_buf, "");
	free_ui(u);
}

static void
bench_ui_refuses_the_send_line_and_hides_its_hint(void **state)
{
	struct hist *lat = calloc(1, 4096);
	struct ui *u = new_ui(lat);
	char hints[512];
	long arg;
	const struct ui_keys_row *row = ui_keys_find(UI_KEYS_VIEW, 'i', &arg);

	(void)state;
	assert_non_null(row);
	assert_false(ui_keys_row_works(u, row));
	ui_keys_hints_for(u, UI_KEYS_VIEW, INT_MAX, "  ", hints,
	    sizeof(hints));
	assert_null(strstr(hints, "i send"));
	ui_keys_dispatch(u, 'i');
	assert_false(u->sending);
	assert_non_null(strstr(u->status, "bench --ui"));
	/* serve --ui (no runner, no load generator) has it. */
	u->lat = NULL;
	assert_true(ui_keys_row_works(u, row));
	free_ui(u);
	free(lat);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(text_is_one_message_of_the_codec),
		cmocka_unit_test(http_method_and_path_become_a_request_with_host),
		cmocka_unit_test(escapes_and_hex_give_exact_bytes),
		cmocka_unit_test(bad_lines_are_refused_with_the_reason),
		cmocka_unit_test(stamps_absolute_relative_delta),
		cmocka_unit_test(details_name_tcp_info_queues_peer_and_tls),
		cmocka_unit_test(transcript_lists_every_kept_line_with_times_and_sizes),
		cmocka_unit_test(keys_toggle_views_and_edit_the_send_line),
		cmocka_unit_test(bench_ui_refuses_the_send_line_and_hides_its_hint),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
