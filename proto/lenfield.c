/* The length-field codecs, after Netty's LengthFieldBasedFrameDecoder: a
 * frame is offset bytes, an unsigned length field of 1, 2, 3, 4 or 8 bytes
 * in either byte order, then length + adjust bytes; the body is the frame
 * without its first strip bytes. len16 and len32 are presets of it, and
 * varint frames by a protobuf base-128 length (writeDelimitedTo). Other
 * layouts are made with codec_open("lenfield offset=.. size=.. ..."). */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "codec.h"
#include "codec_util.h"

#define LENFIELD_MAX_LIMIT	((size_t)SSIZE_MAX / 4)
#define LENFIELD_MAX_OFFSET	65536	/* bytes before the length field */
#define LENFIELD_SLOTS		16	/* distinct layouts one process opens */
#define VARINT_MAX_BYTES	10	/* a 64-bit value in base 128 */

/* One layout. */
struct lenfield_conf {
	size_t		offset;		/* bytes before the length field */
	size_t		size;		/* bytes of the length field; 0: varint */
	int		little;		/* little-endian length field */
	long long	adjust;		/* added to the length to give the
					   bytes that follow the field */
	size_t		strip;		/* leading bytes not in the body */
};

/* Read the length field at p[off..) of c->size bytes (or a varint): return
 * its width, NEED_MORE or ERROR. */
static ssize_t
lenfield_read(const struct lenfield_conf *c, const unsigned char *p,
    size_t n, uint64_t *len, char *err, size_t errlen)
{
	uint64_t v = 0;
	size_t i;

	if (c->size == 0) {
		for (i = 0; i < VARINT_MAX_BYTES; i++) {
			if (c->offset + i >= n)
				return CODEC_NEED_MORE;
			if (i == VARINT_MAX_BYTES - 1 && p[c->offset + i] > 1)
				break;
			v |= (uint64_t)(p[c->offset + i] & 0x7f) << (7 * i);
			if ((p[c->offset + i] & 0x80) == 0) {
				*len = v;
				return (ssize_t)i + 1;
			}
		}
		return codec_err(err, errlen,
		    "varint length longer than 64 bits");
	}
	if (n - c->offset < c->size)
		return CODEC_NEED_MORE;
	for (i = 0; i < c->size; i++) {
		size_t k = c->little ? c->size - 1 - i : i;

		v = (v << 8) | p[c->offset + k];
	}
	*len = v;
	return (ssize_t)c->size;
}

/* Decode one frame of layout c, rejecting an oversized or impossible
 * length as soon as the length field is in. */
static ssize_t
lenfield_decode(const struct lenfield_conf *c, const unsigned char *p,
    size_t n, size_t max_frame, struct codec_frame *out, char *err,
    size_t errlen)
{
	uint64_t len = 0, after, total;
	size_t strip;
	ssize_t w;

	if (max_frame > LENFIELD_MAX_LIMIT)
		max_frame = LENFIELD_MAX_LIMIT;
	if (n <= c->offset)
		return CODEC_NEED_MORE;
	if ((w = lenfield_read(c, p, n, &len, err, errlen)) < 0)
		return w;
	if (len > max_frame)
		return codec_err(err, errlen,
		    "length prefix %llu exceeds the limit of %zu bytes",
		    (unsigned long long)len, max_frame);
	if (c->adjust < 0 && len < (uint64_t)-c->adjust)
		return codec_err(err, errlen, "length %llu with adjustment "
		    "%lld is negative", (unsigned long long)len, c->adjust);
	after = c->adjust < 0 ? len - (uint64_t)-c->adjust :
	    len + (uint64_t)c->adjust;
	total = c->offset + (uint64_t)w + after;
	strip = c->size == 0 ? c->offset + (size_t)w : c->strip;
	if (after > max_frame)
		return codec_err(err, errlen, "length %llu with adjustment "
		    "%lld exceeds the limit of %zu bytes",
		    (unsigned long long)len, c->adjust, max_frame);
	if (total < strip)
		return codec_err(err, errlen, "frame of %llu bytes is shorter "
		    "than the %zu bytes to strip", (unsigned long long)total,
		    strip);
	if (n < total)
		return CODEC_NEED_MORE;
	memset(out, 0, sizeof(*out));
	out->frame = p;
	out->frame_len = (size_t)total;
	out->body = p + strip;
	out->body_len = (size_t)total - strip;
	return (ssize_t)out->frame_len;
}

/* Append a frame of layout c around body: zero bytes before the field,
 * the field, the body. Only layouts whose stripped part is exactly the
 * offset and the field can be encoded. */
static int
lenfield_encode(const struct lenfield_conf *c, const unsigned char *body,
    size_t body_len, struct buf *out, char *err, size_t errlen)
{
	unsigned char field[VARINT_MAX_BYTES];
	uint64_t len;
	size_t i, w;

	if (c->size != 0 && c->strip != c->offset + c->size) {
		codec_err(err, errlen, "cannot encode a length field layout "
		    "that keeps header bytes in the body (strip %zu, offset "
		    "%zu, size %zu): send raw bytes", c->strip, c->offset,
		    c->size);
		return -1;
	}
	if (c->adjust < 0 && body_len > (size_t)LLONG_MAX) {
		codec_err(err, errlen, "message too long");
		return -1;
	}
	if (c->adjust > 0 && (long long)body_len < c->adjust) {
		codec_err(err, errlen, "message of %zu bytes is shorter than "
		    "the length adjustment %lld", body_len, c->adjust);
		return -1;
	}
	len = (uint64_t)((long long)body_len - c->adjust);
	if (c->size == 0) {
		for (w = 0; w == 0 || len != 0; w++) {
			field[w] = (unsigned char)((len & 0x7f) |
			    (len > 0x7f ? 0x80 : 0));
			len >>= 7;
		}
	} else {
		if (c->size < 8 && len >> (8 * c->size) != 0) {
			codec_err(err, errlen, "message of %zu bytes does not "
			    "fit a %zu-bit length", body_len, 8 * c->size);
			return -1;
		}
		w = c->size;
		for (i = 0; i < w; i++) {
			size_t k = c->little ? i : w - 1 - i;

			field[k] = (unsigned char)(len & 0xff);
			len >>= 8;
		}
	}
	for (i = 0; i < c->offset; i++)
		buf_append(out, "", 1);
	buf_append(out, field, w);
	buf_append(out, body, body_len);
	return 0;
}

static const char *const lenfield_field_names[] = { "kind", "length",
    "body", NULL };

/* Report kind "frame", length (the length field's value) and body. */
static int
lenfield_fields(const struct lenfield_conf *c, const struct codec_frame *f,
    codec_field_cb cb, void *arg)
{
	struct codec_field fld;
	char num[24];
	uint64_t len;

	if (lenfield_read(c, f->frame, f->frame_len, &len, NULL, 0) < 0 ||
	    len > LLONG_MAX)
		return -1;
	memset(&fld, 0, sizeof(fld));
	fld.name = "kind";
	fld.name_len = 4;
	fld.v.s = (const unsigned char *)"frame";
	fld.v.len = 5;
	if (cb(arg, &fld))
		return 0;
	fld.name = "length";
	fld.name_len = 6;
	fld.v.type = CODEC_V_INT;
	fld.v.num = (long long)len;
	fld.v.len = (size_t)snprintf(num, sizeof(num), "%llu",
	    (unsigned long long)len);
	fld.v.s = (const unsigned char *)num;
	if (cb(arg, &fld))
		return 0;
	fld.name = "body";
	fld.name_len = 4;
	fld.v.type = CODEC_V_TEXT;
	fld.v.num = 0;
	fld.v.s = f->body;
	fld.v.len = f->body_len;
	cb(arg, &fld);
	return 0;
}

/* Render the payload as escaped text, or hex when mostly binary. */
static void
lenfield_describe(const struct codec_frame *f, char *out, size_t outlen)
{
	codec_describe_bytes(f->body, f->body_len, out, outlen);
}

/* The presets and the layouts opened at run time, each a codec whose
 * functions are thin wrappers passing its layout. */
static const struct lenfield_conf conf_len16 = { 0, 2, 0, 0, 2 };
static const struct lenfield_conf conf_len32 = { 0, 4, 0, 0, 4 };
static const struct lenfield_conf conf_varint = { 0, 0, 0, 0, 0 };

/* An opened layout: its configuration, canonical name and codec. */
struct lenfield_slot {
	struct lenfield_conf	conf;
	char			name[128];
	struct codec		codec;
};
static struct lenfield_slot lenfield_slots[LENFIELD_SLOTS];
static size_t lenfield_nslots;

#define LENFIELD_WRAPPERS(tag, confp)					\
static ssize_t								\
tag##_decode(const unsigned char *p, size_t n, size_t max_frame,	\
    struct codec_frame *out, char *err, size_t errlen)			\
{									\
	return lenfield_decode(confp, p, n, max_frame, out, err, errlen);\
}									\
static int								\
tag##_encode(const unsigned char *body, size_t body_len,		\
    const char *head, struct buf *out, char *err, size_t errlen)	\
{									\
	(void)head;							\
	return lenfield_encode(confp, body, body_len, out, err, errlen);\
}									\
static int								\
tag##_fields(const struct codec_frame *f, struct buf *scratch,		\
    codec_field_cb cb, void *arg)					\
{									\
	(void)scratch;							\
	return lenfield_fields(confp, f, cb, arg);			\
}

LENFIELD_WRAPPERS(len16, &conf_len16)
LENFIELD_WRAPPERS(len32, &conf_len32)
LENFIELD_WRAPPERS(varint, &conf_varint)
LENFIELD_WRAPPERS(slot0, &lenfield_slots[0].conf)
LENFIELD_WRAPPERS(slot1, &lenfield_slots[1].conf)
LENFIELD_WRAPPERS(slot2, &lenfield_slots[2].conf)
LENFIELD_WRAPPERS(slot3, &lenfield_slots[3].conf)
LENFIELD_WRAPPERS(slot4, &lenfield_slots[4].conf)
LENFIELD_WRAPPERS(slot5, &lenfield_slots[5].conf)
LENFIELD_WRAPPERS(slot6, &lenfield_slots[6].conf)
LENFIELD_WRAPPERS(slot7, &lenfield_slots[7].conf)
LENFIELD_WRAPPERS(slot8, &lenfield_slots[8].conf)
LENFIELD_WRAPPERS(slot9, &lenfield_slots[9].conf)
LENFIELD_WRAPPERS(slot10, &lenfield_slots[10].conf)
LENFIELD_WRAPPERS(slot11, &lenfield_slots[11].conf)
LENFIELD_WRAPPERS(slot12, &lenfield_slots[12].conf)
LENFIELD_WRAPPERS(slot13, &lenfield_slots[13].conf)
LENFIELD_WRAPPERS(slot14, &lenfield_slots[14].conf)
LENFIELD_WRAPPERS(slot15, &lenfield_slots[15].conf)
_Static_assert(LENFIELD_SLOTS == 16, "one wrapper set per slot");

#define LENFIELD_CODEC(tag, nm, sum) {					\
	.name = nm, .summary = sum, .decode = tag##_decode,		\
	.encode = tag##_encode, .describe = lenfield_describe,		\
	.fields = tag##_fields, .field_names = lenfield_field_names }

const struct codec codec_len16 = LENFIELD_CODEC(len16, "len16",
    "2-byte big-endian length prefix, then the payload");
const struct codec codec_len32 = LENFIELD_CODEC(len32, "len32",
    "4-byte big-endian length prefix, then the payload");
const struct codec codec_varint = LENFIELD_CODEC(varint, "varint",
    "protobuf base-128 varint length, then the payload");
const struct codec codec_lenfield = LENFIELD_CODEC(len32, "lenfield",
    "length field of any layout: lenfield offset=N size=1|2|3|4|8 "
    "order=be|le adjust=N strip=N (default len32)");

static const struct codec lenfield_templates[LENFIELD_SLOTS] = {
	LENFIELD_CODEC(slot0, "", ""), LENFIELD_CODEC(slot1, "", ""),
	LENFIELD_CODEC(slot2, "", ""), LENFIELD_CODEC(slot3, "", ""),
	LENFIELD_CODEC(slot4, "", ""), LENFIELD_CODEC(slot5, "", ""),
	LENFIELD_CODEC(slot6, "", ""), LENFIELD_CODEC(slot7, "", ""),
	LENFIELD_CODEC(slot8, "", ""), LENFIELD_CODEC(slot9, "", ""),
	LENFIELD_CODEC(slot10, "", ""), LENFIELD_CODEC(slot11, "", ""),
	LENFIELD_CODEC(slot12, "", ""), LENFIELD_CODEC(slot13, "", ""),
	LENFIELD_CODEC(slot14, "", ""), LENFIELD_CODEC(slot15, "", ""),
};

/* Parse an unsigned option value no larger than max; -1 if invalid. */
static int
lenfield_num(const char *s, size_t n, long long min, long long max,
    long long *v)
{
	char tmp[24], *end;

	if (n == 0 || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	*v = strtoll(tmp, &end, 10);
	return *end == '\0' && *v >= min && *v <= max ? 0 : -1;
}

const struct codec *
lenfield_open(const char *opts, char *err, size_t errlen)
{
	struct lenfield_conf c = { 0, 4, 0, 0, 0 };
	int strip_set = 0;
	const char *s = opts;
	struct lenfield_slot *sl;
	char name[128];
	long long v;
	size_t i;

	while (*s != '\0') {
		const char *k, *eq, *val;
		size_t kl, vl;

		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0')
			break;
		k = s;
		while (*s != '\0' && *s != ' ' && *s != '\t')
			s++;
		if ((eq = memchr(k, '=', (size_t)(s - k))) == NULL) {
			codec_err(err, errlen, "expected lenfield option "
			    "NAME=VALUE, got '%.*s'", (int)(s - k), k);
			return NULL;
		}
		kl = (size_t)(eq - k);
		val = eq + 1;
		vl = (size_t)(s - val);
		if (kl == 6 && memcmp(k, "offset", 6) == 0 &&
		    lenfield_num(val, vl, 0, LENFIELD_MAX_OFFSET, &v) == 0)
			c.offset = (size_t)v;
		else if (kl == 4 && memcmp(k, "size", 4) == 0 && vl == 6 &&
		    memcmp(val, "varint", 6) == 0)
			c.size = 0;
		else if (kl == 4 && memcmp(k, "size", 4) == 0 &&
		    lenfield_num(val, vl, 1, 8, &v) == 0 && v != 5 && v != 6 &&
		    v != 7)
			c.size = (size_t)v;
		else if (kl == 5 && memcmp(k, "order", 5) == 0 &&
		    vl == 2 && (memcmp(val, "be", 2) == 0 ||
		    memcmp(val, "le", 2) == 0))
			c.little = val[0] == 'l';
		else if (kl == 6 && memcmp(k, "adjust", 6) == 0 &&
		    lenfield_num(val, vl, -(long long)LENFIELD_MAX_LIMIT,
		    (long long)LENFIELD_MAX_LIMIT, &v) == 0)
			c.adjust = v;
		else if (kl == 5 && memcmp(k, "strip", 5) == 0 &&
		    lenfield_num(val, vl, 0, LENFIELD_MAX_OFFSET + 8, &v) == 0) {
			c.strip = (size_t)v;
			strip_set = 1;
		} else {
			codec_err(err, errlen, "invalid lenfield option "
			    "'%.*s' (offset=0..%d, size=1|2|3|4|8|varint, "
			    "order=be|le, adjust=N, strip=N)", (int)(s - k), k,
			    LENFIELD_MAX_OFFSET);
			return NULL;
		}
	}
	if (!strip_set)
		c.strip = c.offset + (c.size == 0 ? 0 : c.size);
	if (c.size == 0 && strip_set) {
		codec_err(err, errlen, "a varint length field is always "
		    "stripped with what precedes it; leave strip unset");
		return NULL;
	}
	snprintf(name, sizeof(name), "lenfield offset=%zu size=%s%s order=%s "
	    "adjust=%lld strip=%zu", c.offset, c.size == 0 ? "varint" : "",
	    c.size == 0 ? "" : (const char []){ (char)('0' + c.size), 0 },
	    c.little ? "le" : "be", c.adjust, c.size == 0 ? 0 : c.strip);
	for (i = 0; i < lenfield_nslots; i++)
		if (strcmp(lenfield_slots[i].name, name) == 0)
			return &lenfield_slots[i].codec;
	if (lenfield_nslots == LENFIELD_SLOTS) {
		codec_err(err, errlen, "more than %d distinct lenfield layouts",
		    LENFIELD_SLOTS);
		return NULL;
	}
	sl = &lenfield_slots[lenfield_nslots];
	sl->conf = c;
	memcpy(sl->name, name, sizeof(name));
	sl->codec = lenfield_templates[lenfield_nslots];
	sl->codec.name = sl->name;
	sl->codec.summary = codec_lenfield.summary;
	lenfield_nslots++;
	return &sl->codec;
}
