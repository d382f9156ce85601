/* The dashboard's log in $XDG_STATE_HOME, and files never overwritten. */
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "buf.h"
#include "transport.h"
#include "ui_files.h"
#include "ui_fmt.h"
#include "ui_model.h"
#include "ui_msgview.h"

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

/* One message's lines for a transcript: the decoded pane's, else the
 * codec's rendering (events: their text). */
static void
ui_files_msg_lines(const struct ui_conn *c, const struct ui_msg *msg,
    struct buf *lines)
{
	char text[UI_MSG_BYTES * 4 + 64];

	if (msg->kind != UI_MSG_EVENT && msg->kept == msg->len &&
	    ui_msgview_render(ui_model_codec(c), msg->data,
	    msg->kept, lines) > 0)
		return;
	ui_model_describe(c, msg, text, sizeof(text));
	buf_append(lines, text, strlen(text));
}

void
ui_files_transcript_text(const struct ui_conn *c, double wall_off,
    struct buf *out)
{
	const struct conn_info *ci = ui_model_conn_info(c);
	const struct ui_msg *msg;
	char ts[32], rel[32], size[80];
	struct buf lines;

	ui_fmt_clock(ci->t_start + wall_off, ts, sizeof(ts));
	buf_printf(out, "# sockbench transcript of connection #%llu (%s side)"
	    "\n# local %s  peer %s  codec %s\n", (unsigned long long)ci->id,
	    ci->side == SIDE_CLIENT ? "client" : "server", ci->local,
	    ci->peer, ci->codec != NULL ? ci->codec->name : "-");
	/* A closed row's tls points at what was freed with the connection. */
	if (c->live != NULL && ci->tls != NULL && ci->tls->done)
		buf_printf(out, "# tls %s %s%s%s\n", ci->tls->version,
		    ci->tls->cipher, ci->tls->alpn[0] ? " alpn " : "",
		    ci->tls->alpn);
	buf_printf(out, "# began %s (local time); each entry: time of day, "
	    "seconds since it began, -> sent / <- received / -- event, size\n",
	    ts);
	if (c->t_gone != 0)
		buf_printf(out, "# %s: %s\n", conn_state_name(ci->state),
		    ci->reason);
	buf_printf(out, "# %u entries kept", c->nmsgs);
	if (c->lost > 0)
		buf_printf(out, " (%llu earlier messages no longer kept)",
		    (unsigned long long)c->lost);
	buf_printf(out, "\n\n");
	buf_init(&lines);
	for (msg = c->mfirst; msg != NULL; msg = msg->cnext) {
		const char *p, *nl;
		size_t left;

		ui_fmt_clock(msg->t + wall_off, ts, sizeof(ts));
		ui_msgview_stamp(UI_TS_RELATIVE, msg->t, ci->t_start,
		    ci->t_start, 0, rel, sizeof(rel));
		if (msg->kind == UI_MSG_EVENT)
			size[0] = '\0';
		else if (msg->kept < msg->len)
			snprintf(size, sizeof(size), "%zu bytes (first %zu "
			    "kept) ", msg->len, msg->kept);
		else
			snprintf(size, sizeof(size), "%zu bytes ", msg->len);
		buf_reset(&lines);
		ui_files_msg_lines(c, msg, &lines);
		p = (const char *)buf_data(&lines);
		left = buf_len(&lines);
		buf_printf(out, "%s %12s %s %s", ts, rel, msg->kind ==
		    UI_MSG_OUT ? "->" : msg->kind == UI_MSG_IN ? "<-" : "--",
		    size);
		do {
			nl = memchr(p, '\n', left);
			buf_append(out, p, nl != NULL ? (size_t)(nl - p) : left);
			buf_append(out, "\n", 1);
			if (nl == NULL)
				break;
			left -= (size_t)(nl - p) + 1;
			p = nl + 1;
			buf_printf(out, "%*s", 29, "");
		} while (1);
	}
	buf_free(&lines);
}

int
ui_files_transcript(const struct ui_conn *c, double wall_off, int fd,
    const char *path, char *err, size_t errlen)
{
	struct buf text;
	size_t off = 0;
	ssize_t n;
	int r = 0;

	buf_init(&text);
	ui_files_transcript_text(c, wall_off, &text);
	while (off < buf_len(&text)) {
		n = write(fd, (const char *)buf_data(&text) + off,
		    buf_len(&text) - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "cannot write %s: %s", path,
			    n < 0 ? strerror(errno) : "short write");
			r = -1;
			break;
		}
		off += (size_t)n;
	}
	if (close(fd) < 0 && r == 0) {
		snprintf(err, errlen, "cannot write %s: %s", path,
		    strerror(errno));
		r = -1;
	}
	buf_free(&text);
	return r;
}
