/* /proc/PID/stat, status and cmdline (check_procs, the top lists of
 * check_load, check_cpu, check_mem, check_swap). Input: stat, NUL,
 * status, NUL, cmdline (which may hold NULs itself).
 * A stat read has a letter for its state, pids that are pids, times and
 * sizes that did not wrap, and printed back as the kernel writes it reads
 * back the same; ps's STAT column is short and printable; a status number
 * is the one in the text; the args column is one printable line that
 * keeps every other byte of the command line where it was.
 * SOURCES: lib/procs.c */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "procs.h"

static const char *part(const char **p, const char *end, size_t *len)
{
	const char *s = *p, *nul = memchr(s, '\0', (size_t)(end - s));
	*len = nul ? (size_t)(nul - s) : (size_t)(end - s);
	*p = nul ? nul + 1 : end;
	return s;
}

static void check_stat(const char *s, size_t len)
{
	struct proc_info p, q;
	memset(&p, 0, sizeof p);
	if (!procs_parse_stat(s, len, 4, &p))
		return;
	if (!((p.state >= 'A' && p.state <= 'Z') || (p.state >= 'a' && p.state <= 'z')) ||
	    p.ppid < 0 || p.pgrp < 0 || p.session < 0 || p.tpgid < -1 || p.threads < 0 ||
	    strlen(p.comm) >= PROCS_COMM_MAX)
		abort();
	char flags[PROCS_STAT_FLAGS_MAX];
	p.pid = 42;
	proc_stat_flags(&p, flags);
	if (strlen(flags) >= PROCS_STAT_FLAGS_MAX)
		abort();
	for (const char *f = flags; *f; f++)
		if (*f <= ' ' || *f >= 0x7f)
			abort();
	/* the kernel's layout: fields 1..24, then the rest */
	char out[512];
	bool sat = p.rss_kb == ULLONG_MAX;
	/* ticks is utime + stime, each below 2^63: their sum may not fit one
	 * field (found by CI's run of this harness) */
	unsigned long long utime = p.ticks > LLONG_MAX ? LLONG_MAX : p.ticks;
	int n = snprintf(out, sizeof out,
	                 "42 (%s) %c %d %d %d 0 %d %lu 0 0 0 0 %llu %llu 0 0 0 %ld %ld 0 %llu %llu %llu 0 0\n",
	                 p.comm, p.state, (int)p.ppid, (int)p.pgrp, (int)p.session, (int)p.tpgid, p.kflags,
	                 utime, p.ticks - utime, p.nice, p.threads, p.starttime, p.vsz_kb * 1024,
	                 sat ? 0 : p.rss_kb / 4);
	memset(&q, 0, sizeof q);
	if (!procs_parse_stat(out, (size_t)n, 4, &q) || strcmp(p.comm, q.comm) != 0 || p.state != q.state ||
	    p.ppid != q.ppid || p.pgrp != q.pgrp || p.session != q.session || p.tpgid != q.tpgid ||
	    p.kflags != q.kflags || p.ticks != q.ticks || p.nice != q.nice || p.threads != q.threads ||
	    p.starttime != q.starttime || p.vsz_kb != q.vsz_kb || (!sat && p.rss_kb != q.rss_kb) ||
	    p.kthread != q.kthread)
		abort();
}

static void check_status(const char *s, size_t len)
{
	static const char *const keys[] = { "\nUid:", "\nVmRSS:", "\nVmSwap:" };
	for (int k = 0; k < 3; k++)
		for (int col = 0; col < 2; col++) {
			unsigned long long v;
			if (!procs_status_number(s, len, keys[k], col, &v))
				continue;
			/* the reference: the col-th run of digits after the key */
			const char *p = memmem(s, len, keys[k], strlen(keys[k])) + strlen(keys[k]);
			for (int c = 0; c <= col; c++) {
				while (*p == ' ' || *p == '\t')
					p++;
				unsigned long long x = 0;
				for (; *p >= '0' && *p <= '9'; p++)
					x = x * 10 + (unsigned)(*p - '0');
				if (c == col && x != v)
					abort();
			}
		}
}

static void check_args(const char *s, size_t len, const char *comm, char state)
{
	struct buf b = BUF_INIT, want = BUF_INIT;
	buf_add(&b, s, len);
	procs_join_args(&b, comm, state);
	/* the reference: NUL as a blank, control characters as '?', trailing
	 * blanks dropped; nothing left is ps's "[comm]" */
	size_t n = len;
	while (n && (s[n - 1] == '\0' || s[n - 1] == ' '))
		n--;
	const char *from = s;
	if (!n) {
		buf_putc(&want, '[');
		buf_puts(&want, comm);
		buf_puts(&want, state == 'Z' ? "] <defunct>" : "]");
		from = buf_cstr(&want);
		n = want.len;
	}
	if (b.len != n || !b.s || b.s[n] != '\0')
		abort();
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)from[i];
		char w = c == 0 ? ' ' : c < 0x20 || c == 0x7f ? '?' : (char)c;
		if (b.s[i] != w)
			abort();
	}
	buf_free(&b);
	buf_free(&want);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	size_t slen, tlen;
	const char *stat = part(&p, end, &slen);
	/* the readers NUL-terminate what they read */
	char *st = malloc(slen + 1);
	memcpy(st, stat, slen);
	st[slen] = '\0';
	check_stat(st, slen);
	const char *status = part(&p, end, &tlen);
	char *tt = malloc(tlen + 1);
	memcpy(tt, status, tlen);
	tt[tlen] = '\0';
	check_status(tt, tlen);
	check_args(p, (size_t)(end - p), "a\nb|c", 'Z');
	check_args(p, (size_t)(end - p), "", 'S');
	(void)procs_name_is(st, "sshd");
	free(st);
	free(tt);
	return 0;
}
