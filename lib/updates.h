/* Pending package updates, read from the package manager's own state
 * instead of asking apt-get: dpkg's status file (what is installed) and
 * the package lists apt downloaded (what could be installed), judged with
 * dpkg's version ordering and apt's default candidate policy. Nothing here
 * changes the system except apt_refresh(), which runs `apt-get update`. */
#ifndef MAMORI_UPDATES_H
#define MAMORI_UPDATES_H
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "dpkg_version.h"

#define DPKG_STATUS_FILE "/var/lib/dpkg/status"
#define APT_LISTS_DIR "/var/lib/apt/lists"


struct update {
	const char *name;
	const char *arch;        /* NULL for the native architecture and "all" */
	const char *installed, *candidate;
	const char *origin;      /* "Label:Suite" of a list holding the candidate */
	bool security;           /* the candidate is in a security archive's list */
	bool held;               /* dpkg selection "hold": apt-get upgrade skips it */
};

struct apt_updates {
	struct update *list;     /* security first, then by name */
	size_t n;                /* entries in list, held ones included */
	size_t upgrades;         /* not held: what apt-get upgrade would take */
	size_t security;         /* of those, from a security archive */
	size_t held;
	size_t installed;        /* packages dpkg has installed */
	size_t lists;            /* Packages files read */
	size_t bad_lists;        /* Packages files that could not be read */
	size_t bad_versions;     /* list entries skipped for an invalid version */
	struct buf problems;     /* one line per unreadable list */
	void *priv;              /* the storage the strings above point into */
};

/* Reads the status file and every *_Packages list (plain, .lz4, or another
 * compression apt knows, through apt-helper) in lists_dir. -1 with a
 * one-line reason in err when the status file or the directory cannot be
 * read; a list that cannot be read is counted and named in problems. */
int apt_updates_read(const char *status, const char *lists_dir, struct apt_updates *out,
                     struct buf *err);
void apt_updates_free(struct apt_updates *u);

/* Runs `apt-get update -qq` (no shell), pointed at lists_dir and status
 * when they are not NULL, killed after seconds. 0, or -1 with the reason. */
int apt_refresh(const char *status, const char *lists_dir, double seconds, struct buf *why);

/* apt-get's stderr: ": " and its first "E: " line, else its first "W: "
 * line, else its first non-empty line (at most 300 bytes of it) into why;
 * nothing when all is blank. Exposed for the fuzz test. */
void apt_complaint(const char *text, struct buf *why);

#endif
