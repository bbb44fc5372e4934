#include "linereader.h"

#include "spawn.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc.h"
#include "secret.h"
#include "timeout.h"
#include "deb822.h"

/* apt-helper, the decompressing child, runs with argv in its own process
 * group so the -t alarm can kill the whole tree. */

static void fail(struct reader *r, const char *why)
{
	if (!r->failed)
		snprintf(r->err, sizeof r->err, "%s", why);
	r->failed = true;
}

static void fail_errno(struct reader *r, const char *what)
{
	char m[128];
	snprintf(m, sizeof m, "%s: %s", what, strerror(errno));
	fail(r, m);
}

static const char *const compressors[] = { ".gz", ".xz", ".bz2", ".zst", ".lzma", ".lz4", NULL };

const char *reader_compression(const char *name)
{
	size_t n = strlen(name);
	for (int i = 0; compressors[i]; i++) {
		size_t k = strlen(compressors[i]);
		if (n > k && !strcmp(name + n - k, compressors[i]))
			return compressors[i];
	}
	return "";
}

static void text_reserve(struct reader *r, size_t extra);

bool reader_open(struct reader *r, const char *path)
{
	memset(r, 0, sizeof *r);
	r->fd = -1;
	text_reserve(r, CHUNK);
	const char *z = reader_compression(path);
	if (*z && strcmp(z, ".lz4")) {
		/* gzip, xz, bzip2, zstd: apt's own decompressors, not ours */
		char *argv[] = { (char *)"/usr/lib/apt/apt-helper", (char *)"cat-file", (char *)path, NULL };
		char why[128];
		struct stat st;
		int fd = file_open_regular(path, 0, &st, why, sizeof why);
		if (fd < 0) {
			fail(r, why);
			return false;
		}
		close(fd);
		if (access(argv[0], X_OK) < 0) {
			fail_errno(r, "cannot run /usr/lib/apt/apt-helper to decompress it");
			return false;
		}
		r->child = spawn_piped(argv, STDOUT_FILENO, -1, &r->fd);
		if (r->child < 0) {
			fail_errno(r, "cannot start apt-helper");
			return false;
		}
		return true;
	}
	r->lz4 = *z != '\0';
	/* a FIFO or a device given by mistake: refused at once, not waited on */
	char why[128];
	struct stat st;
	r->fd = file_open_regular(path, 0, &st, why, sizeof why);
	if (r->fd < 0) {
		fail(r, why);
		return false;
	}
	return true;
}

/* Close; false when a decompressing child failed (after a full read). */
bool reader_close(struct reader *r)
{
	if (r->fd >= 0)
		close(r->fd);
	if (r->child > 0) {
		int st = spawn_reap(r->child);
		if (!r->failed && r->eof && !(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0))
			fail(r, "apt-helper cat-file failed to decompress it");
	}
	free(r->in);
	free(r->win);
	free(r->text);
	r->in = r->win = NULL;
	r->text = NULL;
	return !r->failed;
}

static void text_reserve(struct reader *r, size_t extra)
{
	if (r->cap - r->len > extra)   /* always one byte spare for a NUL */
		return;
	size_t cap = r->cap ? r->cap : CHUNK;
	while (cap - r->len <= extra)
		cap *= 2;
	r->text = xrealloc(r->text, cap);
	r->cap = cap;
}

/* Make n raw bytes available at in + in_pos; false at the end of input. */
static bool raw_need(struct reader *r, size_t n)
{
	if (r->in_len - r->in_pos >= n)
		return true;
	if (r->in_pos) {
		memmove(r->in, r->in + r->in_pos, r->in_len - r->in_pos);
		r->in_len -= r->in_pos;
		r->in_pos = 0;
	}
	if (n + CHUNK > r->in_cap) {
		r->in_cap = n + CHUNK;
		r->in = xrealloc(r->in, r->in_cap);
	}
	while (r->in_len < n && !r->in_eof) {
		ssize_t k = read(r->fd, r->in + r->in_len, r->in_cap - r->in_len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			fail_errno(r, "read");
			return false;
		}
		if (k == 0)
			r->in_eof = true;
		r->in_len += (size_t)k;
	}
	return r->in_len >= n;
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* One LZ4 block (the LZ4 block format) appended at out[op], out holding
 * the history before it; the new length, or 0 when the block is corrupt. */
static size_t lz4_block(const unsigned char *ip, size_t n, unsigned char *out, size_t op, size_t oend)
{
	const unsigned char *iend = ip + n;
	for (;;) {
		if (ip >= iend)
			return 0;
		unsigned token = *ip++;
		size_t lit = token >> 4;
		if (lit == 15) {
			unsigned b;
			do {
				if (ip >= iend)
					return 0;
				b = *ip++;
				lit += b;
			} while (b == 255);
		}
		if (lit > (size_t)(iend - ip) || lit > oend - op)
			return 0;
		memcpy(out + op, ip, lit);
		ip += lit;
		op += lit;
		if (ip == iend)
			return op;   /* the last sequence is literals only */
		if (iend - ip < 2)
			return 0;
		size_t off = (size_t)ip[0] | (size_t)ip[1] << 8;
		ip += 2;
		if (off == 0 || off > op)
			return 0;
		size_t ml = token & 15;
		if (ml == 15) {
			unsigned b;
			do {
				if (ip >= iend)
					return 0;
				b = *ip++;
				ml += b;
			} while (b == 255);
		}
		ml += 4;
		if (ml > oend - op)
			return 0;
		if (off >= ml) {
			memcpy(out + op, out + op - off, ml);
		} else {
			for (size_t i = 0; i < ml; i++)   /* overlapping: repeats a pattern */
				out[op + i] = out[op - off + i];
		}
		op += ml;
	}
}

/* One step of the LZ4 frame format: a frame header, a block or an end
 * mark. 1 on progress, 0 at the clean end, -1 on error. */
static int lz4_step(struct reader *r)
{
	if (!r->in_frame) {
		if (!raw_need(r, 4)) {
			if (r->failed)
				return -1;
			if (r->in_len == r->in_pos)
				return 0;
			fail(r, "truncated lz4 frame");
			return -1;
		}
		uint32_t magic = le32(r->in + r->in_pos);
		if ((magic & 0xfffffff0u) == 0x184d2a50u) {   /* skippable frame */
			if (!raw_need(r, 8))
				goto truncated;
			size_t skip = le32(r->in + r->in_pos + 4);
			r->in_pos += 8;
			while (skip) {
				size_t k = skip < CHUNK ? skip : CHUNK;
				if (!raw_need(r, k))
					goto truncated;
				r->in_pos += k;
				skip -= k;
			}
			return 1;
		}
		if (magic != 0x184d2204u) {
			fail(r, "not an lz4 frame");
			return -1;
		}
		if (!raw_need(r, 7))
			goto truncated;
		unsigned flg = r->in[r->in_pos + 4], bd = r->in[r->in_pos + 5];
		if (flg >> 6 != 1 || (flg & 2) || (bd & 0x8f) || (bd >> 4) < 4) {
			fail(r, "unsupported lz4 frame header");
			return -1;
		}
		if (flg & 1) {
			fail(r, "lz4 frame with a dictionary");
			return -1;
		}
		size_t hlen = 7 + ((flg & 8) ? 8 : 0);
		if (!raw_need(r, hlen))
			goto truncated;
		r->in_pos += hlen;   /* the header checksum is not verified */
		r->bsum = flg & 16;
		r->csum = flg & 4;
		r->blockmax = (size_t)1 << (8 + 2 * (bd >> 4));   /* 64 KiB .. 4 MiB */
		if (r->win_cap < LZ4_WINDOW + r->blockmax) {
			r->win_cap = LZ4_WINDOW + r->blockmax;
			r->win = xrealloc(r->win, r->win_cap);
		}
		r->win_len = 0;   /* no history across frames */
		r->in_frame = true;
		return 1;
	}
	if (!raw_need(r, 4))
		goto truncated;
	uint32_t bsize = le32(r->in + r->in_pos);
	r->in_pos += 4;
	if (bsize == 0) {   /* end mark */
		if (r->csum) {
			if (!raw_need(r, 4))
				goto truncated;
			r->in_pos += 4;
		}
		r->in_frame = false;
		return 1;
	}
	bool stored = bsize & 0x80000000u;
	bsize &= 0x7fffffffu;
	if (bsize > r->blockmax) {
		fail(r, "lz4 block larger than its frame allows");
		return -1;
	}
	size_t need = bsize + (r->bsum ? 4 : 0);
	if (!raw_need(r, need))
		goto truncated;
	if (r->win_len > LZ4_WINDOW) {   /* keep only the history a match may use */
		memmove(r->win, r->win + r->win_len - LZ4_WINDOW, LZ4_WINDOW);
		r->win_len = LZ4_WINDOW;
	}
	size_t end;
	if (stored) {
		memcpy(r->win + r->win_len, r->in + r->in_pos, bsize);
		end = r->win_len + bsize;
	} else {
		end = lz4_block(r->in + r->in_pos, bsize, r->win, r->win_len, r->win_len + r->blockmax);
		if (end == 0) {
			fail(r, "corrupt lz4 block");
			return -1;
		}
	}
	r->in_pos += need;
	size_t produced = end - r->win_len;
	text_reserve(r, produced);
	memcpy(r->text + r->len, r->win + r->win_len, produced);
	r->len += produced;
	r->win_len = end;
	return 1;
truncated:
	if (!r->failed)
		fail(r, "truncated lz4 frame");
	return -1;
}

/* More text; false at the end (r->eof) or on error (r->failed). */
static bool fill(struct reader *r)
{
	if (r->lz4) {
		size_t before = r->len;
		while (r->len == before) {
			int k = lz4_step(r);
			if (k < 0)
				return false;
			if (k == 0) {
				r->eof = true;
				return false;
			}
		}
		return true;
	}
	text_reserve(r, CHUNK);
	for (;;) {
		ssize_t k = read(r->fd, r->text + r->len, r->cap - r->len - 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			fail_errno(r, "read");
			return false;
		}
		if (k == 0) {
			r->eof = true;
			return false;
		}
		r->len += (size_t)k;
		return true;
	}
}

/* The next line, NUL-terminated in place, without its newline; NULL at
 * the end or on error. *n is its length (a NUL inside shows as n > strlen). */
char *reader_line(struct reader *r, size_t *n)
{
	for (;;) {
		char *s = r->text + r->pos;
		size_t avail = r->len - r->pos;
		char *nl = avail ? memchr(s, '\n', avail) : NULL;
		if (nl) {
			*nl = '\0';
			*n = (size_t)(nl - s);
			r->pos += *n + 1;
			r->lineno++;
			return s;
		}
		if (r->failed)
			return NULL;
		if (r->eof) {
			if (!avail)
				return NULL;
			s[avail] = '\0';   /* text_reserve kept a byte for it */
			*n = avail;
			r->pos = r->len;
			r->lineno++;
			return s;
		}
		if (r->pos) {
			memmove(r->text, s, avail);
			r->len = avail;
			r->pos = 0;
		}
		if (r->len > LINE_LIMIT) {
			fail(r, "line too long");
			return NULL;
		}
		fill(r);
	}
}
