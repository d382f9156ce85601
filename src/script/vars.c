/* Per-connection variables: a small table of name/value pairs, bounded in
 * count and size, and a copy of the last message received. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rand.h"
#include "util.h"
#include "vars.h"

void
vars_init(struct vars *v, uint64_t conn, uint64_t seed)
{
	memset(v, 0, sizeof(*v));
	v->conn = conn;
	v->rng = seed ^ (conn * 0x9e3779b97f4a7c15ULL);
	buf_init(&v->last_body);
	buf_init(&v->last_head);
	buf_init(&v->last_frame);
}

void
vars_free(struct vars *v)
{
	size_t i;

	for (i = 0; i < v->nvars; i++)
		free(v->vars[i].val);
	v->nvars = 0;
	buf_free(&v->last_body);
	buf_free(&v->last_head);
	buf_free(&v->last_frame);
	v->has_last = 0;
}

int
vars_set(struct vars *v, const char *name, const void *p, size_t n)
{
	struct var *tv = NULL;
	size_t i;

	if (strlen(name) > VARS_MAX_NAME || n > VARS_MAX_VALUE)
		return -1;
	for (i = 0; i < v->nvars; i++) {
		if (strcmp(v->vars[i].name, name) == 0) {
			tv = &v->vars[i];
			break;
		}
	}
	if (tv == NULL) {
		if (v->nvars == VARS_MAX)
			return -1;
		tv = &v->vars[v->nvars++];
		snprintf(tv->name, sizeof(tv->name), "%s", name);
		tv->val = NULL;
	}
	free(tv->val);
	tv->val = xmalloc(n);
	if (n > 0)
		memcpy(tv->val, p, n);
	tv->len = n;
	return 0;
}

const unsigned char *
vars_get(const struct vars *v, const char *name, size_t *len)
{
	size_t i;

	for (i = 0; i < v->nvars; i++) {
		if (strcmp(v->vars[i].name, name) == 0) {
			*len = v->vars[i].len;
			return v->vars[i].val;
		}
	}
	return NULL;
}

void
vars_set_last(struct vars *v, const unsigned char *body, size_t body_len,
    const unsigned char *head, size_t head_len)
{
	buf_reset(&v->last_body);
	buf_reset(&v->last_head);
	buf_append(&v->last_body, body, body_len);
	v->last_has_head = head != NULL;
	if (head != NULL)
		buf_append(&v->last_head, head, head_len);
	v->has_last = 1;
}

int
vars_lookup(void *arg, const char *name, const unsigned char **p, size_t *n)
{
	struct vars *v = arg;
	int k;

	if (strcmp(name, "conn") == 0 || strcmp(name, "seq") == 0) {
		snprintf(v->scratch, sizeof(v->scratch), "%llu",
		    (unsigned long long)(name[0] == 'c' ? v->conn : v->seq));
		*p = (const unsigned char *)v->scratch;
		*n = strlen(v->scratch);
		return 0;
	}
	if (strncmp(name, "row.", 4) == 0) {
		if (v->data == NULL || (k = data_column(v->data, name + 4)) < 0)
			return -1;
		*p = data_cell(v->data, v->row, (size_t)k, n);
		return 0;
	}
	*p = vars_get(v, name, n);
	return *p != NULL ? 0 : -1;
}
