/* An exim -H spool file (check_mailq reads them with raised privilege;
 * anyone who can send mail to the host shapes their contents), with and
 * without the --top tallies.
 * SOURCES: lib/mailq.c lib/mailq_postfix.c lib/mailq_postqueue.c lib/mailq_sendmail.c lib/mailq_exim.c lib/mailq_qmail.c lib/spawn.c */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mailq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (int top = 0; top < 2; top++) {
		char *text = malloc(size + 1);
		if (!text)
			return 0;
		memcpy(text, data, size);
		text[size] = '\0';
		struct mailq q;
		memset(&q, 0, sizeof q);
		q.want_top = top;
		time_t arrival = 0;
		bool frozen = false;
		(void)exim_parse(&q, text, size, "1abcde-000000-00-H", &arrival, &frozen);
		mailq_free(&q);
		free(text);
	}
	return 0;
}
