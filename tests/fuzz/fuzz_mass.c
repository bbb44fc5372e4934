/* The mass-incident ring (STATEDIR/mass.ring) that notify_call reads and
 * writes on every problem: a damaged, edited or hostile file.
 * Input: the threshold n, the window in minutes, then the ring's text.
 * Checks: what mass_note writes back is a whole ring (the header, then
 * only epoch seconds in (now - window, now], the new note among them, at
 * most MASS_KEEP + 1); START only when more than n are in the window, ON
 * only when at least n, and the file says "on" exactly then; mass_count
 * agrees with what was written.
 * SOURCES: lib/mass.c lib/state.c */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "proc.h"
#include "silence.h"
#include "state.h"

enum { KEEP = 10000 };   /* lib/mass.c's MASS_KEEP */

/* the ring's durability is not under test: a sync per input on a busy
 * disk held the harness to about a thousand inputs a second */
int fsync(int fd)
{
	(void)fd;
	return 0;
}

static void put_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "w");
	if (!f || (n && fwrite(p, 1, n, f) != n) || fclose(f))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	unsigned n = data[0] % 32 + 1, minutes = data[1] % 120 + 1;
	const time_t now = 1795000000;
	char path[4096];
	(void)mkdir(state_dir(), 0700);   /* tools/fuzz makes it, a run by hand may not */
	snprintf(path, sizeof path, "%s/mass.ring", state_dir());
	put_file(path, data + 2, size - 2);

	enum mass_state st = mass_note(now, n, minutes);

	struct buf b = BUF_INIT;
	if (read_file_buf(AT_FDCWD, path, &b, 1 << 20, false) < 0)
		abort();
	const char *s = buf_cstr(&b);
	bool on = !strncmp(s, "mamori-mass 1 on\n", 17);
	if (!on && strncmp(s, "mamori-mass 1 off\n", 18))
		abort();
	size_t count = 0;
	bool fresh = false;
	for (const char *p = strchr(s, '\n') + 1; *p;) {
		char *end;
		long long t = strtoll(p, &end, 10);
		if (end == p || *end != '\n' || t <= (long long)now - (long long)minutes * 60 || t > (long long)now)
			abort();
		fresh |= t == (long long)now;
		count++;
		p = end + 1;
	}
	if (!fresh || count > KEEP + 1 || b.len != strlen(s))
		abort();
	if ((st == MASS_START && count <= n) || (st == MASS_ON && count < n) || on != (st != MASS_CALM))
		abort();
	if (mass_count(now, minutes) != (long)count)
		abort();
	buf_free(&b);
	return 0;
}
