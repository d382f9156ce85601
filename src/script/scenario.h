/* Scenario files: settings plus a flat program of steps that a runner plays
 * on each client connection. See docs/scenarios.md for the language. */
#ifndef SB_SCENARIO_H
#define SB_SCENARIO_H
#include <stddef.h>
#include <stdint.h>
#include <regex.h>
#include "codec.h"
#include "service.h"
#include "data.h"
#include "expr.h"
#include "template.h"

#define SCENARIO_MAX_FILE	(4 * 1024 * 1024)	/* bytes in a scenario file */
#define SCENARIO_MAX_LINE	(64 * 1024)		/* bytes in one line */
#define SCENARIO_MAX_DEPTH	8	/* nested repeat/merge blocks */
#define SCENARIO_MAX_STEPS	100000
#define SCENARIO_MAX_SENDFILE	(16 * 1024 * 1024)	/* `send file` size */
#define SCENARIO_MAX_CONNS	1000000
#define SCENARIO_MAX_COUNT	1000000000ULL	/* repeat, length, chunk */
#define SCENARIO_MAX_SECONDS	604800.0	/* any duration: one week */
#define SCENARIO_UNTIL_MAX	1000	/* default bound of `repeat until` */
#define SCENARIO_MAX_INCLUDE	8	/* nested includes and calls */
#define SCENARIO_MAX_DEFINES	256	/* named blocks in one scenario */

struct pack_send;

enum step_kind {
	STEP_SEND,	/* render send.body, encode, write (see tmpl_send) */
	STEP_EXPECT,	/* wait for a message or event; see match.h */
	STEP_CAPTURE,	/* set a variable from the last received message */
	STEP_WAIT,	/* sleep wait.seconds */
	STEP_REPEAT,	/* block start; jump = index of its STEP_END */
	STEP_MERGE,	/* block start; its sends go out in one write */
	STEP_END,	/* block end; jump = index of its REPEAT or MERGE */
	STEP_CLOSE,	/* close the connection; the script ends here */
	STEP_SHUTDOWN,	/* shutdown(SHUT_WR): half-close the write side */
	STEP_SET,	/* set.name = the value of set.e */
	STEP_IF,	/* block start; false: go to jump + 1 (past its ELSE,
			   or its END) */
	STEP_ELSE,	/* reached from the true branch: go to jump + 1 (past
			   the END) */
	STEP_BREAK,	/* leave the loop whose REPEAT is at jump */
	STEP_FINALLY,	/* block start: runs after the steps, and after a
			   failure too while the connection is open */
	STEP_EXPECT_SET,	/* block start: `expect one of` / `expect any
			   order`; its EXPECT children are alternatives,
			   each followed by its own captures */
	STEP_RESET,	/* abort the connection with an RST (SO_LINGER 0,
			   RFC 793 reset); the script ends here */
	STEP_BARRIER,	/* wait until every connection of u.sync.roles
			   (all roles when none) reached u.sync.name */
	STEP_SIGNAL,	/* publish u.sync.e (or "1") as signal u.sync.name */
	STEP_WAIT_FOR,	/* wait until signal u.sync.name has a value; set
			   u.sync.as to it */
	STEP_STARTTLS	/* upgrade the connection to TLS in place (after
			   the protocol's STARTTLS go-ahead); docs/tls.md */
};

struct field_spec;

#define SCENARIO_MAX_SET	32	/* alternatives in an expect set */

/* How long a `wait` sleeps. */
enum wait_dist {
	WAIT_FIXED,		/* wait.a seconds, or wait.e if set */
	WAIT_UNIFORM,		/* uniform in [a, b] */
	WAIT_EXPONENTIAL,	/* exponential with mean a */
	WAIT_NORMAL		/* normal with mean a and deviation b */
};

enum expect_kind {
	EXPECT_BYTES,	/* body equals expect.bytes (text or hex) */
	EXPECT_HEX,	/* body matches the hex pattern text in expect.bytes
			   (?? any byte, XX/MM a bit mask; pack.h) */
	EXPECT_REGEX,	/* body matches expect.re (POSIX ERE) */
	EXPECT_JSON,	/* body is JSON and expect.bytes is a subset of it */
	EXPECT_HEADER,	/* head is JSON and expect.bytes is a subset of it */
	EXPECT_LENGTH,	/* body is expect.length bytes long */
	EXPECT_CLOSE,	/* the peer closes the connection */
	EXPECT_NOTHING,	/* nothing arrives for expect.timeout seconds */
	EXPECT_FIELD	/* a codec field: expect.field (fields.h) */
};

enum capture_kind {
	CAPTURE_REGEX,	/* group 1 (or the whole match) of capture.re on body */
	CAPTURE_BINARY,	/* an integer of capture.bin_type at byte capture.at
			   of the body (pack.h) */
	CAPTURE_JSON,	/* capture.path into the body parsed as JSON */
	CAPTURE_HEADER,	/* capture.path into the head parsed as JSON */
	CAPTURE_FIELD	/* a codec field: capture.field (fields.h) */
};

/* A regex pattern with ${...} placeholders (`expect regex "id=${id}"`,
 * `capture NAME regex ...`), rendered and compiled when its step runs: a
 * placeholder's value is escaped to match itself unless raw. The last
 * rendered text and its compiled form are kept (one per step, so memory is
 * bounded), and a loop that renders the same text compiles it once.
 * Allocated by the parser, freed by scenario_free; the cache is written by
 * match.c on the loop's thread. */
struct step_regex {
	struct tmpl	*t;		/* the pattern as written */
	int		 raw;		/* `regex raw`: values go in as regex */
	char		*text;		/* last text compiled into re, or NULL */
	regex_t		 re;		/* valid while text != NULL */
};

/* STEP_SEND. The runner calls tmpl_send() which does all of this. */
struct step_send {
	struct tmpl	*body;		/* payload; file contents already read */
	struct tmpl	*head;		/* codec header JSON text, or NULL */
	int		 raw;		/* 1: bypass the codec, write body as is */
	int		 json;		/* 1: body is JSON text (send json) */
	size_t		 chunk;		/* > 0: write in chunks of this size */
	double		 chunk_delay;	/* seconds between chunks */
	struct expr	*chunk_e;	/* `chunk ${N}`: bytes, or NULL */
	struct expr	*delay_e;	/* `delay ${MS}`: milliseconds, or NULL */
	struct pack_send *build;	/* send pack|request|command, send hex
					   with ${...} (pack.h), or NULL */
};

/* STEP_EXPECT. */
struct step_expect {
	enum expect_kind kind;
	struct tmpl	*bytes;		/* BYTES: expected bytes; JSON, HEADER:
					   expected JSON text; else NULL */
	struct tmpl	*head;		/* `header {...}` option on BYTES, REGEX,
					   JSON, LENGTH: the same message's
					   header must hold this subset; or NULL */
	regex_t		 re;		/* REGEX: compiled with REG_EXTENDED */
	char		*pattern;	/* REGEX: source text, for reports */
	uint64_t	 length;	/* LENGTH */
	double		 timeout;	/* seconds to wait (always resolved: the
					   step's own, else the scenario's); for
					   NOTHING the quiet period */
	int		 optional;	/* `optional`: a message that does not
					   match stays for the next step, and
					   a timeout or a close skips it */
	int		 any_order;	/* EXPECT_SET: 1 every alternative once,
					   in any order; 0 the first that
					   matches (`one of`) */
	double		 within;	/* > 0: the message must arrive at most
					   this many seconds after the last
					   send (`within D`) */
	struct step_regex *rx;		/* REGEX with ${...}: re is unused and
					   pattern is the text as written; or
					   NULL */
	struct expr	*length_e;	/* `length ${N}`: bytes, or NULL */
	struct expr	*timeout_e;	/* `timeout ${MS}`, NOTHING's `${MS}`:
					   milliseconds, or NULL */
	struct expr	*within_e;	/* `within ${MS}`: milliseconds, or
					   NULL */
	struct field_spec *field;	/* FIELD: what it reads (fields.h) */
	const struct codec *codec;	/* the scenario's codec (fields_check) */
	int		 keep_frame;	/* a field capture may read the
					   message this expect matches: keep
					   a copy (fields_check decides) */
};

/* STEP_CAPTURE. */
struct step_capture {
	enum capture_kind kind;
	char		*name;		/* variable name */
	regex_t		 re;		/* REGEX */
	char		*pattern;	/* REGEX: source text */
	char		*path;		/* JSON, HEADER: dotted path "a.b.0.c" */
	struct step_regex *rx;		/* REGEX with ${...}, as in expect */
	struct field_spec *field;	/* FIELD: what it reads (fields.h) */
	const struct codec *codec;	/* the scenario's codec (fields_check) */
	int		 bin_type;	/* BINARY: an enum pack_type */
	size_t		 at;		/* BINARY: byte offset into the body */
	struct expr	*at_e;		/* BINARY: `at ${N}`, or NULL */
};

/* One step. Blocks are flattened: a runner is a program counter loop over
 * scenario.steps, jumping with `jump` at block boundaries. */
struct step {
	enum step_kind	 kind;
	unsigned	 line;		/* 1-based line in its file */
	unsigned	 file;		/* index in scenario.files (0: the
					   scenario; others: included files
					   and the files of defines) */
	size_t		 jump;		/* REPEAT, MERGE: index of the END;
					   END: index of the block start */
	unsigned	 depth;		/* REPEAT, MERGE, END: nesting level, 0
					   outermost, < SCENARIO_MAX_DEPTH */
	union {
		struct step_send	 send;
		struct step_expect	 expect;
		struct step_capture	 capture;
		struct {
			enum wait_dist dist;
			double	 a, b;		/* seconds, as dist says */
			struct expr *e;		/* WAIT_FIXED from an expression
						   (milliseconds), or NULL */
		}			 wait;
		struct {
			uint64_t count;		/* iterations, or 0 if timed */
			double	 seconds;	/* > 0: loop for this long */
			struct expr *count_e;	/* count from an expression */
			struct expr *until;	/* do ... until this holds */
			uint64_t max;		/* until: at most this many
						   rounds, then the step fails */
			char	*index;		/* `as NAME`: 1, 2, ... */
			unsigned until_col;	/* the condition's column */
		}			 repeat;
		struct {
			char	*name;
			struct expr *e;
		}			 set;
		struct {
			struct expr *e;
		}			 cond;		/* STEP_IF */
		struct {
			char	*name;		/* barrier or signal name */
			char	**roles;	/* BARRIER: the roles that meet
						   there (indexes resolved in
						   role_idx); none: all */
			size_t	 nroles;
			size_t	*role_idx;
			struct expr *e;		/* SIGNAL: the value, or NULL */
			char	*as;		/* WAIT_FOR: `as VAR`, or NULL */
			double	 timeout;	/* BARRIER, WAIT_FOR: seconds
						   (resolved like an expect's) */
			unsigned col;		/* column of the name, for
						   check's messages */
		}			 sync;		/* roles.c */
	} u;
};

/* What a run-level threshold measures (`assert ...`, k6 style). */
enum assert_metric {
	ASSERT_LATENCY,		/* a latency percentile, microseconds */
	ASSERT_ERRORS,		/* failed connections, a count */
	ASSERT_PASSED,		/* passed connections, percent of all */
	ASSERT_FAILED_PCT	/* failed connections, percent of all */
};

enum assert_op { ASSERT_LT, ASSERT_LE, ASSERT_GT, ASSERT_GE, ASSERT_EQ,
    ASSERT_NE };

/* `assert latency p99 < 5ms`, `assert errors == 0`, `assert passed >=
 * 99%`: checked after the run against its result. */
struct scenario_assert {
	unsigned	 line;
	enum assert_metric metric;
	double		 percentile;	/* ASSERT_LATENCY: 50, 99, 99.9 */
	enum assert_op	 op;
	double		 value;		/* microseconds, a count, or percent */
	char		*text;		/* the source after `assert`, for
					   reports ("latency p99 < 5ms") */
};

/* One step program of a scenario and the connections that play it.
 * `role NAME N [after ROLE | together] ... end` makes one: NAME, N
 * connections, its own steps (flattened like the top level's, jumps are
 * indexes into its own steps) and its own finally. A file without any
 * role is ONE implicit program: the top-level steps of struct scenario
 * with `connections` (nroles == 0; the runner treats it as a single role
 * with a NULL name). With roles, every step lives in a role and the
 * top-level steps array is empty. Any other program a scenario may grow
 * (e.g. the server side's `accept ... end`) fits the same struct.
 * Owned by the scenario; scenario_free frees it. */
struct scenario_role {
	char		*name;		/* NULL only for the implicit role */
	unsigned	 line;		/* the role line, for messages */
	unsigned	 file;		/* index in scenario.files */
	unsigned	 conns;		/* connections that play it */
	struct step	*steps;
	size_t		 nsteps;
	size_t		 finally_at;	/* index of STEP_FINALLY, or SIZE_MAX */
	size_t		 after;		/* `after ROLE`: index in roles of
					   the role whose connections must all
					   have opened (or ended) before these
					   start their steps; SIZE_MAX:
					   together (the default) */
};

/* A parsed scenario. Allocated by scenario_parse/scenario_load, freed with
 * scenario_free; everything it points to is owned by it. */
struct scenario {
	char		*path;		/* file name given, for messages */
	char		*dir;		/* its directory, for relative paths */
	char		**files;	/* files[0] is path; then each file
					   `include` read, in order */
	size_t		 nfiles;
	char		*name;		/* `name`, else the file name */
	const struct codec *codec;	/* `codec`, default raw (may be NULL
					   only if no codec is linked in) */
	char		*codec_name;
	int		 stream;	/* 1 for the raw codec: match expects
					   with match_stream on the rx bytes */
	struct service_cfg service;	/* the embedded server to start when
					   no target is given; name NULL if
					   unset, root resolved against dir */
	unsigned	 connections;	/* default 1 */
	double		 rate;		/* connections per second, 0 = all */
	double		 timeout;	/* default expect timeout, default 5s */
	size_t		 max_frame;	/* default CODEC_MAX_FRAME_DEFAULT */
	int		 tls;		/* `tls`: the connections (and the
					   embedded server) speak TLS, as
					   run --tls (docs/tls.md) */
	int		 starttls;	/* a `starttls` step is present */
	struct step	*steps;
	size_t		 nsteps;
	size_t		 finally_at;	/* index of STEP_FINALLY, or SIZE_MAX */
	struct data_table *data;	/* `data FILE.csv`, or NULL */
	struct scenario_assert *asserts;	/* in file order */
	size_t		 nasserts;
	/* `accept [N] ... end`: the program the embedded server plays on
	 * every accepted connection, as a scenario of its own (its steps,
	 * files and finally; codec, timeout and max-frame copied from this
	 * one). Owned by this scenario; NULL without an accept block. */
	struct scenario	*accept;
	uint64_t	 accept_max;	/* `accept N`: connections accepted
					   in all, then the listener closes;
					   0: no limit */
	unsigned	 accept_line;	/* the accept line, 0: none */
	struct scenario_role *roles;	/* `role` blocks in file order, or
					   NULL (see struct scenario_role) */
	size_t		 nroles;
};

/* Read and parse a file; NULL with "file:line:col: ...\nhint: ..." in err. */
struct scenario *scenario_load(const char *path, char *err, size_t errlen);
/* Parse text; name is used in messages and its directory for `send file`. */
struct scenario *scenario_parse(const char *name, const char *text,
    size_t len, char *err, size_t errlen);
void scenario_free(struct scenario *sc);
/* The client connections sc opens: the sum of its roles' counts, else
 * `connections`. */
uint64_t scenario_conns(const struct scenario *sc);
/* Name of a step kind ("send", "expect", ...), for reports. */
const char *step_kind_name(enum step_kind k);
/* Name of an expect kind ("bytes", "regex", ...), for reports. */
const char *expect_kind_name(enum expect_kind k);

#endif
