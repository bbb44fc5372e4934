/* The mass-incident switch of runbook 004 5-5: when more problem
 * notifications arrive in a short time than a person can take by phone, one
 * broadcast mail goes out and per-alert calls are held until it calms.
 *
 * STATEDIR/mass.ring (lib/state: flock + atomic replace), text:
 *   mamori-mass 1 on|off
 *   one epoch second per line, the notes inside the window
 * A ring we cannot read is started afresh: the answer is then CALM, and the
 * caller sends as usual, which is the safe side. */
#include "silence.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proc.h"
#include "state.h"

/* far past any n a runbook would set; bounds the file */
#define MASS_KEEP 10000

struct ring {
	bool on;
	time_t *t;
	size_t n;
};

static void ring_parse(const char *text, struct ring *r)
{
	r->on = false;
	r->t = NULL;
	r->n = 0;
	if (!text || strncmp(text, "mamori-mass 1 ", 14))
		return;
	r->on = !strncmp(text + 14, "on\n", 3);
	const char *p = strchr(text, '\n');
	size_t cap = 0;
	while (p && *++p) {
		char *end;
		errno = 0;
		long long v = strtoll(p, &end, 10);
		if (end == p || *end != '\n' || errno)
			break;  /* a torn or edited line: keep what came before */
		if (r->n == cap) {
			cap = cap ? cap * 2 : 64;
			r->t = xrealloc(r->t, cap * sizeof *r->t);
		}
		r->t[r->n++] = (time_t)v;
		p = end;
	}
}

static int cmp_time(const void *a, const void *b)
{
	time_t x = *(const time_t *)a, y = *(const time_t *)b;
	return (x > y) - (x < y);
}

/* Keep the notes in (now - window, now], newest MASS_KEEP of them. Notes
 * after now (the clock was stepped back, or a damaged ring) would hold
 * calls until the clock caught up with them: they go. */
static void ring_prune(struct ring *r, time_t now, unsigned minutes)
{
	time_t from = now - (time_t)minutes * 60;
	size_t k = 0;
	for (size_t i = 0; i < r->n; i++)
		if (r->t[i] > from && r->t[i] <= now)
			r->t[k++] = r->t[i];
	r->n = k;
	if (r->n > MASS_KEEP) {
		qsort(r->t, r->n, sizeof *r->t, cmp_time);
		memmove(r->t, r->t + (r->n - MASS_KEEP), MASS_KEEP * sizeof *r->t);
		r->n = MASS_KEEP;
	}
}

enum mass_state mass_note(time_t now, unsigned n, unsigned minutes)
{
	struct state_file sf;
	if (state_open(&sf, NULL, "mass", "ring"))
		return MASS_CALM;
	struct buf b = BUF_INIT;
	struct ring r;
	ring_parse(state_read(&sf, &b) ? NULL : buf_cstr(&b), &r);
	ring_prune(&r, now, minutes);
	r.t = xrealloc(r.t, (r.n + 1) * sizeof *r.t);
	r.t[r.n++] = now;
	enum mass_state st;
	if (!r.on && r.n > n) {
		r.on = true;
		st = MASS_START;
	} else if (r.on && r.n >= n) {
		st = MASS_ON;
	} else {
		r.on = false;
		st = MASS_CALM;
	}
	buf_reset(&b);
	buf_printf(&b, "mamori-mass 1 %s\n", r.on ? "on" : "off");
	for (size_t i = 0; i < r.n; i++)
		buf_printf(&b, "%lld\n", (long long)r.t[i]);
	/* a failed write loses one note: the next one tries again */
	state_write(&sf, b.s, b.len);
	buf_free(&b);
	free(r.t);
	state_close(&sf);
	return st;
}

long mass_count(time_t now, unsigned minutes)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/mass.ring", state_dir());
	struct buf b = BUF_INIT;
	if (read_file_buf(AT_FDCWD, path, &b, 1 << 20, false) < 0) {
		int e = errno;
		buf_free(&b);
		return e == ENOENT ? 0 : -1;
	}
	struct ring r;
	ring_parse(buf_cstr(&b), &r);
	buf_free(&b);
	time_t from = now - (time_t)minutes * 60;
	long c = 0;
	for (size_t i = 0; i < r.n; i++)
		if (r.t[i] > from && r.t[i] <= now)
			c++;
	free(r.t);
	return c;
}
