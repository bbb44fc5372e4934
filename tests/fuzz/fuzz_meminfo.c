/* /proc/meminfo (check_mem, check_swap): each value is the number on its
 * own line (checked against a plain reading of the text), in bytes
 * without wrapping; available is never above total, nor swap used above
 * swap total; the struct printed back as meminfo parses to the same; the
 * `free` view is three lines.
 * SOURCES: lib/memview.c */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memview.h"

/* The reference: the last line "KEY:<spaces>DIGITS" of a value that fits wins. */
static int expect(const char *text, const char *key, unsigned long long *kb)
{
	int found = 0;
	size_t kl = strlen(key);
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (strncmp(l, key, kl) != 0)
			continue;
		const char *v = l + kl;
		while (*v == ' ')
			v++;
		if (*v < '0' || *v > '9')
			continue;
		unsigned long long x = 0;
		int ok = 1;
		for (; *v >= '0' && *v <= '9'; v++) {
			if (x > (MEMINFO_KB_MAX * 10 + 9) / 10)
				ok = 0;
			else
				x = x * 10 + (unsigned)(*v - '0');
		}
		if (ok && x <= MEMINFO_KB_MAX) {
			*kb = x;
			found = 1;
		}
	}
	return found;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	struct meminfo m, back;
	if (parse_meminfo(text, &m) == 0) {
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
		for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
			unsigned long long kb = 0;
			int found = expect(text, keys[i].key, &kb);
			unsigned long long got = *(unsigned long long *)((char *)&m + keys[i].off);
			if (got / 1024 != kb || got % 1024 || (i == 2 && found != m.has_available))
				abort();
		}
		if (mem_available(&m) > m.total || swap_used(&m) > m.swap_total)
			abort();
		char out[1024];
		snprintf(out, sizeof out,
		         "MemTotal: %llu kB\nMemFree: %llu kB\n%s%llu kB\nBuffers: %llu kB\nCached: %llu kB\n"
		         "SwapCached: %llu kB\nShmem: %llu kB\nSReclaimable: %llu kB\nSwapTotal: %llu kB\n"
		         "SwapFree: %llu kB\n",
		         m.total / 1024, m.free / 1024, m.has_available ? "MemAvailable: " : "Other: ",
		         m.available / 1024, m.buffers / 1024, m.cached / 1024, m.swap_cached / 1024, m.shmem / 1024,
		         m.sreclaimable / 1024, m.swap_total / 1024, m.swap_free / 1024);
		if (parse_meminfo(out, &back) != 0 || memcmp(&m, &back, sizeof m) != 0)
			abort();
		struct check c;
		check_init(&c, "MEM");
		memview_long(&c, &m);
		size_t lines = 0;
		for (size_t i = 0; i < c.longout.len; i++)
			lines += c.longout.s[i] == '\n';
		if (lines != 3)
			abort();
		buf_free(&c.summary);
		buf_free(&c.perf);
		buf_free(&c.longout);
	}
	free(text);
	return 0;
}
