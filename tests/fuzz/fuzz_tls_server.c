/* libFuzzer target for the TLS server path (transport_tls.c): a server
 * transport made by transport_tls_init with sockbench's own server context
 * (tls_ctx_new: self-signed certificate, no renegotiation, a bounded
 * certificate list, ALPN) is fed the input as the client's bytes, then the
 * client's EOF, through an in-memory socketpair, and driven exactly as
 * conn.c drives it (connect_done until the handshake ends, then read)
 * until it fails, finishes or waits. Checked: no crash, no leak, every
 * failure carries a reason, no step loops without progress. The seed
 * corpus holds recorded client hellos (tests/fuzz/corpus/tls_server/). */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include "transport.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The server context, made once (a certificate per input would be slow). */
static struct tls_ctx *fuzz_ctx;

/* Feed one input to a fresh server transport. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tls_opts o = { .server = 1, .alpn = "h2,http/1.1" };
	struct transport t;
	struct tls_info info;
	char err[200], buf[4096];
	int fds[2], steps, done = 0;

	if (size > 60000)		/* fits the socket buffer at once */
		return 0;
	if (fuzz_ctx == NULL && tls_ctx_new(&o, &fuzz_ctx, err,
	    sizeof(err)) < 0) {
		fprintf(stderr, "fuzz_tls_server: %s\n", err);
		abort();
	}
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) < 0)
		abort();
	fcntl(fds[1], F_SETFL, O_NONBLOCK);
	if (size > 0 && write(fds[0], data, size) != (ssize_t)size)
		abort();
	shutdown(fds[0], SHUT_WR);	/* then the client's EOF */
	memset(&info, 0, sizeof(info));
	transport_tls_init(&t, fds[1], fuzz_ctx, &info);
	/* Each step consumes input or ends: bounded by its size. */
	for (steps = 0; steps < 10000; steps++) {
		if (!done) {
			if (transport_connect_done(&t) == 0) {
				done = 1;
				assert(info.done);
				continue;
			}
		} else {
			ssize_t n = transport_read(&t, buf, sizeof(buf));

			if (n > 0)
				continue;
			if (n == 0)
				break;		/* close_notify or EOF */
		}
		if (errno == EAGAIN) {
			/* A server waiting to write (its flight to a
			 * client that never reads) or to read past the
			 * EOF: the input is spent. */
			assert(t.want != TRANSPORT_WANT_NONE);
			break;
		}
		/* A failure: TLS failures name OpenSSL's reason. */
		assert(errno != EPROTO || (t.err != NULL && t.err[0] != '\0'));
		break;
	}
	assert(steps < 10000);
	transport_close(&t);
	close(fds[0]);
	return 0;
}
