/* CSV data files: one pass over the text, fields copied once into one
 * arena, errors located by line and column. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "buf.h"
#include "data.h"
#include "file.h"
#include "lex.h"
#include "rand.h"
#include "util.h"

/* Reader state for one file. */
struct csv {
	const char	*name;
	const char	*s;
	size_t		 n, pos;
	unsigned	 line;
	size_t		 linestart;
	char		*err;
	size_t		 errlen;
	struct buf	 cells;
	struct buf	 offs;		/* size_t pairs: offset, length */
	size_t		 fields;	/* fields in the current record */
};

/* Format "name:line:col: ..." at byte pos and fail. */
static int __attribute__((format(printf, 3, 4)))
csv_err(struct csv *c, size_t pos, const char *fmt, ...)
{
	va_list ap;
	size_t col = 1, i;
	int k;

	for (i = c->linestart; i < pos && i < c->n; i++)
		if (((unsigned char)c->s[i] & 0xc0) != 0x80)
			col++;
	k = snprintf(c->err, c->errlen, "%s:%u:%zu: ", c->name, c->line, col);
	if (k < 0 || (size_t)k >= c->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(c->err + k, c->errlen - (size_t)k, fmt, ap);
	va_end(ap);
	return -1;
}

/* Store the field s[0..n) (already unquoted) in the arena. */
static int
csv_store(struct csv *c, const void *p, size_t n, size_t at)
{
	size_t pair[2];

	if (n > DATA_MAX_FIELD)
		return csv_err(c, at, "expected a field of at most %d bytes, "
		    "got %zu", DATA_MAX_FIELD, n);
	if (++c->fields > DATA_MAX_COLS)
		return csv_err(c, at, "expected at most %d fields in a row",
		    DATA_MAX_COLS);
	pair[0] = buf_len(&c->cells);
	pair[1] = n;
	buf_append(&c->cells, p, n);
	buf_append(&c->cells, "", 1);
	buf_append(&c->offs, pair, sizeof(pair));
	return 0;
}

/* Read a quoted field at pos (on the opening quote). */
static int
csv_quoted(struct csv *c)
{
	size_t start = c->pos, i = c->pos + 1, run, startline = c->linestart;
	unsigned line = c->line;
	struct buf f;
	int rc;

	buf_init(&f);
	for (;;) {
		run = i;
		while (i < c->n && c->s[i] != '"') {
			if (c->s[i] == '\n') {
				c->line++;
				c->linestart = i + 1;
			}
			i++;
		}
		buf_append(&f, c->s + run, i - run);
		if (i >= c->n) {
			buf_free(&f);
			c->line = line;
			c->linestart = startline;
			return csv_err(c, start, "expected '\"' to end the "
			    "quoted field, got end of file");
		}
		if (i + 1 < c->n && c->s[i + 1] == '"') {
			buf_append(&f, "\"", 1);
			i += 2;
			continue;
		}
		break;
	}
	i++;
	if (i < c->n && c->s[i] != ',' && c->s[i] != '\n' && c->s[i] != '\r') {
		buf_free(&f);
		return csv_err(c, i, "expected ',' or the end of the line "
		    "after a quoted field, got '%c'", c->s[i]);
	}
	rc = csv_store(c, buf_data(&f), buf_len(&f), start);
	buf_free(&f);
	c->pos = i;
	return rc;
}

/* Read one field at pos. */
static int
csv_field(struct csv *c)
{
	size_t start = c->pos, i = c->pos;

	if (i < c->n && c->s[i] == '"')
		return csv_quoted(c);
	while (i < c->n && c->s[i] != ',' && c->s[i] != '\n' &&
	    c->s[i] != '\r') {
		if (c->s[i] == '"')
			return csv_err(c, i, "expected a quote only around a "
			    "whole field (write \"a \"\"b\"\"\" for a \"b\"), "
			    "got '\"' inside one");
		i++;
	}
	c->pos = i;
	return csv_store(c, c->s + start, i - start, start);
}

/* Read one record; *fields gets its field count. At the end of the text
 * *fields is 0. */
static int
csv_record(struct csv *c, size_t *fields)
{
	c->fields = 0;
	*fields = 0;
	if (c->pos >= c->n)
		return 0;
	for (;;) {
		if (csv_field(c) == -1)
			return -1;
		if (c->pos < c->n && c->s[c->pos] == ',') {
			c->pos++;
			continue;
		}
		break;
	}
	if (c->pos < c->n && c->s[c->pos] == '\r') {
		if (c->pos + 1 >= c->n || c->s[c->pos + 1] != '\n')
			return csv_err(c, c->pos, "expected a line feed after "
			    "the carriage return");
		c->pos++;
	}
	if (c->pos < c->n) {
		c->pos++;
		c->line++;
		c->linestart = c->pos;
	}
	*fields = c->fields;
	return 0;
}

/* Point error locations at the header row. */
static struct csv *
csv_at_header(struct csv *c)
{
	c->line = 1;
	c->linestart = 0;
	return c;
}

/* Check the header's column names and copy them. */
static int
csv_header(struct csv *c, struct data_table *t, size_t nf)
{
	const size_t *pairs = (const size_t *)(void *)buf_data(&c->offs);
	const char *name;
	size_t i, j, k;

	t->ncols = nf;
	t->cols = xcalloc(nf, sizeof(*t->cols));
	for (i = 0; i < nf; i++) {
		name = (const char *)buf_data(&c->cells) + pairs[2 * i];
		for (k = 0; k < pairs[2 * i + 1]; k++)
			if (!(k == 0 ? lex_ident_start((unsigned char)name[k]) :
			    lex_ident_char((unsigned char)name[k])))
				break;
		if (k == 0 || k != pairs[2 * i + 1])
			return csv_err(csv_at_header(c), 0, "expected column names of "
			    "letters, digits and '_' in the header row, got "
			    "'%.40s' as column %zu", name, i + 1);
		for (j = 0; j < i; j++)
			if (strcmp(t->cols[j], name) == 0)
				return csv_err(csv_at_header(c), 0, "expected each column name "
				    "once in the header row, got '%s' twice",
				    name);
		t->cols[i] = xstrdup(name);
	}
	return 0;
}

struct data_table *
data_parse(const char *name, const char *text, size_t len, char *err,
    size_t errlen)
{
	struct data_table *t = xcalloc(1, sizeof(*t));
	struct csv c = { .name = name, .s = text, .n = len, .line = 1,
	    .err = err, .errlen = errlen };
	size_t nf, i, rowline, cellbase;
	const size_t *pairs;

	buf_init(&c.cells);
	buf_init(&c.offs);
	t->path = xstrdup(name);
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		c.pos = c.linestart = 3;
	if (csv_record(&c, &nf) == -1 || (nf == 0 &&
	    csv_err(&c, c.pos, "expected a header row naming the columns, "
	    "got an empty file") == -1) || csv_header(&c, t, nf) == -1)
		goto fail;
	/* The header's cells are not part of the table. */
	cellbase = buf_len(&c.cells);
	buf_reset(&c.offs);
	c.line = 2;
	for (;;) {
		rowline = c.line;
		if (c.pos < c.n && (c.s[c.pos] == '\n' || (c.s[c.pos] == '\r' &&
		    c.pos + 1 < c.n && c.s[c.pos + 1] == '\n'))) {
			/* A blank line: only allowed as the last one. */
			c.pos += c.s[c.pos] == '\r' ? 2 : 1;
			c.line++;
			c.linestart = c.pos;
			if (c.pos < c.n) {
				c.line--;
				csv_err(&c, c.pos, "expected a row, got a blank "
				    "line");
				goto fail;
			}
			break;
		}
		if (csv_record(&c, &nf) == -1)
			goto fail;
		if (nf == 0)
			break;
		if (nf != t->ncols) {
			c.line = (unsigned)rowline;
			csv_err(&c, c.pos, "expected %zu fields as in the header "
			    "row, got %zu", t->ncols, nf);
			goto fail;
		}
		if (++t->nrows > DATA_MAX_ROWS) {
			csv_err(&c, c.pos, "expected at most %d rows",
			    DATA_MAX_ROWS);
			goto fail;
		}
	}
	if (t->nrows == 0) {
		csv_err(&c, c.pos, "expected at least one data row after the "
		    "header");
		goto fail;
	}
	pairs = (const size_t *)(void *)buf_data(&c.offs);
	t->off = xcalloc(t->nrows * t->ncols, sizeof(*t->off));
	t->len = xcalloc(t->nrows * t->ncols, sizeof(*t->len));
	for (i = 0; i < t->nrows * t->ncols; i++) {
		t->off[i] = pairs[2 * i] - cellbase;
		t->len[i] = pairs[2 * i + 1];
	}
	t->cells = xmalloc(buf_len(&c.cells) - cellbase + 1);
	memcpy(t->cells, buf_data(&c.cells) + cellbase,
	    buf_len(&c.cells) - cellbase);
	buf_free(&c.cells);
	buf_free(&c.offs);
	return t;
fail:
	buf_free(&c.cells);
	buf_free(&c.offs);
	data_free(t);
	return NULL;
}

struct data_table *
data_load(const char *path, char *err, size_t errlen)
{
	struct data_table *t;
	struct buf b;
	char why[160];
	int too_big;

	buf_init(&b);
	if (file_read_regular(path, DATA_MAX_FILE, &b, &too_big, why,
	    sizeof(why)) == -1) {
		snprintf(err, errlen, "%s: cannot read the data file: %s", path,
		    why);
		buf_free(&b);
		return NULL;
	}
	t = data_parse(path, (const char *)buf_data(&b), buf_len(&b), err,
	    errlen);
	buf_free(&b);
	return t;
}

void
data_free(struct data_table *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->ncols && t->cols != NULL; i++)
		free(t->cols[i]);
	free(t->cols);
	free(t->cells);
	free(t->off);
	free(t->len);
	free(t->path);
	free(t);
}

int
data_column(const struct data_table *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->ncols; i++)
		if (strcmp(t->cols[i], name) == 0)
			return (int)i;
	return -1;
}

size_t
data_pick(const struct data_table *t, uint64_t conn, uint64_t *next,
    uint64_t *rng)
{
	switch (t->order) {
	case DATA_RANDOM:
		return (size_t)rand_below(rng, t->nrows);
	case DATA_PER_CONNECTION:
		return (size_t)((conn > 0 ? conn - 1 : 0) % t->nrows);
	default:
		return (size_t)((*next)++ % t->nrows);
	}
}

const unsigned char *
data_cell(const struct data_table *t, size_t row, size_t col, size_t *len)
{
	size_t k = row * t->ncols + col;

	*len = t->len[k];
	return t->cells + t->off[k];
}

static const char *const order_names[] = {
	"sequential", "random", "per-connection"
};

const char *
data_order_name(enum data_order o)
{
	return order_names[o];
}

int
data_order_parse(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < 3; i++)
		if (strlen(order_names[i]) == n && memcmp(order_names[i], s,
		    n) == 0)
			return (int)i;
	return -1;
}
