/* The directories directly under a mount point and the space below each,
 * as `du -x --block-size=1 -d 1 DIR` counts it: allocated blocks
 * (st_blocks * 512), a file with several hard links once, symlinks not
 * followed, nothing on another filesystem. Walking a big filesystem is
 * slow, so the walk stops at a deadline and says it did. */
#ifndef MAMORI_DU_H
#define MAMORI_DU_H
#include <stdbool.h>
#include <stddef.h>

struct du_dir {
	char *name;                 /* as read from the directory, not cleaned */
	unsigned long long bytes;   /* the directory itself and all below it */
	unsigned long long inodes;  /* entries counted likewise (du --inodes) */
	bool partial;               /* its walk was cut short: at least this much */
};

struct du_result {
	struct du_dir *dirs;        /* every directory directly under the root */
	size_t ndirs;
	unsigned long long bytes;   /* everything counted, the root and its files included */
	unsigned long long files;   /* entries examined (fstatat calls that answered) */
	unsigned long long errors;  /* entries or directories that could not be read */
	int first_error;            /* errno of the first of them */
	bool partial;               /* stopped at the deadline: the sums are lower bounds */
	double seconds;             /* time the walk took */
};

/* Walks ROOT until done or until monotonic_now() reaches deadline. Each
 * directory under ROOT, in turn, gets an equal share of the time left, so
 * the sums of a partial walk are all lower bounds of about equal effort.
 * 0, or -1 with errno when ROOT itself cannot be opened. */
int du_walk(const char *root, double deadline, struct du_result *out);
/* Biggest first, by bytes or by inodes; ties by name. */
void du_sort(struct du_result *r, bool by_inodes);
void du_result_free(struct du_result *r);

#endif
