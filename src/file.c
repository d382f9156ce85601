/* Reading a whole regular file without ever blocking on a FIFO or a
 * device: the one loader scenarios, `send file` and data files share. */
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "file.h"

/* Name the kind of a file that is not a regular one, for an error. */
static const char *
file_kind(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISFIFO(m))
		return "a FIFO (pipe)";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a regular file";
}

/* Read a whole regular file of at most max bytes into b; -1 with a reason
 * in why. The open never blocks (O_NONBLOCK: a FIFO without a writer would
 * wait forever) and anything but a regular file is refused from fstat
 * before the first read (a FIFO, a device, a directory, /dev/stdin from a
 * pipe or a terminal). */
int
file_read_regular(const char *path, size_t max, struct buf *b, int *too_big,
    char *why, size_t whylen)
{
	struct stat st;
	ssize_t n;
	int fd;

	*too_big = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)) ==
	    -1) {
		snprintf(why, whylen, "%s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(why, whylen, "%s", strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		const char *k = file_kind(st.st_mode);

		snprintf(why, whylen, "not a regular file: %s%s", k,
		    S_ISDIR(st.st_mode) ? "" : ", which could block the "
		    "read forever");
		close(fd);
		return -1;
	}
	if ((uint64_t)st.st_size > max) {
		*too_big = 1;
		snprintf(why, whylen, "larger than %zu bytes", max);
		close(fd);
		return -1;
	}
	for (;;) {
		unsigned char *dst = buf_reserve(b, 65536);

		n = read(fd, dst, 65536);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		buf_commit(b, (size_t)n);
		if (buf_len(b) > max) {
			*too_big = 1;
			snprintf(why, whylen, "larger than %zu bytes", max);
			close(fd);
			return -1;
		}
	}
	if (n == -1)
		snprintf(why, whylen, "%s", strerror(errno));
	close(fd);
	return n == -1 ? -1 : 0;
}
