/* The proxy's control socket: one-line text commands that add, remove and
 * list faults while the proxy runs (docs/proxy.md, "Control socket"). */
#ifndef SB_PROXY_CONTROL_H
#define SB_PROXY_CONTROL_H
#include <stddef.h>
#include <stdint.h>
#include "fault.h"

#define CONTROL_LINE_MAX	512	/* bytes of one command line */

struct engine;
struct proxy;
struct control;

enum control_verb { CONTROL_ADD, CONTROL_REMOVE, CONTROL_LIST,
	CONTROL_STATS, CONTROL_HELP };

/* One parsed command. */
struct control_cmd {
	enum control_verb	 verb;
	struct fault_spec	 spec;	/* add */
	uint32_t		 id;	/* remove */
};

/* Parse one command line (without its line end): "add SPEC", "remove
 * ID", "list", "stats", "help". 0, or -1 with err saying what was
 * expected. */
int control_parse(const char *line, size_t n, struct control_cmd *out,
    char *err, size_t errlen);
/* Listen on addr (unix:/PATH, or HOST:PORT) for commands to proxy px:
 * the control, or NULL with err. */
struct control *control_new(struct engine *e, struct proxy *px,
    const char *addr, char *err, size_t errlen);
/* Stop listening and free c (NULL: nothing); open command connections
 * are closed. */
void control_free(struct control *c);

#endif
