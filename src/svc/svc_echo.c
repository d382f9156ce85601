/* The echo service (seeds 000, 001, 003, 004): bytes back, in order, with
 * an optional prefix, suffix or fixed reply. */
#include <string.h>
#include "buf.h"
#include "conn.h"
#include "svc.h"

/* The seed servers read at most this much per recv(); a decorated reply is
 * made per piece of this size so replies match theirs byte for byte. */
#define ECHO_SEED_READ	1024

/* Reply to one piece of received data. */
static void
echo_piece(struct conn *c, const struct service_cfg *cfg,
    const unsigned char *p, size_t n)
{
	if (cfg->fixed != NULL) {
		conn_send_msg(c, cfg->fixed, cfg->fixed_len);
		return;
	}
	unsigned char tmp[ECHO_SEED_READ + 256];
	struct buf b;

	if (cfg->prefix_len + n + cfg->suffix_len <= sizeof(tmp)) {
		if (cfg->prefix_len > 0)
			memcpy(tmp, cfg->prefix, cfg->prefix_len);
		memcpy(tmp + cfg->prefix_len, p, n);
		if (cfg->suffix_len > 0)
			memcpy(tmp + cfg->prefix_len + n, cfg->suffix,
			    cfg->suffix_len);
		conn_send_msg(c, tmp, cfg->prefix_len + n + cfg->suffix_len);
		return;
	}
	buf_init(&b);
	buf_append(&b, cfg->prefix, cfg->prefix_len);
	buf_append(&b, p, n);
	buf_append(&b, cfg->suffix, cfg->suffix_len);
	conn_send_msg(c, buf_data(&b), buf_len(&b));
	buf_free(&b);
}

/* Send back what arrived. */
static void
echo_msg(struct conn *c, const struct codec_frame *f)
{
	struct svc_conn *sc = c->udata;
	const struct service_cfg *cfg = sc->cfg;
	size_t off;

	if (cfg->prefix == NULL && cfg->suffix == NULL && cfg->fixed == NULL) {
		conn_send_msg(c, f->frame, f->frame_len);
		return;
	}
	for (off = 0; off < f->frame_len; off += ECHO_SEED_READ) {
		size_t n = f->frame_len - off;

		if (n > ECHO_SEED_READ)
			n = ECHO_SEED_READ;
		echo_piece(c, cfg, f->frame + off, n);
	}
}

static const struct conn_handler echo_handler = {
	.on_msg = echo_msg,
	.on_close = svc_free,
};

const struct service service_echo = {
	.name = "echo",
	.summary = "send back every byte (options: prefix=, suffix=, fixed=)",
	.codec = "raw",
	.options = (const char *const[]){ "prefix", "suffix", "fixed", NULL },
	.handler = &echo_handler,
};
