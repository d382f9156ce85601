/* The starter scenario `sockbench probe -e` and the dashboard write for a
 * probe's verdict, and the byte escaping both use. Shared by the probe
 * command (src/cmd/cmd_probe.c) and the dashboard (src/cmd/cmd_ui.c), so
 * neither calls into the other's file. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "codec.h"
#include "probe.h"
#include "util.h"

/* Escape bytes into a fresh string (all of them, or a prefix of at most
 * max output bytes). */
char *
probe_escape(const unsigned char *p, size_t n, size_t max)
{
	size_t outlen = n * 4 + 8;
	char *s;

	if (max > 0 && outlen > max)
		outlen = max;
	s = xmalloc(outlen);
	escape_bytes(p, n, s, outlen, 1);
	return s;
}

/* Write bytes as a scenario string: escaped, with `$` escaped too. */
static void
probe_quote(FILE *f, const unsigned char *p, size_t n)
{
	size_t i, start = 0;
	char *s;

	fputc('"', f);
	for (i = 0; i <= n; i++) {
		if (i < n && p[i] != '$')
			continue;
		s = probe_escape(p + start, i - start, 0);
		fputs(s, f);
		free(s);
		if (i < n)
			fputs("\\$", f);
		start = i + 1;
	}
	fputc('"', f);
}

/* Write the JSON content of the app's reply as an `expect json` step. */
static void
probe_expect_app(FILE *f, const struct probe_evidence *e)
{
	struct codec_frame fr;
	char err[160], *text = NULL;
	cJSON *j = NULL;

	if (codec_jsonhdr.decode(e->recv, e->recv_len, PROBE_MAX_RECV, &fr,
	    err, sizeof(err)) > 0)
		j = cJSON_ParseWithLength((const char *)fr.body, fr.body_len);
	if (j != NULL && cJSON_IsObject(j))
		text = cJSON_PrintUnformatted(j);
	if (text != NULL && strstr(text, "${") == NULL)
		fprintf(f, "expect json %s\n", text);
	else
		fprintf(f, "expect regex \"result\"\n");
	free(text);
	cJSON_Delete(j);
}

/* The first line of the reply, without its end of line. */
static size_t
probe_line_len(const unsigned char *p, size_t n)
{
	size_t l = 0;

	while (l < n && p[l] != '\r' && p[l] != '\n')
		l++;
	return l;
}

/* The steps for a line protocol: the probe's first line when it sent
 * one (IRC: VERSION), then a regex on the reply's fixed start, or the
 * reply's first line exactly. */
static void
probe_scenario_line(FILE *f, const char *proto,
    const struct probe_evidence *e)
{
	const char *re = NULL;

	if (strcmp(proto, "ssh") == 0)
		re = "^SSH-";
	else if (strcmp(proto, "smtp") == 0 || strcmp(proto, "ftp") == 0)
		re = "^220";
	else if (strcmp(proto, "pop3") == 0)
		re = "^[+]OK";
	else if (strcmp(proto, "imap") == 0)
		re = "^[*] OK";
	/* Greetings and replies that change between connections
	 * (ids, counters, dates): only their fixed start. */
	else if (strcmp(proto, "rsync") == 0)
		re = "^@RSYNCD: ";
	else if (strcmp(proto, "nats") == 0)
		re = "^INFO [{]";
	else if (strcmp(proto, "beanstalkd") == 0)
		re = "^(OK|UNKNOWN_COMMAND)";
	else if (strcmp(proto, "zookeeper") == 0)
		re = "^Zookeeper version|whitelist";
	else if (strcmp(proto, "daytime") == 0)
		re = "[0-9]:[0-9][0-9]";
	else if (strcmp(proto, "chargen") == 0)
		re = "^[ -~]{72}$";
	/* A protocol that wants CRLF (beanstalkd, SMTP) got it from
	 * the probe: keep it. */
	fprintf(f, "codec line%s\ntimeout 3s\n\n", e->sent_len >= 2 &&
	    e->sent[e->sent_len - 2] == '\r' &&
	    e->sent[e->sent_len - 1] == '\n' ? " crlf" : "");
	if (strcmp(proto, "irc") == 0) {
		/* Any command before registration gets 451. */
		fprintf(f, "send \"VERSION\"\nexpect regex \"^:[^ ]+ "
		    "([0-9]{3}|NOTICE) \"\n");
	} else if (e->sent_len > 0 && strcmp(e->probe, "banner") != 0) {
		fprintf(f, "send ");
		probe_quote(f, e->sent, probe_line_len(e->sent,
		    e->sent_len));
		fprintf(f, "\n");
	}
	if (strcmp(proto, "irc") == 0)
		;
	else if (re != NULL)
		fprintf(f, "expect regex \"%s\"\n", re);
	else {
		fprintf(f, "expect ");
		probe_quote(f, e->recv, probe_line_len(e->recv,
		    e->recv_len));
		fprintf(f, "\n");
	}
}

int
probe_write_scenario(FILE *f, const struct probe_result *r, char *err,
    size_t errlen)
{
	const struct probe_match *v = &r->verdict;
	const struct probe_evidence *e;
	const char *proto = v->protocol;
	char name[320];

	if (v->conf < PROBE_LIKELY || r->verdict_probe < 0) {
		snprintf(err, errlen, "no scenario: the server was not "
		    "identified");
		return -1;
	}
	e = &r->ev[r->verdict_probe];
	/* Binary protocols (MySQL, MQTT, LDAP, DNS...) have no codec the
	 * starter could use to say something meaningful: no scenario. */
	if (strcmp(proto, "tls") == 0 || strcmp(proto, "len16") == 0 ||
	    strcmp(proto, "len32") == 0 || strcmp(proto, "jsonhdr") == 0 ||
	    (v->codec != NULL && strcmp(v->codec, "line") != 0 &&
	    strcmp(proto, "redis") != 0 && strcmp(proto, "app") != 0 &&
	    strcmp(proto, "http") != 0 && strcmp(proto, "echo") != 0 &&
	    strcmp(proto, "fixed") != 0 && strcmp(proto, "file") != 0)) {
		snprintf(err, errlen, "no scenario: sockbench has no starter "
		    "scenario for %s", proto);
		return -1;
	}
	fprintf(f, "# Starter scenario written by `sockbench probe %s`: %s",
	    r->target, proto);
	if (v->product[0] != '\0')
		fprintf(f, " (%s%s%s)", v->product, v->version[0] ? " " : "",
		    v->version);
	fprintf(f, ", %s.\n# Run it: sockbench run --connect %s FILE\n",
	    probe_conf_name(v->conf), r->target);
	snprintf(name, sizeof(name), "probe: %s on %s", proto, r->target);
	fprintf(f, "name ");
	probe_quote(f, (const unsigned char *)name, strlen(name));
	fprintf(f, "\n");
	if (r->tls.inside) {
		/* The probe saw the server's certificate but did not verify
		 * it: run checks it (--ca-file, or --insecure). The names are
		 * the server's bytes: escaped, they stay one comment line. */
		char *sub = probe_escape((const unsigned char *)r->tls.subject,
		    strlen(r->tls.subject), 0);
		char *iss = probe_escape((const unsigned char *)r->tls.issuer,
		    strlen(r->tls.issuer), 0);

		fprintf(f, "# Over TLS (certificate %s, issuer %s): run "
		    "verifies it;\n# add --ca-file or --insecure if it is "
		    "self-signed.\ntls\n", sub, iss);
		free(sub);
		free(iss);
	}
	if (strcmp(proto, "redis") == 0) {
		fprintf(f, "codec resp\ntimeout 2s\n\nsend \"PING\"\n");
		if (strncmp((const char *)e->recv, "+PONG", 5) == 0)
			fprintf(f, "expect \"PONG\"\n");
		else
			fprintf(f, "expect regex \"^(NOAUTH|DENIED|ERR)\"\n");
	} else if (strcmp(proto, "app") == 0) {
		fprintf(f, "codec jsonhdr\ntimeout 2s\n\nsend json {\"action\": "
		    "\"search\", \"value\": \"morpheus\"}\n");
		probe_expect_app(f, e);
		if (e->peer_closed)
			fprintf(f, "expect close\n");
	} else if (strcmp(proto, "http") == 0) {
		/* The codec the probe found, so that the dashboard decodes
		 * the response (status line, headers, body). The status is
		 * written only when it is three digits: these are the
		 * server's bytes going into a file. */
		int digits = e->recv_len >= 12 && isdigit(e->recv[9]) &&
		    isdigit(e->recv[10]) && isdigit(e->recv[11]);

		fprintf(f, "codec http\ntimeout 3s\n\nsend request GET \"/\" "
		    "header {\"User-Agent\": \"sockbench-probe\"}\n"
		    "expect status %.3s\n",
		    digits ? (const char *)e->recv + 9 : "1xx|2xx|3xx|4xx|5xx");
	} else if (strcmp(proto, "echo") == 0 || strcmp(proto, "fixed") == 0 ||
	    strcmp(proto, "file") == 0) {
		fprintf(f, "codec raw\ntimeout 2s\n\nsend ");
		probe_quote(f, e->sent, e->sent_len);
		if (strcmp(proto, "file") == 0)
			fprintf(f, "\nexpect regex \"^0001\"\n");
		else {
			fprintf(f, "\nexpect ");
			probe_quote(f, e->recv, e->recv_len);
			fprintf(f, "\n");
		}
	} else if (strcmp(proto, "memcached") == 0) {
		fprintf(f, "codec line\ntimeout 2s\n\nsend \"version\"\n"
		    "expect regex \"^VERSION \"\n");
	} else
		probe_scenario_line(f, proto, e);
	fprintf(f, "close\n");
	return 0;
}
