/* The embedded server's behaviours (the seed servers): echo with its
 * variants, the jsonhdr application server, and the file server. */
#ifndef SB_SERVICE_H
#define SB_SERVICE_H
#include <stddef.h>

/* Which service a listener runs, with its options. Owned by its creator;
 * service_cfg_free releases the strings. */
struct service_cfg {
	char		*name;		/* "echo", "app", "file" */
	unsigned char	*prefix;	/* echo: bytes before each reply */
	size_t		 prefix_len;
	unsigned char	*suffix;	/* echo: bytes after each reply */
	size_t		 suffix_len;
	unsigned char	*fixed;		/* echo: reply instead of the data */
	size_t		 fixed_len;
	char		*root;		/* file: directory served */
	const char	*codec;		/* override the service's codec */
};

struct conn_handler;
struct codec;

/* A service: a handler plus the codec its connections decode with. */
struct service {
	const char			*name;
	const char			*summary;
	const char			*codec;	/* default codec name */
	const struct conn_handler	*handler;
	const char *const		*options;	/* option names it takes
							   (NULL-terminated) */
};

/* Look a service up by name (n bytes of it); NULL if unknown. */
const struct service *service_find(const char *name);
const struct service *service_findn(const char *name, size_t n);
/* True when service s takes option opt[0..n) ("prefix", "root", ...). */
int service_takes(const struct service *s, const char *opt, size_t n);
/* The service names, NULL-terminated, for hints and help. */
extern const char *const service_names[];
/* Every option name any service takes, NULL-terminated. */
extern const char *const service_option_names[];
/* Every service, NULL-terminated. */
extern const struct service *const service_all[];
/* Parse a --service argument such as "echo", "echo:prefix=TEXT",
 * "echo:suffix=~", "echo:fixed=data from server", "file:root=DIR";
 * returns 0, or -1 with err filled. */
int service_cfg_parse(struct service_cfg *cfg, const char *spec, char *err,
    size_t errlen);
void service_cfg_free(struct service_cfg *cfg);
/* Make dst a deep copy of src (NULL strings stay NULL; a set but empty
 * fixed reply stays set). */
void service_cfg_copy(struct service_cfg *dst, const struct service_cfg *src);

extern const struct service service_echo, service_app, service_file;

#endif
