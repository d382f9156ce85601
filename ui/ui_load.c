/* Live load control: + and - move the client connection target by 10%
 * (at least one), * and / the rate connections open at, as SIPp's keys
 * move its call rate; the header says target, open and ramp progress. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include "runner.h"
#include "ui_draw.h"
#include "ui_fmt.h"
#include "ui_load.h"

uint64_t
ui_load_step(uint64_t n)
{
	return n / 10 > 0 ? n / 10 : 1;
}

double
ui_load_next_rate(double rate, int up, uint64_t target)
{
	double step;

	if (rate <= 0) {
		if (up > 0)
			return 0;	/* already all at once */
		rate = target > 0 ? (double)target : 1;
	}
	step = round(rate / 10) >= 1 ? round(rate / 10) : 1;
	rate = round(rate) + (up > 0 ? step : -step);
	return rate < 1 ? 1 : rate;
}

/* Whether u has a runner whose target the keys can move; says why not. */
static bool
ui_load_can(struct ui *u, bool target)
{
	if (u->r == NULL) {
		ui_status(u, "no scenario runs here");
		return false;
	}
	if (target && runner_scenario(u->r)->nroles > 0) {
		ui_status(u, "each role states its connection count: + and - "
		    "do nothing here");
		return false;
	}
	return true;
}

void
ui_load_conns_cb(struct ui *u, int ch, long arg)
{
	uint64_t n, k;

	(void)ch;
	if (!ui_load_can(u, true))
		return;
	n = runner_result(u->r)->conns;
	k = ui_load_step(n);
	if (arg > 0) {
		runner_add(u->r, k);
		u->conn_delta += (int64_t)k;
		ui_status(u, "added %llu client connection%s (%llu now; r "
		    "restores %llu)", (unsigned long long)k, k == 1 ? "" : "s",
		    (unsigned long long)(n + k), (unsigned long long)(n + k -
		    (uint64_t)u->conn_delta));
	} else if (n == 0) {
		ui_status(u, "no client connection to remove (+ adds one, r "
		    "restores the scenario's)");
	} else {
		if (k > n)
			k = n;
		runner_remove(u->r, k);
		u->conn_delta -= (int64_t)k;
		char what[48];

		if (k == 1)
			snprintf(what, sizeof(what), "a client connection");
		else
			snprintf(what, sizeof(what), "%llu client connections",
			    (unsigned long long)k);
		ui_status(u, "removed %s (%llu left; r restores %llu)", what,
		    (unsigned long long)(n - k),
		    (unsigned long long)(n - k - (uint64_t)u->conn_delta));
	}
}

void
ui_load_rate_cb(struct ui *u, int ch, long arg)
{
	struct run_load l;
	double rate;
	char a[32];

	(void)ch;
	if (!ui_load_can(u, false))
		return;
	runner_load(u->r, &l);
	rate = ui_load_next_rate(l.rate, (int)arg, l.target);
	if (arg > 0 && l.rate <= 0) {
		ui_status(u, "the rate is already the highest: every connection "
		    "opens at once (/ lowers it)");
		return;
	}
	runner_set_rate(u->r, rate);
	ui_fmt_rate(rate, a, sizeof(a));
	ui_status(u, "connections now open at %s (r restores the "
	    "scenario's rate)", a);
}

void
ui_load_describe(const struct ui *u, char *out, size_t outlen)
{
	struct run_load l;
	char rate[32];

	out[0] = '\0';
	if (u->r == NULL)
		return;
	runner_load(u->r, &l);
	if (l.rate > 0)
		ui_fmt_rate(l.rate, rate, sizeof(rate));
	else
		snprintf(rate, sizeof(rate), "max");
	if (l.pending > 0 && l.target > 0)
		snprintf(out, outlen, "clients %llu/%llu open, ramp %llu%% "
		    "(%llu to start at %s)", (unsigned long long)l.open,
		    (unsigned long long)l.target, (unsigned long long)
		    ((l.target - (l.pending < l.target ? l.pending :
		    l.target)) * 100 / l.target), (unsigned long long)l.pending,
		    rate);
	else
		snprintf(out, outlen, "clients %llu/%llu open, rate %s",
		    (unsigned long long)l.open, (unsigned long long)l.target,
		    rate);
}
