/* The mail queue, counted from the MTA's own queue files (never by parsing
 * mailq's text). Each MTA is one row of mq_mtas[]: its name, how runbook 000
 * recognises it, its queues (the perfdata labels) and its measuring
 * function, which lives in lib/mailq_MTA.c. The plugin knows no MTA by name.
 *   postfix:  the queue directories of `postconf -h queue_directory`, else
 *             `postqueue -j` (showq, no privilege needed); postcat -q for a
 *             file our parser refuses.
 *   sendmail: the qf files of sendmail.cf's and submit.cf's QueueDirectory.
 *   exim:     the -H files of `exim -bP spool_directory`'s input/, else
 *             `exim -bpc`.
 *   qmail:    /var/qmail/queue as qmail-qstat counts it (mess/, todo/). */
#ifndef MAMORI_MAILQ_H
#define MAMORI_MAILQ_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "buf.h"

enum { MQ_MAXQ = 5 };

/* Messages per string (sender, recipient domain). */
struct mq_ent {
	char *key;
	unsigned long n;
	unsigned long last_msg;   /* the message that counted last: one count per message */
};
struct mq_tally {
	struct mq_ent *tab;
	size_t cap, n;
};

struct mailq {
	bool want_top;            /* in: collect senders and recipient domains */
	const char *config_dir;   /* in: -d, NULL = the MTA's default */
	unsigned long count[MQ_MAXQ];   /* per queue, in the row's queue[] order */
	unsigned long total;
	time_t oldest;            /* arrival time of the oldest message; 0 = none known */
	unsigned long unreadable; /* files whose envelope could not be read */
	struct buf problems;      /* "ID: reason" lines, the first MQ_MAX_PROBLEMS */
	struct buf notes;         /* lines for the long output, the MTA's own words */
	unsigned long msg_seq;
	struct mq_tally senders, domains;
};
enum { MQ_MAX_PROBLEMS = 5 };
/* A sender or domain in the tallies: at most this many bytes, no control
 * characters (see mq_count_sender). */
enum { MQ_KEY_MAX = 256 };

/* One MTA. measure() fills q; method says how ("counted in DIR ...");
 * -1 with a one-line reason in err when there is no answer (UNKNOWN).
 * raised: we hold privilege beyond the caller's (see priv_raised). */
struct mq_mta {
	const char *name;             /* -M, the summary */
	const char *alternative;      /* a word in the mta alternative's target */
	const char *installed[3];     /* a file present: the MTA is installed */
	const char *queue[MQ_MAXQ];   /* perfdata labels, summary order, NULL-ended */
	int (*measure)(struct mailq *q, bool raised, struct buf *method, struct buf *err);
};
extern const struct mq_mta mq_mtas[];   /* ends with a NULL name */
const struct mq_mta *mq_mta_find(const char *name);
/* runbook 000: the target of alternatives_link (/etc/alternatives/mta)
 * naming an MTA, else the first MTA installed, else the first row. how says
 * which of the three. */
const struct mq_mta *mq_detect(const char *alternatives_link, const char **how);

int postfix_measure(struct mailq *q, bool raised, struct buf *method, struct buf *err);
int sendmail_measure(struct mailq *q, bool raised, struct buf *method, struct buf *err);
int exim_measure(struct mailq *q, bool raised, struct buf *method, struct buf *err);
int qmail_measure(struct mailq *q, bool raised, struct buf *method, struct buf *err);

void mailq_free(struct mailq *q);

/* The n largest entries, biggest first (ties by key). Returns how many. */
size_t mq_top(const struct mq_tally *t, const struct mq_ent **out, size_t n);

/* ---- for the lib/mailq_MTA.c files ---- */

/* A message: counted in queue which, its arrival folded into oldest. */
void mq_count(struct mailq *q, int which, time_t arrival);
/* A file counted whose envelope could not be read: named in problems. */
void mq_problem(struct mailq *q, const char *id, const char *why);
/* One message's envelope into the tallies (q->msg_seq is the message). */
void mq_count_sender(struct mailq *q, const char *sender);
void mq_count_rcpt(void *q, const char *addr);

/* A small queue file (no symlink, no FIFO, regular, at most limit bytes)
 * into b, NUL-terminated. 0, or -1 with errno (EFBIG past limit, EINVAL
 * not a regular file). */
int mq_read_file(int dirfd, const char *name, struct buf *b, size_t limit);

/* argv (no shell), stdout into out, killed at seconds. The wait status,
 * -1 when it could not start. */
int mq_run(char *const argv[], double seconds, struct buf *out, bool *timed_out);
/* Why a child run by mq_run gave no answer, with its complaint. */
void mq_describe_exit(struct buf *err, const char *what, int st, bool timed_out, double seconds);

/* Owned by root and writable by no one else: what privilege may read. */
bool mq_root_controlled(const char *path);
bool mq_config_root_controlled(const char *dir, const char *file);
/* Writable by its owner only (a spool the MTA's own user owns). */
bool mq_owner_only_writable(const char *path);
/* " (as root)", " (CAP_DAC_READ_SEARCH)" or "". */
const char *mq_privilege_note(void);

/* ---- postfix internals, exposed for the fuzz/unit tests ---- */

/* Parse one queue file's records from fd: sender into *sender (malloc'd,
 * "" for the null sender), each live recipient passed to rcpt(), arrival
 * time. 0, or -1 with a static reason ("truncated", "bad record ..."). */
int postfix_read_envelope(int fd, char **sender, void (*rcpt)(void *, const char *), void *arg,
                          time_t *arrival, const char **why);

/* ---- exim internals, exposed for the fuzz/unit tests ---- */

/* One -H spool file's whole text (modified in place), named name: NULL
 * and the fields (with q->want_top the sender and pending recipients go
 * into q's tallies), or a static reason. */
const char *exim_parse(struct mailq *q, char *text, size_t len, const char *name,
                       time_t *arrival, bool *frozen);

/* `postqueue -j` (within seconds): each message counted in count[i] of
 * its queue_name, names[i]; with want_top its sender and recipients. */
int postfix_postqueue(struct mailq *q, const char *const names[], int nnames, double seconds, struct buf *err);

/* The whole output of `postqueue -j` (text[len] need not be NUL): as
 * postfix_postqueue counts it; *bad is the lines that are not its JSON. */
void postqueue_parse(struct mailq *q, const char *const names[], int nnames, const char *text, size_t len,
                     unsigned long *bad);

/* ---- sendmail internals, exposed for the fuzz/unit tests ---- */

/* One qf file's whole text (modified in place): NULL with *arrival (its T
 * line) and, with q->want_top, the sender and recipients in q's tallies;
 * or a static reason. */
const char *sendmail_parse(struct mailq *q, char *text, size_t len, time_t *arrival);

/* ---- qmail internals, exposed for the fuzz/unit tests ---- */

/* One envelope file (todo/, info/, local/ or remote/): "X" text NUL
 * records with X in types. NULL, or a static reason; with want, the F
 * (sender) and T (recipients) go into q's tallies. */
const char *qmail_envelope(struct mailq *q, const char *text, size_t len, const char *types, bool want);

/* Privilege beyond the real user's (root by setuid, or a file capability
 * that bypasses directory permissions), and giving it up for good. */
bool priv_raised(void);
bool priv_can_read_all(void);
void priv_drop(void);

#endif
