/* wtmp/btmp records (check_logins; btmp holds what failed logins typed as
 * a user name) and the state text that remembers a file's position: any
 * bytes are read as records or counted as bad and partial, never trusted
 * to be terminated strings.
 * SOURCES: lib/utmp_read.c lib/state.c */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "utmp_read.h"

static void on_rec(const struct login_rec *r, bool is_new, void *arg)
{
	(void)is_new;
	char addr[64];
	login_addr_text(r, addr, sizeof addr);
	size_t *n = arg;
	*n += strlen(r->user) + strlen(r->line) + strlen(r->host) + strlen(addr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the state text: a prefix of the input up to the first NUL */
	char *state = strndup((const char *)data, size);
	struct utmp_pos pos;
	bool have = state && utmp_state_find(state, "/var/log/wtmp", &pos);
	free(state);

	int fd = memfd_create("wtmp", 0);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		char path[64];
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
		struct utmp_scan out;
		size_t n = 0;
		(void)utmp_scan(path, NULL, true, true, false, on_rec, &n, &out);
		if (have)
			(void)utmp_scan(path, &pos, false, true, false, on_rec, &n, &out);
	}
	close(fd);
	return 0;
}
