/* /proc/swaps (check_swap -a): a line read is a name and a type without
 * blanks or control characters (one line of the long output), sizes of
 * digits only (no "-1" read as 2^64-1), used at most size; the area
 * printed back as a line of /proc/swaps reads back the same.
 * SOURCES: (the core only) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proc.h"

static void clean_word(const char *s)
{
	if (!*s)
		abort();
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || *s == 0x7f)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	for (size_t off = 0; off < size;) {
		const char *nl = memchr(text + off, '\n', size - off);
		size_t len = nl ? (size_t)(nl - text - off) : size - off;
		struct swap_area a, back;
		if (parse_swap_line(text + off, len, &a)) {
			clean_word(a.name);
			clean_word(a.type);
			if (a.used_kb > a.size_kb || a.size_kb > MEMINFO_KB_MAX)
				abort();
			char out[1200];
			int n = snprintf(out, sizeof out, "%s\t%s\t%llu\t%llu\t-2", a.name, a.type, a.size_kb,
			                 a.used_kb);
			if (!parse_swap_line(out, (size_t)n, &back) || strcmp(a.name, back.name) != 0 ||
			    strcmp(a.type, back.type) != 0 || a.size_kb != back.size_kb || a.used_kb != back.used_kb)
				abort();
		}
		off += len + 1;
	}
	return 0;
}
