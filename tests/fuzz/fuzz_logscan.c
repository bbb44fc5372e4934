/* check_log's scanner: any bytes in a log (anyone who can make a daemon
 * log a line shapes them) and any state text (a damaged state file).
 * Input: the state text, NUL, the log. Counts never exceed the lines
 * read, the summary is at most 1024 characters of clean UTF-8, a saved
 * position reads back the same, and a second scan from it finds nothing
 * new (no line is counted twice).
 * SOURCES: lib/logscan.c
 * LIBS: -lpcre2-8 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "logscan.h"

/* one scanner, compiled once and reset per scan: building it (PCRE2 JIT,
 * a 1 MiB read buffer) took most of the time of a small input: 8 times
 * the executions a second this way */
static struct logscan *scanner(void)
{
	static struct logscan *ls;
	if (ls) {
		logscan_reset(ls);
		return ls;
	}
	ls = logscan_new();
	for (size_t i = 0; logscan_class_name(i) && logscan_npatterns(ls) < 8; i++)
		if (logscan_add_class(ls, logscan_class_name(i)))
			abort();
	if (logscan_add_string(ls, "timed out", true) || logscan_add_regex(ls, "^\\w+\\[(\\d+)\\]: .*fail", false) ||
	    logscan_add_exclude(ls, "ignore me", true) || logscan_compile(ls))
		abort();
	return ls;
}

/* valid UTF-8, no control character but LF, at most max characters */
static void clean(const struct buf *b, size_t max)
{
	size_t chars = 0;
	const unsigned char *p = (const unsigned char *)(b->s ? b->s : "");
	for (size_t i = 0; i < b->len; chars++) {
		unsigned c = p[i];
		size_t n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
		if (!n || i + n > b->len || (c < 0x20 && c != '\n') || c == 0x7f)
			abort();
		for (size_t k = 1; k < n; k++)
			if ((p[i + k] & 0xc0) != 0x80)
				abort();
		i += n;
	}
	if (chars > max)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t slen = nul ? (size_t)(nul - data) : 0;
	const uint8_t *log = nul ? nul + 1 : data;
	size_t llen = size - (size_t)(log - data);
	int fd = memfd_create("fuzzlog", MFD_CLOEXEC);
	if (fd < 0 || (llen && write(fd, log, llen) != (ssize_t)llen))
		abort();
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);

	struct logfile f;
	memset(&f, 0, sizeof f);
	f.path = path;
	f.from_start = true;
	size_t others = 0;
	if (logscan_state_parse((const char *)data, slen, &f, 1, &others))
		memset(&f.pos, 0, sizeof f.pos);
	f.path = path;
	struct logscan *ls = scanner();
	if (!logscan_file(ls, &f)) {
		unsigned long long lines = logscan_lines(ls);
		if (logscan_matched(ls) > lines)
			abort();
		for (size_t i = 0; i < logscan_npatterns(ls); i++)
			if (logscan_count(ls, i) > lines)
				abort();
		struct buf sum = BUF_INIT, last = BUF_INIT;
		logscan_summary(ls, &sum, LOGSCAN_SUMMARY_CHARS);
		clean(&sum, LOGSCAN_SUMMARY_CHARS);
		logscan_last(ls, &last, 200);
		clean(&last, 200);
		if (memchr(last.s ? last.s : "", '\n', last.len))
			abort();
		buf_free(&sum);
		buf_free(&last);

		/* the saved position reads back, and nothing is read twice */
		struct buf st = BUF_INIT;
		logscan_state_format(&st, &f, 1);
		struct logfile g;
		memset(&g, 0, sizeof g);
		g.path = path;
		if (logscan_state_parse(buf_cstr(&st), st.len, &g, 1, &others) || !g.pos.known ||
		    g.pos.offset != f.pos.offset || g.pos.head != f.pos.head || g.pos.headlen != f.pos.headlen ||
		    g.pos.skip != f.pos.skip)
			abort();
		buf_free(&st);
		if (!f.incomplete) {
			struct logscan *again = scanner();
			if (!logscan_file(again, &g) && (logscan_matched(again) || logscan_lines(again)))
				abort();
			buf_free(&g.notes);
		}
	}
	buf_free(&f.notes);
	close(fd);
	return 0;
}
