/* A test tool: decode a captured byte stream with a codec and print each
 * frame's JSON view (codec_json), one line per frame, feeding the bytes
 * in pieces of 7 as a connection would, and decoding what is left at the
 * end as a close. Usage: codec_dump SPEC FILE [HEAD_FRAME...]: each
 * HEAD_FRAME (0 first) is decoded with CODEC_HINT_HEAD. Exit 1 on a
 * decode error (printed as "error: REASON"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "buf.h"
#include "codec.h"

/* Return 1 if frame index k was named on the command line. */
static int
is_head(int argc, char **argv, size_t k)
{
	int i;

	for (i = 3; i < argc; i++)
		if ((size_t)strtoul(argv[i], NULL, 10) == k)
			return 1;
	return 0;
}

/* Print one frame's JSON view. */
static void
print_frame(const struct codec *c, const struct codec_frame *f)
{
	struct buf js;

	buf_init(&js);
	if (codec_json(c, f, &js) == -1)
		printf("nojson\n");
	else
		printf("%.*s\n", (int)buf_len(&js), (const char *)buf_data(&js));
	buf_free(&js);
}

int
main(int argc, char **argv)
{
	const struct codec *c;
	struct codec_cursor *cur = NULL;
	struct codec_frame f;
	struct buf in, rx;
	char err[256], tmp[4096];
	size_t n, at = 0, frames = 0;
	ssize_t r;
	FILE *fp;

	if (argc < 3) {
		fprintf(stderr, "usage: codec_dump SPEC FILE [HEAD_FRAME...]\n");
		return 2;
	}
	if ((c = codec_open(argv[1], err, sizeof(err))) == NULL) {
		fprintf(stderr, "codec_dump: %s\n", err);
		return 2;
	}
	if ((fp = fopen(argv[2], "rb")) == NULL) {
		perror(argv[2]);
		return 2;
	}
	buf_init(&in);
	buf_init(&rx);
	while ((n = fread(tmp, 1, sizeof(tmp), fp)) > 0)
		buf_append(&in, tmp, n);
	fclose(fp);
	while (at < buf_len(&in) || buf_len(&rx) > 0) {
		n = buf_len(&in) - at < 7 ? buf_len(&in) - at : 7;
		buf_append(&rx, buf_data(&in) + at, n);
		at += n;
		for (;;) {
			if (is_head(argc, argv, frames))
				codec_cursor_hint(c, &cur, CODEC_HINT_HEAD);
			if (at < buf_len(&in))
				r = codec_decode(c, &cur, buf_data(&rx),
				    buf_len(&rx), CODEC_MAX_FRAME_DEFAULT, &f,
				    err, sizeof(err));
			else
				r = codec_decode_eof(c, &cur, buf_data(&rx),
				    buf_len(&rx), CODEC_MAX_FRAME_DEFAULT, &f,
				    err, sizeof(err));
			if (r == CODEC_ERROR) {
				printf("error: %s\n", err);
				return 1;
			}
			if (r <= 0)
				break;
			print_frame(c, &f);
			buf_consume(&rx, (size_t)r);
			frames++;
		}
		if (at == buf_len(&in) && r == 0)
			break;
	}
	codec_cursor_free(&cur);
	buf_free(&in);
	buf_free(&rx);
	return 0;
}
