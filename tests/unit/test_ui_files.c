/* The dashboard's files: the log lives in a private state directory
 * ($XDG_STATE_HOME/sockbench, 0700; the log 0600), never follows a symlink
 * or opens a FIFO, and says why when it cannot be opened; recordings take
 * new names (timestamp and counter) and never overwrite anything. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "ui_files.h"

static char tmp[256];

static int
setup(void **state)
{
	(void)state;
	snprintf(tmp, sizeof(tmp), "/tmp/sbuifilesXXXXXX");
	assert_non_null(mkdtemp(tmp));
	return 0;
}

static int
teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	return system(cmd) == 0 ? 0 : -1;
}

/* Read a whole small file into out. */
static void
slurp(const char *path, char *out, size_t outlen)
{
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(out, 1, outlen - 1, f);
	out[n] = '\0';
	fclose(f);
}

static void
the_log_goes_to_xdg_state_home_in_a_private_directory(void **state)
{
	char xdg[300], path[400], want[400], err[256], got[64];
	struct stat st;
	FILE *f;

	(void)state;
	umask(022);
	snprintf(xdg, sizeof(xdg), "%s/state/deeper", tmp);
	setenv("XDG_STATE_HOME", xdg, 1);
	f = ui_files_log_open(path, sizeof(path), err, sizeof(err));
	assert_non_null(f);
	snprintf(want, sizeof(want), "%s/sockbench/ui.log", xdg);
	assert_string_equal(path, want);
	fputs("one\n", f);
	fclose(f);
	/* Appended, not truncated, by the next dashboard. */
	f = ui_files_log_open(path, sizeof(path), err, sizeof(err));
	assert_non_null(f);
	fputs("two\n", f);
	fclose(f);
	slurp(path, got, sizeof(got));
	assert_string_equal(got, "one\ntwo\n");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(want, sizeof(want), "%s/sockbench", xdg);
	assert_int_equal(stat(want, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	/* Directories it had to make are private too (XDG spec). */
	assert_int_equal(stat(xdg, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
}

static void
without_xdg_state_home_the_log_goes_to_home_local_state(void **state)
{
	char home[300], path[400], want[400], err[256];
	FILE *f;

	(void)state;
	snprintf(home, sizeof(home), "%s/home", tmp);
	mkdir(home, 0755);
	setenv("HOME", home, 1);
	/* Unset, and relative (the spec says to ignore it), alike. */
	unsetenv("XDG_STATE_HOME");
	f = ui_files_log_open(path, sizeof(path), err, sizeof(err));
	assert_non_null(f);
	fclose(f);
	snprintf(want, sizeof(want), "%s/.local/state/sockbench/ui.log", home);
	assert_string_equal(path, want);
	setenv("XDG_STATE_HOME", "relative/state", 1);
	f = ui_files_log_open(path, sizeof(path), err, sizeof(err));
	assert_non_null(f);
	fclose(f);
	assert_string_equal(path, want);
}

static void
a_symlinked_log_or_directory_is_refused_and_says_why(void **state)
{
	char xdg[300], path[400], dir[400], log[420], target[400], err[256];
	char got[64];
	FILE *f;

	(void)state;
	snprintf(xdg, sizeof(xdg), "%s/s2", tmp);
	setenv("XDG_STATE_HOME", xdg, 1);
	snprintf(dir, sizeof(dir), "%s/sockbench", xdg);
	snprintf(log, sizeof(log), "%s/ui.log", dir);
	snprintf(target, sizeof(target), "%s/victim", tmp);
	f = fopen(target, "w");
	fputs("precious\n", f);
	fclose(f);
	mkdir(xdg, 0700);
	mkdir(dir, 0700);
	assert_int_equal(symlink(target, log), 0);
	assert_null(ui_files_log_open(path, sizeof(path), err, sizeof(err)));
	assert_non_null(strstr(err, "is a symlink, not followed"));
	assert_non_null(strstr(err, log));
	slurp(target, got, sizeof(got));
	assert_string_equal(got, "precious\n");
	/* The directory itself a symlink to somewhere else. */
	unlink(log);
	rmdir(dir);
	assert_int_equal(symlink(tmp, dir), 0);
	assert_null(ui_files_log_open(path, sizeof(path), err, sizeof(err)));
	assert_non_null(strstr(err, "not a directory (a symlink?)"));
	unlink(dir);
}

static void
a_fifo_log_is_refused_without_blocking(void **state)
{
	char xdg[300], path[400], log[420], err[256];

	(void)state;
	snprintf(xdg, sizeof(xdg), "%s/s3", tmp);
	setenv("XDG_STATE_HOME", xdg, 1);
	snprintf(log, sizeof(log), "%s/sockbench", xdg);
	mkdir(xdg, 0700);
	mkdir(log, 0700);
	strcat(log, "/ui.log");
	assert_int_equal(mkfifo(log, 0600), 0);
	/* Without O_NONBLOCK this open waits for a reader forever. */
	assert_null(ui_files_log_open(path, sizeof(path), err, sizeof(err)));
	assert_non_null(strstr(err, "FIFO"));
}

static void
an_open_state_directory_is_made_private(void **state)
{
	char xdg[300], dir[400], path[400], err[256];
	struct stat st;
	FILE *f;

	(void)state;
	snprintf(xdg, sizeof(xdg), "%s/s4", tmp);
	setenv("XDG_STATE_HOME", xdg, 1);
	snprintf(dir, sizeof(dir), "%s/sockbench", xdg);
	mkdir(xdg, 0755);
	mkdir(dir, 0777);
	chmod(dir, 0777);
	f = ui_files_log_open(path, sizeof(path), err, sizeof(err));
	assert_non_null(f);
	fclose(f);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
}

static void
a_state_home_that_cannot_be_made_gives_the_reason(void **state)
{
	char xdg[340], file[300], path[400], err[256];
	FILE *f;

	(void)state;
	snprintf(file, sizeof(file), "%s/plainfile", tmp);
	f = fopen(file, "w");
	fclose(f);
	snprintf(xdg, sizeof(xdg), "%s/under", file);
	setenv("XDG_STATE_HOME", xdg, 1);
	assert_null(ui_files_log_open(path, sizeof(path), err, sizeof(err)));
	assert_non_null(strstr(err, "no log: cannot make"));
	assert_non_null(strstr(err, "Not a directory"));
}

static void
new_names_never_overwrite_a_file_or_follow_a_symlink(void **state)
{
	char dir[300], path[400], want[400], err[256], got[64], victim[300];
	time_t t = 1700000000;
	struct tm tm;
	char stamp[32];
	int fd;

	(void)state;
	localtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	snprintf(dir, sizeof(dir), "%s/rec", tmp);
	mkdir(dir, 0755);
	/* -1 exists as a file, -2 as a dangling symlink to a victim. */
	snprintf(want, sizeof(want), "%s/sockbench-recording-%s-1.txt", dir,
	    stamp);
	fd = open(want, O_WRONLY | O_CREAT, 0644);
	assert_int_equal(write(fd, "old\n", 4), 4);
	close(fd);
	snprintf(victim, sizeof(victim), "%s/victim2", tmp);
	snprintf(want, sizeof(want), "%s/sockbench-recording-%s-2.txt", dir,
	    stamp);
	assert_int_equal(symlink(victim, want), 0);
	fd = ui_files_create_new(dir, "sockbench-recording", t, ".txt", 0,
	    path, sizeof(path), err, sizeof(err));
	assert_true(fd >= 0);
	close(fd);
	snprintf(want, sizeof(want), "%s/sockbench-recording-%s-3.txt", dir,
	    stamp);
	assert_string_equal(path, want);
	assert_int_equal(access(victim, F_OK), -1);
	snprintf(want, sizeof(want), "%s/sockbench-recording-%s-1.txt", dir,
	    stamp);
	slurp(want, got, sizeof(got));
	assert_string_equal(got, "old\n");
	/* The same second again: the next counter. */
	fd = ui_files_create_new(dir, "sockbench-recording", t, ".txt", 0,
	    path, sizeof(path), err, sizeof(err));
	assert_true(fd >= 0);
	close(fd);
	snprintf(want, sizeof(want), "%s/sockbench-recording-%s-4.txt", dir,
	    stamp);
	assert_string_equal(path, want);
	/* Directories (W) likewise: -1 is taken by the file above. */
	assert_int_equal(ui_files_create_new(dir, "sockbench-recording", t,
	    NULL, 1, path, sizeof(path), err, sizeof(err)), 0);
	snprintf(want, sizeof(want), "%s/sockbench-recording-%s-1", dir,
	    stamp);
	assert_string_equal(path, want);
	assert_int_equal(ui_files_create_new(dir, "sockbench-recording", t,
	    NULL, 1, path, sizeof(path), err, sizeof(err)), 0);
	snprintf(want, sizeof(want), "%s/sockbench-recording-%s-2", dir,
	    stamp);
	assert_string_equal(path, want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    the_log_goes_to_xdg_state_home_in_a_private_directory),
		cmocka_unit_test(
		    without_xdg_state_home_the_log_goes_to_home_local_state),
		cmocka_unit_test(
		    a_symlinked_log_or_directory_is_refused_and_says_why),
		cmocka_unit_test(a_fifo_log_is_refused_without_blocking),
		cmocka_unit_test(an_open_state_directory_is_made_private),
		cmocka_unit_test(
		    a_state_home_that_cannot_be_made_gives_the_reason),
		cmocka_unit_test(
		    new_names_never_overwrite_a_file_or_follow_a_symlink),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
