/* libFuzzer target for the jsonhdr codec: decode, describe and encode (see
 * fuzz_codec.h for what is checked), and every text the strict JSON check
 * accepts must also parse with cJSON. */
#include <cjson/cJSON.h>
#include "fuzz_codec.h"
#include "pyjson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Run one input through the jsonhdr codec and the strict JSON check. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off;

	if (pyjson_strict((const char *)data, size, &off)) {
		cJSON *j = cJSON_ParseWithLength((const char *)data, size);

		if (j == NULL)
			fuzz_fail("jsonhdr", "strict JSON that cJSON refuses");
		cJSON_Delete(j);
	} else if (off > size)
		fuzz_fail("jsonhdr", "strict JSON error offset past the end");
	return fuzz_codec(&codec_jsonhdr, data, size);
}
