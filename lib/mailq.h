/* The mail queue. Postfix's is counted from the queue directories themselves
 * (never by parsing mailq's text), with `postqueue -j` (through the showq
 * service, no privilege needed) as the fallback when the directories are
 * closed to us. Envelopes (sender, recipients, arrival time) come from the
 * queue files' records; `postcat -q ID` reads a file our parser refuses.
 * sendmail's from its qf files. */
#ifndef MAMORI_MAILQ_H
#define MAMORI_MAILQ_H
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "buf.h"

enum mq_queue { MQ_INCOMING, MQ_ACTIVE, MQ_DEFERRED, MQ_HOLD, MQ_MAILDROP, MQ_NQUEUES };
extern const char *const mq_queue_name[MQ_NQUEUES];

/* sendmail's two queues share count[]: submissions wait in clientmqueue */
enum { MQ_SM_MQUEUE = 0, MQ_SM_CLIENT = 1, MQ_SM_NQUEUES = 2 };
extern const char *const mq_sendmail_queue_name[MQ_SM_NQUEUES];

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
	const char *config_dir;   /* in: postfix config dir for postcat/postqueue, NULL = default */
	unsigned long count[MQ_NQUEUES];
	unsigned long total;
	time_t oldest;            /* arrival time of the oldest message; 0 = none known */
	unsigned long unreadable; /* files whose envelope could not be read */
	unsigned long in_progress;/* incoming/maildrop files still being written */
	unsigned missing;         /* bit per queue directory that does not exist */
	unsigned long postcat;    /* envelopes read by postcat after our parser refused */
	unsigned long postcat_tried;
	struct buf problems;      /* "ID: reason" lines, the first few */
	unsigned long msg_seq;
	struct mq_tally senders, domains;
};

void mailq_free(struct mailq *q);

/* queue_directory of the postfix whose config is in config_dir (NULL: the
 * default), from `postconf -h` run with argv within seconds. 0, or -1 with
 * a one-line reason in err. */
int postfix_queue_dir(const char *config_dir, double seconds, struct buf *dir, struct buf *err);

/* Count (and with want_top read) every queue file under queue_dir.
 * -1 with errno EACCES when a queue directory is closed to us (the caller
 * falls back to postfix_postqueue), -1 with a reason in err otherwise. */
int postfix_scan(const char *queue_dir, struct mailq *q, struct buf *err);

/* The same numbers from `postqueue -j` (JSON lines), within seconds. */
int postfix_postqueue(struct mailq *q, double seconds, struct buf *err);

/* sendmail: the QueueDirectory option ("O QueueDirectory=DIR", DIR may end
 * in a "q*" wildcard for several queues) of a sendmail.cf or submit.cf.
 * 0, or -1 with a reason in err. */
int sendmail_queue_dir(const char *cf, struct buf *dir, struct buf *err);
/* Count the qf files (and with want_top read them: T arrival, S sender,
 * R recipients, "." end) of one queue directory pattern into count[which]. */
int sendmail_scan(const char *pattern, int which, struct mailq *q, struct buf *err);

/* Parse one queue file's records from fd: sender into *sender (malloc'd,
 * "" for the null sender), each live recipient passed to rcpt(), arrival
 * time. 0, or -1 with a static reason ("truncated", "bad record ..."). */
int postfix_read_envelope(int fd, char **sender, void (*rcpt)(void *, const char *), void *arg,
                          time_t *arrival, const char **why);

/* The n largest entries, biggest first (ties by key). Returns how many. */
size_t mq_top(const struct mq_tally *t, const struct mq_ent **out, size_t n);

/* Privilege beyond the real user's (root by setuid, or a file capability
 * that bypasses directory permissions), and giving it up for good. */
bool priv_raised(void);
bool priv_can_read_all(void);
void priv_drop(void);

#endif
