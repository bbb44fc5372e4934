/* A postfix queue file's records (check_mailq --top reads them with raised
 * privilege from files any local sender's mail ends up in).
 * SOURCES: lib/mailq.c lib/mailq_postfix.c lib/mailq_postqueue.c lib/mailq_sendmail.c lib/mailq_exim.c lib/mailq_qmail.c lib/spawn.c */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "mailq.h"

static void rcpt(void *arg, const char *addr)
{
	size_t *n = arg;
	*n += addr[0] != '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("queuefile", 0);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size && lseek(fd, 0, SEEK_SET) == 0) {
		char *sender = NULL;
		size_t n = 0;
		time_t arrival = 0;
		const char *why = NULL;
		(void)postfix_read_envelope(fd, &sender, rcpt, &n, &arrival, &why);
		free(sender);
	}
	close(fd);
	return 0;
}
