/* Log scanning for check_log: count the lines appended to log files since
 * the last run that match keyword classes (runbook 002), fixed strings or
 * PCRE2 regexes, following rotation by rename and copytruncate so that no
 * line is missed or counted twice, and keep the last matched lines for a
 * chat-sized summary (runbook 004: at most 1024 characters).
 *
 * Speed: fixed strings and class words are found by one multi-literal
 * search over large read(2) buffers (AVX2 nibble masks where the CPU has
 * them, a trigram bitmap otherwise), not line by line; only a line that
 * holds a hit is looked at as a line. Regexes are matched line by line
 * with PCRE2's JIT. No allocation per line. */
#ifndef MAMORI_LOGSCAN_H
#define MAMORI_LOGSCAN_H
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

enum {
	LOGSCAN_MAX_PATTERNS = 64,        /* classes + strings + regexes */
	LOGSCAN_LINE_LIMIT = 64 * 1024,   /* a longer line is matched on this much */
	LOGSCAN_HEAD = 4096,              /* bytes of a file's head that identify it */
	LOGSCAN_SUMMARY_CHARS = 1024,     /* runbook 004's log summary */
};

/* Runbook 002's keyword classes, by name; NULL after the last. */
const char *logscan_class_name(size_t i);
/* The words of a class joined by '|' (for grep -E), or NULL. */
const char *logscan_class_words(const char *name);

struct logscan;

struct logscan *logscan_new(void);
void logscan_free(struct logscan *ls);
/* Patterns, in the order of their perfdata labels. Each returns NULL or a
 * reason. A class is matched case-insensitively as runbook 002 says
 * (grep -i); strings and regexes when caseless. */
const char *logscan_add_class(struct logscan *ls, const char *name);
const char *logscan_add_string(struct logscan *ls, const char *text, bool caseless);
const char *logscan_add_regex(struct logscan *ls, const char *re, bool caseless);
/* Lines matching an exclude regex are not counted. */
const char *logscan_add_exclude(struct logscan *ls, const char *re, bool caseless);
/* After the last add: build the search. NULL or a reason. */
const char *logscan_compile(struct logscan *ls);

size_t logscan_npatterns(const struct logscan *ls);
const char *logscan_label(const struct logscan *ls, size_t i);
unsigned long long logscan_count(const struct logscan *ls, size_t i);
/* Lines that matched at least one pattern (and no exclude). */
unsigned long long logscan_matched(const struct logscan *ls);
/* Lines read (a line longer than the limit counts once). */
unsigned long long logscan_lines(const struct logscan *ls);
unsigned long long logscan_bytes(const struct logscan *ls);
/* Lines on which a regex gave up (PCRE2 match or stack limit). */
unsigned long long logscan_regex_errors(const struct logscan *ls);
/* Counts and kept lines back to zero, patterns kept: one compiled
 * scanner for many independent scans (compiling costs more than a
 * small scan). */
void logscan_reset(struct logscan *ls);

/* Where the last run stopped in one file. */
struct logpos {
	bool known;                 /* false: no record (first run) */
	unsigned long long dev, ino;
	unsigned long long offset;  /* the byte after the last line read */
	unsigned long long headlen; /* bytes hashed from the start, <= LOGSCAN_HEAD */
	unsigned long long head;    /* hash of those bytes */
	bool skip;                  /* inside an over-long line: skip to its end */
};

/* One file's scan. */
struct logfile {
	const char *path;
	const char *tag;            /* prefix of its lines in the summary, or NULL */
	struct logpos pos;          /* in: the record; out: the new record */
	bool from_start;            /* no record: read from 0 instead of the end */
	/* out */
	bool first;                 /* there was no record */
	bool incomplete;            /* stopped at the deadline; continues next run */
	unsigned long long left;    /* bytes not read because of that */
	struct buf notes;           /* "rotated: ...", "truncated: ..." ("; "-joined) */
};

/* Scan what was appended to f->path since f->pos, adding to the counts.
 * Reads stop before the -t deadline (lib/timeout.h) with what was read
 * saved in f->pos. NULL, or a reason the file could not be read (f->pos
 * is then unchanged). */
const char *logscan_file(struct logscan *ls, struct logfile *f);

/* State text: one record per file. Parse returns NULL or why the text is
 * not a state; positions of paths not in files[] are reported in *others. */
void logscan_state_format(struct buf *out, const struct logfile *files, size_t n);
const char *logscan_state_parse(const char *text, size_t len, struct logfile *files, size_t n,
                                size_t *others);

/* The last matched lines, oldest first, one per line, at most maxchars
 * characters (newlines included), never cutting a UTF-8 character; bytes
 * that are not UTF-8 and control characters appear as \xNN. */
void logscan_summary(const struct logscan *ls, struct buf *out, size_t maxchars);
/* The newest matched line alone, at most maxchars characters; "" if none. */
void logscan_last(const struct logscan *ls, struct buf *out, size_t maxchars);
/* Append s[0..n) cleaned as above, at most maxchars characters; an ellipsis
 * (one character, counted) marks a cut. Returns the characters appended. */
size_t logscan_clean_utf8(struct buf *out, const char *s, size_t n, size_t maxchars);

#endif
