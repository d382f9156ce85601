/* The jsonhdr codec: the seed application protocol (seed-protocols.md S3),
 * a 2-byte big-endian header length, a JSON header, then the content. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "codec.h"
#include "codec_util.h"
#include "pyjson.h"
#include "util.h"

#define JSONHDR_PREFIX	2
#define JSONHDR_MAX_HEAD	65535

/* The required header keys, in the order the seed writes them. */
static const char *const jsonhdr_keys[] = {
	"byteorder", "content-type", "content-encoding", "content-length"
};

/* Parse exactly p[0..n) as one JSON value as Python's json.loads would
 * (pyjson_parse: last duplicate key wins, trailing bytes refused); NULL if
 * invalid. cJSON alone is lenient (it reads "\u{1F436}" as a NUL and
 * more); a peer or scenario must send JSON that Python would take. */
static cJSON *
jsonhdr_parse(const unsigned char *p, size_t n)
{
	return pyjson_parse((const char *)p, n, NULL, 0);
}

/* Format an integral number for an error message, in full when short. */
static const char *
jsonhdr_num(double v, char *buf, size_t len)
{
	if (fabs(v) < 1e18)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%g", v);
	return buf;
}

/* Check the header's required keys and return its content-length, or -1
 * with a reason in err. */
static long long
jsonhdr_check(const cJSON *h, size_t max_frame, char *err, size_t errlen)
{
	const cJSON *cl;
	char num[32];
	double v;
	size_t i;

	if (!cJSON_IsObject(h)) {
		codec_err(err, errlen, "JSON header is not an object");
		return -1;
	}
	for (i = 0; i < sizeof(jsonhdr_keys) / sizeof(jsonhdr_keys[0]); i++) {
		if (cJSON_GetObjectItemCaseSensitive(h, jsonhdr_keys[i]) ==
		    NULL) {
			codec_err(err, errlen,
			    "JSON header lacks required key \"%s\"",
			    jsonhdr_keys[i]);
			return -1;
		}
	}
	cl = cJSON_GetObjectItemCaseSensitive(h, "content-length");
	if (!cJSON_IsNumber(cl)) {
		codec_err(err, errlen, "content-length is not an integer");
		return -1;
	}
	v = cl->valuedouble;
	if (isnan(v) || v != floor(v)) {
		codec_err(err, errlen, "content-length %g is not an integer", v);
		return -1;
	}
	if (v < 0) {
		codec_err(err, errlen, "content-length %s is negative",
		    jsonhdr_num(v, num, sizeof(num)));
		return -1;
	}
	if (v > (double)max_frame) {
		codec_err(err, errlen,
		    "content-length %s exceeds the limit of %zu bytes",
		    jsonhdr_num(v, num, sizeof(num)), max_frame);
		return -1;
	}
	return (long long)v;
}

/* The jsonhdr decoder's memory: the header, once parsed and checked, is
 * not parsed again while its content trickles in. */
struct jsonhdr_cursor {
	struct codec_cursor	base;
	int			parsed;		/* clen is known */
	size_t			hlen;		/* JSON header bytes, once known */
	size_t			clen;		/* its content-length */
};
_Static_assert(sizeof(struct jsonhdr_cursor) <= CODEC_CURSOR_MAX,
    "the jsonhdr cursor must fit CODEC_CURSOR_MAX");

/* Decode one message, checking each declared size before waiting for it;
 * the header is parsed once, when its last byte arrives. */
static ssize_t
jsonhdr_resume(struct codec_cursor *cur, const unsigned char *p, size_t n,
    size_t max_frame, struct codec_frame *out, char *err, size_t errlen)
{
	struct jsonhdr_cursor *jc = (struct jsonhdr_cursor *)cur;
	size_t hlen, clen;
	long long cl;
	cJSON *h;

	if (n < JSONHDR_PREFIX)
		return CODEC_NEED_MORE;
	if (!jc->parsed) {
		hlen = ((size_t)p[0] << 8) | p[1];
		if (jc->hlen == 0)
			cur->examined += JSONHDR_PREFIX;
		jc->hlen = hlen;
		if (hlen == 0) {
			codec_err(err, errlen, "JSON header length is 0");
			goto fail;
		}
		if (hlen > max_frame) {
			codec_err(err, errlen, "JSON header of %zu bytes exceeds "
			    "the limit of %zu bytes", hlen, max_frame);
			goto fail;
		}
		if (n - JSONHDR_PREFIX < hlen)
			return CODEC_NEED_MORE;
		cur->examined += hlen;
		if ((h = jsonhdr_parse(p + JSONHDR_PREFIX, hlen)) == NULL) {
			codec_err(err, errlen,
			    "JSON header of %zu bytes is not valid JSON", hlen);
			goto fail;
		}
		cl = jsonhdr_check(h, max_frame, err, errlen);
		cJSON_Delete(h);
		if (cl < 0)
			goto fail;
		jc->parsed = 1;
		jc->clen = (size_t)cl;
	}
	hlen = jc->hlen;
	clen = jc->clen;
	if (n - JSONHDR_PREFIX - hlen < clen)
		return CODEC_NEED_MORE;
	jc->parsed = 0;
	jc->hlen = 0;
	memset(out, 0, sizeof(*out));
	out->frame = p;
	out->frame_len = JSONHDR_PREFIX + hlen + clen;
	out->head = p + JSONHDR_PREFIX;
	out->head_len = hlen;
	out->body = p + JSONHDR_PREFIX + hlen;
	out->body_len = clen;
	return (ssize_t)out->frame_len;
fail:
	jc->parsed = 0;
	jc->hlen = 0;
	return CODEC_ERROR;
}

/* Decode one message from scratch. */
static ssize_t
jsonhdr_decode(const unsigned char *p, size_t n, size_t max_frame,
    struct codec_frame *out, char *err, size_t errlen)
{
	struct jsonhdr_cursor jc;

	memset(&jc, 0, sizeof(jc));
	return jsonhdr_resume(&jc.base, p, n, max_frame, out, err, errlen);
}

/* Add a string member to the header being built unless head overrides it. */
static void
jsonhdr_field(cJSON *hdr, const cJSON *over, const char *key, const char *def)
{
	const cJSON *o = NULL;

	if (over != NULL)
		o = cJSON_GetObjectItemCaseSensitive(over, key);
	if (o != NULL)
		cJSON_AddItemToObject(hdr, key, cJSON_Duplicate(o, 1));
	else
		cJSON_AddStringToObject(hdr, key, def);
}

/* Build the header (defaults, overrides from head, computed length) and
 * append prefix, header and body. */
static int
jsonhdr_encode(const unsigned char *body, size_t body_len, const char *head,
    struct buf *out, char *err, size_t errlen)
{
	cJSON *over = NULL, *hdr, *probe;
	const cJSON *c, *ct;
	const char *type, *enc;
	struct buf hb;
	unsigned char pfx[JSONHDR_PREFIX];
	size_t i;
	int isjson = 0;

	if (head != NULL && *head != '\0') {
		over = jsonhdr_parse((const unsigned char *)head, strlen(head));
		if (!cJSON_IsObject(over)) {
			cJSON_Delete(over);
			codec_err(err, errlen,
			    "header fields must be a JSON object: %s", head);
			return -1;
		}
	}
	if (body_len > 0 && (probe = jsonhdr_parse(body, body_len)) != NULL) {
		isjson = 1;
		cJSON_Delete(probe);
	}
	type = isjson ? "text/json" : "binary/custom-client-binary-type";
	enc = isjson ? "utf-8" : "binary";
	/* An overridden content-type picks the matching default encoding. */
	ct = over != NULL ?
	    cJSON_GetObjectItemCaseSensitive(over, "content-type") : NULL;
	if (cJSON_IsString(ct))
		enc = strncmp(ct->valuestring, "text/", 5) == 0 ?
		    "utf-8" : "binary";
	hdr = cJSON_CreateObject();
	jsonhdr_field(hdr, over, "byteorder", "little");
	jsonhdr_field(hdr, over, "content-type", type);
	jsonhdr_field(hdr, over, "content-encoding", enc);
	cJSON_AddNumberToObject(hdr, "content-length", (double)body_len);
	for (c = over != NULL ? over->child : NULL; c != NULL; c = c->next) {
		for (i = 0; i < sizeof(jsonhdr_keys) / sizeof(jsonhdr_keys[0]);
		    i++)
			if (strcmp(c->string, jsonhdr_keys[i]) == 0)
				break;
		if (i == sizeof(jsonhdr_keys) / sizeof(jsonhdr_keys[0]))
			cJSON_AddItemToObject(hdr, c->string,
			    cJSON_Duplicate(c, 1));
	}
	cJSON_Delete(over);
	buf_init(&hb);
	pyjson_dump(hdr, &hb);
	cJSON_Delete(hdr);
	if (buf_len(&hb) > JSONHDR_MAX_HEAD) {
		codec_err(err, errlen,
		    "JSON header of %zu bytes does not fit a 16-bit length",
		    buf_len(&hb));
		buf_free(&hb);
		return -1;
	}
	pfx[0] = (unsigned char)(buf_len(&hb) >> 8);
	pfx[1] = (unsigned char)(buf_len(&hb) & 0xff);
	buf_append(out, pfx, sizeof(pfx));
	buf_append(out, buf_data(&hb), buf_len(&hb));
	buf_append(out, body, body_len);
	buf_free(&hb);
	return 0;
}

/* Render the header as compact JSON, then the content as compact JSON,
 * escaped text or hex. */
static void
jsonhdr_describe(const struct codec_frame *f, char *out, size_t outlen)
{
	cJSON *j;
	char *s;
	size_t o = 0;

	if (outlen == 0)
		return;
	out[0] = '\0';
	if (f->head != NULL && (j = jsonhdr_parse(f->head, f->head_len)) !=
	    NULL) {
		s = cJSON_PrintUnformatted(j);
		cJSON_Delete(j);
		if (s != NULL) {
			o = codec_copy_text(s, strlen(s), out, outlen);
			free(s);
		}
	} else if (f->head != NULL)
		o = escape_bytes(f->head, f->head_len, out, outlen, 1);
	if (o + 2 >= outlen)
		return;
	out[o++] = ' ';
	out[o] = '\0';
	if (f->body_len > 0 && (j = jsonhdr_parse(f->body, f->body_len)) !=
	    NULL) {
		s = cJSON_PrintUnformatted(j);
		cJSON_Delete(j);
		if (s != NULL) {
			codec_copy_text(s, strlen(s), out + o, outlen - o);
			free(s);
			return;
		}
	}
	if (codec_utf8_valid(f->body, f->body_len))
		escape_bytes(f->body, f->body_len, out + o, outlen - o, 1);
	else
		codec_hex(f->body, f->body_len, out + o, outlen - o);
}

static const char *const jsonhdr_field_names[] = { "kind", "header:*",
    "body", NULL };

/* Report kind "message", each key of the JSON header in order as
 * header:KEY (strings as text, integral numbers as int, anything else as
 * JSON), then the content as body. */
static int
jsonhdr_fields(const struct codec_frame *f, struct buf *scratch,
    codec_field_cb cb, void *arg)
{
	struct codec_field fld;
	const cJSON *it;
	cJSON *h;
	char *js;
	int stop = 0;

	if (f->head == NULL || (h = jsonhdr_parse(f->head, f->head_len)) ==
	    NULL)
		return -1;
	memset(&fld, 0, sizeof(fld));
	fld.name = "kind";
	fld.name_len = 4;
	fld.v.s = (const unsigned char *)"message";
	fld.v.len = 7;
	if (cb(arg, &fld))
		goto out;
	for (it = h->child; it != NULL && !stop; it = it->next) {
		memset(&fld, 0, sizeof(fld));
		fld.group = "header";
		fld.name = it->string;
		fld.name_len = strlen(it->string);
		buf_reset(scratch);
		if (cJSON_IsString(it)) {
			buf_append_str(scratch, it->valuestring);
		} else if (cJSON_IsNumber(it) && it->valuedouble ==
		    floor(it->valuedouble) && fabs(it->valuedouble) < 9e15) {
			fld.v.type = CODEC_V_INT;
			fld.v.num = (long long)it->valuedouble;
			buf_printf(scratch, "%lld", fld.v.num);
		} else if ((js = cJSON_PrintUnformatted(it)) != NULL) {
			fld.v.type = CODEC_V_JSON;
			buf_append_str(scratch, js);
			cJSON_free(js);
		} else
			continue;
		fld.v.s = buf_data(scratch);
		fld.v.len = buf_len(scratch);
		stop = cb(arg, &fld);
	}
	if (!stop) {
		memset(&fld, 0, sizeof(fld));
		fld.name = "body";
		fld.name_len = 4;
		fld.v.s = f->body;
		fld.v.len = f->body_len;
		cb(arg, &fld);
	}
out:
	cJSON_Delete(h);
	return 0;
}

const struct codec codec_jsonhdr = {
	.name = "jsonhdr",
	.summary = "2-byte length, JSON header, content (the seed app protocol)",
	.caps = CODEC_HAS_HEAD | CODEC_SENDS_HEAD,
	.decode = jsonhdr_decode,
	.resume = jsonhdr_resume,
	.cursor_size = sizeof(struct jsonhdr_cursor),
	.encode = jsonhdr_encode,
	.describe = jsonhdr_describe,
	.fields = jsonhdr_fields,
	.field_names = jsonhdr_field_names,
};
