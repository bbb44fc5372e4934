/* `mamori spool flush` reading a spooled message (a file in the spool
 * dir: damaged by a full disk, a crash, or an edit). Read or refused;
 * a message read has a well-formed id (it names files), a channel, a
 * target and an object payload; a refusal is one line.
 * SOURCES: notifiers/spool.c notifiers/audit.c notifiers/channels.c lib/conf.c lib/ini.c lib/secret.c lib/state.c
 * LIBS: -ljansson */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "channels.h"
#include "spool.h"

/* channels.c's table names the senders; sending is not fuzzed here */
int mail_send_spooled(const struct channel_msg *m, void **state, struct buf *via, struct buf *err)
{
	(void)m, (void)state, (void)via, (void)err;
	abort();
}
void mail_send_done(void *state) { (void)state; }
int chat_send_spooled(const struct channel_msg *m, void **state, struct buf *via, struct buf *err)
{
	(void)m, (void)state, (void)via, (void)err;
	abort();
}
void chat_send_done(void *state) { (void)state; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("spool", MFD_CLOEXEC);
	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size) || lseek(fd, 0, SEEK_SET) != 0)
		abort();
	struct spool_msg m;
	const char *err = spool_read_fd(fd, "fuzz.json", &m);
	close(fd);
	if (err) {
		if (!*err || strchr(err, '\n'))
			abort();
		return 0;
	}
	if (!spool_id_valid(m.id) || !m.channel || !m.target || !json_is_object(m.payload))
		abort();
	spool_msg_free(&m);
	return 0;
}
