/* Opening a file named by a peer, strictly below a root directory.
 *
 * Two ways to resolve the name, both race-free: openat2 with
 * RESOLVE_BENEATH, where the kernel refuses any escape (symlinks that stay
 * inside are followed); or, where openat2 is missing or forbidden (older
 * kernels, seccomp, valgrind: ENOSYS, EPERM), a walk one component at a
 * time with openat(O_NOFOLLOW | O_DIRECTORY) from the root's fd, which
 * follows no symlink at all. Either way the file is first looked at without
 * being opened (an O_PATH fd, fstat / fstatat), so a device node, FIFO or
 * socket is refused before any open(2) of it, and the regular file checked
 * is the one read: it is reopened through its O_PATH fd, never looked up
 * again by name. */
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

#define FSROOT_ENV_FALLBACK	"SOCKBENCH_FSROOT_NO_OPENAT2"

/* Set by fsroot_force_fallback (tests): skip openat2. */
static int fsroot_forced;

void
fsroot_force_fallback(int on)
{
	fsroot_forced = on != 0;
}

int
fsroot_fallback_forced(void)
{
	const char *e = getenv(FSROOT_ENV_FALLBACK);

	return fsroot_forced || (e != NULL && *e != '\0' && strcmp(e, "0") != 0);
}

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

/* Normalize an absolute path in place: no empty or "." components, no
 * trailing slash ("/" stays "/"). The path holds no ".." (checked before). */
static void
fsroot_normalize(char *path)
{
	char *r = path, *w = path;

	while (*r != '\0') {
		while (*r == '/')
			r++;
		if (*r == '\0')
			break;
		if (r[0] == '.' && (r[1] == '/' || r[1] == '\0')) {
			r++;
			continue;
		}
		*w++ = '/';
		while (*r != '\0' && *r != '/')
			*w++ = *r++;
	}
	if (w == path)
		*w++ = '/';
	*w = '\0';
}

/* If the normalized absolute path abs lies inside dir (absolute,
 * normalized), return the part below it ("" for dir itself), else NULL. */
static const char *
fsroot_below(const char *abs, const char *dir)
{
	size_t dl = strlen(dir);

	if (strcmp(dir, "/") == 0)
		return abs + 1;
	if (strncmp(abs, dir, dl) != 0)
		return NULL;
	if (abs[dl] == '\0')
		return abs + dl;
	return abs[dl] == '/' ? abs + dl + 1 : NULL;
}

/* Turn an absolute request into a path relative to root when it lies
 * inside it (as the root resolves, or as it is written); 0, or -1 with a
 * reason in err. The seed server serves any absolute path; sockbench
 * serves those below its root. */
static int
fsroot_relative(const char *root, char *path, size_t pathsize, char *err,
    size_t errlen)
{
	char rroot[PATH_MAX], lroot[2 * PATH_MAX + 2], abs[FSROOT_MAX_PATH + 2];
	const char *rel = NULL;

	snprintf(abs, sizeof(abs), "%s", path);
	fsroot_normalize(abs);
	if (realpath(root, rroot) != NULL)
		rel = fsroot_below(abs, rroot);
	if (rel == NULL) {
		/* The root as written, made absolute against the cwd. */
		if (root[0] == '/')
			snprintf(lroot, sizeof(lroot), "%s", root);
		else if (getcwd(rroot, sizeof(rroot)) != NULL)
			snprintf(lroot, sizeof(lroot), "%s/%s", rroot, root);
		else
			lroot[0] = '\0';
		if (lroot[0] != '\0' && strstr(lroot, "/../") == NULL) {
			fsroot_normalize(lroot);
			rel = fsroot_below(abs, lroot);
		}
	}
	if (rel == NULL) {
		snprintf(err, errlen, "absolute path outside the served "
		    "directory refused");
		return -1;
	}
	snprintf(path, pathsize, "%s", *rel != '\0' ? rel : ".");
	return 0;
}

/* Resolve path below the root fd with openat2 (RESOLVE_BENEATH) to an
 * O_PATH fd: nothing is opened for reading, not even a device. */
static int
fsroot_resolve_openat2(int dfd, const char *path)
{
	struct open_how how;

	memset(&how, 0, sizeof(how));
	how.flags = O_PATH | O_CLOEXEC;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
	return (int)syscall(SYS_openat2, dfd, path, &how, sizeof(how));
}

/* Resolve path below the root fd one component at a time: every directory
 * with openat(O_NOFOLLOW | O_DIRECTORY), the last name checked with
 * fstatat before an O_PATH fd is taken. Returns the O_PATH fd, or -1 with
 * errno (ELOOP for any symlink, EXDEV never: nothing can leave). */
static int
fsroot_resolve_walk(int dfd, const char *path, struct stat *st)
{
	char name[FSROOT_MAX_PATH + 1];
	const char *p = path, *slash;
	int dir, next, fd, saved;
	size_t n;

	if ((dir = dup(dfd)) < 0)
		return -1;
	for (;;) {
		while (*p == '/')
			p++;
		slash = strchr(p, '/');
		n = slash != NULL ? (size_t)(slash - p) : strlen(p);
		while (slash != NULL && slash[1] == '/')
			slash++;
		if (slash != NULL && slash[1] == '\0')
			slash = NULL;	/* "dir/" names dir */
		memcpy(name, p, n);
		name[n] = '\0';
		if (n == 0)
			snprintf(name, sizeof(name), ".");
		if (slash == NULL)
			break;
		next = openat(dir, name, O_PATH | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (next < 0) {
			saved = errno;
			/* Say "symlink" for a link, not "not a directory". */
			if (fstatat(dir, name, st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISLNK(st->st_mode))
				saved = ELOOP;
			close(dir);
			errno = saved;
			return -1;
		}
		close(dir);
		dir = next;
		p = slash + 1;
	}
	if (fstatat(dir, name, st, AT_SYMLINK_NOFOLLOW) < 0) {
		saved = errno;
		close(dir);
		errno = saved;
		return -1;
	}
	if (S_ISLNK(st->st_mode)) {
		close(dir);
		errno = ELOOP;
		return -1;
	}
	if (!S_ISREG(st->st_mode) && !S_ISDIR(st->st_mode)) {
		/* A device, FIFO or socket: refused before any open. */
		close(dir);
		errno = EINVAL;
		return -1;
	}
	fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	saved = errno;
	close(dir);
	errno = saved;
	return fd;
}

/* Open the file behind an O_PATH fd for reading, without looking its name
 * up again: through /proc/self/fd, which reaches that very inode. */
static int
fsroot_reopen(int pfd)
{
	char proc[64];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
	/* O_NONBLOCK: reads of a regular file ignore it; it is there in case
	 * the kernel ever hands back something else. */
	return open(proc, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
}

int
fsroot_open(const char *root, const unsigned char *req, size_t len,
    uint64_t *size, char *err, size_t errlen)
{
	char path[FSROOT_MAX_PATH + 2];
	struct stat st, st2;
	int dfd, pfd = -1, fd, walk;

	/* A request typed by hand may end in a newline; it is not the name. */
	while (len > 0 && (req[len - 1] == '\n' || req[len - 1] == '\r'))
		len--;
	if (fsroot_lexical((const char *)req, len, err, errlen) < 0)
		return -1;
	memcpy(path, req, len);
	path[len] = '\0';
	if (path[0] == '/' &&
	    fsroot_relative(root, path, sizeof(path), err, errlen) < 0)
		return -1;
	if ((dfd = open(root, O_DIRECTORY | O_PATH | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "served directory: %s", strerror(errno));
		return -1;
	}
	walk = fsroot_fallback_forced();
	if (!walk) {
		pfd = fsroot_resolve_openat2(dfd, path);
		if (pfd < 0 && (errno == ENOSYS || errno == EPERM))
			walk = 1;
		else if (pfd >= 0 && fstat(pfd, &st) < 0) {
			close(pfd);
			pfd = -1;
		}
	}
	if (walk)
		pfd = fsroot_resolve_walk(dfd, path, &st);
	if (pfd < 0) {
		int e = errno;

		close(dfd);
		if (e == ELOOP && walk)
			snprintf(err, errlen, "'%s' goes through a symlink and is "
			    "refused (without openat2 no symlink is followed)",
			    path);
		else if (e == EXDEV || e == ELOOP)
			snprintf(err, errlen, "'%s' leaves the served directory "
			    "(symlink) and is refused", path);
		else if (e == ENOENT || e == ENOTDIR)
			snprintf(err, errlen, "no such file: '%s'", path);
		else if (e == EINVAL)
			snprintf(err, errlen, "'%s' is not a regular file", path);
		else
			snprintf(err, errlen, "'%s': %s", path, strerror(e));
		return -1;
	}
	close(dfd);
	/* Looked at, not opened: only a regular file goes further. */
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "'%s' is not a regular file", path);
		close(pfd);
		return -1;
	}
	fd = fsroot_reopen(pfd);
	close(pfd);
	if (fd < 0) {
		snprintf(err, errlen, "'%s': %s (reopening needs /proc)", path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st2) < 0 || !S_ISREG(st2.st_mode) ||
	    st2.st_ino != st.st_ino || st2.st_dev != st.st_dev) {
		snprintf(err, errlen, "'%s' changed while it was opened", path);
		close(fd);
		return -1;
	}
	*size = (uint64_t)st2.st_size;
	return fd;
}
