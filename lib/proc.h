/* Readers of the small /proc files the host checks need. Each file is read
 * with one open+read into a caller's buffer: no stdio, no allocation. */
#ifndef MAMORI_PROC_H
#define MAMORI_PROC_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Read a whole small file; NUL-terminated; returns its length or -1 (errno). */
ssize_t read_text_file(const char *path, char *buf, size_t size);

struct buf;
/* A whole file of any size into b (reset first, NUL-terminated), path
 * relative to dirfd (AT_FDCWD for none). At most limit bytes: past it the
 * text is cut when truncate, else it fails with EFBIG, so /dev/zero or a
 * hostile file cannot make a check allocate without bound. 0 or -1 (errno). */
int read_file_buf(int dirfd, const char *path, struct buf *b, size_t limit, bool truncate);
/* The same from an open descriptor (left open). */
int read_fd_buf(int fd, struct buf *b, size_t limit, bool truncate);

struct loadavg {
	double load[3];          /* 1, 5, 15 minutes */
	long running, total;     /* runnable / all scheduling entities */
};
/* 0 or -1 with errno; a malformed file gives -1 and errno EINVAL. */
int proc_loadavg(const char *root, struct loadavg *out);
/* Parse the text of /proc/loadavg (exposed for tests). */
int parse_loadavg(const char *text, struct loadavg *out);

struct meminfo {
	/* bytes */
	unsigned long long total, free, available, buffers, cached, sreclaimable,
		shmem, swap_total, swap_free, swap_cached;
	bool has_available;      /* MemAvailable exists (Linux >= 3.14) */
};
/* The largest value read, in kB (2^50: an exbibyte). */
#define MEMINFO_KB_MAX (1ULL << 50)
int proc_meminfo(const char *root, struct meminfo *out);
int parse_meminfo(const char *text, struct meminfo *out);

/* The "cpu" line of /proc/stat, in clock ticks. */
enum cpu_field {
	CPU_USER, CPU_NICE, CPU_SYSTEM, CPU_IDLE, CPU_IOWAIT, CPU_IRQ,
	CPU_SOFTIRQ, CPU_STEAL, CPU_GUEST, CPU_GUEST_NICE, CPU_FIELDS
};
struct cpustat {
	unsigned long long t[CPU_FIELDS];
	int ncpu;                /* "cpuN" lines */
};
int proc_cpustat(const char *root, struct cpustat *out);
int parse_cpustat(const char *text, struct cpustat *out);

/* Percent of the time between two readings, as check_cpu reports it;
 * each in 0..100. false when no time passed (no counter moved forward). */
struct cpu_usage {
	double user, system, iowait, steal, idle, busy;
};
bool cpu_usage(const struct cpustat *a, const struct cpustat *b, struct cpu_usage *u);

/* One line of /proc/swaps after its header: "name type size used prio",
 * sizes in kB. false for the header or anything malformed. The name keeps
 * the kernel's \ooo escapes; a control character in it becomes '?'. */
struct swap_area {
	char name[1024], type[64];
	unsigned long long size_kb, used_kb;  /* used <= size */
};
bool parse_swap_line(const char *line, size_t len, struct swap_area *out);

/* Online CPUs, at least 1. */
int cpu_count(void);

/* The /proc root: "/proc" unless MAMORI_PROC_ROOT names another (tests use
 * it to feed recorded files; it is ignored for set-id programs). */
const char *proc_root(void);

#endif
