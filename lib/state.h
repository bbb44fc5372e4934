/* State files of plugins that compare with their last run (log offsets,
 * interface counters, file baselines): one file per plugin and key under
 * the state directory, locked with flock while in use, replaced atomically
 * (write a temporary file, fsync, rename, fsync the directory), so a crash
 * or a concurrent run never leaves half a state behind. */
#ifndef MAMORI_STATE_H
#define MAMORI_STATE_H
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

struct state_file {
	int lockfd;
	char path[PATH_MAX];
};

/* The state directory: MAMORI_STATE_DIR (ignored in set-id programs), else
 * the configured one (--with-statedir). */
const char *state_dir(void);
/* The file name of (plugin, key) in the state directory: plugin "." and
 * the key with every byte but [A-Za-z0-9._-] as %XX, a leading '.' too
 * (one file per key, never a path). false when it does not fit in size. */
bool state_file_name(char *out, size_t size, const char *plugin, const char *key);
/* Lock the state of (plugin, key); the key may be anything (a path, an
 * interface name): it is escaped into a file name. Waits for a concurrent
 * run up to the -t deadline. NULL on success, else a reason. */
const char *state_open(struct state_file *sf, const char *dir, const char *plugin, const char *key);
/* The saved state (empty when there is none yet); NULL or a reason. */
const char *state_read(struct state_file *sf, struct buf *out);
/* Replace the state atomically; NULL or a reason. */
const char *state_write(struct state_file *sf, const void *data, size_t len);
void state_close(struct state_file *sf);

#endif
