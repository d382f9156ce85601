/* Escapes and identifiers of the scenario language. */
#include <stdio.h>
#include "hex.h"
#include "lex.h"

void
lex_put_utf8(struct buf *out, unsigned long cp)
{
	unsigned char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (unsigned char)(0xc0 | (cp >> 6));
		u[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (unsigned char)(0xe0 | (cp >> 12));
		u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (unsigned char)(0xf0 | (cp >> 18));
		u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	buf_append(out, u, n);
}

/* Decode \u{HEX} at s (s[1] == 'u'); bytes used, or -1. */
static ssize_t
lex_escape_unicode(const char *s, size_t n, struct buf *out)
{
	unsigned long cp = 0;
	size_t j = 3, nd = 0;

	if (n < 3 || s[2] != '{')
		return -1;
	while (j < n && hex_digit(s[j]) >= 0 && nd < 7) {
		cp = cp * 16 + (unsigned long)hex_digit(s[j]);
		j++;
		nd++;
	}
	if (nd < 1 || nd > 6 || j >= n || s[j] != '}' || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	lex_put_utf8(out, cp);
	return (ssize_t)(j + 1);
}

ssize_t
lex_escape(const char *s, size_t n, struct buf *out, const char **expected,
    const char **hint)
{
	static const char simple[] = "nrt0\\\"$";
	static const char value[] = "\n\r\t\0\\\"$";
	unsigned char byte;
	ssize_t used;
	size_t k;

	*expected = "an escape sequence";
	*hint = "escapes are " LEX_ESCAPES;
	if (n < 2)
		return -1;
	for (k = 0; simple[k] != '\0'; k++)
		if (s[1] == simple[k]) {
			buf_append(out, &value[k], 1);
			return 2;
		}
	if (s[1] == 'x') {
		if (n >= 4 && hex_digit(s[2]) >= 0 && hex_digit(s[3]) >= 0) {
			byte = (unsigned char)(hex_digit(s[2]) * 16 +
			    hex_digit(s[3]));
			buf_append(out, &byte, 1);
			return 4;
		}
		*expected = "\\xNN with two hex digits";
		*hint = "\\x takes exactly two hex digits, as in \\x0a";
		return -1;
	}
	if (s[1] == 'u') {
		if ((used = lex_escape_unicode(s, n, out)) > 0)
			return used;
		*expected = "\\u{HEX} with a valid code point";
		*hint = "write a Unicode scalar value as \\u{1F430} (1-6 hex "
		    "digits, not a surrogate)";
		return -1;
	}
	return -1;
}

int
lex_ident_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

int
lex_ident_char(int c)
{
	return lex_ident_start(c) || (c >= '0' && c <= '9');
}
