#include "netif.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/auxv.h>
#include <time.h>

#include "num.h"
#include "proc.h"
#include "state.h"

/* ---- /proc/net/dev ----------------------------------------------------- */

bool netif_name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > NETIF_NAME_MAX || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	for (const char *p = name; *p; p++)
		if (*p == '/' || *p == ':' || *p == ' ' || (*p >= '\t' && *p <= '\r'))
			return false;
	return true;
}

/* One unsigned decimal field after blanks; false on anything else or overflow. */
static bool next_ull(const char **p, unsigned long long *v)
{
	while (**p == ' ' || **p == '\t')
		(*p)++;
	if (**p < '0' || **p > '9')
		return false;
	unsigned long long x = 0;
	for (; **p >= '0' && **p <= '9'; (*p)++) {
		unsigned d = (unsigned)(**p - '0');
		if (x > (ULLONG_MAX - d) / 10)
			return false;
		x = x * 10 + d;
	}
	*v = x;
	return true;
}

/* "  eth0: 1 2 ... 16" (older kernels print no blank after the colon). */
static bool parse_line(const char *line, size_t len, struct netif *out)
{
	char text[512];
	if (len >= sizeof text)
		return false;
	memcpy(text, line, len);
	text[len] = '\0';
	const char *p = text;
	while (*p == ' ' || *p == '\t')
		p++;
	const char *colon = strchr(p, ':');
	if (!colon || (size_t)(colon - p) > NETIF_NAME_MAX)
		return false;
	memcpy(out->name, p, (size_t)(colon - p));
	out->name[colon - p] = '\0';
	if (!netif_name_ok(out->name))
		return false;
	/* receive: bytes packets errs drop fifo frame compressed multicast,
	 * transmit: bytes packets errs drop fifo colls carrier compressed */
	static const int slot[16] = { NC_RX_BYTES, NC_RX_PACKETS, NC_RX_ERRS, NC_RX_DROP, -1, -1, -1, -1,
	                              NC_TX_BYTES, NC_TX_PACKETS, NC_TX_ERRS, NC_TX_DROP, -1, -1, -1, -1 };
	p = colon + 1;
	for (int i = 0; i < 16; i++) {
		unsigned long long v;
		if (!next_ull(&p, &v))
			return false;
		if (slot[i] >= 0)
			out->c[slot[i]] = v;
	}
	/* a later kernel may add fields; anything else after them is garbage */
	while (*p) {
		unsigned long long v;
		if (*p == ' ' || *p == '\t' || *p == '\r') {
			p++;
			continue;
		}
		if (!next_ull(&p, &v))
			return false;
	}
	return true;
}

static int by_name(const void *a, const void *b)
{
	const struct netif *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	/* equal names keep file order, so the first line wins below */
	return c ? c : (x < y ? -1 : x > y);
}

void netdev_parse(const char *text, struct netdev *out)
{
	size_t cap = 0;
	*out = (struct netdev){ 0 };
	for (const char *line = text; line && *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		struct netif it = { 0 };
		if (parse_line(line, len, &it)) {
			if (out->n == cap) {
				cap = cap ? cap * 2 : 16;
				out->v = xrealloc(out->v, cap * sizeof *out->v);
			}
			out->v[out->n++] = it;
		} else if (len && !memchr(line, '|', len)) {  /* the two header lines hold '|' */
			out->garbage++;
		}
		line = nl ? nl + 1 : NULL;
	}
	/* sorted by name for bsearch and a stable report; duplicates dropped */
	if (out->n)
		qsort(out->v, out->n, sizeof *out->v, by_name);
	size_t k = 0;
	for (size_t i = 0; i < out->n; i++) {
		if (k && strcmp(out->v[k - 1].name, out->v[i].name) == 0) {
			out->garbage++;
			continue;
		}
		out->v[k++] = out->v[i];
	}
	out->n = k;
}

int netdev_read(struct netdev *out)
{
	char path[4096];
	struct buf b = BUF_INIT;
	snprintf(path, sizeof path, "%s/net/dev", proc_root());
	/* 150 bytes a line: 16 MB is a hundred thousand interfaces */
	if (read_file_buf(AT_FDCWD, path, &b, 16 << 20, false) < 0) {
		int e = errno;
		buf_free(&b);
		errno = e;
		return -1;
	}
	netdev_parse(buf_cstr(&b), out);
	buf_free(&b);
	return 0;
}

static int cmp_key(const void *key, const void *elem)
{
	return strcmp(key, ((const struct netif *)elem)->name);
}

const struct netif *netdev_find(const struct netdev *d, const char *name)
{
	return d->n ? bsearch(name, d->v, d->n, sizeof *d->v, cmp_key) : NULL;
}

void netdev_free(struct netdev *d)
{
	free(d->v);
	*d = (struct netdev){ 0 };
}

/* ---- sysfs -------------------------------------------------------------- */

const char *sys_root(void)
{
	const char *r = getauxval(AT_SECURE) ? NULL : getenv("MAMORI_SYS_ROOT");
	return r && *r ? r : "/sys";
}

/* SYS/class/net/NAME/FILE, first line, without the newline; false if unreadable. */
static bool read_attr(const char *name, const char *file, char *out, size_t size)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/class/net/%s/%s", sys_root(), name, file);
	if (read_text_file(path, out, size) < 0)
		return false;
	out[strcspn(out, "\n")] = '\0';
	return true;
}

void netif_link_read(const char *name, struct netif_link *out)
{
	char v[64];
	long n;
	*out = (struct netif_link){ .speed = -1, .ifindex = -1 };
	/* speed is -1 or EINVAL for links without one (down, virtual, loopback) */
	if (read_attr(name, "speed", v, sizeof v) && num_parse_long(v, 1, 100000000, &n))
		out->speed = n;
	if (read_attr(name, "ifindex", v, sizeof v) && num_parse_long(v, 0, 0x7fffffff, &n))
		out->ifindex = n;
	if (read_attr(name, "flags", v, sizeof v)) {
		char *end;
		errno = 0;
		unsigned long f = strtoul(v, &end, 16);
		if (!errno && end != v && !*end) {
			out->has_flags = true;
			out->up = f & 0x1;        /* IFF_UP */
			out->loopback = f & 0x8;  /* IFF_LOOPBACK */
		}
	}
	if (!read_attr(name, "operstate", out->operstate, sizeof out->operstate))
		out->operstate[0] = '\0';
}

/* ---- samples and the state file ----------------------------------------- */

double netif_clock(void)
{
	struct timespec ts;
	/* CLOCK_BOOTTIME (Linux 2.6.39) counts suspend; CLOCK_MONOTONIC before it */
	if (clock_gettime(CLOCK_BOOTTIME, &ts) < 0)
		clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void netif_boot_id(char *out, size_t size)
{
	char path[4096], v[64];
	snprintf(path, sizeof path, "%s/sys/kernel/random/boot_id", proc_root());
	snprintf(out, size, "-");
	if (read_text_file(path, v, sizeof v) < 0)
		return;
	v[strcspn(v, "\n")] = '\0';
	size_t n = strlen(v);
	if (n == 0 || n >= size || strspn(v, "0123456789abcdefABCDEF-") != n)
		return;
	snprintf(out, size, "%s", v);
}

static const char magic[] = "mamori check_netif 1";

void netif_sample_format(const struct netif_sample *s, struct buf *out)
{
	buf_reset(out);
	buf_printf(out, "%s\nname %s\nboot %s\ntime %.9f\nifindex %ld\ncounters", magic, s->name,
	           s->boot_id, s->time, s->ifindex);
	for (int i = 0; i < NC_COUNT; i++)
		buf_printf(out, " %llu", s->c[i]);
	buf_puts(out, "\n");
}

/* "KEY VALUE\n" at *p: the value, NUL-terminated in a copy; false otherwise. */
static bool field(const char **p, const char *key, char *val, size_t size)
{
	size_t kl = strlen(key);
	if (strncmp(*p, key, kl) != 0 || (*p)[kl] != ' ')
		return false;
	const char *v = *p + kl + 1, *nl = strchr(v, '\n');
	if (!nl || (size_t)(nl - v) >= size || nl == v)
		return false;
	memcpy(val, v, (size_t)(nl - v));
	val[nl - v] = '\0';
	*p = nl + 1;
	return true;
}

bool netif_sample_parse(const char *text, struct netif_sample *out)
{
	char v[400];
	const char *p = text;
	size_t ml = strlen(magic);
	*out = (struct netif_sample){ 0 };
	if (strncmp(p, magic, ml) != 0 || p[ml] != '\n')
		return false;
	p += ml + 1;
	if (!field(&p, "name", v, sizeof v) || !netif_name_ok(v))
		return false;
	memcpy(out->name, v, strlen(v) + 1);
	if (!field(&p, "boot", v, sizeof v) || strlen(v) >= sizeof out->boot_id)
		return false;
	memcpy(out->boot_id, v, strlen(v) + 1);
	/* CLOCK_BOOTTIME seconds: 10^12 is 30,000 years of uptime. A longer
	 * time read here printed back ("%.9f") too long to read again
	 * (fuzz_netdev's round trip shows it) */
	if (!field(&p, "time", v, sizeof v) || !num_parse_double(v, &out->time) ||
	    !(out->time >= 0 && out->time < 1e12))
		return false;
	if (!field(&p, "ifindex", v, sizeof v) || !num_parse_long(v, -1, 0x7fffffff, &out->ifindex))
		return false;
	if (!field(&p, "counters", v, sizeof v))
		return false;
	const char *q = v;
	for (int i = 0; i < NC_COUNT; i++)
		if ((i && *q != ' ') || !next_ull(&q, &out->c[i]))
			return false;
	return *q == '\0' && *p == '\0';
}

enum netif_step netif_counter_step(unsigned long long prev, unsigned long long cur, double max_delta,
                                   unsigned long long *delta)
{
	if (cur >= prev) {
		*delta = cur - prev;
		return NS_FORWARD;
	}
	if (prev <= UINT32_MAX) {
		unsigned long long d = (1ULL << 32) - prev + cur;
		if (d <= (1ULL << 31) && (max_delta <= 0 || (double)d <= max_delta)) {
			*delta = d;
			return NS_WRAP;
		}
	}
	*delta = 0;
	return NS_RESET;
}

enum netif_verdict netif_compare(const struct netif_sample *prev, const struct netif_sample *cur,
                                 double speed_Bps, struct netif_rates *out)
{
	*out = (struct netif_rates){ 0 };
	if (strcmp(prev->boot_id, "-") != 0 && strcmp(cur->boot_id, "-") != 0 &&
	    strcmp(prev->boot_id, cur->boot_id) != 0)
		return NV_REBOOT;
	out->secs = cur->time - prev->time;
	if (!(out->secs > 0))
		return NV_CLOCK;
	if (prev->ifindex >= 0 && cur->ifindex >= 0 && prev->ifindex != cur->ifindex)
		return NV_REPLACED;
	for (int i = 0; i < NC_COUNT; i++) {
		/* a wrap of a byte counter cannot be more than the link carries
		 * (twice its speed, and a second of slack, to allow for a speed
		 * the driver reports low) */
		double max = (speed_Bps > 0 && (i == NC_RX_BYTES || i == NC_TX_BYTES))
		             ? 2 * speed_Bps * (out->secs + 1) : 0;
		switch (netif_counter_step(prev->c[i], cur->c[i], max, &out->delta[i])) {
		case NS_FORWARD: break;
		case NS_WRAP: out->wrapped |= 1u << i; break;
		case NS_RESET:
			out->reset_by = (enum netif_counter)i;
			return NV_RESET;
		}
	}
	return NV_RATES;
}

const char *netif_advance(const struct netif_sample *cur, double speed_Bps, enum netif_verdict *verdict,
                          struct netif_rates *rates)
{
	struct state_file sf;
	struct buf b = BUF_INIT;
	struct netif_sample prev;
	const char *err = state_open(&sf, NULL, "check_netif", cur->name);
	if (err)
		return err;
	*rates = (struct netif_rates){ 0 };
	err = state_read(&sf, &b);
	if (!err) {
		if (b.len == 0)
			*verdict = NV_FIRST;
		else if (!netif_sample_parse(buf_cstr(&b), &prev) || strcmp(prev.name, cur->name) != 0)
			*verdict = NV_CORRUPT;
		else
			*verdict = netif_compare(&prev, cur, speed_Bps, rates);
		/* every verdict makes this reading the next baseline */
		netif_sample_format(cur, &b);
		err = state_write(&sf, b.s, b.len);
	}
	state_close(&sf);
	buf_free(&b);
	return err;
}

/* ---- thresholds and text ------------------------------------------------ */

/* One bound of a rate range: "" and "~" as they are, else number[unit]. */
static const char *rate_bound(const char *s, double scale, bool start, struct buf *out)
{
	static const struct { const char *u; double m; } units[] = {
		{ "", 1 }, { "k", 1e3 }, { "M", 1e6 }, { "G", 1e9 }, { "T", 1e12 },
		{ "Ki", 1024.0 }, { "Mi", 1048576.0 }, { "Gi", 1073741824.0 }, { "Ti", 1099511627776.0 },
	};
	if (!*s || (start && strcmp(s, "~") == 0)) {
		buf_puts(out, s);
		return NULL;
	}
	const char *end;
	double v;
	if (!num_parse_double_prefix(s, &v, &end))
		return "not a rate: give a number with an optional unit (500k, 10M, 1G, 2Gi)";
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (strcasecmp(end, units[i].u) == 0) {
			double x = v * units[i].m * scale;
			if (x > 1e15 || x < -1e15)
				return "rate too large (at most 1P bytes per second)";
			char f[64];
			num_format(x, -1, f, sizeof f);
			buf_puts(out, f);
			return NULL;
		}
	return "unknown rate unit: use k, M, G, T (powers of 1000) or Ki, Mi, Gi, Ti (powers of 1024)";
}

const char *netif_rate_range(const char *text, double scale, struct range *out)
{
	char t[256];
	if (!*text)
		return "empty threshold";
	if (strlen(text) >= sizeof t)
		return "threshold too long";
	snprintf(t, sizeof t, "%s", text);
	struct buf b = BUF_INIT;
	char *p = t;
	if (*p == '@') {
		buf_putc(&b, '@');
		p++;
	}
	char *colon = strchr(p, ':');
	const char *err;
	if (colon) {
		*colon = '\0';
		if (strchr(colon + 1, ':')) {
			buf_free(&b);
			return "more than one ':' in threshold";
		}
	}
	err = rate_bound(p, scale, colon != NULL, &b);
	if (!err && colon) {
		buf_putc(&b, ':');
		err = rate_bound(colon + 1, scale, false, &b);
	}
	if (!err)
		err = range_parse(buf_cstr(&b), out);
	buf_free(&b);
	return err;
}

void netif_human_rate(double bytes_per_s, bool bits, char *out, size_t size)
{
	static const char *const bu[] = { "B/s", "kB/s", "MB/s", "GB/s", "TB/s" };
	static const char *const bitu[] = { "bit/s", "kbit/s", "Mbit/s", "Gbit/s", "Tbit/s" };
	double v = bits ? bytes_per_s * 8 : bytes_per_s;
	unsigned u = 0;
	if (!isfinite(v)) {
		snprintf(out, size, "?");
		return;
	}
	while (v >= 1000 && u < 4) {
		v /= 1000;
		u++;
	}
	snprintf(out, size, u ? "%.2f %s" : "%.0f %s", v, bits ? bitu[u] : bu[u]);
}
