/* JSON output byte-identical to Python's json.dumps(obj, ensure_ascii=False)
 * with default separators (", " and ": "), so golden tests against the seed
 * programs can compare bytes. */
#ifndef SB_PYJSON_H
#define SB_PYJSON_H
#include <stddef.h>
#include <cjson/cJSON.h>
#include "buf.h"

/* Append item serialized like Python's json.dumps to out. Integral numbers
 * print as integers, others as Python's repr(float) would. */
void pyjson_dump(const cJSON *item, struct buf *out);
/* Append s[0..len) as a quoted JSON string, Python style (non-ASCII kept). */
void pyjson_quote(const char *s, size_t len, struct buf *out);
/* Return 1 if p[0..n) is exactly one JSON value as RFC 8259 defines it
 * (what Python's json.loads accepts, less NaN and Infinity): unlike cJSON,
 * no \u{...} or other unknown escapes, raw control characters in strings,
 * leading zeros or bare dots. Else 0, with the offset of the first byte
 * that breaks the grammar in *erroff if it is not NULL. */
int pyjson_strict(const char *p, size_t n, size_t *erroff);
/* Parse p[0..n) as exactly one JSON value the way Python's json.loads
 * does: the grammar of pyjson_strict (trailing bytes other than whitespace
 * are an error), the LAST of duplicate object keys wins (at the position
 * of the first), and a \u0000 escape is kept inside the string (read its
 * length with pyjson_strlen); a number past the double range is +-inf,
 * as in Python. Stricter than Python: NaN, Infinity and an object key
 * containing \u0000 are refused. Returns a tree the caller
 * frees with cJSON_Delete, or NULL with a reason in err. */
cJSON *pyjson_parse(const char *p, size_t n, char *err, size_t errlen);
/* The byte length of a string value from pyjson_parse, NULs included (for
 * any other cJSON string, strlen of its value). */
size_t pyjson_strlen(const cJSON *s);

#endif
