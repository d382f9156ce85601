/* Table-driven tests of malformed scenarios: each must be rejected with a
 * "file:line:col: expected X, got Y" message naming the right place. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "scenario.h"

/* One malformed input and what its error must say. */
struct bad_case {
	const char	*what;		/* the behaviour pinned */
	const char	*text;
	size_t		 len;		/* 0: strlen(text) */
	const char	*msg;		/* substring of the error */
	unsigned	 line;
	unsigned	 col;		/* 0: not checked */
	const char	*hint;		/* substring of the hint, or NULL */
};

static const struct bad_case bad_cases[] = {
	{ "unknown directive suggests the nearest", "send \"a\"\nsned \"b\"\n",
	    0, "expected a directive, got 'sned'", 2, 1, "did you mean 'send'" },
	{ "unknown directive far from all lists them", "frobnicate\n", 0,
	    "expected a directive, got 'frobnicate'", 1, 1, "known: name" },
	{ "bad escape", "send \"ab\\qc\"\n", 0,
	    "expected an escape sequence, got '\\qc\"'", 1, 9, "\\xNN" },
	{ "bad \\x escape", "send \"\\xZ1\"\n", 0,
	    "expected \\xNN with two hex digits", 1, 7, NULL },
	{ "surrogate \\u escape", "send \"\\u{D800}\"\n", 0,
	    "expected \\u{HEX} with a valid code point", 1, 7, NULL },
	{ "unterminated string", "\n\nexpect \"abc\n", 0,
	    "expected '\"' to end the string, got end of line", 3, 12,
	    "column 8" },
	{ "bad hex digit", "send hex \"de ag\"\n", 0,
	    "expected a second hex digit, got 'g\"'", 1, 15, NULL },
	{ "odd hex digit count", "send hex \"abc\"\n", 0,
	    "expected a second hex digit", 1, 14, NULL },
	{ "non-hex character", "expect hex \"zz\"\n", 0,
	    "expected a hex digit, got 'zz\"'", 1, 13, NULL },
	{ "invalid JSON reports its position",
	    "send json {\"a\": tru}\n", 0, "expected valid JSON", 1, 17,
	    NULL },
	{ "unclosed JSON", "send json {\"a\": 1\n", 0,
	    "expected '}' to close the JSON value", 1, 18, "same line" },
	{ "JSON header must be an object",
	    "send \"a\" header [1]\n", 0, "expected a JSON object", 1, 17,
	    NULL },
	{ "huge repeat count", "repeat 99999999999999999999999\nend\n", 0,
	    "expected a repeat count of at most 1000000000", 1, 8, NULL },
	{ "huge connection count", "connections 18446744073709551616\n",
	    0, "expected a connection count of at most 1000000", 1, 13, NULL },
	{ "huge length", "expect length 99999999999\n", 0,
	    "expected a length in bytes of at most", 1, 15, NULL },
	{ "huge duration", "wait 1e999s\n", 0, "expected a duration, got "
	    "'1e999s'", 1, 6, "one week" },
	{ "overlong duration", "wait 99999999999999s\n", 0,
	    "expected a duration", 1, 6, NULL },
	{ "NUL byte", "send \"a\"\nsend \"b\0c\"\n", 21,
	    "expected text, got a NUL byte", 2, 8, "\\xNN" },
	{ "binary garbage", "send \"a\"\n\x01\x02\x03\n", 0,
	    "expected text, got control byte 0x01", 2, 1, NULL },
	{ "invalid UTF-8", "send \"\xff\xfe\"\n", 0,
	    "expected UTF-8 text, got byte 0xff", 1, 7, NULL },
	{ "CRLF line numbers stay right", "send \"a\"\r\nsend \"b\r\n", 0,
	    "expected '\"' to end the string", 2, 8, NULL },
	{ "missing final newline with error on last line",
	    "send \"a\"\nexpect \"b", 0, "expected '\"' to end the string", 2,
	    10, NULL },
	{ "unclosed repeat at end of file names the opening line",
	    "send \"a\"\nrepeat 3\n  send \"b\"\n", 0,
	    "expected 'end' for the 'repeat' opened here, got end of file", 2,
	    1, "add 'end'" },
	{ "unclosed merge in CRLF file without final newline",
	    "merge\r\n  send \"b\"", 0, "expected 'end' for the 'merge'", 1, 1,
	    NULL },
	{ "stray end", "send \"a\"\nend\n", 0,
	    "got 'end' without an open block", 2, 1, "repeat" },
	{ "empty merge", "merge\nend\n", 0, "expected a send inside merge", 2,
	    1, NULL },
	{ "non-send inside merge", "merge\n send \"a\"\n wait 1s\nend\n", 0,
	    "expected 'send' or 'end' inside merge, got 'wait'", 3, 2,
	    "line 1" },
	{ "nesting bounded", "repeat 1\nrepeat 1\nrepeat 1\nrepeat 1\n"
	    "repeat 1\nrepeat 1\nrepeat 1\nrepeat 1\nrepeat 1\n", 0,
	    "expected 'end', got another 'repeat'", 9, 1, "8 deep" },
	{ "unknown codec", "codec jsonhrd\n", 0,
	    "expected a codec name, got 'jsonhrd'", 1, 7, "jsonhdr" },
	{ "unknown service", "service ecko\n", 0,
	    "expected a service name, got 'ecko'", 1, 9, "did you mean 'echo'" },
	{ "option of another service", "service echo root /tmp\n", 0,
	    "expected an option of service echo, got 'root'", 1, 14, NULL },
	{ "file service needs a root", "service file\n", 0,
	    "expected 'root DIR' for service file", 1, 13, NULL },
	{ "duplicate setting", "codec raw\ncodec line\n", 0,
	    "expected one 'codec' line, got a second", 2, 1, "line 1" },
	{ "unknown expect kind", "expect regx \"a\"\n", 0,
	    "expected \"text\" or an expect kind, got 'regx'", 1, 8,
	    "did you mean 'regex'" },
	{ "bad regex", "expect regex \"a(b\"\n", 0,
	    "expected a valid regex", 1, 14, "POSIX" },
	{ "undefined variable", "send \"x ${tokn}\"\n", 0,
	    "expected a variable set on every path before this line, got "
	    "'${tokn}'", 1, 9, "capture tokn" },
	{ "set without a blank before the expression", "set x=5\n", 0,
	    "expected a blank between the name and the expression, got '='", 1,
	    6, "as in: set x 5" },
	{ "set without an expression", "set x\n", 0,
	    "expected an expression after the name, got end of line", 1, 6,
	    "set n 5" },
	{ "set with a broken expression", "set x 1 +\n", 0,
	    "expected a value (a number, a \"string\", a name or a call), got "
	    "end of expression", 1, 10, "operators" },
	{ "set of a built-in", "set conn 5\n", 0,
	    "expected a variable name, got 'conn'", 1, 5, NULL },
	{ "expression reads an unset name", "set x y + 1\n", 0,
	    "expected a variable set on every path before this line, got 'y'",
	    1, 7, "set 'y'" },
	{ "a name set in one branch only", "if conn > 1\nset a 1\nelse\nset b "
	    "2\nend\nsend \"${a}\"\n", 0, "got '${a}'", 6, 7,
	    "both branches" },
	{ "a name set in a loop that may not run", "repeat 0\nset a 1\nend\n"
	    "send \"${a}\"\n", 0, "got '${a}'", 4, 7, NULL },
	{ "an expression placeholder reads an unset name",
	    "send \"${n + 1}\"\n", 0, "got 'n'", 1, 9, NULL },
	{ "a broken expression placeholder", "send \"${1 +}\"\n", 0,
	    "in '${...}' at offset 3", 1, 7, NULL },
	{ "break outside a loop", "break\n", 0,
	    "expected 'break' only inside a repeat", 1, 1, NULL },
	{ "else outside an if", "repeat 2\nelse\nend\n", 0,
	    "expected 'else' only inside an if", 2, 1, NULL },
	{ "two elses", "if 1\nelse\nelse\nend\n", 0,
	    "expected 'end', got a second 'else'", 3, 1, NULL },
	{ "if without end", "if 1\nsend \"a\"\n", 0,
	    "expected 'end' for the 'if' opened here", 1, 1, NULL },
	{ "repeat until without a condition", "repeat until\nend\n", 0,
	    "expected a condition, got end of line", 1, 13, NULL },
	{ "repeat until reads a name never set", "repeat until done\nend\n",
	    0, "got 'done'", 1, 14, NULL },
	{ "repeat until max 0", "repeat until 1 max 0\nend\n", 0,
	    "expected at least 1 round, got 0", 1, 20, NULL },
	{ "uniform wait the wrong way round", "wait uniform 50ms 10ms\n", 0,
	    "expected the longest duration after the shortest", 1, 6, NULL },
	{ "threshold latency needs a duration", "assert latency p99 < fast\n",
	    0, "expected a duration, got 'fast'", 1, 22, "p99 < 5ms" },
	{ "threshold percent needs %", "assert passed >= 99\n", 0,
	    "expected a percentage from 0% to 100%, got '99'", 1, 18, NULL },
	{ "threshold of an unknown metric", "assert latncy p99 < 1ms\n", 0,
	    "expected a metric (latency, errors, passed, failed), got "
	    "'latncy'", 1, 8, "did you mean 'latency'" },
	{ "threshold percentile", "assert latency q99 < 1ms\n", 0,
	    "expected a percentile, got 'q99'", 1, 16, "p99.9" },
	{ "threshold comparison", "assert errors = 0\n", 0,
	    "expected a comparison, got '='", 1, 15, NULL },
	{ "data file that is not there", "data /nonexistent/d.csv\n", 0,
	    "expected a readable data file", 1, 6, NULL },
	{ "a step after finally", "send \"a\"\nfinally\nend\nsend \"b\"\n", 0,
	    "expected no step after 'finally ... end', got 'send'", 4, 1,
	    "line 2" },
	{ "finally inside a block", "repeat 2\nfinally\nend\nend\n", 0,
	    "expected 'finally' outside every block", 2, 1, NULL },
	{ "two finally blocks", "finally\nend\nfinally\nend\n", 0,
	    "expected one finally block, got a second", 3, 1, "line 1" },
	{ "within of zero", "expect \"a\" within 0\n", 0,
	    "expected a positive duration after within", 1, 12, NULL },
	{ "call of an unknown block", "call nothere\n", 0,
	    "expected the name of a define above, got 'nothere'", 1, 6, NULL },
	{ "recursive call", "define a\ncall a\nend\ncall a\n", 0,
	    "got a recursive call of 'a'", 2, 6, NULL },
	{ "too many arguments", "define f(x)\nsend \"${x}\"\nend\n"
	    "call f(1, 2)\n", 0, "expected 1 argument to f, got more", 4, 11,
	    NULL },
	{ "too few arguments", "define f(x, y)\nsend \"${x}${y}\"\nend\n"
	    "call f(1)\n", 0, "expected 2 arguments to f, got 1", 4, 6, NULL },
	{ "a define body reads a name never set",
	    "define f(x)\nsend \"${y}\"\nend\ncall f(1)\n", 0, "got '${y}'",
	    2, 7, NULL },
	{ "define without end", "define f\nsend \"a\"\n", 0,
	    "expected 'end' for the define of 'f' opened here", 1, 1, NULL },
	{ "define inside a block", "repeat 2\ndefine f\nend\nend\n", 0,
	    "expected 'define' outside every block", 2, 1, NULL },
	{ "define twice", "define f\nend\ndefine f\nend\n", 0,
	    "got 'f' a second time", 3, 8, NULL },
	{ "include of a missing file", "include /nonexistent/x.txt\n", 0,
	    "expected a readable file, got '/nonexistent/x.txt'", 1, 9, NULL },
	{ "an expect set needs a framing codec", "expect one of\nexpect "
	    "\"a\"\nend\n", 0, "expected a codec with message boundaries "
	    "for an expect set, got codec raw", 1, 1, NULL },
	{ "an empty expect set", "codec line\nexpect any order\nend\n", 0,
	    "expected an expect inside the set, got 'end'", 3, 1, NULL },
	{ "a word after an expect set that is not timeout", "codec line\n"
	    "expect any order max\n  expect \"a\"\nend\n", 0,
	    "expected 'timeout D' or end of line, got 'max'", 2, 18, NULL },
	{ "a send inside an expect set", "codec line\nexpect one of\n"
	    "send \"a\"\nend\n", 0, "expected 'expect', 'capture' or 'end' "
	    "inside the set, got 'send'", 3, 1, NULL },
	{ "a capture before any alternative", "codec line\nexpect one of\n"
	    "capture x regex \"a\"\nend\n", 0, "expected an 'expect' first in "
	    "the set, got 'capture'", 3, 1, NULL },
	{ "a name captured in one branch of one of", "codec line\nexpect one "
	    "of\nexpect \"a\"\ncapture x regex \"(a)\"\nexpect \"b\"\nend\n"
	    "send \"${x}\"\n", 0, "got '${x}'", 7, 7, NULL },
	{ "optional on expect close", "expect close optional\n", 0,
	    "expected no 'optional' here, got one", 1, 14, NULL },
	{ "optional inside an expect set", "codec line\nexpect one of\n"
	    "expect \"a\" optional\nend\n", 0, "expected no 'optional' here",
	    3, 12, NULL },
	{ "row without a data file", "send \"${row.user}\"\n", 0,
	    "expected a column of the data file, got '${row.user}'", 1, 7,
	    "data FILE.csv" },
	{ "variable used before its capture",
	    "send \"${id}\"\ncapture id json a\n", 0,
	    "got '${id}'", 1, 7, NULL },
	{ "unclosed placeholder", "send \"${conn\"\n", 0,
	    "expected '}' to close the placeholder", 1, 7, NULL },
	{ "rand needs a count", "send \"${rand}\"\n", 0,
	    "expected '${rand:N}' with a count", 1, 7, NULL },
	{ "trailing junk", "close now\n", 0,
	    "expected end of line after close, got 'now'", 1, 7, NULL },
	{ "delay without chunk", "send \"a\" delay 1s\n", 0,
	    "expected 'chunk K' with 'delay'", 1, 18, NULL },
	{ "header on raw send", "send raw \"a\" header {}\n", 0,
	    "expected no header on send raw", 1, 14, NULL },
	{ "step after close", "close\nsend \"a\"\n", 0,
	    "expected no step after 'close', got 'send'", 2, 1, "line 1" },
	{ "missing send file", "send file no/such/file.bin\n", 0,
	    "expected a readable file, got 'no/such/file.bin'", 1, 11, NULL },
	{ "backreference refused: its matching time is exponential",
	    "expect regex \"(a*)(a*)\\\\2\\\\1c\"\n", 0,
	    "expected a regex without backreferences, got a backreference "
	    "'\\2' at offset 8", 1, 14, "exponential" },
	{ "backreference refused in a capture too",
	    "capture x regex \"(a)\\\\1\"\n", 0,
	    "expected a regex without backreferences", 1, 17, "event loop" },
	{ "an escaped backslash before a digit is no backreference",
	    "expect regex \"a\\\\\\\\1(\"\n", 0,
	    "expected a valid regex", 1, 14, NULL },
	{ "send file of a device is refused before any read",
	    "send file /dev/null\n", 0,
	    "(not a regular file: a character device", 1, 11, NULL },
	{ "send file of a directory",
	    "send file /\n", 0, "(not a regular file: a directory)", 1, 11,
	    NULL },
	{ "bad capture name", "capture 9x regex \"a\"\n", 0,
	    "expected a variable name, got '9x'", 1, 9, NULL },
	{ "bad capture path", "capture x json a..b\n", 0,
	    "expected a dotted path, got 'a..b'", 1, 16, NULL },
	{ "zero connections", "connections 0\n", 0,
	    "at least 1, got 0", 1, 0, NULL },
	{ "bad max-frame", "max-frame 5X\n", 0,
	    "expected a frame size, got '5X'", 1, 11, NULL },
	{ "column counts characters not bytes", "send \"服务\" bogus\n", 0,
	    "expected a send option or end of line, got 'bogus'", 1, 11, NULL },
};

/* Every malformed input fails with its message, line, column and hint. */
static void
test_malformed_inputs_report_line_column_and_hint(void **state)
{
	struct scenario *sc;
	char err[1024];
	unsigned line, col;
	size_t i;
	int bad = 0;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		size_t len = c->len ? c->len : strlen(c->text);

		err[0] = '\0';
		sc = scenario_parse("t.txt", c->text, len, err, sizeof(err));
		if (sc != NULL) {
			scenario_free(sc);
			print_error("%s: parsed but should fail\n", c->what);
			bad++;
			continue;
		}
		if (strstr(err, c->msg) == NULL) {
			print_error("%s: message\n%s\nlacks '%s'\n", c->what, err,
			    c->msg);
			bad++;
		}
		if (sscanf(err, "t.txt:%u:%u:", &line, &col) != 2) {
			print_error("%s: no file:line:col in '%s'\n", c->what, err);
			bad++;
			continue;
		}
		if (line != c->line) {
			print_error("%s: line %u, want %u (%s)\n", c->what, line,
			    c->line, err);
			bad++;
		}
		if (c->col != 0 && col != c->col) {
			print_error("%s: column %u, want %u (%s)\n", c->what, col,
			    c->col, err);
			bad++;
		}
		if (c->hint != NULL && (strstr(err, "\nhint: ") == NULL ||
		    strstr(strstr(err, "\nhint: "), c->hint) == NULL)) {
			print_error("%s: hint in\n%s\nlacks '%s'\n", c->what, err,
			    c->hint);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* A file over the size bound and a line over the line bound fail early. */
static void
test_size_bounds_are_enforced(void **state)
{
	struct scenario *sc;
	char err[512], *big;
	size_t n = SCENARIO_MAX_LINE + 16;

	(void)state;
	big = malloc(n + 32);
	assert_non_null(big);
	memcpy(big, "send \"a\"\n# ", 11);
	memset(big + 11, 'x', n);
	big[n + 11] = '\n';
	sc = scenario_parse("t.txt", big, n + 12, err, sizeof(err));
	assert_null(sc);
	assert_non_null(strstr(err, "t.txt:2:1: expected a line of at most"));
	free(big);
	sc = scenario_parse("t.txt", "", (size_t)SCENARIO_MAX_FILE + 1, err,
	    sizeof(err));
	assert_null(sc);
	assert_non_null(strstr(err, "t.txt:1:1: expected at most"));
}

/* Truncating a valid scenario anywhere never crashes the parser. */
static void
test_every_truncated_prefix_parses_or_fails_cleanly(void **state)
{
	static const char text[] = "name \"x\"\ncodec jsonhdr\n"
	    "repeat 2\n merge\n  send json {\"a\": \"${conn}\"} header {}\n"
	    "  send hex \"00ff\"\n end\nend\nexpect header {\"b\": [1, 2]}\n"
	    "capture v json a.0\nexpect regex \"^a+\" timeout 1s\n"
	    "send \"\\u{1F430}${v}\" chunk 2 delay 1ms\nexpect nothing 5ms\n";
	struct scenario *sc;
	char err[1024], *copy;
	size_t n;

	(void)state;
	for (n = 0; n <= sizeof(text) - 1; n++) {
		copy = malloc(n + 1);
		assert_non_null(copy);
		memcpy(copy, text, n);
		sc = scenario_parse("t.txt", copy, n, err, sizeof(err));
		if (sc == NULL)
			assert_non_null(strstr(err, ": expected "));
		scenario_free(sc);
		free(copy);
	}
	sc = scenario_parse("t.txt", text, sizeof(text) - 1, err, sizeof(err));
	if (sc == NULL)
		fail_msg("%s", err);
	scenario_free(sc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_malformed_inputs_report_line_column_and_hint),
		cmocka_unit_test(test_size_bounds_are_enforced),
		cmocka_unit_test(test_every_truncated_prefix_parses_or_fails_cleanly),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
