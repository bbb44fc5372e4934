/* Readers of the login records (utmp, wtmp, btmp: what `who`, `last` and
 * `lastb` show). The files are read directly with read(2) as arrays of
 * glibc's struct utmp, never through getutent(), whose hidden static state
 * cannot be pointed at a file from a given offset. Every record is checked
 * (ut_type in range) and its fixed-size strings are NUL-terminated here, so
 * a garbage or truncated file cannot make the caller read past a field. */
#ifndef MAMORI_UTMP_READ_H
#define MAMORI_UTMP_READ_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <utmp.h>

#include "buf.h"

/* One record, decoded. Strings hold no control characters (they become
 * '?'), so they can go into plugin output as they are. */
struct login_rec {
	int type;                          /* ut_type: EMPTY .. ACCOUNTING */
	pid_t pid;
	char user[UT_NAMESIZE + 1];
	char line[UT_LINESIZE + 1];
	char host[UT_HOSTSIZE + 1];
	int64_t sec;                       /* ut_tv.tv_sec */
	int family;                        /* AF_INET, AF_INET6, or 0: local (no address) */
	unsigned char addr[16];            /* 4 bytes for AF_INET */
	unsigned long long offset;         /* of the record in its file */
};

/* The address of a record as text ("" when local). */
void login_addr_text(const struct login_rec *r, char *out, size_t size);

/* An allowed network, "192.0.2.0/24", "2001:db8::/32", or one address. */
struct cidr {
	int family;
	unsigned char addr[16];
	int bits;
};
bool cidr_parse(const char *text, struct cidr *out);
bool cidr_match(const struct cidr *net, int family, const unsigned char *addr);

/* Where the last run stopped in a file: identity and offset, plus a hash of
 * the first record, so a file replaced under the same inode is noticed. */
struct utmp_pos {
	unsigned long long dev, ino, offset, head;
};
/* The state text of a reader holds one line per file:
 * "PATH DEV INO OFFSET HEAD", the path %XX-escaped (no space, no newline).
 * find: false when path has no line or its line is malformed. */
bool utmp_state_find(const char *state, const char *path, struct utmp_pos *out);
/* Append the line of path. */
void utmp_state_put(struct buf *out, const char *path, const struct utmp_pos *p);
/* Append the well-formed lines of old that name none of paths[0..n). */
void utmp_state_keep(struct buf *out, const char *old, const char *const *paths, size_t n);

/* Called for each valid record; is_new when it lies after the saved
 * position. */
typedef void (*login_fn)(const struct login_rec *r, bool is_new, void *arg);

struct utmp_scan {
	const char *path;
	bool missing;                      /* the file does not exist (allowed by the caller) */
	bool first;                        /* no saved position: nothing before now is new */
	bool rotated;                      /* replaced or truncated since the saved position */
	bool rotated_tail;                 /* the old file's tail was read from PATH.1 */
	unsigned long long records;        /* whole records read */
	unsigned long long bad;            /* records with an out-of-range ut_type, skipped */
	unsigned long long partial;        /* bytes of a truncated last record, ignored */
	unsigned long long start;          /* offset of the first new record */
	struct utmp_pos end;               /* where the next run starts */
};

/* Reads the records of path. With since == NULL (first run) nothing is new
 * unless from_start. When whole, the records before the saved position are
 * passed too (is_new false), for a history; otherwise reading starts at it.
 * When path was rotated (another inode, or smaller than the saved offset,
 * or another first record), the new file is read from its start, and when
 * PATH.1 is the old inode its unread tail is read first.
 * A missing file is an empty one when missing_ok. NULL, or a reason. */
const char *utmp_scan(const char *path, const struct utmp_pos *since, bool from_start, bool whole,
                      bool missing_ok, login_fn fn, void *arg, struct utmp_scan *out);

/* Sessions for listing: the last `cap` login records of a kind (all are
 * counted in total), each with how it ended when a history is paired. */
enum session_end { SESSION_OPEN, SESSION_LOGOUT, SESSION_CRASH, SESSION_DOWN };
struct login_session {
	struct login_rec rec;
	enum session_end how;
	int64_t end;
};
struct login_list {
	struct login_session *s;
	size_t cap, open;                  /* open: kept sessions not ended yet */
	unsigned long long total;
};
void login_list_init(struct login_list *l, size_t cap);
void login_list_push(struct login_list *l, const struct login_rec *r);
size_t login_list_kept(const struct login_list *l);
/* The i-th kept session, oldest first. */
const struct login_session *login_list_at(const struct login_list *l, size_t i);
/* End the open sessions that r ends, paired as last(1) pairs them: a logout
 * (DEAD_PROCESS) or another login on the same line ends a session there, a
 * shutdown ends every open one as "down", a boot as "crash". */
void login_list_close(struct login_list *l, const struct login_rec *r);
void login_list_free(struct login_list *l);

/* Whether the process of a utmp entry still exists (kill(pid, 0)). */
bool login_pid_alive(pid_t pid);

#endif
