/* The service registry and --service argument parsing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "conn.h"
#include "svc.h"
#include "util.h"

const struct service *const service_all[] = {
	&service_echo, &service_app, &service_file, NULL
};

const char *const service_names[] = { "echo", "app", "file", NULL };
const char *const service_option_names[] = {
	"prefix", "suffix", "fixed", "root", NULL
};

const struct service *
service_findn(const char *name, size_t n)
{
	size_t i;

	for (i = 0; service_all[i] != NULL; i++)
		if (strlen(service_all[i]->name) == n &&
		    memcmp(service_all[i]->name, name, n) == 0)
			return service_all[i];
	return NULL;
}

const struct service *
service_find(const char *name)
{
	return service_findn(name, strlen(name));
}

int
service_takes(const struct service *s, const char *opt, size_t n)
{
	size_t i;

	for (i = 0; s->options[i] != NULL; i++)
		if (strlen(s->options[i]) == n &&
		    memcmp(s->options[i], opt, n) == 0)
			return 1;
	return 0;
}

/* Say whether p starts with "KEY=" for an option key or codec. */
static int
service_is_key(const char *p)
{
	size_t i, n;

	for (i = 0; service_option_names[i] != NULL; i++) {
		n = strlen(service_option_names[i]);
		if (strncmp(p, service_option_names[i], n) == 0 && p[n] == '=')
			return 1;
	}
	return strncmp(p, "codec=", 6) == 0;
}

struct svc_conn *
svc_new(const struct service_cfg *cfg)
{
	struct svc_conn *sc = xcalloc(1, sizeof(*sc));

	sc->cfg = cfg;
	sc->fd = -1;
	return sc;
}

void
svc_free(struct conn *c)
{
	struct svc_conn *sc = c->udata;

	if (sc == NULL)
		return;
	if (sc->fd >= 0)
		close(sc->fd);
	free(sc);
	c->udata = NULL;
}

/* Store a copy of an option value. */
static void
svc_set(unsigned char **dst, size_t *dstlen, const char *v)
{
	free(*dst);
	*dstlen = strlen(v);
	*dst = (unsigned char *)xstrdup(v);
}

int
service_cfg_parse(struct service_cfg *cfg, const char *spec, char *err,
    size_t errlen)
{
	char *s = xstrdup(spec), *opt, *next;
	const char *colon = strchr(spec, ':');
	int rc = 0;

	memset(cfg, 0, sizeof(*cfg));
	cfg->name = xstrndup(spec, colon ? (size_t)(colon - spec) : strlen(spec));
	if (service_find(cfg->name) == NULL) {
		snprintf(err, errlen, "unknown service '%s' (known: echo, app, "
		    "file)", cfg->name);
		free(s);
		service_cfg_free(cfg);
		return -1;
	}
	/* Options are "key=value", separated by commas; a value runs to the
	 * next ",key=" so it may contain commas itself. */
	opt = colon ? s + (colon - spec) + 1 : NULL;
	while (opt != NULL && *opt != '\0') {
		char *eq = strchr(opt, '='), *p;

		if (eq == NULL) {
			snprintf(err, errlen, "service option '%s': expected "
			    "KEY=VALUE", opt);
			rc = -1;
			break;
		}
		*eq = '\0';
		next = NULL;
		for (p = eq + 1; (p = strchr(p, ',')) != NULL; p++) {
			if (service_is_key(p + 1)) {
				*p = '\0';
				next = p + 1;
				break;
			}
		}
		if (strcmp(opt, "codec") != 0 &&
		    !service_takes(service_find(cfg->name), opt, strlen(opt))) {
			snprintf(err, errlen, "service option '%s': service %s "
			    "does not take it", opt, cfg->name);
			rc = -1;
			break;
		}
		if (strcmp(opt, "prefix") == 0)
			svc_set(&cfg->prefix, &cfg->prefix_len, eq + 1);
		else if (strcmp(opt, "suffix") == 0)
			svc_set(&cfg->suffix, &cfg->suffix_len, eq + 1);
		else if (strcmp(opt, "fixed") == 0)
			svc_set(&cfg->fixed, &cfg->fixed_len, eq + 1);
		else if (strcmp(opt, "root") == 0) {
			free(cfg->root);
			cfg->root = xstrdup(eq + 1);
		} else if (strcmp(opt, "codec") == 0) {
			if (codec_find(eq + 1) == NULL) {
				snprintf(err, errlen, "unknown codec '%s'", eq + 1);
				rc = -1;
				break;
			}
			cfg->codec = codec_find(eq + 1)->name;
		} else {
			snprintf(err, errlen, "service option '%s': unknown "
			    "(prefix, suffix, fixed, root, codec)", opt);
			rc = -1;
			break;
		}
		opt = next;
	}
	if (rc == 0 && strcmp(cfg->name, "file") == 0) {
		if (cfg->root == NULL) {
			snprintf(err, errlen, "the file service needs the "
			    "directory it serves: file:root=DIR");
			rc = -1;
		} else if (access(cfg->root, R_OK | X_OK) != 0) {
			snprintf(err, errlen, "file service root '%s' is not a "
			    "readable directory", cfg->root);
			rc = -1;
		}
	}
	free(s);
	if (rc < 0)
		service_cfg_free(cfg);
	return rc;
}

void
service_cfg_free(struct service_cfg *cfg)
{
	free(cfg->name);
	free(cfg->prefix);
	free(cfg->suffix);
	free(cfg->fixed);
	free(cfg->root);
	memset(cfg, 0, sizeof(*cfg));
}

/* Copy n bytes into fresh storage with a NUL after them; NULL stays NULL. */
static unsigned char *
service_dup(const unsigned char *p, size_t n)
{
	unsigned char *d;

	if (p == NULL)
		return NULL;
	d = xmalloc(n + 1);
	if (n > 0)
		memcpy(d, p, n);
	d[n] = '\0';
	return d;
}

void
service_cfg_copy(struct service_cfg *dst, const struct service_cfg *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->name = src->name != NULL ? xstrdup(src->name) : NULL;
	dst->prefix = service_dup(src->prefix, src->prefix_len);
	dst->prefix_len = src->prefix_len;
	dst->suffix = service_dup(src->suffix, src->suffix_len);
	dst->suffix_len = src->suffix_len;
	dst->fixed = service_dup(src->fixed, src->fixed_len);
	dst->fixed_len = src->fixed_len;
	dst->root = src->root != NULL ? xstrdup(src->root) : NULL;
	dst->codec = src->codec;
}
