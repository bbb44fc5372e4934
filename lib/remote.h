/* Commands on a target host over SSH (libssh2): the recover handlers run
 * their remedies through this. The host key must already be in known_hosts
 * (never trust on first use), login is by key only, every remote word is
 * quoted so the remote shell interprets nothing, and every step is bounded
 * by a deadline. */
#ifndef MAMORI_REMOTE_H
#define MAMORI_REMOTE_H

#include "buf.h"

struct remote_opts {
	const char *host;          /* name or address */
	unsigned port;             /* 0 = 22 */
	const char *user;
	const char *key_file;      /* private key (public = key_file.pub when present) */
	const char *passphrase_file; /* NULL: unencrypted key; else a 0600 file (lib/secret) */
	const char *known_hosts;   /* OpenSSH known_hosts; NULL = ~/.ssh/known_hosts */
	double timeout;            /* seconds for connect + handshake + auth */
};

enum remote_error {
	REMOTE_OK,
	REMOTE_CONNECT,            /* resolve or TCP connect failed */
	REMOTE_TIMEOUT,            /* a step did not finish in time */
	REMOTE_HOSTKEY_UNKNOWN,    /* no key for this host (and port) in known_hosts */
	REMOTE_HOSTKEY_CHANGED,    /* known_hosts holds another key for it */
	REMOTE_AUTH,               /* the key was refused (or unreadable) */
	REMOTE_PROTOCOL,           /* SSH-level failure (handshake, channel, ...) */
};

struct remote;

/* Connect, verify the host key against known_hosts (unknown or changed key →
 * refuse: never trust on first use), authenticate with the key. NULL on
 * failure with *why set and a one-line reason in err.
 * known_hosts: plain and hashed (ssh-keygen -H) names, "[host]:port" for
 * ports other than 22, @revoked honoured; @cert-authority and lines this
 * libssh2 cannot parse are skipped (the reason counts them). The host key
 * algorithms of the keys known for the host are asked for first, as OpenSSH
 * does. Keys: ed25519 and ECDSA work against OpenSSH 8.8+; RSA only where
 * the server still accepts ssh-rsa (SHA-1) signatures, since libssh2 1.10
 * signs RSA with nothing else; likewise an RSA host key can be checked only
 * if the server offers the ssh-rsa host key algorithm. timeout <= 0: 10 s.
 * Both timeouts end a little before a -t alarm (lib/timeout) would. */
struct remote *remote_open(const struct remote_opts *o, enum remote_error *why, struct buf *err);

/* Output kept per stream by remote_exec; the rest is counted and dropped. */
#define REMOTE_OUTPUT_MAX (1024 * 1024)

/* Run argv on the remote host: each word is quoted for the remote POSIX shell
 * (single quotes, ' as '\'') so no value is ever interpreted there. Waits at
 * most timeout seconds (<= 0: 60); stdout and stderr appended to out and
 * errout (either may be NULL; each capped at REMOTE_OUTPUT_MAX per command,
 * the rest counted and dropped); *exit_status = the remote exit status
 * (128 + N when signal N ended it, as a shell reports it), or -1 with a
 * reason in err (timeout: the connection is dropped, since an SSH server
 * answers a channel close only once the command ends; the command may keep
 * running there and later calls on r fail). The command's stdin is empty.
 * Needs a POSIX login shell for the user on the target (sh, bash, dash, ksh,
 * zsh; not csh or fish). Returns 0, or -1 when *exit_status is -1. */
int remote_exec(struct remote *r, const char *const argv[], double timeout,
		struct buf *out, struct buf *errout, int *exit_status, struct buf *err);

/* After remote_exec: bytes dropped beyond REMOTE_OUTPUT_MAX (stdout, stderr),
 * the signal name that ended the command ("" when it exited), and whether
 * the last remote_exec timed out. */
size_t remote_dropped_stdout(const struct remote *r);
size_t remote_dropped_stderr(const struct remote *r);
const char *remote_exit_signal(const struct remote *r);
int remote_timed_out(const struct remote *r);

/* The quoting remote_exec uses, for --dry-run output (appended to cmd). */
void remote_quote_argv(struct buf *cmd, const char *const argv[]);

/* "connect", "timeout", "hostkey-unknown", ... for messages and tests. */
const char *remote_error_name(enum remote_error e);

void remote_close(struct remote *r);

#endif
