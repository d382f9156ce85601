/* The command line's TLS options and the TLS summary of reports. */
#include <string.h>
#include "cli.h"
#include "conn.h"
#include "tls_cli.h"
#include "util.h"

int
cli_tls_opt(struct cli_tls *t, int id, const char *arg)
{
	static const char *const names[] = { "--tls", "--sni", "--alpn",
	    "--ca-file", "--insecure", "--cert", "--key", "--tls-min",
	    "--tls-max" };

	if (id == CLI_O_TLS)
		t->on = 1;
	else if (id > CLI_O_TLS && id <= CLI_O_TLS_MAX)
		t->given = names[id - CLI_O_TLS];
	switch (id) {
	case CLI_O_TLS:		break;
	case CLI_O_SNI:		t->o.sni = arg; break;
	case CLI_O_ALPN:	t->o.alpn = arg; break;
	case CLI_O_CA_FILE:	t->o.ca_file = arg; break;
	case CLI_O_INSECURE:	t->o.insecure = 1; break;
	case CLI_O_CERT:	t->o.cert = arg; break;
	case CLI_O_KEY:		t->o.key = arg; break;
	case CLI_O_TLS_MIN:	t->o.min = arg; break;
	case CLI_O_TLS_MAX:	t->o.max = arg; break;
	default:		return 0;
	}
	return 1;
}

int
cli_tls_client(const struct cli_tls *t, const char *target,
    struct tls_ctx *trust, struct tls_ctx **out, char *err, size_t errlen)
{
	struct tls_opts o = t->o;
	char host[256] = "localhost";

	*out = NULL;
	if (!t->on)
		return 0;
	if (target != NULL) {
		const char *colon;

		if (target[0] == '[' && (colon = strchr(target, ']')) != NULL)
			snprintf(host, sizeof(host), "%.*s",
			    (int)(colon - target - 1), target + 1);
		else if ((colon = strrchr(target, ':')) != NULL)
			snprintf(host, sizeof(host), "%.*s",
			    (int)(colon - target), target);
		else
			snprintf(host, sizeof(host), "%s", target);
	}
	o.server = 0;
	if (o.sni == NULL)
		o.sni = host;
	if (tls_ctx_new(&o, out, err, errlen) < 0)
		return -1;
	if (trust != NULL && tls_ctx_trust(*out, trust) < 0) {
		snprintf(err, errlen, "TLS: cannot trust the embedded server's "
		    "certificate");
		tls_ctx_free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

int
cli_tls_server(const struct cli_tls *t, struct tls_ctx **out, char *err,
    size_t errlen)
{
	struct tls_opts o = t->o;

	*out = NULL;
	if (!t->on)
		return 0;
	o.server = 1;
	o.sni = NULL;
	o.ca_file = NULL;
	o.insecure = 0;
	return tls_ctx_new(&o, out, err, errlen);
}

/* Count each client handshake, keeping the first one's details. */
static void
tls_summary_cb(void *ctx, const struct conn_info *ci,
    const struct obs_event *ev)
{
	struct tls_summary *s = ctx;
	const struct tls_info *ti = ci->tls;

	/* At the close: a starttls handshake completes after the open. */
	if (ev->kind != OBS_CLOSED || ci->side != SIDE_CLIENT || ti == NULL)
		return;
	if (s->nconns < TLS_SUMMARY_KEEP) {
		struct tls_summary_conn *k = &s->conns[s->nconns++];

		k->id = ci->id;
		snprintf(k->peer, sizeof(k->peer), "%s", ci->peer);
		k->failed = ci->state == CS_FAILED;
		k->tls = *ti;
	} else
		s->conns_other++;
	if (!ti->done)
		return;
	if (s->handshakes++ == 0)
		s->first = *ti;
	s->resumed += ti->resumed != 0;
	s->hs_sum += ti->handshake_s;
	if (ti->handshake_s > s->hs_max)
		s->hs_max = ti->handshake_s;
}

void
tls_summary_attach(struct tls_summary *s, struct engine *e,
    struct tls_ctx *ctx)
{
	memset(s, 0, sizeof(*s));
	if (ctx == NULL)
		return;
	s->on = 1;
	s->insecure = tls_ctx_insecure(ctx);
	s->obs.on_event = tls_summary_cb;
	s->obs.ctx = s;
	engine_observe(e, &s->obs);
}

void
tls_summary_text(FILE *f, const struct tls_summary *s)
{
	const struct tls_info *t = &s->first;

	if (!s->on)
		return;
	if (s->insecure)
		fprintf(f, "tls: INSECURE: the server's certificate was not "
		    "verified (--insecure)\n");
	if (s->handshakes == 0) {
		fprintf(f, "tls: no handshake completed\n");
		return;
	}
	fprintf(f, "tls: %s %s%s%s, %llu handshake%s", t->version, t->cipher,
	    t->alpn[0] ? ", alpn " : "", t->alpn,
	    (unsigned long long)s->handshakes, s->handshakes == 1 ? "" : "s");
	if (s->resumed > 0)
		fprintf(f, " (%llu resumed)", (unsigned long long)s->resumed);
	fprintf(f, ", %.1f ms mean, %.1f ms max\n",
	    s->hs_sum / (double)s->handshakes * 1e3, s->hs_max * 1e3);
	fprintf(f, "tls: peer %s, issuer %s, expires %s%s\n", t->subject,
	    t->issuer, t->not_after, t->verified ? ", verified" : "");
}

void
tls_info_json(cJSON *o, const struct tls_info *t)
{
	cJSON_AddBoolToObject(o, "handshake_done", t->done);
	if (!t->done)
		return;
	cJSON_AddStringToObject(o, "version", t->version);
	cJSON_AddStringToObject(o, "cipher", t->cipher);
	if (t->alpn[0])
		cJSON_AddStringToObject(o, "alpn", t->alpn);
	else
		cJSON_AddNullToObject(o, "alpn");
	cJSON_AddStringToObject(o, "peer_subject", t->subject);
	cJSON_AddStringToObject(o, "peer_issuer", t->issuer);
	cJSON_AddStringToObject(o, "peer_not_after", t->not_after);
	cJSON_AddNumberToObject(o, "handshake_us", (double)t->handshake_us);
	cJSON_AddBoolToObject(o, "resumed", t->resumed);
	cJSON_AddBoolToObject(o, "verified", t->verified);
	cJSON_AddBoolToObject(o, "insecure", t->insecure);
}

/* "connections": the client connections kept one by one. */
static void
tls_summary_json_conns(cJSON *j, const struct tls_summary *s)
{
	cJSON *arr = cJSON_AddArrayToObject(j, "connections");
	size_t i;

	for (i = 0; i < s->nconns; i++) {
		const struct tls_summary_conn *k = &s->conns[i];
		cJSON *c = cJSON_CreateObject();

		cJSON_AddNumberToObject(c, "id", (double)k->id);
		cJSON_AddStringToObject(c, "peer", k->peer);
		cJSON_AddBoolToObject(c, "failed", k->failed);
		tls_info_json(c, &k->tls);
		cJSON_AddItemToArray(arr, c);
	}
	cJSON_AddNumberToObject(j, "connections_not_kept",
	    (double)s->conns_other);
}

void
tls_summary_json(cJSON *o, const struct tls_summary *s)
{
	const struct tls_info *t = &s->first;
	cJSON *j;

	if (!s->on)
		return;
	j = cJSON_AddObjectToObject(o, "tls");
	cJSON_AddBoolToObject(j, "insecure", s->insecure);
	cJSON_AddNumberToObject(j, "handshakes", (double)s->handshakes);
	cJSON_AddNumberToObject(j, "resumed", (double)s->resumed);
	tls_summary_json_conns(j, s);
	if (s->handshakes == 0)
		return;
	cJSON_AddBoolToObject(j, "verified", t->verified);
	cJSON_AddStringToObject(j, "version", t->version);
	cJSON_AddStringToObject(j, "cipher", t->cipher);
	if (t->alpn[0])
		cJSON_AddStringToObject(j, "alpn", t->alpn);
	else
		cJSON_AddNullToObject(j, "alpn");
	cJSON_AddStringToObject(j, "peer_subject", t->subject);
	cJSON_AddStringToObject(j, "peer_issuer", t->issuer);
	cJSON_AddStringToObject(j, "peer_not_after", t->not_after);
	cJSON_AddNumberToObject(j, "handshake_us_mean",
	    s->hs_sum / (double)s->handshakes * 1e6);
	cJSON_AddNumberToObject(j, "handshake_us_max", s->hs_max * 1e6);
}
