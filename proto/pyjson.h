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

#endif
