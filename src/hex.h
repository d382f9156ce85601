/* Hex digits, the one definition every parser shares. */
#ifndef SB_HEX_H
#define SB_HEX_H

/* Value 0-15 of the hex digit c (either case), or -1 if c is not one. */
static inline int
hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
