/* Data files for scenarios (`data FILE.csv`): a CSV table whose header row
 * names the columns, one row per connection, as SIPp's injection files.
 * CSV as RFC 4180: comma separated, "quoted" fields with "" for a quote,
 * CRLF or LF line ends. */
#ifndef SB_DATA_H
#define SB_DATA_H
#include <stddef.h>
#include <stdint.h>

#define DATA_MAX_FILE	(64 * 1024 * 1024)	/* bytes in a data file */
#define DATA_MAX_COLS	256			/* columns */
#define DATA_MAX_FIELD	(64 * 1024)		/* bytes in one field */
#define DATA_MAX_ROWS	10000000		/* data rows */

/* How each connection picks its row. */
enum data_order {
	DATA_SEQUENTIAL,	/* rows in file order as connections start,
				   wrapping around after the last (SIPp
				   SEQUENTIAL) */
	DATA_RANDOM,		/* a uniformly random row each (SIPp RANDOM) */
	DATA_PER_CONNECTION	/* connection N takes row N, wrapping (SIPp
				   USER) */
};

/* A loaded table; everything is owned by it, freed with data_free. */
struct data_table {
	char		*path;		/* for messages */
	char		**cols;		/* column names from the header row */
	size_t		 ncols;
	unsigned char	*cells;		/* every field's bytes, one after
					   another, each NUL-terminated */
	size_t		*off;		/* nrows * ncols offsets into cells */
	size_t		*len;		/* and lengths */
	size_t		 nrows;
	enum data_order	 order;
};

/* Parse CSV text; NULL with "name:line:col: expected X, got Y" in err.
 * The header row must name each column once (letters, digits, `_`); every
 * row must have as many fields as the header; at least one data row. */
struct data_table *data_parse(const char *name, const char *text, size_t len,
    char *err, size_t errlen);
/* Read and parse a regular file (a FIFO or device is refused without
 * blocking); NULL with err. */
struct data_table *data_load(const char *path, char *err, size_t errlen);
void data_free(struct data_table *t);
/* Index of column name, or -1. */
int data_column(const struct data_table *t, const char *name);
/* The row connection number conn (1-based) uses, per t->order; *next is
 * the run's sequential counter (DATA_SEQUENTIAL), rng the connection's
 * PRNG state (DATA_RANDOM). */
size_t data_pick(const struct data_table *t, uint64_t conn, uint64_t *next,
    uint64_t *rng);
/* The bytes of one field (NUL-terminated; *len excludes the NUL). */
const unsigned char *data_cell(const struct data_table *t, size_t row,
    size_t col, size_t *len);
/* Name of an order ("sequential", ...), and the order named s (-1 if none). */
const char *data_order_name(enum data_order o);
int data_order_parse(const char *s, size_t n);

#endif
