/* A line reader over a plain file, an LZ4 frame (what apt keeps with
 * Acquire::GzipIndexes, Docker's default) or a pipe from apt-helper for the
 * other compressions, streaming: Debian's main list is 50 MB unpacked and
 * need never be in memory at once. */
#ifndef MAMORI_LINEREADER_H
#define MAMORI_LINEREADER_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum {
	CHUNK = 65536,
	LZ4_WINDOW = 65536,              /* the farthest a match may reach back */
	LINE_LIMIT = 16 * 1024 * 1024,   /* a longer line is not a list */
};

struct reader {
	int fd;
	pid_t child;
	bool lz4, eof, failed;
	/* LZ4: raw input, frame state, decoded history */
	unsigned char *in;
	size_t in_pos, in_len, in_cap;
	bool in_eof, in_frame, bsum, csum;
	size_t blockmax;
	unsigned char *win;
	size_t win_len, win_cap;
	/* decoded text; lines are cut from it in place */
	char *text;
	size_t pos, len, cap;
	size_t lineno;
	char err[128];
};

/* The compression suffix of a list name (".gz", ".lz4" ...), "" for none. */
const char *reader_compression(const char *name);
/* Open path (decompressing by its suffix); false with the reason in r->err
 * (reader_close must still be called). */
bool reader_open(struct reader *r, const char *path);
/* The next line, NUL-terminated in place, without its newline; NULL at the
 * end or on error (r->failed, reason in r->err). */
char *reader_line(struct reader *r, size_t *n);
/* Close; false when a decompressing child failed (after a full read). */
bool reader_close(struct reader *r);

#endif
