/* The application service (seed 000 "app"): one jsonhdr request per
 * connection, a search table, an invalid-action error, a binary reply, then
 * close once the response is flushed. */
#include <stdio.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "conn.h"
#include "pyjson.h"
#include "svc.h"

/* The seed's search table, answers byte for byte. */
static const struct {
	const char *query, *answer;
} app_table[] = {
	{ "morpheus", "Follow the white rabbit. \xf0\x9f\x90\xb0" },
	{ "ring", "In the caves beneath the Misty Mountains. \xf0\x9f\x92\x8d" },
	{ "\xf0\x9f\x90\xb6",
	  "\xf0\x9f\x90\xbe Playing ball! \xf0\x9f\x8f\x90" },
};

/* Render a JSON value the way Python's f'{value}' would for a str or None. */
static void
app_pystr(const cJSON *v, struct buf *out)
{
	if (v == NULL || cJSON_IsNull(v))
		buf_append_str(out, "None");
	else if (cJSON_IsString(v))
		buf_append(out, v->valuestring, pyjson_strlen(v));
	else if (cJSON_IsBool(v))
		buf_append_str(out, cJSON_IsTrue(v) ? "True" : "False");
	else
		pyjson_dump(v, out);
}

/* Build the answer text for a text/json request. */
static void
app_answer(const cJSON *req, struct buf *out)
{
	const cJSON *action = cJSON_GetObjectItemCaseSensitive(req, "action");
	const cJSON *value = cJSON_GetObjectItemCaseSensitive(req, "value");
	size_t i;

	if (cJSON_IsString(action) && pyjson_strlen(action) == 6 &&
	    memcmp(action->valuestring, "search", 6) == 0) {
		if (cJSON_IsString(value))
			for (i = 0; i < sizeof(app_table) / sizeof(app_table[0]); i++)
				if (pyjson_strlen(value) ==
				    strlen(app_table[i].query) &&
				    memcmp(value->valuestring, app_table[i].query,
				    pyjson_strlen(value)) == 0) {
					buf_append_str(out, app_table[i].answer);
					return;
				}
		buf_append_str(out, "No match for \"");
		app_pystr(value, out);
		buf_append_str(out, "\".");
		return;
	}
	buf_append_str(out, "Error: invalid action \"");
	app_pystr(action, out);
	buf_append_str(out, "\".");
}

/* Encode and queue one response, then close once it is written. */
static void
app_respond(struct conn *c, const struct buf *content, const char *head)
{
	struct buf wire;
	char err[160];

	buf_init(&wire);
	if (codec_jsonhdr.encode(buf_data(content), buf_len(content), head,
	    &wire, err, sizeof(err)) < 0) {
		conn_fail(c, "app: cannot encode the response: %s", err);
	} else {
		conn_send_msg(c, buf_data(&wire), buf_len(&wire));
		conn_close_after_flush(c, "response sent (one request per "
		    "connection)");
	}
	buf_free(&wire);
}

/* Answer one request. */
static void
app_msg(struct conn *c, const struct codec_frame *f)
{
	cJSON *hdr, *req;
	const cJSON *ct;
	struct buf content, answer;

	if (c->info.state != CS_OPEN)
		return;		/* one request per connection */
	/* Python's json.loads semantics (pyjson_parse): the last of
	 * duplicate keys wins, \u0000 stays in a string, trailing bytes
	 * are an error; the seed server closes on an error, so do we. */
	hdr = pyjson_parse((const char *)f->head, f->head_len, NULL, 0);
	ct = cJSON_GetObjectItemCaseSensitive(hdr, "content-type");
	buf_init(&content);
	if (cJSON_IsString(ct) && pyjson_strlen(ct) == 9 &&
	    memcmp(ct->valuestring, "text/json", 9) == 0) {
		char why[128] = "";

		req = pyjson_parse((const char *)f->body, f->body_len, why,
		    sizeof(why));
		if (!cJSON_IsObject(req)) {
			cJSON_Delete(req);
			cJSON_Delete(hdr);
			buf_free(&content);
			conn_fail(c, "protocol error: app: text/json content is "
			    "not a JSON object%s%s", why[0] ? ": " : "", why);
			return;
		}
		buf_init(&answer);
		app_answer(req, &answer);
		buf_append_str(&content, "{\"result\": ");
		pyjson_quote((const char *)buf_data(&answer), buf_len(&answer),
		    &content);
		buf_append_str(&content, "}");
		buf_free(&answer);
		cJSON_Delete(req);
		app_respond(c, &content, "{\"content-type\": \"text/json\", "
		    "\"content-encoding\": \"utf-8\"}");
	} else {
		buf_append_str(&content, "First 10 bytes of request: ");
		buf_append(&content, f->body, f->body_len < 10 ? f->body_len : 10);
		app_respond(c, &content, "{\"content-type\": "
		    "\"binary/custom-server-binary-type\", "
		    "\"content-encoding\": \"binary\"}");
	}
	buf_free(&content);
	cJSON_Delete(hdr);
}

static const struct conn_handler app_handler = {
	.on_msg = app_msg,
	.on_close = svc_free,
};

const struct service service_app = {
	.name = "app",
	.summary = "seed jsonhdr application server: search, one request "
	    "per connection",
	.codec = "jsonhdr",
	.options = (const char *const[]){ NULL },
	.handler = &app_handler,
};
