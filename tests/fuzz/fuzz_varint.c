/* libFuzzer target for the varint length-delimited codec: decode, fields, describe
 * and encode (see fuzz_codec.h for what is checked). */
#include "fuzz_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Run one input through the codec. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_codec(&codec_varint, data, size);
}
