/* Small helpers shared by every module. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <time.h>
#include "sock.h"
#include "util.h"

/* Print a message and abort: nothing sensible can follow an allocation failure. */
static void
oom(size_t n)
{
	fprintf(stderr, "sockbench: out of memory allocating %zu bytes\n", n);
	abort();
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom(n);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		oom(n * size);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		oom(n);
	return q;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

int
split_hostport(const char *s, char *host, size_t hostlen, int *port,
    char *err, size_t errlen)
{
	const char *colon, *h = s;
	size_t hl;
	char *end;
	long p;

	if (sock_is_unix(s)) {
		struct sockaddr_un un;

		if (sock_unix_parse(s, &un, err, errlen) < 0)
			return -1;
		snprintf(host, hostlen, "localhost");
		*port = 0;
		return 0;
	}
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (rb == NULL || rb[1] != ':') {
			snprintf(err, errlen, "'%s': expected [IPv6]:PORT", s);
			return -1;
		}
		h = s + 1;
		hl = (size_t)(rb - h);
		colon = rb + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL) {
			snprintf(err, errlen, "'%s': expected HOST:PORT", s);
			return -1;
		}
		hl = (size_t)(colon - s);
	}
	if (hl >= hostlen) {
		snprintf(err, errlen, "'%s': host name too long", s);
		return -1;
	}
	errno = 0;
	p = strtol(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || errno != 0 || p < 0 || p > 65535) {
		snprintf(err, errlen, "'%s': port must be a number 0-65535", s);
		return -1;
	}
	memcpy(host, h, hl);
	host[hl] = '\0';
	*port = (int)p;
	return 0;
}

int
addr_resolve(const char *hostport, int passive, struct addr_list *out,
    char *err, size_t errlen)
{
	char host[256], portstr[16];
	struct addrinfo hints, *res, *ai;
	int port, rc;
	size_t n = 0, i;

	out->a = NULL;
	out->n = 0;
	if (sock_is_unix(hostport)) {
		out->a = xcalloc(1, sizeof(*out->a));
		if (sock_unix_parse(hostport, &out->a[0].un, err, errlen) < 0) {
			addr_list_free(out);
			return -1;
		}
		out->n = 1;
		return 0;
	}
	if (split_hostport(hostport, host, sizeof(host), &port, err, errlen) < 0)
		return -1;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
	snprintf(portstr, sizeof(portstr), "%d", port);
	rc = getaddrinfo(host[0] ? host : "127.0.0.1", portstr, &hints, &res);
	if (rc != 0) {
		snprintf(err, errlen, "%s: %s", hostport, rc == EAI_SYSTEM ?
		    strerror(errno) : gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next)
		n++;
	out->a = xcalloc(n, sizeof(*out->a));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		union sb_addr a;

		if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
		    ai->ai_addrlen > sizeof(a))
			continue;
		memset(&a, 0, sizeof(a));
		memcpy(&a, ai->ai_addr, ai->ai_addrlen);
		for (i = 0; i < out->n; i++)
			if (memcmp(&out->a[i], &a, sizeof(a)) == 0)
				break;
		if (i == out->n)
			out->a[out->n++] = a;
	}
	freeaddrinfo(res);
	if (out->n == 0) {
		snprintf(err, errlen, "%s: no IPv4 or IPv6 address", hostport);
		addr_list_free(out);
		return -1;
	}
	return 0;
}

void
addr_list_free(struct addr_list *l)
{
	free(l->a);
	l->a = NULL;
	l->n = 0;
}

socklen_t
addr_len(const union sb_addr *a)
{
	return sock_addr_len(&a->sa);
}

size_t
addr_format(const struct sockaddr *sa, char *out, size_t outlen)
{
	char host[INET6_ADDRSTRLEN];
	int n;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		n = snprintf(out, outlen, "%s:%u", host, ntohs(in->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		n = snprintf(out, outlen, "[%s]:%u", host, ntohs(in6->sin6_port));
	} else if (sa->sa_family == AF_UNIX) {
		const struct sockaddr_un *un = (const struct sockaddr_un *)sa;

		/* An unnamed socket (socketpair, an unbound client, the peer
		 * an accepted connection sees) has no path to show; the
		 * caller zeroed the address, so an abstract name ends at the
		 * first NUL after its leading one. */
		if (un->sun_path[0] != '\0')
			n = snprintf(out, outlen, "unix:%.*s",
			    (int)sizeof(un->sun_path), un->sun_path);
		else if (un->sun_path[1] != '\0')
			n = snprintf(out, outlen, "unix:@%.*s",
			    (int)sizeof(un->sun_path) - 1, un->sun_path + 1);
		else
			n = snprintf(out, outlen, "unix");
	} else
		n = snprintf(out, outlen, "?");
	if (n < 0)
		return 0;
	return (size_t)n < outlen ? (size_t)n : outlen > 0 ? outlen - 1 : 0;
}

int
addr_is_numeric(const char *hostport)
{
	char host[256], err[8];
	unsigned char buf[sizeof(struct in6_addr)];
	int port;

	if (sock_is_unix(hostport))
		return 1;
	if (split_hostport(hostport, host, sizeof(host), &port, err,
	    sizeof(err)) < 0)
		return 0;
	return host[0] == '\0' || inet_pton(AF_INET, host, buf) == 1 ||
	    inet_pton(AF_INET6, host, buf) == 1;
}

double
parse_duration(const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno != 0 || v < 0)
		return -1;
	if (*end == '\0' || strcmp(end, "s") == 0)
		return v;
	if (strcmp(end, "ms") == 0)
		return v / 1000.0;
	if (strcmp(end, "us") == 0)
		return v / 1e6;
	if (strcmp(end, "m") == 0)
		return v * 60.0;
	if (strcmp(end, "h") == 0)
		return v * 3600.0;
	return -1;
}

int
parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	uint64_t mul = 1;

	if (!isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': mul = 1024; end++; break;
	case 'm': case 'M': mul = 1024 * 1024; end++; break;
	case 'g': case 'G': mul = 1024ULL * 1024 * 1024; end++; break;
	default: return -1;
	}
	if (*end == 'i' || *end == 'B' || *end == 'b')
		end++;
	if (*end == 'B')
		end++;
	if (*end != '\0' || (mul > 1 && v > UINT64_MAX / mul))
		return -1;
	*out = v * mul;
	return 0;
}

size_t
utf8_seq_len(const unsigned char *p, size_t n)
{
	size_t len, i;
	unsigned cp;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

/* The code point of the valid UTF-8 sequence of len bytes at p. */
static uint32_t
utf8_decode(const unsigned char *p, size_t len)
{
	uint32_t cp = len == 2 ? p[0] & 0x1f : len == 3 ? p[0] & 0x0f :
	    p[0] & 0x07;
	size_t i;

	for (i = 1; i < len; i++)
		cp = (cp << 6) | (p[i] & 0x3f);
	return cp;
}

/* Whether cp is a combining mark of the common blocks (Unicode general
 * category M): it decorates the letter before it. */
static int
utf8_combining(uint32_t cp)
{
	static const uint32_t r[][2] = {
		{ 0x0300, 0x036f }, { 0x0483, 0x0489 }, { 0x0591, 0x05c7 },
		{ 0x0610, 0x061a }, { 0x064b, 0x065f }, { 0x0670, 0x0670 },
		{ 0x06d6, 0x06ed }, { 0x0711, 0x0711 }, { 0x0730, 0x074a },
		{ 0x07a6, 0x07b0 }, { 0x07eb, 0x07f3 }, { 0x0816, 0x082d },
		{ 0x0859, 0x085b }, { 0x08d3, 0x0903 }, { 0x093a, 0x094f },
		{ 0x1ab0, 0x1aff }, { 0x1dc0, 0x1dff }, { 0x20d0, 0x20ff },
		{ 0xfe00, 0xfe0f }, { 0xfe20, 0xfe2f },
	};
	size_t i;

	for (i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		if (cp >= r[i][0] && cp <= r[i][1])
			return 1;
	return 0;
}

int
bytes_look_binary(const unsigned char *p, size_t n)
{
	size_t i = 0, k;
	int letter = 0, wide = 0;	/* the character before: a letter? */

	for (i = 0; i < n; i++)
		if (p[i] >= 0x80)
			wide = 1;
	if (!wide)
		return 0;	/* ASCII shows the same either way */
	for (i = 0; i < n; i += k) {
		uint32_t cp;

		k = 1;
		if (p[i] < 0x80) {
			if ((p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' &&
			    p[i] != '\r') || p[i] == 0x7f)
				return 1;
			letter = (p[i] | 0x20) >= 'a' && (p[i] | 0x20) <= 'z';
			continue;
		}
		if ((k = utf8_seq_len(p + i, n - i)) == 0)
			return 1;
		cp = utf8_decode(p + i, k);
		if ((cp >= 0x80 && cp <= 0x9f) || cp == 0xad ||
		    (cp >= 0x200b && cp <= 0x200f) ||
		    (cp >= 0x2028 && cp <= 0x202e) ||
		    (cp >= 0x2060 && cp <= 0x206f) || cp == 0xfeff ||
		    (cp >= 0xe000 && cp <= 0xf8ff) ||
		    (cp >= 0xfdd0 && cp <= 0xfdef) ||
		    (cp >= 0xfff0 && cp <= 0xfffc) || (cp & 0xfffe) == 0xfffe ||
		    (cp >= 0x30000 && cp <= 0x10ffff))
			return 1;
		if (utf8_combining(cp)) {
			if (!letter)
				return 1;
			continue;	/* a letter may take several marks */
		}
		letter = 1;	/* a character of a script */
	}
	return 0;
}

size_t
escape_bytes(const unsigned char *p, size_t n, char *out, size_t outlen,
    int utf8)
{
	size_t o = 0, i = 0, starts[4] = { 0 }, nstarts = 0;
	char tmp[8];

	if (outlen == 0)
		return 0;
	while (i < n) {
		const char *s = tmp;
		size_t sl, adv = 1;

		switch (p[i]) {
		case '\n': s = "\\n"; break;
		case '\r': s = "\\r"; break;
		case '\t': s = "\\t"; break;
		case '\\': s = "\\\\"; break;
		case '"': s = "\\\""; break;
		default:
			if (p[i] >= 0x20 && p[i] < 0x7f) {
				tmp[0] = (char)p[i];
				tmp[1] = '\0';
			} else if (utf8 && (adv = utf8_seq_len(p + i, n - i)) > 0) {
				memcpy(tmp, p + i, adv);
				tmp[adv] = '\0';
			} else {
				adv = 1;
				snprintf(tmp, sizeof(tmp), "\\x%02x", p[i]);
			}
		}
		sl = strlen(s);
		if (o + sl + 1 > outlen) {
			/* It does not fit: drop whole pieces (never half an
			 * escape or a character) until "..." fits. */
			while (o + 4 > outlen && nstarts > 0)
				o = starts[--nstarts];
			if (o + 4 <= outlen) {
				memcpy(out + o, "...", 3);
				o += 3;
			}
			out[o] = '\0';
			return o;
		}
		/* Remember where the last few pieces began (a piece is at
		 * most 4 bytes, so 3 pieces free room for "..."). */
		if (nstarts == 4) {
			memmove(starts, starts + 1, 3 * sizeof(starts[0]));
			nstarts = 3;
		}
		starts[nstarts++] = o;
		memcpy(out + o, s, sl);
		o += sl;
		i += adv;
	}
	out[o] = '\0';
	return o;
}

char *
text_sanitize(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, o = 0, k;
	char *out = xmalloc(n * 4 + 1);

	while (i < n) {
		if (p[i] == '\n' || p[i] == '\t' || (p[i] >= 0x20 && p[i] < 0x7f)) {
			out[o++] = (char)p[i++];
		} else if ((k = utf8_seq_len(p + i, n - i)) > 0) {
			memcpy(out + o, p + i, k);
			o += k;
			i += k;
		} else {
			o += (size_t)snprintf(out + o, 5, "\\x%02x", p[i]);
			i++;
		}
	}
	out[o] = '\0';
	return out;
}

size_t
line_sanitize(const char *s, char *out, size_t outlen)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, o = 0, k;

	if (outlen == 0)
		return 0;
	while (i < n) {
		char tmp[8];
		const char *piece = tmp;

		if (p[i] >= 0x20 && p[i] < 0x7f) {
			tmp[0] = (char)p[i];
			tmp[1] = '\0';
			k = 1;
		} else if ((k = utf8_seq_len(p + i, n - i)) > 0) {
			piece = (const char *)p + i;
		} else {
			snprintf(tmp, sizeof(tmp), "\\x%02x", p[i]);
			k = 1;
		}
		size_t len = piece == tmp ? strlen(tmp) : k;

		if (o + len + 1 > outlen)
			break;
		memcpy(out + o, piece, len);
		o += len;
		i += k;
	}
	out[o] = '\0';
	return o;
}

size_t
hex_bytes(const unsigned char *p, size_t n, char *out, size_t outlen)
{
	static const char hx[] = "0123456789abcdef";
	size_t o = 0, i;

	if (outlen == 0)
		return 0;
	for (i = 0; i < n && o + 3 < outlen; i++) {
		if (i > 0)
			out[o++] = ' ';
		out[o++] = hx[p[i] >> 4];
		out[o++] = hx[p[i] & 15];
	}
	out[o] = '\0';
	return o;
}
