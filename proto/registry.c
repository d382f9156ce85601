/* The codec registry: every codec, found by name. */
#include <string.h>
#include "codec.h"

const struct codec *const codec_all[] = {
	&codec_raw,
	&codec_line,
	&codec_len16,
	&codec_len32,
	&codec_jsonhdr,
	&codec_http,
	&codec_resp,
	NULL
};

/* Look a codec up by its exact name. */
const struct codec *
codec_find(const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; codec_all[i] != NULL; i++)
		if (strcmp(codec_all[i]->name, name) == 0)
			return codec_all[i];
	return NULL;
}
