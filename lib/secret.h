/* Secrets (passwords, tokens) from a file or the environment: argv is
 * visible to every user in ps, so a secret must never need to be there.
 * Also the one safe way to open a file a program is told to read (a
 * secret, a config, a template, a certificate): a FIFO with no writer, a
 * device or a directory is refused at once, never waited on or read
 * forever. */
#ifndef MAMORI_SECRET_H
#define MAMORI_SECRET_H
#include <stddef.h>
#include <sys/stat.h>

#include "buf.h"

/* Read the first line of FILE into out. The file must be a regular file
 * owned by the caller or root and not readable or writable by group or
 * others (mode 0600 or stricter). NULL on success, else a reason that
 * names the file. */
const char *secret_read_file(const char *path, char *out, size_t size);
/* The value of environment variable NAME when set and not empty. */
const char *secret_from_env(const char *name);

/* Open path read-only without blocking (O_NONBLOCK, cleared once open)
 * and require a regular file; extra_flags adds e.g. O_NOFOLLOW. The fd
 * (close-on-exec, blocking) with *st filled, or -1 with the reason in why
 * ("not a regular file: a FIFO", strerror), without the path; errno
 * is set (ENOENT, EACCES ..., EISDIR or EINVAL for another kind). */
int file_open_regular(const char *path, int extra_flags, struct stat *st, char *why, size_t size);
/* The whole of a regular file of at most max bytes into out (reset first,
 * NUL-terminated by buf). NULL, else "PATH: reason". */
const char *file_read_all(const char *path, size_t max, struct buf *out);
/* A PEM file that a TLS library is about to load (CA bundle, client
 * certificate or key): a regular file the real user may read, not empty,
 * at most 4 MiB, a "-----BEGIN " line in its first 64 kB and no NUL there.
 * NULL, else the reason (without the path). */
const char *file_check_pem(const char *path);

#endif
