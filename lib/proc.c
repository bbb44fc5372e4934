#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "buf.h"
#include "num.h"

ssize_t read_text_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t len = 0;
	while (len + 1 < size) {
		ssize_t n = read(fd, buf + len, size - 1 - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	return (ssize_t)len;
}

int read_fd_buf(int fd, struct buf *b, size_t limit, bool truncate)
{
	buf_reset(b);
	char chunk[16384];
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		if (b->len + (size_t)n > limit) {
			if (!truncate) {
				errno = EFBIG;
				return -1;
			}
			buf_add(b, chunk, limit - b->len);
			break;
		}
		buf_add(b, chunk, (size_t)n);
	}
	if (!b->s)
		buf_add(b, "", 0);  /* an empty file is an empty string, not NULL */
	return 0;
}

int read_file_buf(int dirfd, const char *path, struct buf *b, size_t limit, bool truncate)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -1;
	int r = read_fd_buf(fd, b, limit, truncate);
	int e = errno;
	close(fd);
	errno = e;
	return r;
}

const char *proc_root(void)
{
	const char *r = getauxval(AT_SECURE) ? NULL : getenv("MAMORI_PROC_ROOT");
	return r && *r ? r : "/proc";
}

static int read_proc(const char *root, const char *name, char *buf, size_t size)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", root ? root : proc_root(), name);
	return read_text_file(path, buf, size) < 0 ? -1 : 0;
}

/* Skip spaces, then parse one decimal field. */
static bool next_double(const char **p, double *v)
{
	while (**p == ' ' || **p == '\t')
		(*p)++;
	return num_parse_double_prefix(*p, v, p);
}

/* A count of "running/total": digits only, no sign, fits a long. */
static bool next_count(const char **p, long *v)
{
	const char *q = *p;
	long x = 0;
	if (*q < '0' || *q > '9')
		return false;
	for (; *q >= '0' && *q <= '9'; q++) {
		if (x > (LONG_MAX - (*q - '0')) / 10)
			return false;
		x = x * 10 + (*q - '0');
	}
	*v = x;
	*p = q;
	return true;
}

int parse_loadavg(const char *text, struct loadavg *out)
{
	const char *p = text;
	for (int i = 0; i < 3; i++)
		if (!next_double(&p, &out->load[i]) || !(out->load[i] >= 0 && out->load[i] < 1e15)) {
			errno = EINVAL;
			return -1;
		}
	/* "running/total" is only -v detail: anything else is unknown (-1),
	 * never a negative count or one strtol saturated (found by fuzz_loadavg) */
	while (*p == ' ' || *p == '\t')
		p++;
	if (!(next_count(&p, &out->running) && *p++ == '/' && next_count(&p, &out->total)))
		out->running = out->total = -1;
	return 0;
}

int proc_loadavg(const char *root, struct loadavg *out)
{
	char buf[256];
	if (read_proc(root, "loadavg", buf, sizeof buf) < 0)
		return -1;
	return parse_loadavg(buf, out);
}

int parse_meminfo(const char *text, struct meminfo *out)
{
	static const struct { const char *key; size_t off; } keys[] = {
		{ "MemTotal:", offsetof(struct meminfo, total) },
		{ "MemFree:", offsetof(struct meminfo, free) },
		{ "MemAvailable:", offsetof(struct meminfo, available) },
		{ "Buffers:", offsetof(struct meminfo, buffers) },
		{ "Cached:", offsetof(struct meminfo, cached) },
		{ "SReclaimable:", offsetof(struct meminfo, sreclaimable) },
		{ "Shmem:", offsetof(struct meminfo, shmem) },
		{ "SwapTotal:", offsetof(struct meminfo, swap_total) },
		{ "SwapFree:", offsetof(struct meminfo, swap_free) },
		{ "SwapCached:", offsetof(struct meminfo, swap_cached) },
	};
	unsigned seen = 0;
	memset(out, 0, sizeof *out);
	for (const char *line = text; line && *line;) {
		const char *nl = strchr(line, '\n');
		for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
			size_t kl = strlen(keys[i].key);
			if (strncmp(line, keys[i].key, kl) != 0)
				continue;
			const char *v = line + kl;
			while (*v == ' ')
				v++;
			/* digits on this line: strtoull would skip a newline and
			 * take the next line's number, or read "-1" as 2^64-1 */
			if (*v < '0' || *v > '9')
				break;
			char *end;
			errno = 0;
			unsigned long long kb = strtoull(v, &end, 10);
			if (errno)
				break;
			/* values are in kB; anything above 2^50 kB (an exbibyte) is
			 * garbage, and the bound keeps kb * 1024 and the sums of a
			 * few such values below 2^64 (the old bound, 2^54 kB,
			 * wrapped to 0) */
			if (kb > MEMINFO_KB_MAX)
				break;
			*(unsigned long long *)((char *)out + keys[i].off) = kb * 1024;
			seen |= 1u << i;
			break;
		}
		line = nl ? nl + 1 : NULL;
	}
	out->has_available = seen & (1u << 2);
	/* MemTotal and MemFree are always there; without them this is not meminfo */
	if ((seen & 3u) != 3u || out->total == 0) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int proc_meminfo(const char *root, struct meminfo *out)
{
	char buf[8192];
	if (read_proc(root, "meminfo", buf, sizeof buf) < 0)
		return -1;
	return parse_meminfo(buf, out);
}

int parse_cpustat(const char *text, struct cpustat *out)
{
	memset(out, 0, sizeof *out);
	if (strncmp(text, "cpu ", 4) != 0) {
		errno = EINVAL;
		return -1;
	}
	const char *p = text + 4;
	int n = 0;
	for (; n < CPU_FIELDS; n++) {
		while (*p == ' ')
			p++;
		if (*p < '0' || *p > '9')
			break;
		char *end;
		out->t[n] = strtoull(p, &end, 10);
		p = end;
	}
	if (n < 4) {  /* user nice system idle exist on every kernel */
		errno = EINVAL;
		return -1;
	}
	for (const char *l = strchr(text, '\n'); l; l = strchr(l + 1, '\n'))
		if (strncmp(l + 1, "cpu", 3) == 0 && l[4] >= '0' && l[4] <= '9')
			out->ncpu++;
	return 0;
}

int proc_cpustat(const char *root, struct cpustat *out)
{
	/* /proc/stat grows with CPUs and interrupts; 64 kB covers the cpu lines
	 * of a few hundred CPUs, and only the head is needed. */
	char *buf = malloc(65536);
	if (!buf)
		return -1;
	int r = read_proc(root, "stat", buf, 65536);
	if (r == 0)
		r = parse_cpustat(buf, out);
	free(buf);
	return r;
}

bool cpu_usage(const struct cpustat *a, const struct cpustat *b, struct cpu_usage *u)
{
	/* guest time is already counted in user (and guest_nice in nice); a
	 * counter that went back (a CPU taken offline) moved by nothing */
	double d[CPU_FIELDS], total = 0;
	for (int i = 0; i < CPU_FIELDS; i++) {
		d[i] = b->t[i] >= a->t[i] ? (double)(b->t[i] - a->t[i]) : 0;
		if (i != CPU_GUEST && i != CPU_GUEST_NICE)
			total += d[i];
	}
	*u = (struct cpu_usage){ 0 };
	if (!(total > 0))
		return false;
	u->user = 100 * (d[CPU_USER] + d[CPU_NICE]) / total;
	u->system = 100 * (d[CPU_SYSTEM] + d[CPU_IRQ] + d[CPU_SOFTIRQ]) / total;
	u->iowait = 100 * d[CPU_IOWAIT] / total;
	u->steal = 100 * d[CPU_STEAL] / total;
	u->idle = 100 * d[CPU_IDLE] / total;
	u->busy = 100 - u->idle - u->iowait;
	if (u->busy < 0)
		u->busy = 0;
	return true;
}

/* One blank-separated word of at most size-1 bytes; false if longer or none. */
static bool next_word(const char **p, const char *end, char *out, size_t size)
{
	const char *q = *p;
	while (q < end && (*q == ' ' || *q == '\t'))
		q++;
	const char *w = q;
	while (q < end && *q != ' ' && *q != '\t')
		q++;
	if (q == w || (size_t)(q - w) >= size)
		return false;
	memcpy(out, w, (size_t)(q - w));
	out[q - w] = '\0';
	*p = q;
	return true;
}

bool parse_swap_line(const char *line, size_t len, struct swap_area *out)
{
	const char *p = line, *end = line + len;
	char size[24], used[24];
	/* a NUL would end a word early and leave the name or type empty */
	if (memchr(line, '\0', len))
		return false;
	if (!next_word(&p, end, out->name, sizeof out->name) || !next_word(&p, end, out->type, sizeof out->type) ||
	    !next_word(&p, end, size, sizeof size) || !next_word(&p, end, used, sizeof used))
		return false;
	/* digits only: sscanf's %llu took "-1" as 2^64-1 */
	if (!num_parse_ull(size, &out->size_kb) || !num_parse_ull(used, &out->used_kb) ||
	    out->size_kb > MEMINFO_KB_MAX || out->used_kb > out->size_kb)
		return false;
	/* the kernel escapes blanks and newlines in a name as \ooo; any other
	 * control character is not from the kernel, and it stays off the line */
	text_one_line(out->name, '?');
	text_one_line(out->type, '?');
	return true;
}

int cpu_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (int)n : 1;
}
