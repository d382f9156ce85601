/* The file service (seed 003 download protocol): the size in ASCII, wait for
 * the client's acknowledgement, then the bytes; "0001" + an error text for
 * anything that is not a file below the root. Never runs a command. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "conn.h"
#include "fsroot.h"
#include "svc.h"

enum { FILE_REQUEST, FILE_ACK, FILE_SENDING };

#define FILE_CHUNK	65536

/* Send file bytes until the socket pushes back or the file is done. */
static void
file_pump(struct conn *c)
{
	struct svc_conn *sc = c->udata;
	unsigned char chunk[FILE_CHUNK];

	while (sc->stage == FILE_SENDING && !c->dead && buf_len(&c->tx) == 0) {
		size_t want = sc->left < sizeof(chunk) ? (size_t)sc->left :
		    sizeof(chunk);
		ssize_t n = want ? read(sc->fd, chunk, want) : 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || (n == 0 && sc->left > 0)) {
			conn_fail(c, "file: read error after %s",
			    n < 0 ? strerror(errno) : "the file shrank");
			return;
		}
		if (n > 0) {
			conn_send(c, chunk, (size_t)n);
			sc->left -= (uint64_t)n;
		}
		if (sc->left == 0) {
			close(sc->fd);
			sc->fd = -1;
			sc->stage = FILE_REQUEST;
			conn_pause(c, 0);
		}
	}
}

/* A request (a file name) or the acknowledgement of a size. */
static void
file_msg(struct conn *c, const struct codec_frame *f)
{
	struct svc_conn *sc = c->udata;
	char err[256], size[32];
	uint64_t sz;
	int fd;

	switch (sc->stage) {
	case FILE_REQUEST:
		fd = fsroot_open(sc->cfg->root, f->frame, f->frame_len, &sz,
		    err, sizeof(err));
		if (fd < 0) {
			char reply[300];
			int n = snprintf(reply, sizeof(reply), "0001%s", err);

			conn_warn(c, "file: %s", err);
			conn_send_msg(c, reply, (size_t)n);
			return;
		}
		sc->fd = fd;
		sc->left = sz;
		sc->stage = FILE_ACK;
		snprintf(size, sizeof(size), "%llu", (unsigned long long)sz);
		conn_send_msg(c, size, strlen(size));
		break;
	case FILE_ACK:
		/* Any reply acknowledges the size; the bytes follow. Stop
		 * reading so a request sent meanwhile waits its turn. */
		sc->stage = FILE_SENDING;
		conn_pause(c, 1);
		conn_note_msg_out(c, (const unsigned char *)"(file content)", 14);
		file_pump(c);
		break;
	default:
		break;
	}
}

static const struct conn_handler file_handler = {
	.on_msg = file_msg,
	.on_drain = file_pump,
	.on_close = svc_free,
};

const struct service service_file = {
	.name = "file",
	.summary = "seed 003 download: size, wait for ack, bytes (root=DIR)",
	.codec = "raw",
	.options = (const char *const[]){ "root", NULL },
	.handler = &file_handler,
};
