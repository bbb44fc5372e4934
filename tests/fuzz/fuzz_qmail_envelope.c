/* A qmail envelope file: todo/ (qmail-queue's "u" "p" "F" "T" records),
 * info/ ("F"), local/ and remote/ ("T", "D"); check_mailq --top reads them
 * with raised privilege, their addresses chosen by whoever sends mail.
 * The first byte picks the file kind, the rest is the file.
 * SOURCES: lib/mailq.c lib/mailq_postfix.c lib/mailq_postqueue.c lib/mailq_sendmail.c lib/mailq_exim.c lib/mailq_qmail.c lib/spawn.c */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mailq.h"
#include "fuzz_util.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const kinds[] = { "upFT", "F", "TD" };
	if (size < 1)
		return 0;
	const char *types = kinds[data[0] % 3];
	data++, size--;
	size_t records = 0, senders = 0, rcpts = 0;
	for (size_t i = 0; i < size; i++)
		if (data[i] == 0) {
			records++;
		} else if (i == 0 || data[i - 1] == 0) {
			senders += data[i] == 'F';
			rcpts += data[i] == 'T';
		}
	char *text = malloc(size ? size : 1);   /* no NUL after the end */
	if (!text)
		return 0;
	memcpy(text, data, size);
	for (int want = 0; want < 2; want++) {
		struct mailq q;
		memset(&q, 0, sizeof q);
		q.want_top = want;
		q.msg_seq = 1;
		const char *why = qmail_envelope(&q, text, size, types, want);
		if (why) {
			/* refused: a one-line reason, nothing counted */
			if (!*why || strchr(why, '\n') || q.senders.n || q.domains.n)
				abort();
		} else {
			/* accepted: all NUL-ended records; one sender where the kind
			 * has one, none where it has none */
			if (!size || data[size - 1] != 0 || records == 0)
				abort();
			if (strchr(types, 'F') ? senders != 1 : senders != 0)
				abort();
			if (want ? q.senders.n != senders : q.senders.n || q.domains.n)
				abort();
			fuzz_check_tally(&q.senders, 1, 1);
			fuzz_check_tally(&q.domains, 1, rcpts);
		}
		mailq_free(&q);
	}
	free(text);
	return 0;
}
