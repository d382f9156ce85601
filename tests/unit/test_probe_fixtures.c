/* The probe's matchers and verdict on replies recorded from real servers
 * (tests/fixtures/probe/SERVER.PROBE.bin, written by
 * tests/tools/probe_record.py from Debian 12's packages): every reply of
 * every server to every probe, so each is also a near miss for every
 * other matcher. No reply may draw a likely or certain claim of another
 * protocol, and each server's replies together give its verdict. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "probe.h"
#include "util.h"

/* Where the fixtures are: $SB_PROBE_FIXTURES, else from the repository's
 * root (tests/run.sh and make run the tests there). */
static const char *
fixture_dir(void)
{
	const char *d = getenv("SB_PROBE_FIXTURES");

	return d != NULL ? d : "tests/fixtures/probe";
}

/* A recorded server: the protocol, product and version it must get, the
 * probe that identifies it, and the confidence it must reach. */
static const struct server {
	const char	*name;		/* fixture file prefix */
	const char	*protocol;
	const char	*product;
	const char	*version;
	enum probe_conf	 conf;
} servers[] = {
	{ "beanstalkd", "beanstalkd", "beanstalkd", "1.12", PROBE_CERTAIN },
	{ "gearmand", "gearman", "gearmand", "1.1.20+ds", PROBE_CERTAIN },
	{ "ngircd", "irc", "", "", PROBE_CERTAIN },
	{ "rsyncd", "rsync", "rsync", "protocol 32.0", PROBE_CERTAIN },
	{ "gitdaemon", "git", "", "", PROBE_CERTAIN },
	{ "mosquitto", "mqtt", "", "", PROBE_CERTAIN },
	{ "nats", "nats", "nats-server", "2.9.10", PROBE_CERTAIN },
	{ "dnsmasq", "dns", "dnsmasq", "2.90", PROBE_CERTAIN },
	{ "slapd", "ldap", "", "", PROBE_CERTAIN },
	{ "prosody", "xmpp", "", "", PROBE_CERTAIN },
	{ "mariadb", "mysql", "MariaDB", "10.11.19", PROBE_CERTAIN },
	{ "postgres", "postgresql", "PostgreSQL", "", PROBE_CERTAIN },
};
#define NSERVERS	(sizeof(servers) / sizeof(servers[0]))

/* Read a whole small file into out; returns its length. */
static size_t
read_fixture(const char *path, unsigned char *out, size_t outlen)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	assert_non_null(f);
	n = fread(out, 1, outlen, f);
	fclose(f);
	return n;
}

/* The server a fixture file name belongs to, with its probe name in
 * probe (at most plen bytes), or NULL if it is no fixture. */
static const struct server *
fixture_server(const char *file, char *probe, size_t plen)
{
	const char *dot = strchr(file, '.'), *ext;
	size_t i;

	if (dot == NULL || (ext = strstr(dot + 1, ".bin")) == NULL ||
	    ext[4] != '\0' || (size_t)(ext - dot - 1) >= plen)
		return NULL;
	memcpy(probe, dot + 1, (size_t)(ext - dot - 1));
	probe[ext - dot - 1] = '\0';
	for (i = 0; i < NSERVERS; i++)
		if (strlen(servers[i].name) == (size_t)(dot - file) &&
		    strncmp(servers[i].name, file, (size_t)(dot - file)) == 0)
			return &servers[i];
	fail_msg("fixture %s names no server in the table", file);
	return NULL;
}

/* Load every fixture of server s into r as evidence, one entry per probe
 * of the table (those without a recording got nothing). */
static void
load_server(const struct server *s, struct probe_result *r)
{
	char path[512];
	const char *name;
	size_t i;
	FILE *f;

	memset(r, 0, sizeof(*r));
	r->timeout = 1.5;
	snprintf(r->target, sizeof(r->target), "%s", s->name);
	for (i = 0; (name = probe_name(i)) != NULL; i++) {
		struct probe_evidence *e = &r->ev[r->nev++];

		e->probe = name;
		e->ran = e->connected = 1;
		e->sent_len = (size_t)probe_payload(name, "127.0.0.1", e->sent,
		    sizeof(e->sent));
		snprintf(path, sizeof(path), "%s/%s.%s.bin", fixture_dir(),
		    s->name, name);
		if ((f = fopen(path, "rb")) != NULL) {
			fclose(f);
			e->recv_len = e->recv_total = read_fixture(path,
			    e->recv, sizeof(e->recv));
		}
		probe_match_reply(e->probe, e->sent, e->sent_len, e->recv,
		    e->recv_len, 0, &e->match);
	}
	probe_verdict(r);
}

static void
test_no_recorded_reply_draws_another_protocols_claim(void **state)
{
	static unsigned char recv[PROBE_MAX_RECV], sent[PROBE_MAX_SENT];
	char probe[64], path[512];
	const struct server *s;
	struct probe_match m;
	struct dirent *d;
	DIR *dir = opendir(fixture_dir());
	size_t n, k, files = 0;
	int sl;

	(void)state;
	assert_non_null(dir);
	while ((d = readdir(dir)) != NULL) {
		if ((s = fixture_server(d->d_name, probe, sizeof(probe))) ==
		    NULL)
			continue;
		snprintf(path, sizeof(path), "%s/%s", fixture_dir(), d->d_name);
		n = read_fixture(path, recv, sizeof(recv));
		sl = probe_payload(probe, "127.0.0.1", sent, sizeof(sent));
		if (sl < 0)
			continue;	/* the late-banner watch */
		/* Every prefix is safe to look at (ASan checks the reads). */
		for (k = 0; k <= n; k++)
			probe_match_reply(probe, sent, (size_t)sl, recv, k, 0, &m);
		if (m.conf >= PROBE_LIKELY &&
		    strcmp(m.protocol, s->protocol) != 0)
			fail_msg("%s: %s's reply to the %s probe drew \"%s, %s\" "
			    "(%s)", d->d_name, s->name, probe, m.protocol,
			    probe_conf_name(m.conf), m.detail);
		files++;
	}
	closedir(dir);
	assert_true(files >= 100);
}

static void
test_each_recorded_server_gets_its_verdict(void **state)
{
	struct probe_result *r = xcalloc(1, sizeof(*r));
	size_t i;

	(void)state;
	for (i = 0; i < NSERVERS; i++) {
		load_server(&servers[i], r);
		if (strcmp(r->verdict.protocol, servers[i].protocol) != 0 ||
		    r->verdict.conf != servers[i].conf ||
		    strcmp(r->verdict.product, servers[i].product) != 0 ||
		    strcmp(r->verdict.version, servers[i].version) != 0)
			fail_msg("%s: got \"%s\" %s, product \"%s\" version "
			    "\"%s\" (%s); want %s %s, \"%s\" \"%s\"",
			    servers[i].name, r->verdict.protocol,
			    probe_conf_name(r->verdict.conf), r->verdict.product,
			    r->verdict.version, r->verdict.detail,
			    servers[i].protocol, probe_conf_name(servers[i].conf),
			    servers[i].product, servers[i].version);
		assert_int_equal(r->status, PROBE_IDENTIFIED);
		assert_int_equal(probe_exit_status(r), 0);
	}
	free(r);
}

/* The five wrong claims of issue #17, each on its recorded bytes alone:
 * rsync, beanstalkd, ngIRCd and Prosody were "fixed, likely", gearmand
 * "echo, certain". */
static void
test_issue17_wrong_claims_are_gone(void **state)
{
	static const char *const names[] = { "rsyncd", "beanstalkd", "ngircd",
	    "prosody", "gearmand" };
	struct probe_result *r = xcalloc(1, sizeof(*r));
	size_t i, j;

	(void)state;
	for (i = 0; i < 5; i++) {
		for (j = 0; j < NSERVERS; j++)
			if (strcmp(servers[j].name, names[i]) == 0)
				break;
		assert_true(j < NSERVERS);
		load_server(&servers[j], r);
		assert_string_not_equal(r->verdict.protocol, "fixed");
		assert_string_not_equal(r->verdict.protocol, "echo");
		assert_string_equal(r->verdict.protocol, servers[j].protocol);
	}
	free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_no_recorded_reply_draws_another_protocols_claim),
		cmocka_unit_test(test_each_recorded_server_gets_its_verdict),
		cmocka_unit_test(test_issue17_wrong_claims_are_gone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
