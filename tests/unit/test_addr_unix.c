/* Unix socket addresses (sock.c, util.c): "unix:/PATH" and "unix:@NAME"
 * parsed in one place with a message for each mistake (empty path or
 * name, too long for sun_path), the exact byte length bind and connect
 * get, the form reports print, bad IPv6 brackets named; and on real
 * sockets: a stale socket file replaced, one in use kept (EADDRINUSE), a
 * regular file never removed (ENOTSOCK), the listener's file removed only
 * while it is still its own, SO_PEERCRED giving this process, and a full
 * backlog reported as EAGAIN by a connect that never is "in progress". */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <cmocka.h>
#include "sock.h"
#include "util.h"

static char dir[64];

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/sbunitXXXXXX");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* "unix:" followed by a string of n copies of c (after an optional '@'). */
static void
spec_of(char *out, size_t outlen, int at, size_t n)
{
	size_t k = (size_t)snprintf(out, outlen, "unix:%s", at ? "@" : "/");

	while (n-- > 1 && k + 1 < outlen)
		out[k++] = 'a';
	out[k] = '\0';
}

/* Every way to get a Unix address wrong has its own message, and the
 * longest path and name that fit are taken. */
static void
parse_errors_name_what_is_wrong(void **state)
{
	struct sockaddr_un un;
	char err[256], spec[300];

	(void)state;
	assert_int_equal(sock_unix_parse("unix:", &un, err, sizeof(err)), -1);
	assert_string_equal(err, "'unix:': empty socket path (expected "
	    "unix:/PATH or unix:@NAME)");
	assert_int_equal(sock_unix_parse("unix:@", &un, err, sizeof(err)), -1);
	assert_string_equal(err, "'unix:@': empty abstract socket name "
	    "(expected unix:@NAME)");
	/* sun_path holds 108 bytes: a path of 107 and its NUL. */
	spec_of(spec, sizeof(spec), 0, 107);
	assert_int_equal(strlen(spec), 5 + 107);
	assert_int_equal(sock_unix_parse(spec, &un, err, sizeof(err)), 0);
	assert_int_equal(un.sun_family, AF_UNIX);
	assert_int_equal(sock_addr_len((struct sockaddr *)&un),
	    offsetof(struct sockaddr_un, sun_path) + 108);
	spec_of(spec, sizeof(spec), 0, 108);
	assert_int_equal(sock_unix_parse(spec, &un, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "socket path is 108 bytes, at most 107 "
	    "fit in sun_path"));
	/* An abstract name: the leading NUL, 106 bytes, a NUL. */
	spec_of(spec, sizeof(spec), 1, 107);
	assert_int_equal(strlen(spec), 6 + 106);
	assert_int_equal(sock_unix_parse(spec, &un, err, sizeof(err)), 0);
	assert_int_equal(sock_addr_len((struct sockaddr *)&un),
	    offsetof(struct sockaddr_un, sun_path) + 1 + 106);
	spec_of(spec, sizeof(spec), 1, 108);
	assert_int_equal(sock_unix_parse(spec, &un, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "abstract socket name is 107 bytes, at "
	    "most 106 fit in sun_path"));
	assert_true(sock_is_unix("unix:/x"));
	assert_false(sock_is_unix("unix"));
	assert_false(sock_is_unix("127.0.0.1:7"));
}

/* The same messages come out of split_hostport (what every command's
 * --connect/--listen check calls) and addr_resolve; bad brackets too. */
static void
hostport_checks_share_the_messages(void **state)
{
	char host[256], err[256];
	struct addr_list l;
	int port = -1;

	(void)state;
	assert_int_equal(split_hostport("unix:", host, sizeof(host), &port,
	    err, sizeof(err)), -1);
	assert_string_equal(err, "'unix:': empty socket path (expected "
	    "unix:/PATH or unix:@NAME)");
	assert_int_equal(addr_resolve("unix:@", 0, &l, err, sizeof(err)), -1);
	assert_string_equal(err, "'unix:@': empty abstract socket name "
	    "(expected unix:@NAME)");
	assert_null(l.a);
	assert_int_equal(split_hostport("unix:/run/x.sock", host,
	    sizeof(host), &port, err, sizeof(err)), 0);
	assert_string_equal(host, "localhost");
	assert_int_equal(port, 0);
	assert_int_equal(split_hostport("[::1:7000", host, sizeof(host),
	    &port, err, sizeof(err)), -1);
	assert_string_equal(err, "'[::1:7000': expected [IPv6]:PORT");
	assert_int_equal(split_hostport("[::1]7000", host, sizeof(host),
	    &port, err, sizeof(err)), -1);
	assert_string_equal(err, "'[::1]7000': expected [IPv6]:PORT");
	assert_int_equal(split_hostport("[::1]:", host, sizeof(host),
	    &port, err, sizeof(err)), -1);
	assert_string_equal(err, "'[::1]:': port must be a number 0-65535");
	assert_true(addr_is_numeric("unix:/x"));
}

/* addr_resolve gives one AF_UNIX address of the right length, and
 * addr_format prints it as the user wrote it. */
static void
resolve_and_format_round_trip(void **state)
{
	struct addr_list l;
	char err[128], out[128];

	(void)state;
	assert_int_equal(addr_resolve("unix:/tmp/x.sock", 0, &l, err,
	    sizeof(err)), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.a[0].sa.sa_family, AF_UNIX);
	assert_int_equal(addr_len(&l.a[0]),
	    offsetof(struct sockaddr_un, sun_path) + strlen("/tmp/x.sock") + 1);
	addr_format(&l.a[0].sa, out, sizeof(out));
	assert_string_equal(out, "unix:/tmp/x.sock");
	addr_list_free(&l);
	assert_int_equal(addr_resolve("unix:@sb-name", 1, &l, err,
	    sizeof(err)), 0);
	assert_int_equal(addr_len(&l.a[0]),
	    offsetof(struct sockaddr_un, sun_path) + 1 + strlen("sb-name"));
	addr_format(&l.a[0].sa, out, sizeof(out));
	assert_string_equal(out, "unix:@sb-name");
	addr_list_free(&l);
}

/* Listen on spec; the descriptor (asserted). */
static int
listen_on(const char *spec, int backlog)
{
	struct sockaddr_un un;
	char err[256];
	int fd;

	assert_int_equal(sock_unix_parse(spec, &un, err, sizeof(err)), 0);
	fd = sock_listen((struct sockaddr *)&un, sock_addr_len(
	    (struct sockaddr *)&un), 0, backlog);
	return fd;
}

/* A stale socket file is replaced; a live one and a regular file are
 * refused and left in place; the new file is srw-rw----. */
static void
stale_socket_replaced_live_and_regular_files_kept(void **state)
{
	char spec[128], path[100];
	struct stat st;
	int fd, fd2;

	(void)state;
	snprintf(path, sizeof(path), "%s/s.sock", dir);
	snprintf(spec, sizeof(spec), "unix:%s", path);
	fd = listen_on(spec, 8);
	assert_true(fd >= 0);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0660);
	errno = 0;
	assert_int_equal(listen_on(spec, 8), -1);	/* in use */
	assert_int_equal(errno, EADDRINUSE);
	close(fd);				/* the file stays: stale */
	assert_int_equal(lstat(path, &st), 0);
	fd2 = listen_on(spec, 8);
	assert_true(fd2 >= 0);
	close(fd2);
	assert_int_equal(unlink(path), 0);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "keep", 4), 4);
	close(fd);
	errno = 0;
	assert_int_equal(listen_on(spec, 8), -1);
	assert_int_equal(errno, ENOTSOCK);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_size, 4);
	unlink(path);
}

/* The owner check: a file replaced by another socket is not removed. */
static void
unlink_own_removes_only_its_own_file(void **state)
{
	char spec[128], path[100];
	struct stat st, st2;
	int fd, fd2;

	(void)state;
	snprintf(path, sizeof(path), "%s/own.sock", dir);
	snprintf(spec, sizeof(spec), "unix:%s", path);
	fd = listen_on(spec, 8);
	assert_true(fd >= 0);
	assert_int_equal(lstat(path, &st), 0);
	assert_int_equal(unlink(path), 0);	/* someone else's now */
	fd2 = listen_on(spec, 8);
	assert_true(fd2 >= 0);
	assert_int_equal(lstat(path, &st2), 0);
	assert_true(st2.st_ino != st.st_ino);
	assert_int_equal(sock_unix_unlink_own(path, st.st_dev, st.st_ino), 0);
	assert_int_equal(lstat(path, &st2), 0);	/* kept */
	assert_int_equal(sock_unix_unlink_own(path, st2.st_dev, st2.st_ino), 0);
	assert_int_equal(lstat(path, &st2), -1);	/* its own: gone */
	close(fd);
	close(fd2);
}

/* SO_PEERCRED on both ends names this process; a full backlog is EAGAIN
 * from sock_connect_start at once, never "in progress". */
static void
peercred_and_full_backlog(void **state)
{
	struct sockaddr_un un;
	char err[64];
	long pid = 0, uid = -1, gid = -1;
	int lfd, c[64], n = 0, open1 = -1, rc = 0, k, a;

	(void)state;
	lfd = listen_on("unix:@sockbench-unit-backlog", 0);
	assert_true(lfd >= 0);
	assert_int_equal(sock_unix_parse("unix:@sockbench-unit-backlog", &un,
	    err, sizeof(err)), 0);
	for (k = 0; k < 64; k++) {
		c[k] = sock_stream(AF_UNIX);
		assert_true(c[k] >= 0);
		n++;
		rc = sock_connect_start(c[k], (struct sockaddr *)&un,
		    sock_addr_len((struct sockaddr *)&un), &open1);
		if (rc < 0)
			break;
		assert_int_equal(open1, 1);	/* never under way */
	}
	assert_int_equal(rc, -1);
	assert_int_equal(errno, EAGAIN);
	a = sock_accept(lfd);
	assert_true(a >= 0);
	assert_int_equal(sock_peercred(a, &pid, &uid, &gid), 0);
	assert_int_equal(pid, (long)getpid());
	assert_int_equal(uid, (long)getuid());
	assert_int_equal(gid, (long)getgid());
	pid = 0;
	assert_int_equal(sock_peercred(c[0], &pid, &uid, &gid), 0);
	assert_int_equal(pid, (long)getpid());
	close(a);
	for (k = 0; k < n; k++)
		close(c[k]);
	close(lfd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_errors_name_what_is_wrong),
		cmocka_unit_test(hostport_checks_share_the_messages),
		cmocka_unit_test(resolve_and_format_round_trip),
		cmocka_unit_test(stale_socket_replaced_live_and_regular_files_kept),
		cmocka_unit_test(unlink_own_removes_only_its_own_file),
		cmocka_unit_test(peercred_and_full_backlog),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
