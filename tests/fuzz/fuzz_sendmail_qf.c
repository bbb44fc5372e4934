/* A sendmail qf file (check_mailq reads them with raised privilege; the
 * sender and recipients are whatever a local user or a remote client
 * gave), with and without the --top tallies.
 * SOURCES: lib/mailq.c lib/mailq_postfix.c lib/mailq_postqueue.c lib/mailq_sendmail.c lib/mailq_exim.c lib/mailq_qmail.c lib/spawn.c */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mailq.h"
#include "fuzz_util.h"

/* Every key of the tallies: bounded, no control character; no message
 * counted twice; at most one sender per message. */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t lines = 0;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	for (int top = 0; top < 2; top++) {
		char *text = fuzz_bytes(data, size);   /* the parser must not need a NUL after the end */
		struct mailq q;
		memset(&q, 0, sizeof q);
		q.want_top = top;
		q.msg_seq = 1;
		time_t arrival = -12345;
		const char *why = sendmail_parse(&q, text, size, &arrival);
		if (why) {
			/* refused: a one-line reason, nothing counted */
			if (!*why || strchr(why, '\n') || q.senders.n || q.domains.n)
				abort();
		} else {
			/* read: a T line's time or none (0), never a negative age */
			if (arrival < 0)
				abort();
			if (top && q.senders.n != 1)
				abort();
			fuzz_check_tally(&q.senders, 1, 1);
			fuzz_check_tally(&q.domains, 1, lines);
		}
		mailq_free(&q);
		free(text);
	}
	return 0;
}
