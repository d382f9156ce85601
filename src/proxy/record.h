/* Recording a proxied conversation as two scenarios (docs/scenarios.md):
 * the client's (its sends, expects from the server's replies; replays
 * with `sockbench run --connect`) and the server's (an `accept` block
 * that answers as the real server did; `sockbench serve --scenario`).
 * Rules (regex -> capture name) turn values that change per run into
 * captures and placeholders. */
#ifndef SB_PROXY_RECORD_H
#define SB_PROXY_RECORD_H
#include <stddef.h>
#include <stdint.h>

struct codec;
struct record_rules;
struct recorder;
struct record_job;

#define RECORD_MAX_BYTES	(16u << 20)	/* held per connection: the
						   bytes and a struct per
						   message */
#define RECORD_MAX_MSGS		100000u		/* messages per connection */
#define RECORD_STEP_BYTES	(256u << 10)	/* formatted per step */
#define RECORD_RULES_MAX	64		/* rules per file */

/* Read a rules file: one rule a line, `NAME REGEX` (POSIX extended; the
 * first group, or the whole match without one, is the value), `#`
 * comments and blank lines ignored; NAME a letter then letters, digits
 * or `_`. 0 and *out, or -1 with err naming file:line and the fault. */
int record_rules_load(const char *path, struct record_rules **out, char *err,
    size_t errlen);
/* Parse rules from text (as a file holds them); path names it in err. */
int record_rules_parse(const char *text, size_t len, const char *path,
    struct record_rules **out, char *err, size_t errlen);
/* Free rules (NULL: nothing). */
void record_rules_free(struct record_rules *r);

/* A recorder for proxied connection id: target is the real server's
 * address (for the replay comment). rules may be NULL. */
struct recorder *record_new(uint64_t id, const char *target,
    const struct record_rules *rules);
/* One decoded message (or raw chunk): from_client 1 for what the client
 * sent, t its time (s, monotonic). Each message costs its bytes plus its
 * bookkeeping struct; past RECORD_MAX_BYTES of that cost or
 * RECORD_MAX_MSGS messages nothing more is kept, only counted, and the
 * files say so. */
void record_msg(struct recorder *r, int from_client, const unsigned char *p,
    size_t n, double t);
/* Write DIR/conn-ID-client.txt and DIR/conn-ID-server.txt for codec cd;
 * client_closed says which side closed first (1 client, 0 server, -1
 * unknown: a reset or failure, written as a comment). 0, or -1 with err.
 * Existing files are never overwritten. */
int record_write(const struct recorder *r, const char *dir,
    const struct codec *cd, int client_closed, const char *end_reason,
    char *err, size_t errlen);
/* Bytes r holds (its messages' bytes and bookkeeping), at most
 * RECORD_MAX_BYTES. */
size_t record_held(const struct recorder *r);
/* Free r (NULL: nothing). */
void record_free(struct recorder *r);

/* Writing a recording in steps, so a big one never holds the event loop:
 * record_job_new takes r (freed with the job, also on failure), makes
 * DIR/conn-ID-client.txt and DIR/conn-ID-server.txt (never over existing
 * files: then NULL with err, and neither file is left) with the
 * arguments of record_write. */
struct record_job *record_job_new(struct recorder *r, const char *dir,
    const struct codec *cd, int client_closed, const char *end_reason,
    char *err, size_t errlen);
/* Format and write at most max_msgs more messages (and about
 * RECORD_STEP_BYTES of text): 0 more to do, 1 both files written and
 * closed, -1 with err (the files are closed). */
int record_job_step(struct record_job *j, size_t max_msgs, char *err,
    size_t errlen);
/* End both files now with a comment saying why and how many messages
 * are left out (a valid scenario up to there): 0, or -1 with err. */
int record_job_cut(struct record_job *j, const char *why, char *err,
    size_t errlen);
/* Free j and its recorder (NULL: nothing); open files are closed. */
void record_job_free(struct record_job *j);

#endif
