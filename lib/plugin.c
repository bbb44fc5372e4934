#include "plugin.h"

#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "num.h"
#include "range.h"
#include "utf8.h"

int plugin_verbose;
const char *plugin_service = "MAMORI";

static const char *const names[] = { "OK", "WARNING", "CRITICAL", "UNKNOWN" };

const char *state_name(enum state s)
{
	return (unsigned)s <= STATE_UNKNOWN ? names[s] : "UNKNOWN";
}

static int rank(enum state s)
{
	switch (s) {
	case STATE_OK: return 0;
	case STATE_UNKNOWN: return 1;
	case STATE_WARNING: return 2;
	case STATE_CRITICAL: return 3;
	}
	return 1;
}

enum state state_worst(enum state a, enum state b)
{
	return rank(a) >= rank(b) ? a : b;
}

int state_parse(const char *s)
{
	for (int i = 0; i <= STATE_UNKNOWN; i++)
		if (strcasecmp(s, names[i]) == 0)
			return i;
	if (s[0] >= '0' && s[0] <= '3' && s[1] == '\0')
		return s[0] - '0';
	/* monitoring-plugins' -r/-M take "warn" and "crit" */
	if (strcasecmp(s, "warn") == 0)
		return STATE_WARNING;
	if (strcasecmp(s, "crit") == 0)
		return STATE_CRITICAL;
	return -1;
}

void check_init(struct check *c, const char *service)
{
	memset(c, 0, sizeof *c);
	c->service = service;
	c->sep = " - ";
	c->state = STATE_OK;
	plugin_service = service;
}

void check_raise(struct check *c, enum state s)
{
	c->state = state_worst(c->state, s);
}

/* Monitoring engines split the first line at '|' and treat a newline as the
 * start of long output, so neither may come from measured text. The output
 * is UTF-8 (engines store it, web interfaces show it): a byte that is not
 * (a banner in Shift_JIS, garbage) and a C1 control (U+0080-U+009F, which
 * a terminal may take for an escape) are U+FFFD. */
static size_t printable_seq(const unsigned char *p, size_t n)
{
	size_t l = utf8_seq(p, n);
	return l == 2 && p[0] == 0xc2 && p[1] < 0xa0 ? 0 : l;
}

static void add_clean(struct buf *b, const char *s, size_t n, bool allow_newline)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		unsigned char ch = p[i];
		if (ch >= 0x80) {
			size_t l = printable_seq(p + i, n - i);
			if (l)
				buf_add(b, s + i, l);
			else
				buf_puts(b, "\xef\xbf\xbd");
			i += l ? l : 1;
			continue;
		}
		if (ch == '|')
			buf_puts(b, "\xc2\xa6");  /* U+00A6 BROKEN BAR */
		else if (ch == '\n' && allow_newline)
			buf_putc(b, '\n');
		else if (ch < 0x20 || ch == 0x7f)
			buf_putc(b, ' ');
		else
			buf_putc(b, (char)ch);
		i++;
	}
}

static void add_vclean(struct buf *b, bool nl, const char *fmt, va_list ap)
{
	struct buf tmp = BUF_INIT;
	buf_vprintf(&tmp, fmt, ap);
	add_clean(b, buf_cstr(&tmp), tmp.len, nl);
	buf_free(&tmp);
}

void check_summary(struct check *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	add_vclean(&c->summary, false, fmt, ap);
	va_end(ap);
}

void check_long(struct check *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	add_vclean(&c->longout, true, fmt, ap);
	va_end(ap);
	buf_putc(&c->longout, '\n');
}

void perf_label(struct buf *b, const char *label)
{
	/* Quotes when the label holds a space, '=' or a quote; a quote inside
	 * is doubled as the guidelines say. Control characters and '|' would
	 * break the line, bytes that are not UTF-8 the grapher: all are '_'. */
	bool quote = strpbrk(label, " '=\"") != NULL || !*label;
	if (quote)
		buf_putc(b, '\'');
	const unsigned char *u = (const unsigned char *)label;
	for (size_t i = 0, n = strlen(label); i < n;) {
		unsigned char ch = u[i];
		size_t l = ch >= 0x80 ? printable_seq(u + i, n - i) : 1;
		if (l > 1)
			buf_add(b, label + i, l);
		else if (ch == '\'')
			buf_puts(b, "''");
		else if (!l || ch < 0x20 || ch == 0x7f || ch == '|')
			buf_putc(b, '_');
		else
			buf_putc(b, (char)ch);
		i += l ? l : 1;
	}
	if (quote)
		buf_putc(b, '\'');
}

void check_perf(struct check *c, const struct perf *p)
{
	char f[5][160];
	struct buf *b = &c->perf;

	num_format(p->value, p->decimals, f[0], sizeof f[0]);
	range_format(p->warn, f[1], sizeof f[1]);
	range_format(p->crit, f[2], sizeof f[2]);
	f[3][0] = f[4][0] = '\0';
	if (p->has_min)
		num_format(p->min, -1, f[3], sizeof f[3]);
	if (p->has_max)
		num_format(p->max, -1, f[4], sizeof f[4]);
	int last = 4;  /* trailing empty fields are left out */
	while (last > 0 && !f[last][0])
		last--;

	if (b->len)
		buf_putc(b, ' ');
	perf_label(b, p->label);
	/* "U" (no value) takes no unit: the guidelines' grammar is U or number+UOM */
	buf_printf(b, "=%s%s", f[0], p->uom && isfinite(p->value) ? p->uom : "");
	for (int i = 1; i <= last; i++)
		buf_printf(b, ";%s", f[i]);
}

/* Engines keep a few kB of a plugin's output (Nagios 4: 8 kB in all); a
 * summary that echoes a huge argument is cut at a character boundary. */
enum { SUMMARY_MAX = 4096 };

_Noreturn void check_exit(struct check *c)
{
	/* the answer is final: an alarm during exit (a sanitizer's leak scan,
	 * a slow write) must not add a second status line */
	signal(SIGALRM, SIG_IGN);
	struct buf out = BUF_INIT;
	const char *sum = buf_cstr(&c->summary);
	size_t sumlen = utf8_prefix(sum, c->summary.len, SUMMARY_MAX);
	buf_printf(&out, "%s %s%s%.*s%s", c->service, state_name(c->state), c->sep, (int)sumlen, sum,
	           sumlen < c->summary.len ? "..." : "");
	if (c->perf.len)
		buf_printf(&out, " | %s", buf_cstr(&c->perf));
	buf_putc(&out, '\n');
	if (c->longout.len)
		buf_add(&out, c->longout.s, c->longout.len);
	fflush(stdout);
	/* One write where the size allows: an engine reading the pipe sees the
	 * whole answer or nothing. */
	size_t off = 0;
	while (off < out.len) {
		ssize_t n = write(STDOUT_FILENO, out.s + off, out.len - off);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	enum state s = c->state;
	buf_free(&out);
	buf_free(&c->summary);
	buf_free(&c->perf);
	buf_free(&c->longout);
	exit(s);
}

_Noreturn void plugin_die(enum state s, const char *fmt, ...)
{
	struct check c;
	const char *service = plugin_service;
	check_init(&c, service);
	c.state = s;
	va_list ap;
	va_start(ap, fmt);
	add_vclean(&c.summary, false, fmt, ap);
	va_end(ap);
	check_exit(&c);
}

void human_bytes(double bytes, char *out, unsigned size)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	unsigned u = 0;
	while (bytes >= 1024 && u < 5) {
		bytes /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(out, size, "%.0f %s", bytes, units[u]);
	else
		snprintf(out, size, "%.1f %s", bytes, units[u]);
}
