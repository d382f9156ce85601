/* The live dashboard: an ncurses view of an engine's connections, driven by
 * the engine's own loop. See docs/dashboard.md. */
#ifndef SB_UI_H
#define SB_UI_H
#include <stdbool.h>
#include "engine.h"
#include "runner.h"

/* The `sockbench ui` subcommand; returns the exit status. */
int ui_main(int argc, char **argv);
/* Run the dashboard on e (and r's scenario, if r is not NULL) until q,
 * SIGINT or SIGTERM; restores the terminal on every path. It installs the
 * engine's signal handling itself: do not call engine_handle_signals first.
 * Returns EXIT_OK, or EXIT_RUNTIME when the terminal cannot be set up. */
int ui_run(struct engine *e, struct runner *r, const char *title);
/* ui_run, with the header's latency taken from lat when r is NULL (the
 * load generator's histogram under `sockbench bench --ui`). */
struct hist;
int ui_run_latency(struct engine *e, struct runner *r, const struct hist *lat,
    const char *title);
/* ui_run for `sockbench bench --ui`: no runner; the header shows the
 * load generator's figures as its final report prints them (requests,
 * bytes in MB/s, latency in ms, of the client side), live. */
struct loadgen;
int ui_run_bench(struct engine *e, const struct loadgen *lg,
    const char *title);
/* ui_run for `sockbench serve --ui`: no runner; the server's service
 * (svc) is named in the recordings w and W write, so that they replay on
 * their own with `sockbench run FILE`. */
struct service_cfg;
int ui_run_serve(struct engine *e, const struct service_cfg *svc,
    const char *title);
/* ui_run for `sockbench proxy --ui`: the rows of each of px's pairs are
 * linked, their pane shows the pair's decoded messages both ways, and
 * faults can be added and removed live (px made with proxy_opts.ui). */
struct proxy;
int ui_run_proxy(struct engine *e, struct proxy *px, const char *title);
/* Build frames of a fake model of n connections on a curses screen over
 * /dev/null and print the median time per frame; returns the exit status. */
int ui_bench_frame(unsigned long n, unsigned frames);
/* Whether the dashboards started from now on take mouse events (ncurses
 * mouse: click a row, a heading, the wheel); on unless --no-mouse. */
void ui_mouse_set(bool on);
/* The bundled demo scenario (scenarios/demo.txt), used with no SCENARIO. */
extern const char ui_demo_scenario[];

#endif
