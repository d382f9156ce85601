/* libFuzzer target for the len16 codec: decode, describe and encode (see
 * fuzz_codec.h for what is checked). */
#include "fuzz_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Run one input through the len16 codec. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_codec(&codec_len16, data, size);
}
