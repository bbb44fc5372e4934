/* The measuring half of check_file (runbook 003): what a path is, the
 * digest of its content, and its baseline.
 *
 * fc_measure() looks at a path without following a symlink unless asked,
 * and streams a regular file through an OpenSSL digest, opened so that
 * what is read is what was stat'ed, stopping by itself before the -t alarm.
 * fc_baseline_open/compare/write/close keep what a run saw in the state
 * directory (lib/state.h) and list what differs now as data, one struct
 * fc_diff per named difference. Results are codes with a detail string;
 * the caller decides the state and the words. */
#ifndef MAMORI_FILECHECK_H
#define MAMORI_FILECHECK_H
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "buf.h"
#include "range.h"
#include "state.h"

enum { FC_DIGEST_MAX = 64 };    /* bytes of the longest digest, sha512's */

struct fc_algo {
	const char *name;           /* "sha256" */
	unsigned len;               /* digest bytes: the hex length tells a --checksum's algorithm */
};

enum fc_rc {
	FC_OK = 0,          /* measured; with an algorithm, a regular file's digest too */
	FC_MISSING,         /* no such path (ENOENT, ENOTDIR); is_link: a dangling link followed */
	FC_STAT_FAIL,       /* lstat or stat failed otherwise: detail */
	FC_READ_FAIL,       /* the stat facts hold, the content could not be read: detail */
	FC_TIMEOUT,         /* the digest was not done before the -t deadline: bytes_read */
	/* fc_baseline_open() */
	FC_BASE_NONE,       /* no baseline recorded yet */
	FC_BASE_FOUND,      /* rec holds it */
	FC_BASE_CORRUPT,    /* the state file (sf.path) is not a baseline we wrote */
	FC_BASE_FOREIGN,    /* the baseline of another path: rec.path */
	FC_STATE_FAIL,      /* the state could not be locked or read: detail */
};

struct fc_facts {
	struct stat st;                     /* of the link itself unless followed */
	char type;                          /* fc_type(st.st_mode) */
	bool is_link;                       /* the path names a symlink */
	char *target;                       /* its target */
	const struct fc_algo *algo;         /* of digest; NULL: no digest */
	char digest[2 * FC_DIGEST_MAX + 1]; /* lower-case hex */
	double bytes_read;                  /* FC_TIMEOUT: how far the digest got */
	char detail[256];                   /* why, for FC_STAT_FAIL and FC_READ_FAIL */
};

/* What a baseline holds: what a path is expected to be. */
struct fc_record {
	char type;
	const struct fc_algo *algo;         /* a file's digest's */
	char digest[2 * FC_DIGEST_MAX + 1];
	char *path, *target;                /* the absolute path it belongs to; a link's target */
	unsigned mode;
	unsigned long long uid, gid, size;
	long mtime, recorded;
};

struct fc_baseline {
	struct state_file sf;               /* locked from open to close */
	char *abs;                          /* the path made absolute: the state key */
	struct fc_record rec;               /* FC_BASE_FOUND (and rec.path for FC_BASE_FOREIGN) */
	char detail[PATH_MAX + 128];        /* FC_STATE_FAIL: why */
};

/* The fields fc_compare() compares, in the order differences are listed. */
enum fc_field { FC_TYPE, FC_TARGET, FC_MODE, FC_OWNER, FC_GROUP, FC_CONTENT, FC_NFIELDS };
enum { FC_ALL = (1u << FC_NFIELDS) - 1 };

struct fc_diff {
	enum fc_field field;
	unsigned long long was, now;        /* type letters, mode bits, uid, gid; FC_CONTENT: sizes */
	const char *was_text, *now_text;    /* FC_TARGET: targets; FC_CONTENT: hex digests */
};

/* Option values: NULL, or a reason. */
const struct fc_algo *fc_algo_named(const char *name);  /* NULL: not one we have */
const struct fc_algo *fc_algo_default(void);            /* sha256 */
/* A hex digest of 32, 40, 64 or 128 digits, any case: *hex gets it in
 * lower case (to free), *algo the algorithm its length names. */
const char *fc_parse_checksum(const char *arg, char **hex, const struct fc_algo **algo);
const char *fc_parse_mode(const char *arg, unsigned *mode);          /* octal, 0 to 7777 */
const char *fc_parse_id(const char *arg, bool user, unsigned *id);   /* a number or a name */
/* Nagios ranges whose numbers may carry units: ages in s m h d w, sizes in
 * K M G T. A bare number is a limit as check_file_age reads it: an age N
 * is "older than N" (~:N), a size N "smaller than N" (N:). */
const char *fc_parse_age_range(const char *arg, struct range *r);
const char *fc_parse_size_range(const char *arg, struct range *r);

/* The type letter a baseline stores (f d l p s c b; '?' for another), and its name. */
char fc_type(mode_t m);
const char *fc_type_name(char type);

/* The facts of one path: lstat (stat too with follow), a symlink's target,
 * and when algo is given the digest of a regular file. A directory, device,
 * FIFO or socket is never opened. Returns FC_OK, FC_MISSING, FC_STAT_FAIL,
 * FC_READ_FAIL or FC_TIMEOUT; free the facts with fc_facts_free() in every case. */
enum fc_rc fc_measure(const char *path, bool follow, const struct fc_algo *algo, struct fc_facts *f);
void fc_facts_free(struct fc_facts *f);
/* The digest's buffers, kept from file to file; once, before exiting. */
void fc_measure_end(void);

/* The state text of a baseline record, and back: false (rec left empty)
 * for a text fc_record_format() would not write. len: text's length (a
 * NUL inside is refused); text is NUL-terminated. */
void fc_record_format(struct buf *out, const struct fc_record *rec);
bool fc_record_parse(const char *text, size_t len, struct fc_record *rec);
void fc_record_free(struct fc_record *rec);

/* Locks and reads the baseline of path. Returns FC_BASE_NONE, FC_BASE_FOUND,
 * FC_BASE_CORRUPT, FC_BASE_FOREIGN or FC_STATE_FAIL; close it in every case. */
enum fc_rc fc_baseline_open(struct fc_baseline *b, const char *path);
/* The differences of f from want, for the fields in the bits 1u << field
 * of fields, at most FC_NFIELDS, in enum fc_field order. A different type
 * is the only difference listed: nothing else compares across types. The
 * texts point into want and f. A baseline's record is one want; options
 * (--mode, --uid, --gid) make another. */
size_t fc_compare(const struct fc_record *want, const struct fc_facts *f, unsigned fields, struct fc_diff *out);
/* Records f (with its digest for a regular file) as the baseline: NULL or a reason. */
const char *fc_baseline_write(struct fc_baseline *b, const struct fc_facts *f);
void fc_baseline_close(struct fc_baseline *b);

#endif
