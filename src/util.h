/* Small helpers shared by every module: allocation that aborts on failure,
 * addresses, and bounded string formatting. */
#ifndef SB_UTIL_H
#define SB_UTIL_H
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

/* Allocate or abort with a message: allocation failure is not recoverable. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Parse "HOST:PORT" (HOST may be empty, a name, an IPv4 or [IPv6]) into host
 * and port buffers; returns 0, or -1 with err filled. A Unix socket address
 * ("unix:/PATH", "unix:@NAME", sock.h) is checked the same way and gives
 * host "localhost" (what an HTTP Host or TLS SNI names a local socket by,
 * as curl --unix-socket does) and port 0. */
int split_hostport(const char *s, char *host, size_t hostlen, int *port,
    char *err, size_t errlen);

/* One socket address of a name, IPv4 or IPv6, or a Unix socket's path
 * (110 bytes; a pool keeps one list for all its connections). */
union sb_addr {
	struct sockaddr		sa;
	struct sockaddr_in	in;
	struct sockaddr_in6	in6;
	struct sockaddr_un	un;
};

/* Every TCP address of a name, in getaddrinfo's order (glibc sorts it by
 * RFC 6724: on stock Debian `localhost` gives ::1, then 127.0.0.1), with
 * duplicates dropped. Allocated by addr_resolve, freed by addr_list_free. */
struct addr_list {
	union sb_addr	*a;
	size_t		 n;
};

/* Resolve "HOST:PORT" (an empty HOST is 127.0.0.1) with getaddrinfo, which
 * blocks: call it once, before the loop runs. "unix:/PATH" and
 * "unix:@NAME" give their one AF_UNIX address without a lookup. passive asks for addresses to
 * bind (AI_PASSIVE). Returns 0 with out filled (n >= 1), or -1 with err
 * naming hostport and the resolver's reason. */
int addr_resolve(const char *hostport, int passive, struct addr_list *out,
    char *err, size_t errlen);
/* Free the addresses addr_resolve made; l is empty again. */
void addr_list_free(struct addr_list *l);
/* The byte length of a's sockaddr, for bind and connect. */
socklen_t addr_len(const union sb_addr *a);
/* Write "127.0.0.1:7000" or "[::1]:7000" (RFC 3986 host syntax), a Unix
 * socket's "unix:/PATH" or "unix:@NAME" as --connect takes it ("unix" when
 * it has none: an accepted peer), or "?" to out; returns the length
 * written. */
size_t addr_format(const struct sockaddr *sa, char *out, size_t outlen);
/* Whether the HOST of "HOST:PORT" is a numeric IPv4/IPv6 address (or
 * empty), or hostport a Unix socket, so it can stand for only one address. */
int addr_is_numeric(const char *hostport);

/* Parse a duration such as "500ms", "2s", "1m", "1.5" (seconds); -1 if bad. */
double parse_duration(const char *s);

/* Parse a size such as "64", "4k", "1M", "2G"; returns 0 or -1 if bad. */
int parse_size(const char *s, uint64_t *out);

/* Render bytes as printable text with C-style escapes (\n, \r, \t, \\, \xNN),
 * keeping valid UTF-8 as is when utf8 is set; always NUL-terminates out and
 * returns the length written (truncated with "..." when it does not fit). */
size_t escape_bytes(const unsigned char *p, size_t n, char *out, size_t outlen,
    int utf8);

/* 1 when bytes with non-ASCII in them look binary rather than text, so a
 * report should show them as \xNN escapes (escape_bytes with utf8 = 0),
 * not as characters: some byte is invalid UTF-8 or a control other than
 * \t \n \r, or some character is one text does not hold on its own (C1
 * controls, format and private-use characters, noncharacters, a
 * combining mark not after a letter: bytes de ad are U+07AD, a Thaana
 * mark). 0 for ASCII and for ordinary UTF-8 text. */
int bytes_look_binary(const unsigned char *p, size_t n);

/* Length of the valid UTF-8 sequence of 2-4 bytes at p, or 0. */
size_t utf8_seq_len(const unsigned char *p, size_t n);

/* Copy text keeping valid UTF-8, newlines and tabs, and writing any other
 * control or invalid byte as \xNN; returns a new string. For text that
 * may hold a peer's bytes on its way into a report. */
char *text_sanitize(const char *s);

/* Copy s into out (always NUL-terminated, cut at a character boundary)
 * with control characters and invalid UTF-8 written as \xNN, quotes and
 * backslashes left as they are: for one line of text that quotes a peer.
 * Returns the length written. */
size_t line_sanitize(const char *s, char *out, size_t outlen);

/* Render bytes as hex pairs separated by spaces; returns length written. */
size_t hex_bytes(const unsigned char *p, size_t n, char *out, size_t outlen);

#endif
