/* libFuzzer target for lenfield layouts opened with options: decode, fields, describe
 * and encode (see fuzz_codec.h for what is checked). */
#include "fuzz_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Run one input through the codec. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const specs[] = {
		"lenfield offset=1 size=3 order=le adjust=-2 strip=1",
		"lenfield size=8 adjust=4 strip=0",
		"lenfield offset=2 size=1",
		"lenfield offset=3 size=varint",
	};
	const struct codec *cd;

	if (size == 0)
		return 0;
	/* The last byte picks the layout. */
	cd = codec_open(specs[data[size - 1] % 4], NULL, 0);
	if (cd == NULL)
		abort();
	return fuzz_codec(cd, data, size - 1);
}
