/* Opening a file named by a peer, strictly below a root directory. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "fsroot.h"

/* Refuse what a path must never contain, before touching the file system. */
static int
fsroot_lexical(const char *path, size_t len, char *err, size_t errlen)
{
	const char *p = path;

	if (len == 0) {
		snprintf(err, errlen, "empty file name");
		return -1;
	}
	if (memchr(path, '\0', len) != NULL) {
		snprintf(err, errlen, "NUL byte in file name refused");
		return -1;
	}
	if (len > FSROOT_MAX_PATH) {
		snprintf(err, errlen, "file name longer than %d bytes refused",
		    FSROOT_MAX_PATH);
		return -1;
	}
	if (path[0] == '/') {
		snprintf(err, errlen, "absolute path refused");
		return -1;
	}
	/* The request is not NUL-terminated: walk its len bytes only. */
	while (p < path + len) {
		const char *slash = memchr(p, '/', (size_t)(path + len - p));
		size_t n = slash != NULL ? (size_t)(slash - p) :
		    (size_t)(path + len - p);

		if (n == 2 && p[0] == '.' && p[1] == '.') {
			snprintf(err, errlen, "'..' in path refused");
			return -1;
		}
		p += n + 1;
	}
	return 0;
}

/* Open path below root with the kernel refusing any escape (openat2). */
static int
fsroot_openat2(const char *root, const char *path)
{
	struct open_how how;
	int dfd, fd, saved;

	dfd = open(root, O_DIRECTORY | O_PATH | O_CLOEXEC);
	if (dfd < 0)
		return -1;
	memset(&how, 0, sizeof(how));
	/* O_NONBLOCK: opening a FIFO must not stall the loop; fstat then
	 * refuses it. Reads of a regular file ignore the flag. */
	how.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
	fd = (int)syscall(SYS_openat2, dfd, path, &how, sizeof(how));
	saved = errno;
	close(dfd);
	errno = saved;
	return fd;
}

/* Open path below root by resolving both and comparing prefixes (for
 * kernels without openat2). */
static int
fsroot_realpath(const char *root, const char *path)
{
	char rroot[PATH_MAX], full[PATH_MAX * 2], rfull[PATH_MAX];
	size_t rl;

	if (realpath(root, rroot) == NULL)
		return -1;
	snprintf(full, sizeof(full), "%s/%s", rroot, path);
	if (realpath(full, rfull) == NULL)
		return -1;
	rl = strlen(rroot);
	if (strncmp(rfull, rroot, rl) != 0 ||
	    (rfull[rl] != '/' && rfull[rl] != '\0' && rl > 1)) {
		errno = EXDEV;
		return -1;
	}
	return open(rfull, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
}

int
fsroot_open(const char *root, const unsigned char *req, size_t len,
    uint64_t *size, char *err, size_t errlen)
{
	char path[FSROOT_MAX_PATH + 1];
	struct stat st;
	int fd;

	/* A request typed by hand may end in a newline; it is not the name. */
	while (len > 0 && (req[len - 1] == '\n' || req[len - 1] == '\r'))
		len--;
	if (fsroot_lexical((const char *)req, len, err, errlen) < 0)
		return -1;
	memcpy(path, req, len);
	path[len] = '\0';
	fd = fsroot_openat2(root, path);
	if (fd < 0 && (errno == ENOSYS || errno == EPERM))
		fd = fsroot_realpath(root, path);
	if (fd < 0) {
		if (errno == EXDEV || errno == ELOOP)
			snprintf(err, errlen, "'%s' leaves the served directory "
			    "(symlink) and is refused", path);
		else if (errno == ENOENT || errno == ENOTDIR)
			snprintf(err, errlen, "no such file: '%s'", path);
		else
			snprintf(err, errlen, "'%s': %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "'%s' is not a regular file", path);
		close(fd);
		return -1;
	}
	*size = (uint64_t)st.st_size;
	return fd;
}
