/* Small helpers the matchers share: filling a match, scanning lines and
 * words of a reply, splitting product and version. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "probe/probe_int.h"
#include "util.h"

/* Fill m with a verdict; returns conf. */
enum probe_conf
probe_set(struct probe_match *m, enum probe_conf conf, const char *protocol,
    const char *codec, const char *fmt, ...)
{
	va_list ap;

	memset(m, 0, sizeof(*m));
	m->conf = conf;
	snprintf(m->protocol, sizeof(m->protocol), "%s", protocol);
	m->codec = codec;
	va_start(ap, fmt);
	vsnprintf(m->detail, sizeof(m->detail), fmt, ap);
	va_end(ap);
	return conf;
}

/* Copy the first line of p[0..n) as escaped text into out. */
void
probe_first_line(const unsigned char *p, size_t n, char *out, size_t outlen)
{
	size_t l = 0;

	while (l < n && p[l] != '\n' && p[l] != '\r')
		l++;
	escape_bytes(p, l, out, outlen, 1);
}

/* Copy bytes p[0..n) up to a stop character into out as plain text. */
void
probe_word(const unsigned char *p, size_t n, const char *stops, char *out,
    size_t outlen)
{
	size_t i;

	for (i = 0; i < n && i + 1 < outlen && p[i] >= 0x20 && p[i] < 0x7f &&
	    strchr(stops, p[i]) == NULL; i++)
		out[i] = (char)p[i];
	out[i] = '\0';
}

/* 1 if p[0..n) starts with the string s. */
int
probe_starts(const unsigned char *p, size_t n, const char *s)
{
	size_t l = strlen(s);

	return n >= l && memcmp(p, s, l) == 0;
}

/* Where the string s occurs in the first line of p[0..n), or NULL. */
const unsigned char *
probe_in_line(const unsigned char *p, size_t n, const char *s)
{
	size_t l = 0, sl = strlen(s), i;

	while (l < n && p[l] != '\n')
		l++;
	for (i = 0; i + sl <= l; i++)
		if (strncasecmp((const char *)p + i, s, sl) == 0)
			return p + i;
	return NULL;
}

/* Split "Name/1.2.3 rest" or "Name_1.2 rest" into product and version. */
void
probe_product(struct probe_match *m, const unsigned char *p, size_t n,
    char sep)
{
	char word[128], *s;

	probe_word(p, n, " \r\n()", word, sizeof(word));
	if ((s = strchr(word, sep)) != NULL) {
		*s++ = '\0';
		snprintf(m->version, sizeof(m->version), "%.*s",
		    (int)sizeof(m->version) - 1, s);
	}
	snprintf(m->product, sizeof(m->product), "%.*s",
	    (int)sizeof(m->product) - 1, word);
}

const unsigned char *
probe_find(const unsigned char *p, size_t n, const char *s)
{
	return memmem(p, n, s, strlen(s));
}

unsigned
probe_be16(const unsigned char *p)
{
	return ((unsigned)p[0] << 8) | p[1];
}

uint32_t
probe_be32(const unsigned char *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	    ((uint32_t)p[2] << 8) | p[3];
}

uint32_t
probe_le32(const unsigned char *p)
{
	return ((uint32_t)p[3] << 24) | ((uint32_t)p[2] << 16) |
	    ((uint32_t)p[1] << 8) | p[0];
}

int
probe_json_str(const unsigned char *p, size_t n, const char *key,
    char *out, size_t outlen)
{
	char pat[64];
	const unsigned char *v;

	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	if ((v = probe_find(p, n, pat)) == NULL)
		return 0;
	v += strlen(pat);
	probe_word(v, (size_t)(p + n - v), "\"", out, outlen);
	return 1;
}
