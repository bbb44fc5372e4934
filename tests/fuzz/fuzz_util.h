/* Small helpers the harnesses share (static: each harness is one program). */
#ifndef MAMORI_FUZZ_UTIL_H
#define MAMORI_FUZZ_UTIL_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* A harness's own checks of a result (its oracle) are not what is being
 * explored: left uninstrumented they neither pull the fuzzer towards
 * their branches nor pay a coverage callback per byte compared, which
 * was most of the time of harnesses that check whole reports. */
#define FUZZ_ORACLE __attribute__((no_sanitize("coverage")))

/* The input as a C string, as the readers hand their text on: two NULs
 * after it, so a harness that splits the input at its first NUL has a
 * second string even when the input ends there. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 2);
	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = s[size + 1] = '\0';
	return s;
}

/* The input in a memfd, for readers that open a path: the path names
 * the fd (/proc/self/fd/N, valid until the caller closes *fd). */
static inline const char *fuzz_memfd_path(int *fd, const uint8_t *data, size_t size)
{
	static char path[64];
	*fd = memfd_create("fuzz", MFD_CLOEXEC);
	if (*fd < 0 || (size && write(*fd, data, size) != (ssize_t)size))
		abort();
	snprintf(path, sizeof path, "/proc/self/fd/%d", *fd);
	return path;
}

/* The input in a buffer of exactly its size (no NUL after the end: ASan
 * catches a parser that reads past it). */
static inline char *fuzz_bytes(const uint8_t *data, size_t size)
{
	char *s = malloc(size ? size : 1);
	if (!s)
		abort();
	memcpy(s, data, size);
	return s;
}

#ifdef MAMORI_MAILQ_H
/* A --top tally: at most max_keys keys, each 1..MQ_KEY_MAX bytes without a
 * control character, counted at least once and at most once per message. */
static inline void fuzz_check_tally(const struct mq_tally *t, unsigned long msgs, size_t max_keys)
{
	if (t->n > max_keys)
		abort();
	for (size_t i = 0; i < t->cap; i++) {
		const char *k = t->tab[i].key;
		if (!k)
			continue;
		size_t n = strlen(k);
		if (n == 0 || n > MQ_KEY_MAX || t->tab[i].n == 0 || t->tab[i].n > msgs)
			abort();
		for (size_t j = 0; j < n; j++)
			if ((unsigned char)k[j] < 0x20 || k[j] == 0x7f)
				abort();
	}
}
#endif
#endif
