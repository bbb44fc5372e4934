/* The mount table (/proc/self/mountinfo) and the space on each filesystem.
 * The table is read once with read(2) and parsed in place: every string of
 * every mount points into one buffer, so a host with thousands of mounts
 * costs two allocations. */
#ifndef MAMORI_MOUNTS_H
#define MAMORI_MOUNTS_H
#include <stdbool.h>
#include <stddef.h>

struct mount {
	const char *dir;      /* mount point, \040-style escapes decoded */
	const char *root;     /* what of the filesystem is mounted: "/" or a bind's subtree */
	const char *type;     /* "ext4", "fuse.sshfs", ... */
	const char *source;   /* "/dev/vda1", "server:/export", "none" when absent */
	unsigned long id, parent;
	unsigned major, minor;
	size_t dirlen;
	bool shadowed;        /* covered by a later mount: statvfs would not reach it */
};

struct mount_list {
	struct mount *v;
	size_t n, cap;
	size_t bad;           /* lines skipped because a field was missing or malformed */
	char *text;           /* the buffer the strings point into */
};

/* Parses mountinfo text (a copy is kept; the caller's buffer is not touched).
 * Malformed lines are skipped and counted, never fatal. */
void mounts_parse(const char *text, size_t len, struct mount_list *out);
/* Reads and parses a mountinfo file; 0, or -1 with errno set. */
int mounts_load(const char *path, struct mount_list *out);
void mounts_free(struct mount_list *l);

/* Sets .shadowed on mounts that a later mount hides: the same mount point
 * mounted again, or a later mount on one of its parent directories. */
void mounts_mark_shadowed(struct mount_list *l);

/* Index of the visible mount that holds PATH, or -1 (errno: ENOENT when
 * the path does not exist, ENODEV for a block device that is not mounted).
 * PATH may be a mount point, a mount's source ("/dev/vda1"), a block
 * device node (matched by major:minor) or any path below a mount point.
 * exact: only a mount point or source spelled exactly as given. */
long mounts_find(const struct mount_list *l, const char *path, bool exact);

/* Of two mounts of the same device, the one to show: the whole filesystem
 * (root "/") over a bind of a subtree, then the shorter mount point. */
bool mount_preferred(const struct mount *a, const struct mount *b);

/* Kernel-internal filesystems with no disk space to watch, and read-only
 * images (squashfs, iso9660) that are always 100% full. */
bool fs_type_is_pseudo(const char *type);
/* NFS, CIFS, sshfs, ceph ...: by type, or by a "host:/path" or "//host/share" source. */
bool mount_is_remote(const struct mount *m);

struct fs_usage {
	unsigned long long total;   /* bytes: f_blocks */
	unsigned long long used;    /* bytes: f_blocks - f_bfree */
	unsigned long long avail;   /* bytes free to use: f_bavail (f_bfree with root_free) */
	unsigned long long files;   /* inodes: f_files; 0 = the filesystem has no inode count */
	unsigned long long iused;   /* f_files - f_ffree */
	unsigned long long iavail;  /* f_favail (f_ffree with root_free) */
};

/* statvfs(dir). root_free counts the blocks reserved for root as free.
 * 0, or -1 with errno set. */
int fs_usage_read(const char *dir, bool root_free, struct fs_usage *u);
/* Percent free as the complement of df's Use%: 100 - ceil(used * 100 /
 * (used + avail)), a whole number as monitoring-plugins 2.3 judges it;
 * 100 for a filesystem of size 0. */
double fs_free_percent(const struct fs_usage *u);
/* Percent of inodes free likewise (iused, iavail); negative when there is no inode count. */
double fs_inode_free_percent(const struct fs_usage *u);

#endif
