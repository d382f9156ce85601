/* Log-linear latency histograms: record, merge, percentiles, a lossless
 * binary form and the one JSON block every report writes. */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "buf.h"
#include "hist.h"

#define HIST_MAGIC	"SBH1"
#define HIST_MAGICLEN	4
#define VARINT_MAX	10

/* Return the bucket index of a value no larger than HIST_MAX. */
static unsigned
hist_index(uint64_t v)
{
	unsigned	 shift;

	if (v < 2 * HIST_SUB)
		return (unsigned)v;
	shift = 63 - __builtin_clzll(v) - HIST_SUB_BITS;
	return (shift << HIST_SUB_BITS) + (unsigned)(v >> shift);
}

/* Return the lowest value counted in bucket idx. */
static uint64_t
hist_index_lowest(unsigned idx)
{
	unsigned	 shift;

	if (idx < 2 * HIST_SUB)
		return idx;
	shift = (idx >> HIST_SUB_BITS) - 1;
	return (uint64_t)(idx - (shift << HIST_SUB_BITS)) << shift;
}

/* Return the highest value counted in bucket idx. */
static uint64_t
hist_index_highest(unsigned idx)
{
	unsigned	 shift;

	if (idx < 2 * HIST_SUB)
		return idx;
	shift = (idx >> HIST_SUB_BITS) - 1;
	return hist_index_lowest(idx) + (UINT64_C(1) << shift) - 1;
}

/* Return the lowest value sharing v's bucket. */
uint64_t
hist_lowest_equiv(uint64_t v)
{
	if (v > HIST_MAX)
		v = HIST_MAX;
	return hist_index_lowest(hist_index(v));
}

/* Return the highest value sharing v's bucket. */
uint64_t
hist_highest_equiv(uint64_t v)
{
	if (v > HIST_MAX)
		v = HIST_MAX;
	return hist_index_highest(hist_index(v));
}

/* Make h an empty histogram. */
void
hist_init(struct hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

/* Empty h, keeping nothing of what it counted. */
void
hist_reset(struct hist *h)
{
	hist_init(h);
}

/* dst += v, saturating at 2^64 - 1; 1 when it saturated. */
static int
hist_sat_add(uint64_t *dst, uint64_t v)
{
	if (__builtin_add_overflow(*dst, v, dst)) {
		*dst = UINT64_MAX;
		return 1;
	}
	return 0;
}

/* Add n samples to bucket idx, saturating at UINT32_MAX (the rest is
 * lost, itself saturating); 1 when lost saturated. */
static int
hist_add_bucket(struct hist *h, unsigned idx, uint64_t n)
{
	uint64_t	 c;
	int		 sat = 0;

	c = (uint64_t)h->counts[idx] + n;
	if (c > UINT32_MAX) {
		sat = hist_sat_add(&h->lost, c - UINT32_MAX);
		c = UINT32_MAX;
	}
	h->counts[idx] = (uint32_t)c;
	return sat;
}

/* Count one value, clamping it to HIST_MAX. */
void
hist_record(struct hist *h, uint64_t usec)
{
	unsigned	 idx;

	if (usec > HIST_MAX) {
		usec = HIST_MAX;
		h->overflow++;
	}
	h->count++;
	h->sum += usec;
	if (usec < h->min)
		h->min = usec;
	if (usec > h->max)
		h->max = usec;
	idx = hist_index(usec);
	if (h->counts[idx] == UINT32_MAX)
		h->lost++;
	else
		h->counts[idx]++;
}

/* Add every sample of src to dst; how many sums saturated. */
int
hist_merge(struct hist *dst, const struct hist *src)
{
	unsigned	 i;
	int		 sat = 0;

	if (src->count == 0)
		return 0;
	for (i = 0; i < HIST_NBUCKETS; i++)
		if (src->counts[i] != 0)
			sat += hist_add_bucket(dst, i, src->counts[i]);
	sat += hist_sat_add(&dst->count, src->count);
	sat += hist_sat_add(&dst->sum, src->sum);
	sat += hist_sat_add(&dst->overflow, src->overflow);
	sat += hist_sat_add(&dst->lost, src->lost);
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	return sat;
}

/* Return the number of samples recorded. */
uint64_t
hist_count(const struct hist *h)
{
	return h->count;
}

/* Return the smallest recorded value, 0 when empty. */
uint64_t
hist_min(const struct hist *h)
{
	return h->count == 0 ? 0 : h->min;
}

/* Return the largest recorded value, 0 when empty. */
uint64_t
hist_max(const struct hist *h)
{
	return h->max;
}

/* Return the mean of the recorded values, 0 when empty. */
double
hist_mean(const struct hist *h)
{
	if (h->count == 0)
		return 0.0;
	return (double)h->sum / (double)h->count;
}

/* Return the value at percentile pct, as HdrHistogram reports it. */
uint64_t
hist_percentile(const struct hist *h, double pct)
{
	uint64_t	 n, rank, acc;
	unsigned	 i;

	n = h->count - h->lost;
	if (n == 0)
		return 0;
	if (!(pct > 0.0))
		pct = 0.0;
	if (pct > 100.0)
		pct = 100.0;
	/* The smallest value with at least pct% of samples at or below it
	 * (HdrHistogram rounds the rank up). */
	rank = (uint64_t)ceil(pct / 100.0 * (double)n - 1e-9);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	acc = 0;
	for (i = 0; i < HIST_NBUCKETS; i++) {
		acc += h->counts[i];
		if (acc >= rank)
			break;
	}
	if (i == HIST_NBUCKETS)
		i = HIST_NBUCKETS - 1;
	if (pct == 0.0)
		return hist_index_lowest(i);
	return hist_index_highest(i);
}

const double hist_pcts[HIST_NPCT] = { 50, 90, 99, 99.9 };
const char *const hist_pct_keys[HIST_NPCT] = { "p50", "p90", "p99", "p99.9" };

/* Return the percentile kept within the values actually recorded. */
uint64_t
hist_value_at(const struct hist *h, double pct)
{
	uint64_t v = hist_percentile(h, pct);

	if (hist_count(h) == 0)
		return 0;
	if (v > hist_max(h))
		return hist_max(h);
	if (v < hist_min(h))
		return hist_min(h);
	return v;
}

/* Append v to b as an unsigned LEB128 varint. */
static void
put_uvarint(struct buf *b, uint64_t v)
{
	unsigned char	 tmp[VARINT_MAX];
	size_t		 n = 0;

	while (v >= 0x80) {
		tmp[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	tmp[n++] = (unsigned char)v;
	buf_append(b, tmp, n);
}

/* Read a varint from *pp, not past end; returns 0, or -1 if malformed. */
static int
get_uvarint(const unsigned char **pp, const unsigned char *end, uint64_t *out)
{
	const unsigned char	*p = *pp;
	uint64_t		 v = 0;
	unsigned		 shift = 0;

	for (;;) {
		if (p == end || shift >= 7 * VARINT_MAX)
			return -1;
		/* The tenth byte may only carry the top bit of 64. */
		if (shift == 63 && *p > 1)
			return -1;
		v |= (uint64_t)(*p & 0x7f) << shift;
		shift += 7;
		if ((*p++ & 0x80) == 0)
			break;
	}
	*pp = p;
	*out = v;
	return 0;
}

/*
 * The encoding is "SBH1", then varints count, sum, min, max, overflow, lost
 * and the number of nonzero buckets, then for each such bucket in rising
 * order a varint gap (index minus previous index minus one, the first one
 * counted from -1) and a varint count.
 */

/* Append h in the sparse binary form to b; returns bytes appended. */
size_t
hist_encode(const struct hist *h, struct buf *b)
{
	size_t		 before = buf_len(b);
	uint64_t	 nz = 0;
	unsigned	 i, next = 0;

	for (i = 0; i < HIST_NBUCKETS; i++)
		if (h->counts[i] != 0)
			nz++;
	buf_append(b, HIST_MAGIC, HIST_MAGICLEN);
	put_uvarint(b, h->count);
	put_uvarint(b, h->sum);
	put_uvarint(b, hist_min(h));
	put_uvarint(b, h->max);
	put_uvarint(b, h->overflow);
	put_uvarint(b, h->lost);
	put_uvarint(b, nz);
	for (i = 0; i < HIST_NBUCKETS; i++) {
		if (h->counts[i] == 0)
			continue;
		put_uvarint(b, i - next);
		put_uvarint(b, h->counts[i]);
		next = i + 1;
	}
	return buf_len(b) - before;
}

/* Decode p into h, checking every bound and the totals' consistency. */
static int
hist_decode1(struct hist *h, const unsigned char *p, size_t n)
{
	const unsigned char	*end = p + n;
	uint64_t		 count, sum, min, max, nz, gap, c, total;
	uint64_t		 idx, first = 0, last = 0, k;

	if (n < HIST_MAGICLEN || memcmp(p, HIST_MAGIC, HIST_MAGICLEN) != 0)
		return -1;
	p += HIST_MAGICLEN;
	if (get_uvarint(&p, end, &count) == -1 ||
	    get_uvarint(&p, end, &sum) == -1 ||
	    get_uvarint(&p, end, &min) == -1 ||
	    get_uvarint(&p, end, &max) == -1 ||
	    get_uvarint(&p, end, &h->overflow) == -1 ||
	    get_uvarint(&p, end, &h->lost) == -1 ||
	    get_uvarint(&p, end, &nz) == -1)
		return -1;
	if (nz > HIST_NBUCKETS || h->lost > count || h->overflow > count)
		return -1;
	idx = 0;
	total = 0;
	for (k = 0; k < nz; k++) {
		if (get_uvarint(&p, end, &gap) == -1 ||
		    get_uvarint(&p, end, &c) == -1)
			return -1;
		if (gap >= HIST_NBUCKETS - idx || c == 0 || c > UINT32_MAX)
			return -1;
		idx += gap;
		if (k == 0)
			first = idx;
		last = idx;
		h->counts[idx] = (uint32_t)c;
		total += c;
		idx++;
	}
	if (p != end || total != count - h->lost)
		return -1;
	if (count == 0)
		return (sum | min | max | h->overflow) == 0 ? 0 : -1;
	if (total == 0 || min > max || max > HIST_MAX ||
	    hist_index(min) != first || hist_index(max) != last)
		return -1;
	if (sum / count < min || sum / count > max)
		return -1;
	h->count = count;
	h->sum = sum;
	h->min = min;
	h->max = max;
	return 0;
}

/* Replace h with the histogram encoded in p; h is empty on failure. */
int
hist_decode(struct hist *h, const unsigned char *p, size_t n)
{
	hist_init(h);
	if (hist_decode1(h, p, n) == -1) {
		hist_init(h);
		return -1;
	}
	return 0;
}

/* Add one microsecond figure, or null when there are no samples. */
static void
hist_json_num(cJSON *o, const char *key, int empty, double v)
{
	if (empty)
		cJSON_AddNullToObject(o, key);
	else
		cJSON_AddNumberToObject(o, key, v);
}

/* Add the latency block of h to parent under key. */
cJSON *
hist_json(const struct hist *h, cJSON *parent, const char *key)
{
	cJSON *o = cJSON_AddObjectToObject(parent, key);
	int empty = hist_count(h) == 0, i;

	cJSON_AddNumberToObject(o, "count", (double)hist_count(h));
	hist_json_num(o, "min", empty, (double)hist_min(h));
	for (i = 0; i < HIST_NPCT; i++)
		hist_json_num(o, hist_pct_keys[i], empty,
		    (double)hist_value_at(h, hist_pcts[i]));
	hist_json_num(o, "max", empty, (double)hist_max(h));
	hist_json_num(o, "mean", empty, round(hist_mean(h) * 10) / 10);
	return o;
}

static const char hist_b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Append the base64 of p[0..n) and a NUL to out. */
static void
hist_b64_encode(const unsigned char *p, size_t n, struct buf *out)
{
	char	 q[4];
	size_t	 i;

	for (i = 0; i + 2 < n; i += 3) {
		q[0] = hist_b64[p[i] >> 2];
		q[1] = hist_b64[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
		q[2] = hist_b64[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)];
		q[3] = hist_b64[p[i + 2] & 63];
		buf_append(out, q, 4);
	}
	if (n - i == 1) {
		q[0] = hist_b64[p[i] >> 2];
		q[1] = hist_b64[(p[i] & 3) << 4];
		q[2] = q[3] = '=';
		buf_append(out, q, 4);
	} else if (n - i == 2) {
		q[0] = hist_b64[p[i] >> 2];
		q[1] = hist_b64[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
		q[2] = hist_b64[(p[i + 1] & 15) << 2];
		q[3] = '=';
		buf_append(out, q, 4);
	}
	buf_append(out, "", 1);
}

/* The value of one base64 digit, or -1. */
static int
hist_b64_digit(char c)
{
	const char *p;

	if (c == '\0' || (p = strchr(hist_b64, c)) == NULL)
		return -1;
	return (int)(p - hist_b64);
}

/* Decode canonical padded base64 s into out; 0, or -1 if malformed. */
static int
hist_b64_decode(const char *s, struct buf *out)
{
	size_t		 n = strlen(s), i, k;
	int		 d[4];
	unsigned char	 o[3];

	if (n % 4 != 0)
		return -1;
	for (i = 0; i < n; i += 4) {
		int pad = 0;

		for (k = 0; k < 4; k++) {
			if (s[i + k] == '=' && i + 4 == n && k >= 2) {
				/* Padding only at the end, and "x=y=" never. */
				if (k == 2 && s[i + 3] != '=')
					return -1;
				d[k] = 0;
				pad++;
			} else if ((d[k] = hist_b64_digit(s[i + k])) < 0)
				return -1;
		}
		o[0] = (unsigned char)(d[0] << 2 | d[1] >> 4);
		o[1] = (unsigned char)((d[1] & 15) << 4 | d[2] >> 2);
		o[2] = (unsigned char)((d[2] & 3) << 6 | d[3]);
		buf_append(out, o, 3 - (size_t)pad);
	}
	return 0;
}

/* Add h's lossless form to parent under key. */
cJSON *
hist_json_encoded(const struct hist *h, cJSON *parent, const char *key)
{
	struct buf	 bin, txt;
	cJSON		*s;

	buf_init(&bin);
	buf_init(&txt);
	hist_encode(h, &bin);
	hist_b64_encode(buf_data(&bin), buf_len(&bin), &txt);
	s = cJSON_AddStringToObject(parent, key, (const char *)buf_data(&txt));
	buf_free(&bin);
	buf_free(&txt);
	return s;
}

/* Read a histogram written by hist_json_encoded. */
int
hist_json_decode(struct hist *h, const cJSON *item)
{
	struct buf	 bin;
	int		 rc = -1;

	hist_init(h);
	if (!cJSON_IsString(item) || item->valuestring == NULL)
		return -1;
	buf_init(&bin);
	if (hist_b64_decode(item->valuestring, &bin) == 0)
		rc = hist_decode(h, buf_data(&bin), buf_len(&bin));
	buf_free(&bin);
	return rc;
}
