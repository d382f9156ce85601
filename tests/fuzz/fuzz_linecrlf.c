/* libFuzzer target for the line crlf and line lf codecs: decode, fields, describe
 * and encode (see fuzz_codec.h for what is checked). */
#include "fuzz_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Run one input through the codec. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	/* The last byte picks crlf or lf. */
	return fuzz_codec(data[size - 1] & 1 ? &codec_line_crlf :
	    &codec_line_lf, data, size - 1);
}
