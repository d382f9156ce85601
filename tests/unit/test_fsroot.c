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
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "fsroot.h"

/* The temporary tree: base/secret.txt outside, base/root served. */
static char base[256], root[300];

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
	return 0;
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
	served("in-link", "nested\n");		/* symlink staying inside */
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

static void
absolute_paths_are_refused_even_inside_the_root(void **state)
{
	char inside[400];

	(void)state;
	refused("/etc/passwd", 11, "absolute path refused");
	refused("//etc/passwd", 12, "absolute path refused");
	snprintf(inside, sizeof(inside), "%s/f.txt", root);
	refused(inside, strlen(inside), "absolute path refused");
}

static void
symlinks_leaving_the_root_are_refused(void **state)
{
	(void)state;
	refused("out-rel", 7, "leaves the served directory");
	refused("out-abs", 7, "leaves the served directory");
	refused("out-dir/secret.txt", 18, "leaves the served directory");
	refused("sub/up", 6, "leaves the served directory");
	refused("loop", 4, "leaves the served directory");
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
		cmocka_unit_test(absolute_paths_are_refused_even_inside_the_root),
		cmocka_unit_test(symlinks_leaving_the_root_are_refused),
		cmocka_unit_test(nul_bytes_are_refused),
		cmocka_unit_test(empty_and_overlong_names_are_refused),
		cmocka_unit_test(directories_and_fifos_are_not_regular_files),
		cmocka_unit_test(a_missing_file_names_itself),
	};
	return cmocka_run_group_tests(tests, tree_setup, tree_teardown);
}
