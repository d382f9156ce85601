/* sockbench probe: find out what an unknown TCP server speaks, print the
 * verdict with its evidence, as text or JSON, and write a starter scenario. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "cli.h"
#include "probe.h"
#include "util.h"

static const char probe_help_head[] =
"Usage: sockbench probe [options] HOST:PORT\n"
"\n"
"Find out what protocol an unknown TCP server speaks, nmap-style. Each\n"
"probe runs on a fresh connection: first 'banner' alone (connect, send\n"
"nothing, wait --banner-wait), then the others in parallel; probing stops\n"
"50ms after a match is certain. Prints the verdict (protocol, product,\n"
"version), its confidence (certain, likely, possible), the evidence bytes\n"
"it rests on, the codec to decode the server's traffic with, and each\n"
"probe's bytes sent and received, escaped.\n"
"\n"
"Probes: banner echo redis http app memcached tls line len16 len32\n"
"postgres mqtt amqp ldap dns gearman stats xmpp git stomp zookeeper\n"
"mongodb kafka rdp sip websocket http2; follow-ups after a certain mail or\n"
"FTP verdict: smtp-ehlo imap-capa pop3-capa ftp-feat (STARTTLS offers);\n"
"when the banner probe got nothing, a 'late-banner' connection waits\n"
"twice --timeout while the others run.\n"
"Recognises SSH, SMTP, FTP, POP3, IMAP, HTTP (product from Server), Redis,\n"
"memcached, TLS, MySQL/MariaDB, PostgreSQL, MQTT, AMQP, LDAP, DNS,\n"
"gearman, beanstalkd, NATS, IRC, XMPP, rsync, git daemon, STOMP,\n"
"ZooKeeper, MongoDB, Kafka, VNC, RDP, SIP, WebSocket, HTTP/2, chargen,\n"
"daytime, echo (and the seed prefix, ~ suffix and fixed-reply variants),\n"
"the seed jsonhdr app and file servers, and length-prefixed or line-based\n"
"replies. A TLS server is handshaken with (not verified) and probed inside:\n"
"\"http over TLS\", its certificate, version, cipher and ALPN (h2).\n"
"\n"
"A reply ends when it is whole, when the server closes, 0.25s after a line\n"
"end, or after --timeout of quiet without one; a reply still arriving\n"
"after 10s (or 2 x --timeout) is never used to identify. 'certain' needs\n"
"a form only that protocol produces. Echo needs two probes, one of\n"
"several lines, back whole with the same decoration; a fixed reply needs\n"
"the same bytes (4 or more, no error form) to probes of different line\n"
"counts with no banner and no close. Probes a server refuses, resets or\n"
"closes while it serves others (a per-address connection limit) are\n"
"retried a few at a time, and the status says so.\n"
"\n"
"The target is HOST:PORT, [IPv6]:PORT (e.g. [::1]:6379), unix:/PATH (a Unix\n"
"socket file, e.g. unix:/run/redis/redis.sock) or unix:@NAME (a Linux\n"
"abstract name); over a Unix socket HTTP probes name Host: localhost.\n"
"\n";

static const char probe_help_tail[] =
"\n"
"Exit status:\n"
"  0  identified (a certain or likely verdict)\n"
"  1  connected, but not identified: unknown replies, silent (accepts and\n"
"     says nothing), closes or resets every connection, or a banner that\n"
"     came only after --timeout (status late: try a longer --timeout)\n"
"  2  usage error, or the scenario file cannot be written\n"
"  3  refused, unreachable, connect timeout, a target without a port or a\n"
"     name that does not resolve\n"
"\n"
"Examples:\n"
"  sockbench probe 127.0.0.1:6379\n"
"  sockbench probe --json 127.0.0.1:8080\n"
"  sockbench probe -e redis.txt 127.0.0.1:6379 &&\n"
"    sockbench run --connect 127.0.0.1:6379 redis.txt\n";

/* Print one probe's bytes, escaped, on an indented line. */
static void
probe_print_bytes(FILE *f, const char *label, const unsigned char *p, size_t n,
    size_t total, int verbose)
{
	char *s;

	if (total == 0) {
		fprintf(f, "      %-9s (nothing)\n", label);
		return;
	}
	s = probe_escape(p, n, verbose ? 0 : 100);
	fprintf(f, "      %-9s \"%s\" (%zu bytes)\n", label, s, total);
	free(s);
}

/* 1 if an earlier probe than i matched the same protocol (a guess is
 * listed once, with its first evidence). */
static int
probe_guess_seen(const struct probe_result *r, size_t i)
{
	size_t j;

	for (j = 0; j < i; j++)
		if (r->ev[j].match.conf > PROBE_NONE && strcmp(
		    r->ev[j].match.protocol, r->ev[i].match.protocol) == 0)
			return 1;
	return 0;
}

/* Every protocol some probe's reply suggested, with the first evidence:
 * what an unidentified verdict rests its guesses on. */
static void
probe_json_guesses(cJSON *root, const struct probe_result *r)
{
	cJSON *arr = cJSON_AddArrayToObject(root, "guesses");
	size_t i;

	for (i = 0; i < r->nev; i++) {
		const struct probe_evidence *e = &r->ev[i];
		cJSON *g;

		if (e->match.conf == PROBE_NONE || probe_guess_seen(r, i))
			continue;
		g = cJSON_CreateObject();
		cJSON_AddStringToObject(g, "protocol", e->match.protocol);
		cJSON_AddStringToObject(g, "confidence",
		    probe_conf_name(e->match.conf));
		cJSON_AddStringToObject(g, "probe", e->probe);
		cJSON_AddStringToObject(g, "detail", e->match.detail);
		cJSON_AddItemToArray(arr, g);
	}
}

/* The guesses as one text line, for a run that identified nothing. */
static void
probe_print_guesses(FILE *f, const struct probe_result *r)
{
	size_t i, n = 0;

	for (i = 0; i < r->nev; i++) {
		const struct probe_evidence *e = &r->ev[i];

		if (e->match.conf == PROBE_NONE || probe_guess_seen(r, i))
			continue;
		fprintf(f, "%s%s %s (%s)", n++ == 0 ? "guesses:    " : "; ",
		    e->match.protocol, probe_conf_name(e->match.conf),
		    e->probe);
	}
	if (n > 0)
		fprintf(f, "\n");
}

void
probe_print(FILE *f, const struct probe_result *r, int verbose)
{
	const struct probe_match *v = &r->verdict;
	size_t i;

	fprintf(f, "target:     %s\n", r->target);
	if (v->conf >= PROBE_POSSIBLE) {
		fprintf(f, "verdict:    %s", v->protocol);
		if (v->product[0] != '\0')
			fprintf(f, ", %s%s%s", v->product, v->version[0] ?
			    " " : "", v->version);
		fprintf(f, " (%s)\n", probe_conf_name(v->conf));
		fprintf(f, "codec:      %s\n", v->codec);
		fprintf(f, "evidence:   %s (probe %s, matcher %s)\n", v->detail,
		    r->verdict_probe >= 0 ? r->ev[r->verdict_probe].probe :
		    "-", v->matcher != NULL ? v->matcher : "-");
	} else
		fprintf(f, "verdict:    none\n");
	if (r->tls.tried) {
		if (r->tls.done) {
			fprintf(f, "tls:        %s %s", r->tls.version,
			    r->tls.cipher);
			if (r->tls.alpn[0] != '\0')
				fprintf(f, ", ALPN %s%s", r->tls.alpn,
				    strcmp(r->tls.alpn, "h2") == 0 ?
				    " (HTTP/2)" : "");
			fprintf(f, "\ncert:       subject %s; issuer %s; "
			    "expires %s (not verified)\n", r->tls.subject,
			    r->tls.issuer, r->tls.not_after);
		} else
			fprintf(f, "tls:        no handshake: %s\n",
			    r->tls.error[0] ? r->tls.error : "none finished");
	}
	if (r->starttls[0] != '\0')
		fprintf(f, "starttls:   %s\n", r->starttls);
	if (r->status != PROBE_IDENTIFIED)
		probe_print_guesses(f, r);
	fprintf(f, "status:     %s (exit %d) in %.2fs\n", r->summary,
	    probe_exit_status(r), r->seconds);
	fprintf(f, "probes:\n");
	for (i = 0; i < r->nev; i++) {
		const struct probe_evidence *e = &r->ev[i];

		if (!e->ran) {
			fprintf(f, "  %-11s not run (an earlier probe decided)\n",
			    e->probe);
			continue;
		}
		fprintf(f, "  %s%-*s %s", e->inside_tls ? "tls/" : "",
		    e->inside_tls ? 7 : 11, e->probe, e->outcome);
		if (e->retried)
			fprintf(f, " (retried; first try: %s)", e->first_outcome);
		if (e->match.conf > PROBE_NONE)
			fprintf(f, " -> %s, %s", e->match.protocol,
			    probe_conf_name(e->match.conf));
		fprintf(f, "\n");
		probe_print_bytes(f, "sent", e->sent, e->sent_len, e->sent_len,
		    verbose);
		probe_print_bytes(f, "received", e->recv, e->recv_len,
		    e->recv_total, verbose);
	}
}

/* Add bytes as lowercase hex digits to a JSON object: exact, for tools. */
static void
probe_json_hex(cJSON *o, const char *key, const unsigned char *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	char *s = xmalloc(2 * n + 1);
	size_t i;

	for (i = 0; i < n; i++) {
		s[2 * i] = digits[p[i] >> 4];
		s[2 * i + 1] = digits[p[i] & 15];
	}
	s[2 * n] = '\0';
	cJSON_AddStringToObject(o, key, s);
	free(s);
}

/* Add an escaped byte string to a JSON object. */
static void
probe_json_bytes(cJSON *o, const char *key, const unsigned char *p, size_t n)
{
	char *s = probe_escape(p, n, 0);

	cJSON_AddStringToObject(o, key, s);
	free(s);
}

char *
probe_json(const struct probe_result *r)
{
	const struct probe_match *v = &r->verdict;
	cJSON *root = cJSON_CreateObject(), *vj, *arr;
	char *text;
	size_t i;

	cJSON_AddStringToObject(root, "target", r->target);
	cJSON_AddStringToObject(root, "status", probe_status_name(r->status));
	cJSON_AddNumberToObject(root, "exit", probe_exit_status(r));
	cJSON_AddStringToObject(root, "summary", r->summary);
	cJSON_AddNumberToObject(root, "seconds", r->seconds);
	cJSON_AddNumberToObject(root, "timeout", r->timeout);
	if (v->conf > PROBE_NONE) {
		vj = cJSON_AddObjectToObject(root, "verdict");
		cJSON_AddStringToObject(vj, "protocol", v->protocol);
		cJSON_AddStringToObject(vj, "product", v->product);
		cJSON_AddStringToObject(vj, "version", v->version);
		cJSON_AddStringToObject(vj, "confidence",
		    probe_conf_name(v->conf));
		cJSON_AddStringToObject(vj, "codec", v->codec);
		cJSON_AddStringToObject(vj, "detail", v->detail);
		cJSON_AddStringToObject(vj, "matcher", v->matcher ?
		    v->matcher : "");
		cJSON_AddStringToObject(vj, "probe", r->verdict_probe >= 0 ?
		    r->ev[r->verdict_probe].probe : "");
		/* The bytes the verdict rests on: the cited probe's reply. */
		if (r->verdict_probe >= 0)
			probe_json_bytes(vj, "evidence",
			    r->ev[r->verdict_probe].recv,
			    r->ev[r->verdict_probe].recv_len);
		cJSON_AddBoolToObject(vj, "inside_tls", r->tls.inside);
	} else
		cJSON_AddNullToObject(root, "verdict");
	if (r->starttls[0] != '\0') {
		cJSON *sj = cJSON_AddObjectToObject(root, "starttls");

		cJSON_AddBoolToObject(sj, "offered", r->starttls_offered);
		cJSON_AddStringToObject(sj, "detail", r->starttls);
	} else
		cJSON_AddNullToObject(root, "starttls");
	if (r->tls.tried) {
		cJSON *tj = cJSON_AddObjectToObject(root, "tls");

		cJSON_AddBoolToObject(tj, "handshake", r->tls.done);
		cJSON_AddStringToObject(tj, "version", r->tls.version);
		cJSON_AddStringToObject(tj, "cipher", r->tls.cipher);
		cJSON_AddStringToObject(tj, "alpn", r->tls.alpn);
		cJSON_AddStringToObject(tj, "subject", r->tls.subject);
		cJSON_AddStringToObject(tj, "issuer", r->tls.issuer);
		cJSON_AddStringToObject(tj, "not_after", r->tls.not_after);
		cJSON_AddStringToObject(tj, "error", r->tls.error);
		cJSON_AddBoolToObject(tj, "verdict_inside", r->tls.inside);
		cJSON_AddStringToObject(tj, "inside_summary",
		    r->tls.inside_summary);
	} else
		cJSON_AddNullToObject(root, "tls");
	probe_json_guesses(root, r);
	arr = cJSON_AddArrayToObject(root, "probes");
	for (i = 0; i < r->nev; i++) {
		const struct probe_evidence *e = &r->ev[i];
		cJSON *pj = cJSON_CreateObject();

		cJSON_AddStringToObject(pj, "name", e->probe);
		cJSON_AddBoolToObject(pj, "ran", e->ran);
		cJSON_AddBoolToObject(pj, "inside_tls", e->inside_tls);
		cJSON_AddBoolToObject(pj, "connected", e->connected);
		cJSON_AddStringToObject(pj, "outcome", e->ran ? e->outcome :
		    "not run");
		cJSON_AddNumberToObject(pj, "seconds", e->seconds);
		probe_json_bytes(pj, "sent", e->sent, e->sent_len);
		cJSON_AddNumberToObject(pj, "sent_bytes", (double)e->sent_len);
		probe_json_hex(pj, "sent_hex", e->sent, e->sent_len);
		probe_json_bytes(pj, "received", e->recv, e->recv_len);
		probe_json_hex(pj, "received_hex", e->recv, e->recv_len);
		cJSON_AddNumberToObject(pj, "received_bytes",
		    (double)e->recv_total);
		cJSON_AddBoolToObject(pj, "peer_closed", e->peer_closed);
		cJSON_AddBoolToObject(pj, "reset", e->reset);
		cJSON_AddBoolToObject(pj, "still_arriving", e->arriving);
		cJSON_AddBoolToObject(pj, "no_line_end", e->no_line_end);
		cJSON_AddBoolToObject(pj, "truncated", e->truncated);
		if (e->late)
			cJSON_AddNumberToObject(pj, "late_after", e->late_after);
		cJSON_AddBoolToObject(pj, "retried", e->retried);
		if (e->retried)
			cJSON_AddStringToObject(pj, "first_outcome",
			    e->first_outcome);
		if (e->match.conf > PROBE_NONE) {
			cJSON_AddStringToObject(pj, "match", e->match.protocol);
			cJSON_AddStringToObject(pj, "confidence",
			    probe_conf_name(e->match.conf));
		}
		cJSON_AddItemToArray(arr, pj);
	}
	text = cJSON_Print(root);
	cJSON_Delete(root);
	return text;
}

/* probe's own options; --connect-timeout and --timeout are its own too
 * (a probe's reply wait and connect limit, not the engine's). */
enum probe_opt_id {
	PROBE_O_TIMEOUT = 1, PROBE_O_CONNECT_TIMEOUT, PROBE_O_JSON,
	PROBE_O_EMIT, PROBE_O_PROBES, PROBE_O_SERIAL, PROBE_O_ALL,
	PROBE_O_VERBOSE, PROBE_O_BANNER_WAIT, PROBE_O_NO_TLS_INSIDE
};

static const struct cli_opt probe_opts[] = {
	{ PROBE_O_TIMEOUT, 't', "timeout", required_argument, "DUR",
	    "reply wait per probe (default 1.5s)", NULL },
	{ PROBE_O_BANNER_WAIT, 0, "banner-wait", required_argument, "DUR",
	    "how long the banner probe waits alone before\n"
	    "the others start (default 0.5s, at most --timeout)", NULL },
	{ PROBE_O_CONNECT_TIMEOUT, 0, "connect-timeout", required_argument,
	    "DUR", "give up connecting after DUR (default 3s)", NULL },
	{ PROBE_O_JSON, 'j', "json", no_argument, NULL,
	    "print the result as JSON", NULL },
	{ PROBE_O_EMIT, 'e', "emit-scenario", required_argument, "FILE",
	    "write a starter scenario for the verdict, for\n"
	    "sockbench run --connect HOST:PORT FILE", NULL },
	{ PROBE_O_PROBES, 'p', "probes", required_argument, "LIST",
	    "run only these probes (comma-separated)", NULL },
	{ PROBE_O_SERIAL, 0, "serial", no_argument, NULL,
	    "one probe at a time (for servers that serve\n"
	    "one client at a time)", NULL },
	{ PROBE_O_ALL, 0, "all", no_argument, NULL,
	    "run every probe even after a certain match", NULL },
	{ PROBE_O_NO_TLS_INSIDE, 0, "no-tls-inside", no_argument, NULL,
	    "report a TLS server as tls without a handshake\n"
	    "and the probes inside it", NULL },
	{ PROBE_O_VERBOSE, 'v', "verbose", no_argument, NULL,
	    "show whole replies, not their first bytes", NULL },
	CLI_USE(CLI_O_HELP),
	CLI_END
};

/* What the command line asked of probe. */
struct probe_args {
	struct probe_opts	 o;
	const char		*emit;		/* --emit-scenario FILE */
	int			 json, verbose;
};

/* Check a --probes list against the probe names; 0, or -1 with the
 * usage error printed. */
static int
probe_check_names(const char *only)
{
	char *list = xstrdup(only), *tok, *save = NULL;
	const char *n;
	size_t i;
	int rc = 0;

	for (tok = strtok_r(list, ",", &save); tok != NULL && rc == 0;
	    tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; (n = probe_name(i)) != NULL; i++)
			if (strcmp(n, tok) == 0)
				break;
		if (n == NULL) {
			char known[512];
			size_t o = 0;

			for (i = 0; (n = probe_name(i)) != NULL &&
			    o < sizeof(known); i++)
				o += (size_t)snprintf(known + o, sizeof(known) - o,
				    "%s%s", i > 0 ? " " : "", n);
			cli_usage_error("probe", "--probes: unknown probe '%s' "
			    "(known: %s)", tok, known);
			rc = -1;
		}
	}
	free(list);
	return rc;
}

/* Take one option of probe (the struct cli_spec set function). */
static int
probe_set(void *ctx, const struct cli_opt *opt, const char *arg)
{
	struct probe_args *a = ctx;

	switch (opt->id) {
	case PROBE_O_TIMEOUT:
		if ((a->o.timeout = parse_duration(arg)) <= 0) {
			cli_usage_error("probe", "--timeout '%s': expected a "
			    "duration such as 1.5s", arg);
			return -1;
		}
		return 1;
	case PROBE_O_BANNER_WAIT:
		if ((a->o.banner_wait = parse_duration(arg)) <= 0) {
			cli_usage_error("probe", "--banner-wait '%s': expected "
			    "a duration such as 0.5s", arg);
			return -1;
		}
		return 1;
	case PROBE_O_CONNECT_TIMEOUT:
		if ((a->o.connect_timeout = parse_duration(arg)) <= 0) {
			cli_usage_error("probe", "--connect-timeout '%s': "
			    "expected a duration such as 3s", arg);
			return -1;
		}
		return 1;
	case PROBE_O_JSON: a->json = 1; return 1;
	case PROBE_O_EMIT: a->emit = arg; return 1;
	case PROBE_O_PROBES: a->o.only = arg; return 1;
	case PROBE_O_SERIAL: a->o.serial = 1; return 1;
	case PROBE_O_ALL: a->o.all = 1; return 1;
	case PROBE_O_VERBOSE: a->verbose = 1; return 1;
	case PROBE_O_NO_TLS_INSIDE: a->o.no_tls_inside = 1; return 1;
	}
	return 0;
}

const struct cli_spec probe_spec = {
	"probe", probe_opts, 29, probe_help_head, probe_help_tail, probe_set
};

/* Write the starter scenario to path; 0, or the exit status. */
static int
probe_emit(const char *path, const struct probe_result *r, int json)
{
	char err[256];
	FILE *f;

	if ((f = fopen(path, "w")) == NULL) {
		fprintf(stderr, "sockbench probe: %s: %s\n", path,
		    strerror(errno));
		return EXIT_USAGE;
	}
	if (probe_write_scenario(f, r, err, sizeof(err)) < 0) {
		fprintf(stderr, "sockbench probe: %s: %s\n", path, err);
		fclose(f);
		remove(path);
	} else {
		fclose(f);
		if (!json)
			printf("scenario:   %s (sockbench run --connect %s %s)\n",
			    path, r->target, path);
	}
	return 0;
}

int
probe_main(int argc, char **argv)
{
	struct probe_args a;
	struct probe_result *r;
	char *text;
	int first, rc;

	memset(&a, 0, sizeof(a));
	if ((rc = cli_parse(&probe_spec, argc, argv, &a, NULL, &first)) >= 0)
		return rc;
	if (argc - first != 1)
		return cli_usage_error("probe", "expected one HOST:PORT, got %d "
		    "arguments", argc - first);
	if (a.o.only != NULL && probe_check_names(a.o.only) < 0)
		return EXIT_USAGE;
	r = xcalloc(1, sizeof(*r));
	rc = probe_detect(argv[first], &a.o, r);
	if (a.json) {
		text = probe_json(r);
		printf("%s\n", text);
		free(text);
	} else
		probe_print(stdout, r, a.verbose);
	if (a.emit != NULL && probe_emit(a.emit, r, a.json) != 0)
		rc = EXIT_USAGE;
	free(r);
	return rc;
}
