/* The dashboard's log in $XDG_STATE_HOME, and files never overwritten. */
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ui_files.h"

#define UI_FILES_MAX_N	10000	/* counters tried before giving up */

/* Make every missing directory of the absolute path dir, each 0700 (the
 * XDG spec's mode for directories it has to create); 0 or -1 with errno. */
static int
ui_files_mkdirs(const char *dir)
{
	char p[4096];
	size_t i, n = strlen(dir);

	if (n == 0 || n >= sizeof(p)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(p, dir, n + 1);
	for (i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		p[i] = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST)
			return -1;
		p[i] = i < n ? '/' : '\0';
	}
	return 0;
}

/* The base state directory: $XDG_STATE_HOME, or $HOME/.local/state. */
static int
ui_files_state_home(char *out, size_t outlen, char *err, size_t errlen)
{
	const char *x = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	struct passwd *pw;

	if (x != NULL && x[0] == '/') {
		snprintf(out, outlen, "%s", x);
		return 0;
	}
	if ((home == NULL || home[0] != '/') &&
	    (pw = getpwuid(getuid())) != NULL)
		home = pw->pw_dir;
	if (home == NULL || home[0] != '/') {
		snprintf(err, errlen, "no log: neither $XDG_STATE_HOME nor "
		    "$HOME is an absolute path");
		return -1;
	}
	snprintf(out, outlen, "%s/.local/state", strcmp(home, "/") == 0 ? "" :
	    home);
	return 0;
}

FILE *
ui_files_log_open(char *path, size_t pathlen, char *err, size_t errlen)
{
	char base[4096], dir[4200];
	struct stat st;
	int dfd, fd;
	FILE *f;

	if (ui_files_state_home(base, sizeof(base), err, errlen) < 0)
		return NULL;
	snprintf(dir, sizeof(dir), "%s/sockbench", base);
	snprintf(path, pathlen, "%s/ui.log", dir);
	if (ui_files_mkdirs(dir) < 0) {
		snprintf(err, errlen, "no log: cannot make %s: %s", dir,
		    strerror(errno));
		return NULL;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0) {
		snprintf(err, errlen, "no log: %s: %s", dir, errno == ELOOP ||
		    errno == ENOTDIR ? "not a directory (a symlink?)" :
		    strerror(errno));
		return NULL;
	}
	if (fstat(dfd, &st) < 0 || st.st_uid != geteuid()) {
		snprintf(err, errlen, "no log: %s is not owned by uid %u", dir,
		    (unsigned)geteuid());
		close(dfd);
		return NULL;
	}
	if ((st.st_mode & 077) != 0 && fchmod(dfd, 0700) < 0) {
		snprintf(err, errlen, "no log: %s is open to others and chmod "
		    "700 failed: %s", dir, strerror(errno));
		close(dfd);
		return NULL;
	}
	fd = openat(dfd, "ui.log", O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0600);
	close(dfd);
	if (fd < 0) {
		snprintf(err, errlen, "no log: %s: %s", path, errno == ELOOP ?
		    "is a symlink, not followed" : errno == ENXIO ?
		    "is a FIFO" : strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid()) {
		snprintf(err, errlen, "no log: %s is not a regular file of "
		    "ours", path);
		close(fd);
		return NULL;
	}
	if ((st.st_mode & 077) != 0)
		fchmod(fd, 0600);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	if ((f = fdopen(fd, "a")) == NULL) {
		snprintf(err, errlen, "no log: %s: %s", path, strerror(errno));
		close(fd);
	}
	return f;
}

int
ui_files_create_new(const char *dir, const char *stem, time_t t,
    const char *ext, int dir_too, char *path, size_t pathlen, char *err,
    size_t errlen)
{
	char stamp[32];
	struct tm tm;
	int n, fd;

	localtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	for (n = 1; n <= UI_FILES_MAX_N; n++) {
		int len = snprintf(path, pathlen, "%s/%s-%s-%d%s", dir, stem,
		    stamp, n, ext != NULL ? ext : "");

		if (len < 0 || (size_t)len >= pathlen) {
			snprintf(err, errlen, "cannot name a file in %s: path "
			    "too long", dir);
			return -1;
		}
		if (dir_too) {
			if (mkdir(path, 0777) == 0)
				return 0;
		} else if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0666)) >= 0)
			return fd;
		if (errno != EEXIST) {
			snprintf(err, errlen, "cannot create %s: %s", path,
			    strerror(errno));
			return -1;
		}
	}
	snprintf(err, errlen, "cannot create %s/%s-%s-N%s: %d names taken",
	    dir, stem, stamp, ext != NULL ? ext : "", UI_FILES_MAX_N);
	return -1;
}
