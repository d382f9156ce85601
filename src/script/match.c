/* Expect matching, captures, and the mismatch reports users read. */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cJSON.h>
#include "clock.h"
#include "lex.h"
#include "fields.h"
#include "match.h"
#include "pack.h"
#include "util.h"

#define MATCH_SHOW	48	/* bytes shown around a difference */

/* What the last failure report showed, as data (match_last_detail). */
static struct {
	struct buf	 expected, received;
	int		 has_expected, has_received;
	size_t		 diff;
	char		 field[128];	/* a field expect's field, or "" */
	int		 fresh;		/* a report started since the last
					   match_last_detail */
	int		 hex;		/* the step was an `expect hex` */
} match_last;

/* Forget the last report's data: a new report starts. */
static void
detail_reset(void)
{
	buf_reset(&match_last.expected);
	buf_reset(&match_last.received);
	match_last.has_expected = match_last.has_received = 0;
	match_last.diff = SIZE_MAX;
	match_last.field[0] = '\0';
	match_last.fresh = 1;
	match_last.hex = 0;
}

void
match_last_detail(struct match_detail *d)
{
	if (!match_last.fresh) {
		/* No report since the last read: nothing compared (a
		 * refused connect, a protocol error), never stale data. */
		memset(d, 0, sizeof(*d));
		d->diff_offset = SIZE_MAX;
		return;
	}
	match_last.fresh = 0;
	d->expected = match_last.has_expected ?
	    buf_data(&match_last.expected) : NULL;
	d->expected_len = buf_len(&match_last.expected);
	d->received = match_last.has_received ?
	    buf_data(&match_last.received) : NULL;
	d->received_len = buf_len(&match_last.received);
	d->diff_offset = match_last.diff;
	d->field = match_last.field[0] != '\0' ? match_last.field : NULL;
	d->hex = match_last.hex;
}

/* Start a report with the step's line and kind. */
static void
report_head(struct buf *why, const struct step *st, const char *what)
{
	detail_reset();
	match_last.hex = st->u.expect.kind == EXPECT_HEX;
	buf_printf(why, "line %u: expect %s: %s", st->line,
	    st->u.expect.field != NULL ? st->u.expect.field->label :
	    expect_kind_name(st->u.expect.kind), what);
}

/* Append "  LABEL N bytes: "text"" and a hex line, from byte off. */
static void
report_bytes(struct buf *why, const char *label, const unsigned char *p,
    size_t n, size_t off)
{
	char esc[MATCH_SHOW * 4 + 8], hex[MATCH_SHOW * 3 + 1];
	size_t show;

	if (p == NULL)
		p = (const unsigned char *)"";
	if (strcmp(label, "expected") == 0 && !match_last.has_expected) {
		match_last.has_expected = 1;
		buf_append(&match_last.expected, p, n < MATCH_DETAIL_MAX ? n :
		    MATCH_DETAIL_MAX);
	} else if (strcmp(label, "received") == 0 &&
	    !match_last.has_received) {
		match_last.has_received = 1;
		buf_append(&match_last.received, p, n < MATCH_DETAIL_MAX ? n :
		    MATCH_DETAIL_MAX);
	}
	if (off > n)
		off = n;
	show = n - off < MATCH_SHOW ? n - off : MATCH_SHOW;
	/* Binary bytes that happen to be valid UTF-8 (de ad) show as \xNN,
	 * as everything does under an `expect hex`; text stays text. */
	escape_bytes(p + off, show, esc, sizeof(esc), !match_last.hex &&
	    !bytes_look_binary(p, n));
	buf_printf(why, "\n  %s %zu bytes: %s\"%s\"%s", label, n,
	    off > 0 ? "..." : "", esc, off + show < n ? "..." : "");
	hex_bytes(p + off, show, hex, sizeof(hex));
	buf_printf(why, "\n  %s hex @%zu: %s%s", label, off, hex,
	    off + show < n ? " ..." : "");
}

/* Offset of the first byte where a and b differ (the shorter length if
 * one is a prefix of the other). */
static size_t
first_diff(const unsigned char *a, size_t an, const unsigned char *b,
    size_t bn)
{
	size_t i, m = an < bn ? an : bn;

	for (i = 0; i < m; i++)
		if (a[i] != b[i])
			break;
	return i;
}

/* Describe one byte at p[i] of an n-byte message, or its end. */
static void
byte_desc(const unsigned char *p, size_t n, size_t i, char *out,
    size_t outlen)
{
	if (i >= n)
		snprintf(out, outlen, "end of data");
	else if (p[i] >= 0x20 && p[i] < 0x7f)
		snprintf(out, outlen, "0x%02x '%c'", p[i], p[i]);
	else
		snprintf(out, outlen, "0x%02x", p[i]);
}

/* Write the report for an exact mismatch of want against got. */
static void
report_diff(struct buf *why, const struct step *st, const unsigned char *want,
    size_t wn, const unsigned char *got, size_t gn)
{
	size_t d = first_diff(want, wn, got, gn), from;
	char wb[24], gb[24], msg[160];

	byte_desc(want, wn, d, wb, sizeof(wb));
	byte_desc(got, gn, d, gb, sizeof(gb));
	snprintf(msg, sizeof(msg), "first difference at byte %zu: expected "
	    "%s, got %s", d, wb, gb);
	report_head(why, st, msg);
	match_last.diff = d;
	from = d > 16 ? d - 16 : 0;
	report_bytes(why, "expected", want, wn, from);
	report_bytes(why, "received", got, gn, from);
}

/* Render the step's expected bytes into b; on failure write a report. */
static int
render_want(const struct step *st, struct vars *vars, struct buf *b,
    struct buf *why)
{
	char err[256];

	if (tmpl_render(st->u.expect.bytes, vars, b, err, sizeof(err)) == 0)
		return 0;
	report_head(why, st, err);
	return -1;
}

/* One regexec over str[0..n) (NUL-terminated); 0 on a match, as regexec.
 * m has room for at least one match even when nm is 0 (no positions
 * wanted, which lets glibc stop at the first match it finds). */
static int
regex_exec(const regex_t *re, const char *str, size_t n, regmatch_t *m,
    size_t nm)
{
#ifdef REG_STARTEND
	m[0].rm_so = 0;
	m[0].rm_eo = (regoff_t)n;
	return regexec(re, str, nm, m, REG_STARTEND);
#else
	(void)n;
	return regexec(re, str, nm, m, 0);
#endif
}

/* regexec in a child process, waited for at most MATCH_REGEX_BUDGET_MS:
 * glibc's regexec cannot be interrupted and is super-linear in the input
 * for some patterns without backreferences ("(.*)(.*)(.*)c" takes 1.6 s on
 * 20 KB), so past MATCH_REGEX_INLINE bytes it runs where it can be killed.
 * 1 match, 0 no match, -1 over the budget or no child could be made. */
static int
regex_run_bounded(const regex_t *re, const char *str, size_t n,
    regmatch_t *m, size_t nm)
{
	struct { int rc; regmatch_t m[MATCH_REGEX_MAX_GROUPS]; } res;
	struct pollfd pfd;
	double deadline = clock_now_mono() + MATCH_REGEX_BUDGET_MS / 1e3, left;
	size_t got = 0;
	ssize_t r;
	pid_t pid;
	int fds[2];

	assert(nm <= MATCH_REGEX_MAX_GROUPS);
	if (pipe2(fds, O_CLOEXEC) == -1)
		return -1;
	if ((pid = fork()) == -1) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		close(fds[0]);
		memset(&res, 0, sizeof(res));
		memcpy(res.m, m, nm * sizeof(*m));
		res.rc = regex_exec(re, str, n, res.m, nm);
		r = write(fds[1], &res, sizeof(res));
		_exit(r == (ssize_t)sizeof(res) ? 0 : 1);
	}
	close(fds[1]);
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	while (got < sizeof(res) && (left = deadline - clock_now_mono()) > 0) {
		int pr = poll(&pfd, 1, (int)(left * 1e3) + 1);

		if (pr == -1 && errno == EINTR)
			continue;	/* a signal: the loop sees it soon */
		if (pr <= 0)
			break;
		r = read(fds[0], (char *)&res + got, sizeof(res) - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fds[0]);
	if (got < sizeof(res))
		kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
		;
	if (got < sizeof(res))
		return -1;
	memcpy(m, res.m, nm * sizeof(*m));
	return res.rc == 0;
}

/* Run the step's regex over p[0..n): 1 if it matches, 0 if not, -1 if
 * matching took over MATCH_REGEX_BUDGET_MS (the pattern is super-linear
 * on this input) or could not be run. */
static int
regex_run(const regex_t *re, const unsigned char *p, size_t n,
    regmatch_t *m, size_t nm)
{
	char small[512];
	struct buf b;
	int rc;

	/* A short message is copied to the stack: no allocation per match. */
	if (n < sizeof(small) && n <= MATCH_REGEX_INLINE) {
		if (n > 0)
			memcpy(small, p, n);
		small[n] = '\0';
		return regex_exec(re, small, n, m, nm) == 0;
	}
	buf_init(&b);
	buf_append(&b, p, n);
	buf_append(&b, "", 1);
	if (n <= MATCH_REGEX_INLINE)
		rc = regex_exec(re, (const char *)buf_data(&b), n, m, nm) == 0;
	else
		rc = regex_run_bounded(re, (const char *)buf_data(&b), n, m,
		    nm);
	buf_free(&b);
	return rc;
}

/* The report for a regex that ran out of its time budget. */
static void
report_regex_slow(struct buf *why, const struct step *st, size_t n)
{
	char text[300];

	snprintf(text, sizeof(text), "matching the pattern against %zu bytes "
	    "took over %dms and was stopped: glibc's regexec is super-linear "
	    "for this pattern; anchor it or avoid several .* groups", n,
	    MATCH_REGEX_BUDGET_MS);
	report_head(why, st, text);
}

/* The compiled pattern of a regex expect or capture: the literal one lit,
 * or, for a pattern with ${...} (rx), its text rendered from vars, checked
 * like a literal pattern at parse time (lex_regex_bounded) and compiled
 * when it differs from the text rx compiled last. NULL with "runtime
 * error: ..." in err (NUL-terminated); written is the pattern as written,
 * for messages. */
const regex_t *
step_regex(struct step_regex *rx, const regex_t *lit, const char *written,
    struct vars *vars, struct buf *err)
{
	char msg[256], w[MATCH_SHOW * 4 + 8], r[MATCH_SHOW * 4 + 8];
	const char *text;
	struct buf b;
	int rc;

	if (rx == NULL)
		return lit;
	escape_bytes((const unsigned char *)written, strlen(written), w,
	    sizeof(w), 1);
	buf_init(&b);
	if (tmpl_render_regex(rx->t, vars, rx->raw, &b, msg,
	    sizeof(msg)) == -1) {
		buf_printf(err, "runtime error: the pattern /%s/ cannot be "
		    "rendered: %s", w, msg);
		buf_append(err, "", 1);
		buf_free(&b);
		return NULL;
	}
	if (buf_len(&b) > MATCH_REGEX_MAX_PATTERN) {
		buf_printf(err, "runtime error: the pattern /%s/ rendered to "
		    "%zu bytes (at most %d)", w, buf_len(&b),
		    MATCH_REGEX_MAX_PATTERN);
		buf_append(err, "", 1);
		buf_free(&b);
		return NULL;
	}
	buf_append(&b, "", 1);
	text = (const char *)buf_data(&b);
	if (rx->text != NULL && strcmp(rx->text, text) == 0) {
		buf_free(&b);
		return &rx->re;		/* compiled for this text already */
	}
	escape_bytes((const unsigned char *)text, strlen(text), r, sizeof(r),
	    1);
	if ((rc = lex_regex_bounded(text, msg, sizeof(msg))) != 0) {
		buf_printf(err, "runtime error: the pattern /%s/ rendered to "
		    "/%s/, which is refused: %s (%s)", w, r, msg, rc == -2 ?
		    "backreferences take time exponential in the input" :
		    "one of * + ? {n,m} per atom; group with ( ) to repeat a "
		    "repetition");
		buf_append(err, "", 1);
		buf_free(&b);
		return NULL;
	}
	if (rx->text != NULL) {
		regfree(&rx->re);
		free(rx->text);
		rx->text = NULL;
	}
	if ((rc = regcomp(&rx->re, text, REG_EXTENDED)) != 0) {
		regerror(rc, &rx->re, msg, sizeof(msg));
		buf_printf(err, "runtime error: the pattern /%s/ rendered to "
		    "/%s/, which is not a valid POSIX extended regex: %s%s", w,
		    r, msg, rx->raw ? "" : " (values are escaped; the pattern "
		    "around them is at fault)");
		buf_append(err, "", 1);
		buf_free(&b);
		return NULL;
	}
	rx->text = xstrdup(text);
	buf_free(&b);
	return &rx->re;
}

/* The byte count of an `expect length` step: literal, or its ${N} on
 * this connection; 0, or -1 with "runtime error: ..." in err. */
static int
expect_length(const struct step_expect *e, struct vars *vars, uint64_t *len,
    char *err, size_t errlen)
{
	int64_t n;

	if (e->length_e == NULL) {
		*len = e->length;
		return 0;
	}
	if (tmpl_eval_int(e->length_e, vars, "a length in bytes", 0,
	    (int64_t)SCENARIO_MAX_COUNT, &n, err, errlen) == -1)
		return -1;
	*len = (uint64_t)n;
	return 0;
}

/* The pre-order walk of json_exact: give each number node the next
 * number token of the text; an integer literal of 16 digits or more
 * (past 2^53, where a double loses digits) keeps its text in valuestring
 * (freed by cJSON_Delete). */
static void
json_exact_walk(cJSON *j, const unsigned char *p, const size_t *tok,
    size_t ntok, size_t *k)
{
	size_t a, b, i, digits;
	int integral = 1;
	char *t;

	for (; j != NULL; j = j->next) {
		if (cJSON_IsNumber(j) && *k < ntok && j->valuestring == NULL) {
			a = tok[2 * *k];
			b = tok[2 * *k + 1];
			(*k)++;
			for (digits = 0, i = a; i < b; i++) {
				if (p[i] >= '0' && p[i] <= '9')
					digits++;
				else if (p[i] != '-')
					integral = 0;
			}
			if (integral && digits >= 16 &&
			    (t = malloc(b - a + 1)) != NULL) {
				memcpy(t, p + a, b - a);
				t[b - a] = '\0';
				j->valuestring = t;
			}
			integral = 1;
		}
		if (j->child != NULL)
			json_exact_walk(j->child, p, tok, ntok, k);
	}
}

/* Keep the exact decimal text of j's big integer literals, read from its
 * source text p[0..n) (see match_json_parse). */
static void
json_exact(cJSON *j, const unsigned char *p, size_t n)
{
	size_t i = 0, ntok = 0, cap = 0, *tok = NULL, k = 0, *nt;

	while (i < n) {
		if (p[i] == '"') {
			for (i++; i < n && p[i] != '"'; i++)
				if (p[i] == '\\')
					i++;
			i++;
		} else if (p[i] == '-' || (p[i] >= '0' && p[i] <= '9')) {
			if (ntok == cap) {
				cap = cap ? 2 * cap : 16;
				if ((nt = realloc(tok, 2 * cap *
				    sizeof(*tok))) == NULL) {
					free(tok);
					return;
				}
				tok = nt;
			}
			tok[2 * ntok] = i;
			while (i < n && strchr("-+.eE0123456789", p[i]) != NULL &&
			    p[i] != '\0')
				i++;
			tok[2 * ntok++ + 1] = i;
		} else
			i++;
	}
	if (ntok > 0)
		json_exact_walk(j, p, tok, ntok, &k);
	free(tok);
}

cJSON *
match_json_parse(const unsigned char *p, size_t n)
{
	cJSON *j = cJSON_ParseWithLength((const char *)p, n);

	if (j != NULL)
		json_exact(j, p, n);
	return j;
}

const char *
match_json_int_text(const cJSON *j, char *tmp, size_t len)
{
	if (!cJSON_IsNumber(j))
		return NULL;
	if (j->valuestring != NULL)
		return j->valuestring;
	if (j->valuedouble != floor(j->valuedouble) ||
	    fabs(j->valuedouble) >= 9007199254740992.0)
		return NULL;
	snprintf(tmp, len, "%.0f", j->valuedouble == 0 ? 0.0 :
	    j->valuedouble);
	return tmp;
}

/* Parse p[0..n) as one whole JSON value; NULL if it is not. */
static cJSON *
json_parse(const unsigned char *p, size_t n, size_t *erroff)
{
	const char *end = NULL;
	cJSON *j;
	size_t i;

	*erroff = 0;
	j = cJSON_ParseWithLengthOpts((const char *)p, n, &end, 0);
	if (j == NULL) {
		if (end != NULL)
			*erroff = (size_t)(end - (const char *)p);
		return NULL;
	}
	for (i = (size_t)(end - (const char *)p); i < n; i++) {
		if (!isspace(p[i])) {
			cJSON_Delete(j);
			*erroff = i;
			return NULL;
		}
	}
	json_exact(j, p, n);
	return j;
}

/* Append j's compact JSON text to out, a big integer (match_json_parse)
 * as its exact digits; stops adding once out holds max bytes. */
static void
json_print_exact(const cJSON *j, struct buf *out, size_t max)
{
	const cJSON *e;
	cJSON *k;
	char *t;

	if (buf_len(out) > max)
		return;
	if (cJSON_IsNumber(j) && j->valuestring != NULL) {
		buf_append(out, j->valuestring, strlen(j->valuestring));
		return;
	}
	if (!cJSON_IsArray(j) && !cJSON_IsObject(j)) {
		if ((t = cJSON_PrintUnformatted(j)) != NULL)
			buf_append(out, t, strlen(t));
		cJSON_free(t);
		return;
	}
	buf_append(out, cJSON_IsArray(j) ? "[" : "{", 1);
	for (e = j->child; e != NULL && buf_len(out) <= max; e = e->next) {
		if (e != j->child)
			buf_append(out, ",", 1);
		if (cJSON_IsObject(j) && (k = cJSON_CreateString(e->string !=
		    NULL ? e->string : "")) != NULL) {
			json_print_exact(k, out, max);
			buf_append(out, ":", 1);
			cJSON_Delete(k);
		}
		json_print_exact(e, out, max);
	}
	buf_append(out, cJSON_IsArray(j) ? "]" : "}", 1);
}

/* Append a rendering of a JSON value (or "nothing") to why. */
static void
report_json(struct buf *why, const char *label, const cJSON *j)
{
	size_t n, max = MATCH_SHOW * 4;
	struct buf tb;
	char *s;

	if (j == NULL) {
		buf_printf(why, "\n  %s: nothing (key missing)", label);
		return;
	}
	buf_init(&tb);
	json_print_exact(j, &tb, max + 4);
	buf_append(&tb, "", 1);
	s = xstrdup((const char *)buf_data(&tb));
	buf_free(&tb);
	/* cJSON escapes control characters, so the text prints as is. */
	n = strlen(s);
	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	buf_printf(why, "\n  %s: %.*s%s", label, (int)n, s,
	    n < strlen(s) ? "..." : "");
	free(s);
}

/* Name a JSON value's type for reports. */
static const char *
json_type(const cJSON *j)
{
	if (cJSON_IsObject(j))
		return "object";
	if (cJSON_IsArray(j))
		return "array";
	if (cJSON_IsString(j))
		return "string";
	if (cJSON_IsNumber(j))
		return "number";
	if (cJSON_IsBool(j))
		return "boolean";
	return "null";
}

/* Append ".seg" (or "seg" at the top) to path; returns the old length. */
static size_t
path_push(char *path, size_t pathlen, const char *seg)
{
	size_t o = strlen(path);

	snprintf(path + o, pathlen - o, "%s%s", o > 0 ? "." : "", seg);
	return o;
}

/* Subset test that also returns the first pair of values that differ. */
static int
subset_rec(const cJSON *want, const cJSON *got, char *path, size_t pathlen,
    const cJSON **fw, const cJSON **fg)
{
	const cJSON *w, *g;
	char idx[24];
	size_t o;
	int i;

	*fw = want;
	*fg = got;
	if (got == NULL)
		return 0;
	if (cJSON_IsObject(want)) {
		if (!cJSON_IsObject(got))
			return 0;
		cJSON_ArrayForEach(w, want) {
			o = path_push(path, pathlen, w->string);
			g = cJSON_GetObjectItemCaseSensitive(got, w->string);
			if (!subset_rec(w, g, path, pathlen, fw, fg))
				return 0;
			path[o] = '\0';
		}
		return 1;
	}
	if (cJSON_IsArray(want)) {
		if (!cJSON_IsArray(got) ||
		    cJSON_GetArraySize(want) != cJSON_GetArraySize(got))
			return 0;
		i = 0;
		g = got->child;
		cJSON_ArrayForEach(w, want) {
			snprintf(idx, sizeof(idx), "%d", i++);
			o = path_push(path, pathlen, idx);
			if (!subset_rec(w, g, path, pathlen, fw, fg))
				return 0;
			path[o] = '\0';
			g = g->next;
		}
		return 1;
	}
	if (cJSON_IsString(want))
		return cJSON_IsString(got) &&
		    strcmp(want->valuestring, got->valuestring) == 0;
	if (cJSON_IsNumber(want) && cJSON_IsNumber(got) &&
	    (want->valuestring != NULL || got->valuestring != NULL)) {
		/* A big integer compares by its exact decimal text. */
		char tw[32], tg[32];
		const char *a = match_json_int_text(want, tw, sizeof(tw));
		const char *b = match_json_int_text(got, tg, sizeof(tg));

		if (a != NULL && b != NULL)
			return strcmp(a, b) == 0;
	}
	if (cJSON_IsNumber(want))
		return cJSON_IsNumber(got) &&
		    (want->valuedouble == got->valuedouble ||
		    fabs(want->valuedouble - got->valuedouble) <=
		    1e-12 * fabs(want->valuedouble));
	if (cJSON_IsBool(want))
		return cJSON_IsBool(got) &&
		    cJSON_IsTrue(want) == cJSON_IsTrue(got);
	return cJSON_IsNull(got);
}

int
match_json_subset(const struct cJSON *want, const struct cJSON *got,
    char *path, size_t pathlen)
{
	const cJSON *fw, *fg;

	path[0] = '\0';
	return subset_rec(want, got, path, pathlen, &fw, &fg);
}

/* Append "V (a TYPE)" for a report: the value's JSON (a big integer's
 * digits), cut at 60 bytes, and its JSON type. */
static void
json_desc(const cJSON *j, char *out, size_t outlen)
{
	char *t = NULL;
	const char *txt;

	if (j == NULL) {
		snprintf(out, outlen, "nothing (no such key)");
		return;
	}
	{
		struct buf tb;

		buf_init(&tb);
		json_print_exact(j, &tb, 64);
		buf_append(&tb, "", 1);
		t = xstrdup((const char *)buf_data(&tb));
		buf_free(&tb);
		txt = t;
	}
	snprintf(out, outlen, "%.60s%s (a%s %s)", txt, strlen(txt) > 60 ?
	    "..." : "", cJSON_IsObject(j) || cJSON_IsArray(j) ? "n" : "",
	    json_type(j));
	free(t);
}

int
match_json_differ(const struct cJSON *want, const struct cJSON *got,
    char *path, size_t pathlen, char *what, size_t whatlen)
{
	const cJSON *fw, *fg;
	char a[100], b[100];

	path[0] = '\0';
	what[0] = '\0';
	if (subset_rec(want, got, path, pathlen, &fw, &fg))
		return 1;
	json_desc(fw, a, sizeof(a));
	json_desc(fg, b, sizeof(b));
	snprintf(what, whatlen, "expected %s, got %s", a, b);
	return 0;
}

/* Match expected JSON text t (a subset) against the message's header (if
 * is_head) or content p[0..n); have is 0 when there is no header. */
static int
match_json(const struct step *st, const struct tmpl *t, int is_head,
    const unsigned char *p, size_t n, int have, struct vars *vars,
    struct buf *why)
{
	const char *part = is_head ? "header" : "content";
	char err[256];
	const cJSON *fw, *fg;
	cJSON *want, *got;
	struct buf b;
	char path[256], msg[320], esc[MATCH_SHOW * 4 + 8];
	size_t eo;
	int ok;

	if (!have) {
		report_head(why, st, "expected a message with a header, got "
		    "one without (this codec has no header)");
		return MATCH_FAIL;
	}
	buf_init(&b);
	if (tmpl_render(t, vars, &b, err, sizeof(err)) == -1) {
		report_head(why, st, err);
		buf_free(&b);
		return MATCH_FAIL;
	}
	want = match_json_parse(buf_data(&b), buf_len(&b));
	buf_free(&b);
	if (want == NULL) {
		report_head(why, st, "expected JSON became invalid after "
		    "substituting variables (check captured values)");
		return MATCH_FAIL;
	}
	if ((got = json_parse(p, n, &eo)) == NULL) {
		snprintf(msg, sizeof(msg), "expected JSON %s, got invalid JSON "
		    "(error at byte %zu)", part, eo);
		report_head(why, st, msg);
		report_json(why, "expected (subset)", want);
		escape_bytes(p, n, esc, sizeof(esc), !bytes_look_binary(p, n));
		buf_printf(why, "\n  received %zu bytes: \"%s\"", n, esc);
		cJSON_Delete(want);
		return MATCH_FAIL;
	}
	path[0] = '\0';
	ok = subset_rec(want, got, path, sizeof(path), &fw, &fg);
	if (!ok) {
		if (fg == NULL)
			snprintf(msg, sizeof(msg), "%s: key '%s' missing", part,
			    path);
		else if (strcmp(json_type(fw), json_type(fg)) != 0)
			snprintf(msg, sizeof(msg), "%s: at %s expected %s, got "
			    "%s", part, path[0] ? path : "(top level)",
			    json_type(fw), json_type(fg));
		else
			snprintf(msg, sizeof(msg), "%s: at %s values differ",
			    part, path[0] ? path : "(top level)");
		report_head(why, st, msg);
		report_json(why, "expected value", fw);
		report_json(why, "received value", fg);
		report_json(why, "expected (subset)", want);
		report_json(why, "received", got);
	}
	cJSON_Delete(want);
	cJSON_Delete(got);
	return ok ? MATCH_OK : MATCH_FAIL;
}

/* Append the pattern a regex step matched with: as written, and for one
 * with ${...} the text rx compiled last (the one just matched with). */
static void
report_pattern(struct buf *why, const char *pattern,
    const struct step_regex *rx)
{
	char esc[MATCH_SHOW * 4 + 8];
	const char *shown = rx != NULL && rx->text != NULL ? rx->text :
	    pattern;

	escape_bytes((const unsigned char *)shown, strlen(shown), esc,
	    sizeof(esc), 1);
	buf_printf(why, "\n  expected to match: /%s/", esc);
	if (shown == pattern)
		return;
	escape_bytes((const unsigned char *)pattern, strlen(pattern), esc,
	    sizeof(esc), 1);
	buf_printf(why, "\n  pattern as written: /%s/", esc);
}

/* Write the report for a regex that did not match p[0..n). */
static void
report_regex(struct buf *why, const struct step *st, const unsigned char *p,
    size_t n, const char *what)
{
	report_head(why, st, what);
	report_pattern(why, st->u.expect.pattern, st->u.expect.rx);
	report_bytes(why, "received", p, n, 0);
}

/* Describe what byte i of pattern pat wants ("0xbe", "0xb0/0xf0"). */
static void
hex_want_desc(const struct pack_pattern *pat, size_t i, char *out,
    size_t outlen)
{
	const unsigned char *v = buf_data(&pat->val), *m = buf_data(&pat->mask);

	if (i >= pack_pattern_len(pat))
		snprintf(out, outlen, "end of data");
	else if (m[i] == 0xff)
		snprintf(out, outlen, "0x%02x", v[i]);
	else
		snprintf(out, outlen, "0x%02x/0x%02x", v[i] & m[i], m[i]);
}

/* Match the `expect hex` pattern of st against p[0..n): MATCH_OK with
 * *used the pattern's length, MATCH_FAIL with a report (the pattern, the
 * first differing byte), or, when stream, MATCH_MORE while p is a
 * matching prefix shorter than the pattern. */
static int
match_hex(const struct step *st, const unsigned char *p, size_t n,
    int stream, struct vars *vars, size_t *used, struct buf *why)
{
	struct pack_pattern pat;
	struct buf text;
	char err[160], esc[MATCH_SHOW * 4 + 8], msg[640], wb[24], gb[24];
	size_t bad, pn, d;
	int rc = MATCH_FAIL;

	*used = 0;
	buf_init(&text);
	if (render_want(st, vars, &text, why) == -1) {
		buf_free(&text);
		return MATCH_FAIL;
	}
	escape_bytes(buf_data(&text), buf_len(&text), esc, sizeof(esc), 1);
	if (pack_pattern_compile((const char *)buf_data(&text), buf_len(&text),
	    &pat, &bad, err, sizeof(err)) == -1) {
		snprintf(msg, sizeof(msg), "runtime error: the hex pattern "
		    "\"%s\" after substituting variables: %s at offset %zu", esc,
		    err, bad);
		report_head(why, st, msg);
		buf_free(&text);
		return MATCH_FAIL;
	}
	pn = pack_pattern_len(&pat);
	d = pack_pattern_diff(&pat, p, n);
	if (d == pn && (n == pn || (stream && n > pn))) {
		vars_set_last(vars, p, pn, NULL, 0);
		*used = pn;
		rc = MATCH_OK;
	} else if (stream && d == n && n < pn)
		rc = MATCH_MORE;
	else {
		if (stream)
			vars_set_last(vars, p, n < pn ? n : pn, NULL, 0);
		hex_want_desc(&pat, d, wb, sizeof(wb));
		byte_desc(p, n, d, gb, sizeof(gb));
		if (d < n && d < pn)
			snprintf(msg, sizeof(msg), "first difference at byte "
			    "%zu: expected %s, got %s", d, wb, gb);
		else
			snprintf(msg, sizeof(msg), "expected %zu bytes (the "
			    "pattern's length), got %zu: first difference at "
			    "byte %zu", pn, n, d);
		report_head(why, st, msg);
		match_last.diff = d;
		match_last.has_expected = 1;
		buf_append(&match_last.expected, buf_data(&text),
		    buf_len(&text));
		buf_printf(why, "\n  pattern: \"%s\" (%zu bytes)", esc, pn);
		report_bytes(why, "received", p, stream && n > pn ? pn : n,
		    d > 16 ? d - 16 : 0);
	}
	pack_pattern_free(&pat);
	buf_free(&text);
	return rc;
}

int
match_expect(const struct step *st, const struct codec_frame *msg,
    struct vars *vars, struct buf *why)
{
	const struct step_expect *e = &st->u.expect;
	const regex_t *re;
	regmatch_t m[1];
	struct buf b;
	char text[300];
	uint64_t len;
	size_t used;
	int rc;

	if ((rc = fields_expect(st, &msg, vars, why)) != FIELDS_GO_ON)
		return rc;
	vars_set_last(vars, msg->body, msg->body_len, msg->head,
	    msg->head_len);
	if (e->head != NULL && !fields_own_head(st) && match_json(st, e->head,
	    1, msg->head,
	    msg->head_len, msg->head != NULL, vars, why) != MATCH_OK)
		return MATCH_FAIL;
	switch (e->kind) {
	case EXPECT_BYTES:
		buf_init(&b);
		if (render_want(st, vars, &b, why) == -1) {
			buf_free(&b);
			return MATCH_FAIL;
		}
		rc = buf_len(&b) == msg->body_len && (msg->body_len == 0 ||
		    memcmp(buf_data(&b), msg->body, msg->body_len) == 0);
		if (!rc)
			report_diff(why, st, buf_data(&b), buf_len(&b),
			    msg->body, msg->body_len);
		buf_free(&b);
		return rc ? MATCH_OK : MATCH_FAIL;
	case EXPECT_HEX:
		return match_hex(st, msg->body, msg->body_len, 0, vars, &used,
		    why);
	case EXPECT_REGEX:
		buf_init(&b);
		re = step_regex(e->rx, &e->re, e->pattern, vars, &b);
		if (re == NULL)
			report_head(why, st, (const char *)buf_data(&b));
		buf_free(&b);
		if (re == NULL)
			return MATCH_FAIL;
		rc = regex_run(re, msg->body, msg->body_len, m, 0);
		if (rc > 0)
			return MATCH_OK;
		if (rc < 0) {
			report_regex_slow(why, st, msg->body_len);
			return MATCH_FAIL;
		}
		report_regex(why, st, msg->body, msg->body_len,
		    "the message does not match the pattern");
		return MATCH_FAIL;
	case EXPECT_JSON:
		return match_json(st, e->bytes, 0, msg->body, msg->body_len, 1,
		    vars, why);
	case EXPECT_HEADER:
		return match_json(st, e->bytes, 1, msg->head, msg->head_len,
		    msg->head != NULL, vars, why);
	case EXPECT_LENGTH:
		if (expect_length(e, vars, &len, text, sizeof(text)) == -1) {
			report_head(why, st, text);
			return MATCH_FAIL;
		}
		if (msg->body_len == len)
			return MATCH_OK;
		snprintf(text, sizeof(text), "expected %llu bytes, got %zu",
		    (unsigned long long)len, msg->body_len);
		report_head(why, st, text);
		report_bytes(why, "received", msg->body, msg->body_len, 0);
		return MATCH_FAIL;
	case EXPECT_CLOSE:
		report_head(why, st, "expected the peer to close the "
		    "connection, got a message");
		report_bytes(why, "received", msg->body, msg->body_len, 0);
		return MATCH_FAIL;
	case EXPECT_NOTHING:
		if (e->timeout_e != NULL)
			snprintf(text, sizeof(text), "expected nothing for the "
			    "quiet period, got a message");
		else
			snprintf(text, sizeof(text), "expected nothing for %gs, "
			    "got a message", e->timeout);
		report_head(why, st, text);
		report_bytes(why, "received", msg->body, msg->body_len, 0);
		return MATCH_FAIL;
	case EXPECT_FIELD:
		return fields_match(st, vars, why);
	}
	return MATCH_FAIL;
}

int
match_stream(const struct step *st, const unsigned char *p, size_t n,
    struct vars *vars, size_t *used, struct buf *why)
{
	const struct step_expect *e = &st->u.expect;
	struct codec_frame f;
	const regex_t *re;
	regmatch_t m[1];
	struct buf b;
	cJSON *j;
	char err[300];
	size_t d, wn, eo;
	uint64_t len;
	int rc;

	*used = 0;
	if (e->head != NULL) {
		report_head(why, st, "expected a message with a header, got "
		    "the raw byte stream (the raw codec has no header)");
		return MATCH_FAIL;
	}
	switch (e->kind) {
	case EXPECT_BYTES:
		buf_init(&b);
		if (render_want(st, vars, &b, why) == -1) {
			buf_free(&b);
			return MATCH_FAIL;
		}
		wn = buf_len(&b);
		d = first_diff(buf_data(&b), wn, p, n);
		if (d < wn && d < n) {
			vars_set_last(vars, p, n < wn ? n : wn, NULL, 0);
			report_diff(why, st, buf_data(&b), wn, p,
			    n < wn ? n : wn);
			rc = MATCH_FAIL;
		} else if (n < wn)
			rc = MATCH_MORE;
		else {
			vars_set_last(vars, p, wn, NULL, 0);
			*used = wn;
			rc = MATCH_OK;
		}
		buf_free(&b);
		return rc;
	case EXPECT_HEX:
		return match_hex(st, p, n, 1, vars, used, why);
	case EXPECT_LENGTH:
		if (expect_length(e, vars, &len, err, sizeof(err)) == -1) {
			report_head(why, st, err);
			return MATCH_FAIL;
		}
		if (n < len)
			return MATCH_MORE;
		vars_set_last(vars, p, (size_t)len, NULL, 0);
		*used = (size_t)len;
		return MATCH_OK;
	case EXPECT_REGEX:
		buf_init(&b);
		re = step_regex(e->rx, &e->re, e->pattern, vars, &b);
		if (re == NULL)
			report_head(why, st, (const char *)buf_data(&b));
		buf_free(&b);
		if (re == NULL)
			return MATCH_FAIL;
		if ((rc = regex_run(re, p, n, m, 1)) < 0) {
			report_regex_slow(why, st, n);
			return MATCH_FAIL;
		}
		if (rc == 0)
			return MATCH_MORE;
		vars_set_last(vars, p, n, NULL, 0);
		*used = n;
		return MATCH_OK;
	case EXPECT_JSON:
		if ((j = json_parse(p, n, &eo)) == NULL)
			return MATCH_MORE;
		cJSON_Delete(j);
		vars_set_last(vars, p, n, NULL, 0);
		rc = match_json(st, e->bytes, 0, p, n, 1, vars, why);
		if (rc == MATCH_OK)
			*used = n;
		return rc;
	case EXPECT_HEADER:
	case EXPECT_FIELD:
	case EXPECT_CLOSE:
	case EXPECT_NOTHING:
		if (n == 0 && e->kind != EXPECT_HEADER)
			return MATCH_MORE;
		memset(&f, 0, sizeof(f));
		f.frame = f.body = p;
		f.frame_len = f.body_len = n;
		return match_expect(st, &f, vars, why);
	}
	return MATCH_FAIL;
}

/* Append what the step was waiting for, for close and timeout reports. */
static void
report_wanted(struct buf *why, const struct step *st, struct vars *vars)
{
	const struct step_expect *e = &st->u.expect;
	char esc[MATCH_SHOW * 4 + 8];
	struct buf b;
	uint64_t len;

	switch (e->kind) {
	case EXPECT_BYTES:
	case EXPECT_JSON:
	case EXPECT_HEADER:
		if (e->bytes == NULL)
			break;	/* an expect set: its alternatives say */
		buf_init(&b);
		if (tmpl_render(e->bytes, vars, &b, esc, sizeof(esc)) == 0)
			report_bytes(why, "expected", buf_data(&b),
			    buf_len(&b), 0);
		buf_free(&b);
		break;
	case EXPECT_HEX:
		buf_init(&b);
		if (tmpl_render(e->bytes, vars, &b, esc, sizeof(esc)) == 0) {
			char pe[MATCH_SHOW * 4 + 8];

			escape_bytes(buf_data(&b), buf_len(&b), pe, sizeof(pe), 1);
			buf_printf(why, "\n  expected pattern: \"%s\"", pe);
		}
		buf_free(&b);
		break;
	case EXPECT_REGEX:
		if (e->rx != NULL) {
			/* Show this connection's rendering, not the text
			 * another connection compiled last. */
			buf_init(&b);
			if (tmpl_render_regex(e->rx->t, vars, e->rx->raw, &b,
			    esc, sizeof(esc)) == 0) {
				buf_append(&b, "", 1);
				escape_bytes(buf_data(&b), buf_len(&b) - 1, esc,
				    sizeof(esc), 1);
				buf_printf(why, "\n  expected to match: /%s/",
				    esc);
			}
			buf_free(&b);
			escape_bytes((const unsigned char *)e->pattern,
			    strlen(e->pattern), esc, sizeof(esc), 1);
			buf_printf(why, "\n  pattern as written: /%s/", esc);
			break;
		}
		report_pattern(why, e->pattern, NULL);
		break;
	case EXPECT_LENGTH:
		if (expect_length(e, vars, &len, esc, sizeof(esc)) == 0)
			buf_printf(why, "\n  expected %llu bytes",
			    (unsigned long long)len);
		break;
	case EXPECT_FIELD:
		fields_report_wanted(st, vars, why);
		break;
	case EXPECT_CLOSE:
	case EXPECT_NOTHING:
		break;
	}
}

int
match_on_close(const struct step *st, struct vars *vars,
    struct buf *why)
{
	char text[160];

	if (st->u.expect.kind == EXPECT_CLOSE)
		return MATCH_OK;
	if (st->u.expect.kind == EXPECT_NOTHING && st->u.expect.timeout_e !=
	    NULL)
		snprintf(text, sizeof(text), "expected nothing for the quiet "
		    "period, got the peer closing the connection");
	else if (st->u.expect.kind == EXPECT_NOTHING)
		snprintf(text, sizeof(text), "expected nothing for %gs, got the "
		    "peer closing the connection", st->u.expect.timeout);
	else
		snprintf(text, sizeof(text), "the peer closed the connection "
		    "before the expected message arrived");
	report_head(why, st, text);
	report_wanted(why, st, vars);
	return MATCH_FAIL;
}

/* Read a big-endian length of width bytes from p. */
static uint64_t
match_be(const unsigned char *p, size_t width)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < width; i++)
		v = (v << 8) | p[i];
	return v;
}

/* Find "\r\n\r\n" (or "\n\n") in p[0..n): the end of an HTTP head. */
static int
match_has_blank_line(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i++)
		if (p[i] == '\n' && (p[i + 1] == '\n' ||
		    (i + 2 < n && p[i + 1] == '\r' && p[i + 2] == '\n')))
			return 1;
	return 0;
}

void
match_incomplete(const struct codec *codec, const unsigned char *p, size_t n,
    char *out, size_t outlen)
{
	const char *name = codec != NULL ? codec->name : "raw";

	if (strcmp(name, "line") == 0)
		snprintf(out, outlen, "%zu bytes without a line ending", n);
	else if (strcmp(name, "len16") == 0 || strcmp(name, "len32") == 0) {
		size_t w = name[3] == '1' ? 2 : 4;

		if (n < w)
			snprintf(out, outlen, "%zu of the %zu bytes of a length "
			    "prefix", n, w);
		else
			snprintf(out, outlen, "%zu of the %llu content bytes "
			    "its length prefix announces", n - w,
			    (unsigned long long)match_be(p, w));
	} else if (strcmp(name, "jsonhdr") == 0) {
		uint64_t hl = n >= 2 ? match_be(p, 2) : 0;

		if (n < 2)
			snprintf(out, outlen, "%zu of the 2 bytes of a header "
			    "length", n);
		else if (n - 2 < hl)
			snprintf(out, outlen, "%zu of the %llu bytes of a JSON "
			    "header", n - 2, (unsigned long long)hl);
		else
			snprintf(out, outlen, "a whole %llu-byte JSON header "
			    "and %zu bytes of content, short of its "
			    "content-length", (unsigned long long)hl,
			    n - 2 - (size_t)hl);
	} else if (strcmp(name, "http") == 0)
		snprintf(out, outlen, match_has_blank_line(p, n) ?
		    "%zu bytes of an HTTP message whose body is short of its "
		    "Content-Length or last chunk" : "%zu bytes of an HTTP head "
		    "without the blank line that ends it", n);
	else if (strcmp(name, "resp") == 0)
		snprintf(out, outlen, "%zu bytes of a RESP value without its "
		    "final CRLF (or a bulk string short of its length)", n);
	else if (strcmp(name, "raw") == 0)
		snprintf(out, outlen, "%zu bytes that do not settle the expect "
		    "yet", n);
	else
		snprintf(out, outlen, "%zu bytes of an incomplete %s frame", n,
		    name);
}

void
match_report_partial(const struct step *st, const char *what,
    const struct codec *framing, const unsigned char *p, size_t n,
    struct vars *vars, struct buf *why)
{
	char text[400], inc[240];

	if (framing != NULL && n > 0) {
		match_incomplete(framing, p, n, inc, sizeof(inc));
		snprintf(text, sizeof(text), "%s with an incomplete %s frame: %s",
		    what, framing->name, inc);
	} else
		snprintf(text, sizeof(text), "%s with %s", what, n == 0 ?
		    "nothing received" : "an incomplete message");
	report_head(why, st, text);
	report_wanted(why, st, vars);
	if (n > 0)
		report_bytes(why, "received", p, n, 0);
}

int
match_on_timeout(const struct step *st, const struct codec *framing,
    const unsigned char *pending, size_t n, struct vars *vars,
    struct buf *why)
{
	char text[160];

	if (st->u.expect.kind == EXPECT_NOTHING) {
		if (n == 0)
			return MATCH_OK;
		snprintf(text, sizeof(text), "expected nothing for %gs, got %zu "
		    "bytes", st->u.expect.timeout, n);
		report_head(why, st, text);
		report_bytes(why, "received", pending, n, 0);
		return MATCH_FAIL;
	}
	snprintf(text, sizeof(text), "timed out after %gs",
	    st->u.expect.timeout);
	match_report_partial(st, text, framing, pending, n, vars, why);
	return MATCH_FAIL;
}

/* Follow a dotted path ("a.b.0") into j; NULL if a step is missing. */
static const cJSON *
json_walk(const cJSON *j, const char *path, char *bad, size_t badlen)
{
	const char *s = path, *dot;
	char seg[256];
	size_t sl;
	char *end;
	long idx;

	while (j != NULL && *s != '\0') {
		dot = strchr(s, '.');
		sl = dot != NULL ? (size_t)(dot - s) : strlen(s);
		if (sl >= sizeof(seg))
			sl = sizeof(seg) - 1;
		memcpy(seg, s, sl);
		seg[sl] = '\0';
		snprintf(bad, badlen, "%s", seg);
		if (cJSON_IsArray(j)) {
			idx = strtol(seg, &end, 10);
			j = *end == '\0' && isdigit((unsigned char)seg[0]) &&
			    idx < cJSON_GetArraySize(j) ?
			    cJSON_GetArrayItem(j, (int)idx) : NULL;
		} else if (cJSON_IsObject(j))
			j = cJSON_GetObjectItemCaseSensitive(j, seg);
		else
			j = NULL;
		s = dot != NULL ? dot + 1 : s + sl;
	}
	return j;
}

/* Start a capture report with the step's line and variable. */
static void
capture_head(struct buf *why, const struct step *st, const char *what)
{
	detail_reset();
	buf_printf(why, "line %u: capture %s: %s", st->line,
	    st->u.capture.name, what);
}

/* Do a `capture NAME TYPE at N` on the last received message. */
static int
capture_binary(const struct step *st, struct vars *vars, struct buf *why)
{
	const struct step_capture *c = &st->u.capture;
	char num[32], text[300];
	int rc;

	if ((rc = pack_capture(c, vars, buf_data(&vars->last_body),
	    buf_len(&vars->last_body), num, sizeof(num), text,
	    sizeof(text))) < 0) {
		capture_head(why, st, text);
		if (rc == -2)
			return MATCH_FAIL;	/* the offset's runtime error */
		report_bytes(why, "received", buf_data(&vars->last_body),
		    buf_len(&vars->last_body), 0);
		return MATCH_FAIL;
	}
	if (vars_set(vars, c->name, num, strlen(num)) == -1) {
		snprintf(text, sizeof(text), "cannot store the value (at most %d "
		    "variables)", VARS_MAX);
		capture_head(why, st, text);
		return MATCH_FAIL;
	}
	return MATCH_OK;
}

int
match_prepare(const struct step *st, struct vars *vars, struct buf *why)
{
	char err[300];
	struct buf eb;
	uint64_t len;
	size_t off;
	int bad = 0;

	buf_init(&eb);
	if (st->kind == STEP_CAPTURE && st->u.capture.kind == CAPTURE_REGEX &&
	    step_regex(st->u.capture.rx, &st->u.capture.re,
	    st->u.capture.pattern, vars, &eb) == NULL) {
		capture_head(why, st, (const char *)buf_data(&eb));
		bad = 1;
	} else if (st->kind == STEP_EXPECT && st->u.expect.kind ==
	    EXPECT_REGEX && step_regex(st->u.expect.rx, &st->u.expect.re,
	    st->u.expect.pattern, vars, &eb) == NULL) {
		report_head(why, st, (const char *)buf_data(&eb));
		bad = 1;
	} else if (st->kind == STEP_CAPTURE && st->u.capture.kind ==
	    CAPTURE_BINARY && pack_capture_offset(&st->u.capture, vars, &off,
	    err, sizeof(err)) == -1) {
		capture_head(why, st, err);
		bad = 1;
	} else if (st->kind == STEP_EXPECT && st->u.expect.kind ==
	    EXPECT_FIELD && fields_prepare(st, vars, why) == -1) {
		bad = 1;
	} else if (st->kind == STEP_EXPECT && st->u.expect.kind ==
	    EXPECT_LENGTH && expect_length(&st->u.expect, vars, &len, err,
	    sizeof(err)) == -1) {
		report_head(why, st, err);
		bad = 1;
	}
	buf_free(&eb);
	return bad ? -1 : 0;
}

int
match_capture(const struct step *st, struct vars *vars, struct buf *why)
{
	const struct step_capture *c = &st->u.capture;
	const struct buf *src;
	const unsigned char *val;
	const cJSON *v;
	const regex_t *re;
	regmatch_t m[2];
	cJSON *j;
	char text[600], bad[256], *s = NULL;
	size_t vl, eo;
	int ok;

	if (c->kind == CAPTURE_FIELD)
		return fields_capture(st, vars, why);
	if (!vars->has_last) {
		capture_head(why, st, "no message was received before it");
		return MATCH_FAIL;
	}
	if (c->kind == CAPTURE_BINARY)
		return capture_binary(st, vars, why);
	if (c->kind == CAPTURE_REGEX) {
		struct buf eb;

		buf_init(&eb);
		re = step_regex(c->rx, &c->re, c->pattern, vars, &eb);
		if (re == NULL)
			capture_head(why, st, (const char *)buf_data(&eb));
		buf_free(&eb);
		if (re == NULL)
			return MATCH_FAIL;
		src = &vars->last_body;
		memset(m, 0, sizeof(m));
		if ((ok = regex_run(re, buf_data(src), buf_len(src), m,
		    2)) < 0) {
			capture_head(why, st, "matching the pattern took too "
			    "long and was stopped");
			return MATCH_FAIL;
		}
		if (!ok) {
			escape_bytes((const unsigned char *)(c->rx != NULL ?
			    c->rx->text : c->pattern), strlen(c->rx != NULL ?
			    c->rx->text : c->pattern), bad, sizeof(bad), 1);
			snprintf(text, sizeof(text), "the last message does "
			    "not match /%s/", bad);
			if (c->rx != NULL) {
				size_t o = strlen(text);

				escape_bytes((const unsigned char *)c->pattern,
				    strlen(c->pattern), bad, sizeof(bad), 1);
				snprintf(text + o, sizeof(text) - o, " (the "
				    "pattern /%s/ rendered)", bad);
			}
			capture_head(why, st, text);
			report_bytes(why, "received", buf_data(src),
			    buf_len(src), 0);
			return MATCH_FAIL;
		}
		if (re->re_nsub < 1 || m[1].rm_so == -1)
			m[1] = m[0];
		val = buf_data(src) + m[1].rm_so;
		vl = (size_t)(m[1].rm_eo - m[1].rm_so);
	} else {
		if (c->kind == CAPTURE_HEADER && !vars->last_has_head) {
			capture_head(why, st, "the last message has no header");
			return MATCH_FAIL;
		}
		src = c->kind == CAPTURE_HEADER ? &vars->last_head :
		    &vars->last_body;
		if ((j = json_parse(buf_data(src), buf_len(src), &eo)) == NULL) {
			snprintf(text, sizeof(text), "the last message's %s is "
			    "not JSON (error at byte %zu)", c->kind ==
			    CAPTURE_HEADER ? "header" : "content", eo);
			capture_head(why, st, text);
			report_bytes(why, "received", buf_data(src),
			    buf_len(src), 0);
			return MATCH_FAIL;
		}
		bad[0] = '\0';
		if ((v = json_walk(j, c->path, bad, sizeof(bad))) == NULL) {
			snprintf(text, sizeof(text), "path %s: no '%s' in the "
			    "received JSON", c->path, bad);
			capture_head(why, st, text);
			report_json(why, "received", j);
			cJSON_Delete(j);
			return MATCH_FAIL;
		}
		if (cJSON_IsString(v) || (cJSON_IsNumber(v) &&
		    v->valuestring != NULL))
			/* A string's text; a big integer's exact digits. */
			s = xstrdup(v->valuestring);
		else {
			char *pr = cJSON_PrintUnformatted(v);

			s = xstrdup(pr != NULL ? pr : "");
			cJSON_free(pr);
		}
		cJSON_Delete(j);
		val = (const unsigned char *)s;
		vl = strlen(s);
	}
	ok = vars_set(vars, c->name, val, vl) == 0;
	free(s);
	if (!ok) {
		snprintf(text, sizeof(text), "cannot store the value (%zu bytes; "
		    "at most %d variables of %d bytes)", vl, VARS_MAX,
		    VARS_MAX_VALUE);
		capture_head(why, st, text);
		return MATCH_FAIL;
	}
	return MATCH_OK;
}

void
match_detail_set(const char *field, const unsigned char *want, size_t wn,
    const unsigned char *got, size_t gn)
{
	detail_reset();
	if (field != NULL)
		snprintf(match_last.field, sizeof(match_last.field), "%s",
		    field);
	if (want != NULL) {
		match_last.has_expected = 1;
		buf_append(&match_last.expected, want, wn < MATCH_DETAIL_MAX ?
		    wn : MATCH_DETAIL_MAX);
	}
	if (got != NULL) {
		match_last.has_received = 1;
		buf_append(&match_last.received, got, gn < MATCH_DETAIL_MAX ?
		    gn : MATCH_DETAIL_MAX);
	}
}

int
match_regex(const regex_t *re, const unsigned char *p, size_t n)
{
	regmatch_t m[1];

	return regex_run(re, p, n, m, 1);
}

/* The child of match_regex_set: run re over each subject in order, stop
 * at the first match; its index (or -1 for none) is written to fd. */
static void
regex_set_child(int fd, const regex_t *re, const unsigned char *data,
    const size_t *off, size_t count)
{
	long idx = -1;
	regmatch_t m[1];
	ssize_t r;
	size_t i;

	for (i = 0; i < count && idx < 0; i++)
		if (regex_exec(re, (const char *)data + off[2 * i],
		    off[2 * i + 1], m, 1) == 0)
			idx = (long)i;
	r = write(fd, &idx, sizeof(idx));
	_exit(r == (ssize_t)sizeof(idx) ? 0 : 1);
}

int
match_regex_set(const regex_t *re, const unsigned char *data,
    const size_t *off, size_t count, size_t *which)
{
	double deadline = clock_now_mono() + MATCH_REGEX_BUDGET_MS / 1e3, left;
	size_t i, total = 0, got = 0;
	struct pollfd pfd;
	regmatch_t m[1];
	long idx = -1;
	ssize_t r;
	pid_t pid;
	int fds[2];

	for (i = 0; i < count; i++)
		total += off[2 * i + 1];
	if (total <= MATCH_REGEX_INLINE) {
		/* Small: all of it inline is well within the budget. */
		for (i = 0; i < count; i++)
			if (regex_exec(re, (const char *)data + off[2 * i],
			    off[2 * i + 1], m, 1) == 0) {
				*which = i;
				return 1;
			}
		return 0;
	}
	if (pipe2(fds, O_CLOEXEC) == -1)
		return -1;
	if ((pid = fork()) == -1) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		close(fds[0]);
		regex_set_child(fds[1], re, data, off, count);
	}
	close(fds[1]);
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	while (got < sizeof(idx) && (left = deadline - clock_now_mono()) > 0) {
		int pr = poll(&pfd, 1, (int)(left * 1e3) + 1);

		if (pr == -1 && errno == EINTR)
			continue;
		if (pr <= 0)
			break;
		r = read(fds[0], (char *)&idx + got, sizeof(idx) - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fds[0]);
	if (got < sizeof(idx))
		kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
		;
	if (got < sizeof(idx) || idx >= (long)count)
		return -1;
	if (idx < 0)
		return 0;
	*which = (size_t)idx;
	return 1;
}

const struct cJSON *
match_json_path(const struct cJSON *j, const char *path, char *bad,
    size_t badlen)
{
	return json_walk(j, path, bad, badlen);
}
