/* Secrets (passwords, tokens) from a file or the environment: argv is
 * visible to every user in ps, so a secret must never need to be there. */
#ifndef MAMORI_SECRET_H
#define MAMORI_SECRET_H
#include <stddef.h>

/* Read the first line of FILE into out. The file must be a regular file
 * owned by the caller or root and not readable or writable by group or
 * others (mode 0600 or stricter). NULL on success, else a reason. */
const char *secret_read_file(const char *path, char *out, size_t size);
/* The value of environment variable NAME when set and not empty. */
const char *secret_from_env(const char *name);

#endif
