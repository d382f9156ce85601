/* The file service cannot be made to read outside its root: fsroot_open on
 * a temporary tree with files, a subdirectory, a FIFO and symlinks that
 * point in and out, asked for every kind of hostile name. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "fsroot.h"

/* The temporary tree: base/secret.txt outside, base/root served. */
static char base[256], root[300];
/* Set while the suite runs with the openat2-less component walk forced. */
static int fallback;

/* Write a file with the given contents. */
static void
put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Make base/{secret.txt,root/{f.txt,sub/g.txt,links,fifo}}. */
static int
tree_setup(void **state)
{
	char p[512];

	(void)state;
	snprintf(base, sizeof(base), "/tmp/sockbench-fsroot-XXXXXX");
	if (mkdtemp(base) == NULL)
		return -1;
	snprintf(root, sizeof(root), "%s/root", base);
	snprintf(p, sizeof(p), "%s/secret.txt", base);
	put_file(p, "outside the root\n");
	mkdir(root, 0755);
	snprintf(p, sizeof(p), "%s/f.txt", root);
	put_file(p, "hello file\n");
	snprintf(p, sizeof(p), "%s/sub", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/sub/g.txt", root);
	put_file(p, "nested\n");
	snprintf(p, sizeof(p), "%s/out-rel", root);
	if (symlink("../secret.txt", p) < 0)
		return -1;
	snprintf(p, sizeof(p), "%s/out-abs", root);
	if (symlink("/etc/passwd", p) < 0)
		return -1;
	snprintf(p, sizeof(p), "%s/out-dir", root);
	if (symlink("..", p) < 0)
		return -1;
	snprintf(p, sizeof(p), "%s/sub/up", root);
	if (symlink("../../secret.txt", p) < 0)
		return -1;
	snprintf(p, sizeof(p), "%s/in-link", root);
	if (symlink("sub/g.txt", p) < 0)
		return -1;
	snprintf(p, sizeof(p), "%s/loop", root);
	if (symlink("loop", p) < 0)
		return -1;
	snprintf(p, sizeof(p), "%s/fifo", root);
	if (mkfifo(p, 0644) < 0)
		return -1;
	/* For the swap race: sw is a directory, swalt a symlink out; a
	 * child exchanges them while requests run. */
	snprintf(p, sizeof(p), "%s/outside", base);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/outside/secret.txt", base);
	put_file(p, "OUTSIDE\n");
	snprintf(p, sizeof(p), "%s/sw", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/sw/secret.txt", root);
	put_file(p, "inside\n");
	snprintf(p, sizeof(p), "%s/swalt", root);
	if (symlink("../outside", p) < 0)
		return -1;
	return 0;
}

/* The same tree, with the component walk forced (as without openat2). */
static int
tree_setup_fallback(void **state)
{
	fallback = 1;
	fsroot_force_fallback(1);
	return tree_setup(state);
}

/* Remove the tree. */
static int
tree_teardown(void **state)
{
	char cmd[400];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	return system(cmd) == 0 ? 0 : -1;
}

/* Ask for name (len bytes) and expect a refusal whose reason holds want. */
static void
refused(const char *name, size_t len, const char *want)
{
	char err[256] = "";
	uint64_t size = 12345;
	int fd;

	fd = fsroot_open(root, (const unsigned char *)name, len, &size, err,
	    sizeof(err));
	if (fd >= 0)
		close(fd);
	assert_int_equal(fd, -1);
	if (strstr(err, want) == NULL)
		fail_msg("'%.*s': reason '%s' lacks '%s'", (int)len, name, err,
		    want);
}

/* Ask for name and expect the file with exactly these contents. */
static void
served(const char *name, const char *contents)
{
	char err[256] = "", got[64];
	uint64_t size = 0;
	ssize_t n;
	int fd;

	fd = fsroot_open(root, (const unsigned char *)name, strlen(name),
	    &size, err, sizeof(err));
	if (fd < 0)
		fail_msg("'%s' refused: %s", name, err);
	assert_int_equal(size, strlen(contents));
	n = read(fd, got, sizeof(got) - 1);
	close(fd);
	assert_true(n >= 0);
	got[n] = '\0';
	assert_string_equal(got, contents);
}

static void
files_below_the_root_are_served(void **state)
{
	(void)state;
	served("f.txt", "hello file\n");
	served("sub/g.txt", "nested\n");
	served("./sub//g.txt", "nested\n");
	served("f.txt\r\n", "hello file\n");	/* typed by hand */
	if (!fallback)
		served("in-link", "nested\n");	/* symlink staying inside */
	else
		refused("in-link", 7, "symlink and is refused (without openat2");
}

static void
only_the_given_length_of_the_request_is_read(void **state)
{
	static const char req[] = "f.txt/../secret.txt";
	char err[256] = "";
	uint64_t size = 0;
	int fd;

	(void)state;
	/* The name is the first 5 bytes; what follows it in the peer's
	 * buffer is not part of it (it used to be scanned up to a NUL). */
	fd = fsroot_open(root, (const unsigned char *)req, 5, &size, err,
	    sizeof(err));
	if (fd < 0)
		fail_msg("refused: %s", err);
	close(fd);
	assert_int_equal(size, 11);
}

static void
dotdot_components_are_refused_before_any_lookup(void **state)
{
	(void)state;
	refused("..", 2, "'..' in path refused");
	refused("../secret.txt", 13, "'..' in path refused");
	refused("sub/../../secret.txt", 20, "'..' in path refused");
	refused("sub/..", 6, "'..' in path refused");
	refused("sub/../f.txt", 12, "'..' in path refused");
	/* Dots that are not a parent component are names like any other. */
	refused("...", 3, "no such file");
	refused("a..b", 4, "no such file");
}

/* The seed server serves an absolute path; sockbench does when it lies
 * inside the root, and refuses one that is or resolves outside. */
static void
absolute_paths_inside_the_root_are_served(void **state)
{
	char p[400];

	(void)state;
	refused("/etc/passwd", 11, "absolute path outside the served "
	    "directory refused");
	refused("//etc/passwd", 12, "outside the served directory");
	snprintf(p, sizeof(p), "%s/secret.txt", base);
	refused(p, strlen(p), "outside the served directory");
	snprintf(p, sizeof(p), "%s-other/f.txt", root);	/* a prefix only */
	refused(p, strlen(p), "outside the served directory");
	snprintf(p, sizeof(p), "%s/f.txt", root);
	served(p, "hello file\n");
	snprintf(p, sizeof(p), "/%s//sub/./g.txt", root);
	served(p, "nested\n");
	snprintf(p, sizeof(p), "%s/out-rel", root);
	refused(p, strlen(p), fallback ? "symlink" :
	    "leaves the served directory");
	snprintf(p, sizeof(p), "%s", root);
	refused(p, strlen(p), "is not a regular file");
	snprintf(p, sizeof(p), "%s/../root/f.txt", root);
	refused(p, strlen(p), "'..' in path refused");
}

static void
symlinks_leaving_the_root_are_refused(void **state)
{
	(void)state;
	const char *want = fallback ? "symlink and is refused" :
	    "leaves the served directory";

	refused("out-rel", 7, want);
	refused("out-abs", 7, want);
	refused("out-dir/secret.txt", 18, want);
	refused("sub/up", 6, want);
	refused("loop", 4, want);
}

static void
nul_bytes_are_refused(void **state)
{
	(void)state;
	refused("f.txt\0../secret.txt", 19, "NUL byte in file name refused");
	refused("\0", 1, "NUL byte");
	refused("f.txt\0", 6, "NUL byte");
}

static void
empty_and_overlong_names_are_refused(void **state)
{
	char *name;
	size_t i;

	(void)state;
	refused("", 0, "empty file name");
	refused("\r\n", 2, "empty file name");
	name = malloc(1 << 20);
	assert_non_null(name);
	memset(name, 'a', 1 << 20);
	refused(name, FSROOT_MAX_PATH + 1, "longer than 1024 bytes refused");
	refused(name, 1 << 20, "longer than 1024 bytes refused");
	/* The longest accepted name is looked up and simply not found. */
	for (i = 1; i < FSROOT_MAX_PATH; i += 2)
		name[i] = '/';
	refused(name, FSROOT_MAX_PATH, "");
	free(name);
}

static void
directories_and_fifos_are_not_regular_files(void **state)
{
	(void)state;
	refused("sub", 3, "is not a regular file");
	refused(".", 1, "is not a regular file");
	/* Opening a FIFO must neither block the server nor serve it. */
	alarm(5);
	refused("fifo", 4, "is not a regular file");
	alarm(0);
}

/* A FIFO is refused from its stat, before any open: a writer blocked in
 * open(2) on it is never woken (an open for reading would wake it). */
static void
a_fifo_is_refused_without_being_opened(void **state)
{
	char p[400];
	pid_t pid;
	int st, fd;

	(void)state;
	snprintf(p, sizeof(p), "%s/fifo", root);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(1);
		fd = open(p, O_WRONLY);		/* blocks until a reader */
		_exit(fd >= 0 ? 0 : 1);
	}
	usleep(100000);
	refused("fifo", 4, "is not a regular file");
	waitpid(pid, &st, 0);
	/* Killed by its alarm: nobody opened the FIFO for reading. */
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGALRM);
}

/* Device nodes and sockets are refused too (the device only when this
 * process may create one). */
static void
devices_and_sockets_are_refused(void **state)
{
	struct sockaddr_un sa;
	char p[400];
	int s;

	(void)state;
	snprintf(p, sizeof(p), "%s/null", root);
	if (mknod(p, S_IFCHR | 0666, makedev(1, 3)) == 0) {
		refused("null", 4, "is not a regular file");
		unlink(p);
	} else
		print_message("(no device test: mknod: %s)\n", strerror(errno));
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(root) + 6 > sizeof(sa.sun_path))
		return;
	memcpy(sa.sun_path, root, strlen(root));
	memcpy(sa.sun_path + strlen(root), "/sock", 6);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(s >= 0);
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		refused("sock", 4, "is not a regular file");
		unlink(sa.sun_path);
	}
	close(s);
}

/* A child swaps root/sw (a directory) with a symlink to a directory
 * outside, atomically, in a tight loop, while 3000 requests ask for
 * sw/secret.txt: no request ever gets a byte from outside. */
static void
swapping_a_directory_for_a_symlink_never_leaks(void **state)
{
	char a[400], b[400], err[256], got[64];
	int fd, st, served_n = 0, refused_n = 0, i;
	uint64_t size;
	ssize_t n;
	pid_t pid;

	(void)state;
	snprintf(a, sizeof(a), "%s/sw", root);
	snprintf(b, sizeof(b), "%s/swalt", root);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(30);
		for (;;)
			if (renameat2(AT_FDCWD, a, AT_FDCWD, b,
			    RENAME_EXCHANGE) < 0)
				_exit(2);
	}
	for (i = 0; i < 3000; i++) {
		fd = fsroot_open(root, (const unsigned char *)"sw/secret.txt",
		    13, &size, err, sizeof(err));
		if (fd < 0) {
			refused_n++;
			continue;
		}
		n = read(fd, got, sizeof(got) - 1);
		close(fd);
		assert_true(n >= 0);
		got[n] = '\0';
		if (strcmp(got, "inside\n") != 0)
			fail_msg("request %d got '%s' from outside the root", i,
			    got);
		served_n++;
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	/* The swapper ran the whole time (it dies only by our kill). */
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	print_message("%s: %d served from inside, %d refused, 0 leaked\n",
	    fallback ? "walk" : "openat2", served_n, refused_n);
	assert_true(served_n + refused_n == 3000);
}

/* SOCKBENCH_FSROOT_NO_OPENAT2=1 forces the walk for a whole process. */
static void
the_environment_forces_the_walk(void **state)
{
	(void)state;
	if (fallback)
		return;
	assert_int_equal(fsroot_fallback_forced(), 0);
	setenv("SOCKBENCH_FSROOT_NO_OPENAT2", "1", 1);
	assert_int_equal(fsroot_fallback_forced(), 1);
	refused("in-link", 7, "without openat2");
	setenv("SOCKBENCH_FSROOT_NO_OPENAT2", "0", 1);
	assert_int_equal(fsroot_fallback_forced(), 0);
	unsetenv("SOCKBENCH_FSROOT_NO_OPENAT2");
}

static void
a_missing_file_names_itself(void **state)
{
	(void)state;
	refused("nope.txt", 8, "no such file: 'nope.txt'");
	refused("f.txt/x", 7, "no such file");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(files_below_the_root_are_served),
		cmocka_unit_test(only_the_given_length_of_the_request_is_read),
		cmocka_unit_test(dotdot_components_are_refused_before_any_lookup),
		cmocka_unit_test(absolute_paths_inside_the_root_are_served),
		cmocka_unit_test(symlinks_leaving_the_root_are_refused),
		cmocka_unit_test(nul_bytes_are_refused),
		cmocka_unit_test(empty_and_overlong_names_are_refused),
		cmocka_unit_test(directories_and_fifos_are_not_regular_files),
		cmocka_unit_test(a_fifo_is_refused_without_being_opened),
		cmocka_unit_test(devices_and_sockets_are_refused),
		cmocka_unit_test(swapping_a_directory_for_a_symlink_never_leaks),
		cmocka_unit_test(the_environment_forces_the_walk),
		cmocka_unit_test(a_missing_file_names_itself),
	};
	int failed;

	/* Once with openat2 (where the kernel has it), once with the
	 * component walk that replaces it elsewhere. */
	failed = cmocka_run_group_tests_name("fsroot openat2", tests,
	    tree_setup, tree_teardown);
	failed += cmocka_run_group_tests_name("fsroot walk (no openat2)",
	    tests, tree_setup_fallback, tree_teardown);
	return failed;
}
