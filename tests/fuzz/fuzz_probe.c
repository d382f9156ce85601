/* libFuzzer target for the probe's matchers (src/probe.c, src/probe/):
 * the first byte picks the probe whose payload was "sent" (and whether
 * the server closed), the rest is the reply, copied to a buffer of its
 * exact size so that any read past it is caught. Every matcher runs on
 * it through probe_match_reply; a match must name a protocol and a codec
 * and keep its strings terminated. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Run one input through every matcher. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char sent[PROBE_MAX_SENT];
	struct probe_match m;
	const char *name;
	size_t n = 0, pick;
	unsigned char *reply;
	int sl;

	if (size < 1)
		return 0;
	while (probe_name(n) != NULL)
		n++;
	pick = (data[0] & 0x7f) % n;
	name = probe_name(pick);
	sl = probe_payload(name, "127.0.0.1", sent, sizeof(sent));
	if (sl < 0)
		abort();
	reply = malloc(size - 1 > 0 ? size - 1 : 1);
	memcpy(reply, data + 1, size - 1);
	if (probe_match_reply(name, sent, (size_t)sl, reply, size - 1,
	    data[0] >> 7, &m) > PROBE_NONE) {
		if (m.protocol[0] == '\0' || m.codec == NULL ||
		    memchr(m.detail, 0, sizeof(m.detail)) == NULL ||
		    memchr(m.product, 0, sizeof(m.product)) == NULL ||
		    memchr(m.version, 0, sizeof(m.version)) == NULL)
			abort();
	}
	free(reply);
	return 0;
}
