/* `postqueue -j` (check_mailq's postfix count without the right to read
 * the queue): one JSON object a line from showq, whose senders and
 * recipients anyone who sends mail to the host chooses.
 * SOURCES: lib/mailq.c lib/mailq_postfix.c lib/mailq_postqueue.c lib/mailq_sendmail.c lib/mailq_exim.c lib/mailq_qmail.c lib/spawn.c */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mailq.h"
#include "fuzz_util.h"

static const char *const names[] = { "active", "deferred", "hold", "incoming", "maildrop" };


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned long lines = 0;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	lines += size && data[size - 1] != '\n';
	for (int top = 0; top < 2; top++) {
		char *text = fuzz_bytes(data, size);   /* the parser must not need a NUL after the end */
		struct mailq q;
		memset(&q, 0, sizeof q);
		q.want_top = top;
		unsigned long bad = 0, sum = 0;
		postqueue_parse(&q, names, 5, text, size, &bad);
		for (int i = 0; i < 5; i++)
			sum += q.count[i];
		/* a message per line at most; the total is the queues' sum */
		if (sum != q.total || q.total + bad > lines || q.oldest < 0)
			abort();
		if (!top && (q.senders.n || q.domains.n))
			abort();
		if (top && q.senders.n > q.total)
			abort();
		fuzz_check_tally(&q.senders, q.total, SIZE_MAX);
		/* a refused line may have named recipients before it broke */
		fuzz_check_tally(&q.domains, q.total + bad, SIZE_MAX);
		mailq_free(&q);
		free(text);
	}
	return 0;
}
