/* SSH client steps over libssh2 in non-blocking mode: every wait is a poll
 * on the socket bounded by one deadline (the waitsocket pattern), so no
 * step can hang past the caller's timeout. */
#include "remote.h"

#include <errno.h>
#include <libssh2.h>
#include <poll.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base64.h"
#include "net.h"
#include "secret.h"
#include "timeout.h"

struct remote {
	struct conn conn;          /* the TCP connection (lib/net) */
	LIBSSH2_SESSION *s;
	double deadline;           /* of the step in progress (monotonic) */
	int broken;                /* socket shut after a timeout: unusable */
	char target[300];          /* "host" or "[host]:port", for messages */
	char signal[32];           /* exit signal of the last command */
	size_t kept_out, kept_err;   /* bytes of the last command's output kept */
	size_t dropped_out, dropped_err;
	int timed_out;
};

/* libssh2_init is process-wide and must run once. */
static int lib_ready(void)
{
	static int state;   /* 0 not tried, 1 ready, -1 failed */
	if (state == 0)
		state = libssh2_init(0) == 0 ? 1 : -1;
	return state == 1;
}

static void say(struct buf *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct buf *err, const char *fmt, ...)
{
	if (!err)
		return;
	va_list ap;
	va_start(ap, fmt);
	buf_reset(err);
	buf_vprintf(err, fmt, ap);
	va_end(ap);
}

static const char *last_error(LIBSSH2_SESSION *s)
{
	char *msg = NULL;
	libssh2_session_last_error(s, &msg, NULL, 0);
	return msg && *msg ? msg : "unknown error";
}

/* A deadline SECONDS from now, a little before the -t alarm when one runs. */
static double deadline_in(double seconds)
{
	double left = timeout_remaining() - 0.05;
	if (seconds > left)
		seconds = left;
	if (seconds < 0.01)
		seconds = 0.01;
	return monotonic_now() + seconds;
}

/* Wait until the socket is ready in the direction libssh2 is blocked on.
 * 0, or -1 when the deadline passed (or poll failed). */
static int wait_socket(struct remote *r)
{
	for (;;) {
		double left = r->deadline - monotonic_now();
		if (left <= 0)
			return -1;
		int dir = libssh2_session_block_directions(r->s);
		short ev = 0;
		if (dir & LIBSSH2_SESSION_BLOCK_INBOUND)
			ev |= POLLIN;
		if (dir & LIBSSH2_SESSION_BLOCK_OUTBOUND)
			ev |= POLLOUT;
		if (!ev)
			ev = POLLIN;
		struct pollfd p = { .fd = r->conn.fd, .events = ev };
		int n = poll(&p, 1, left > 86400 ? 86400000 : (int)(left * 1000) + 1);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

/* libssh2 reads the server's banner a byte at a time and returns only when
 * the socket runs dry: a server streaming an endless line would keep one
 * call busy past any deadline. Reading through this, the socket "runs dry"
 * once the deadline has passed. */
static LIBSSH2_RECV_FUNC(recv_until_deadline)
{
	const struct remote *r = *abstract;
	if (monotonic_now() >= r->deadline)
		return -EAGAIN;
	ssize_t n = recv(socket, buffer, length, flags);
	return n < 0 ? -errno : n;
}

/* Repeat a libssh2 call while it would block; rc is EAGAIN after a timeout. */
#define RETRY(r, rc, call) \
	while (((rc) = (call)) == LIBSSH2_ERROR_EAGAIN && wait_socket(r) == 0)

const char *remote_error_name(enum remote_error e)
{
	static const char *const names[] = {
		[REMOTE_OK] = "ok", [REMOTE_CONNECT] = "connect", [REMOTE_TIMEOUT] = "timeout",
		[REMOTE_HOSTKEY_UNKNOWN] = "hostkey-unknown", [REMOTE_HOSTKEY_CHANGED] = "hostkey-changed",
		[REMOTE_AUTH] = "auth", [REMOTE_PROTOCOL] = "protocol",
	};
	return (unsigned)e < sizeof names / sizeof names[0] && names[e] ? names[e] : "?";
}

void remote_quote_argv(struct buf *cmd, const char *const argv[])
{
	for (size_t i = 0; argv[i]; i++) {
		if (i)
			buf_putc(cmd, ' ');
		buf_putc(cmd, '\'');
		for (const char *p = argv[i]; *p; p++) {
			if (*p == '\'')
				buf_puts(cmd, "'\\''");
			else
				buf_putc(cmd, *p);
		}
		buf_putc(cmd, '\'');
	}
	buf_cstr(cmd);
}

/* --- known_hosts ----------------------------------------------------------- */

/* The known_hosts key type for a session host key type. */
static int knownhost_type(int hostkey_type)
{
	switch (hostkey_type) {
	case LIBSSH2_HOSTKEY_TYPE_RSA: return LIBSSH2_KNOWNHOST_KEY_SSHRSA;
	case LIBSSH2_HOSTKEY_TYPE_DSS: return LIBSSH2_KNOWNHOST_KEY_SSHDSS;
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_256: return LIBSSH2_KNOWNHOST_KEY_ECDSA_256;
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_384: return LIBSSH2_KNOWNHOST_KEY_ECDSA_384;
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_521: return LIBSSH2_KNOWNHOST_KEY_ECDSA_521;
	case LIBSSH2_HOSTKEY_TYPE_ED25519: return LIBSSH2_KNOWNHOST_KEY_ED25519;
	default: return LIBSSH2_KNOWNHOST_KEY_UNKNOWN;
	}
}

/* Host key algorithms, and the known_hosts key type each one proves. */
static const struct { const char *alg; int type; } hostkey_algs[] = {
	{ "ssh-ed25519", LIBSSH2_KNOWNHOST_KEY_ED25519 },
	{ "ecdsa-sha2-nistp256", LIBSSH2_KNOWNHOST_KEY_ECDSA_256 },
	{ "ecdsa-sha2-nistp384", LIBSSH2_KNOWNHOST_KEY_ECDSA_384 },
	{ "ecdsa-sha2-nistp521", LIBSSH2_KNOWNHOST_KEY_ECDSA_521 },
	{ "rsa-sha2-512", LIBSSH2_KNOWNHOST_KEY_SSHRSA },
	{ "rsa-sha2-256", LIBSSH2_KNOWNHOST_KEY_SSHRSA },
	{ "ssh-rsa", LIBSSH2_KNOWNHOST_KEY_SSHRSA },
	{ "ssh-dss", LIBSSH2_KNOWNHOST_KEY_SSHDSS },
};
#define N_ALGS (sizeof hostkey_algs / sizeof hostkey_algs[0])

struct known {
	LIBSSH2_KNOWNHOSTS *hosts, *revoked;
	size_t skipped;            /* lines libssh2 cannot parse (certificates, new key types) */
	int missing;               /* the file does not exist */
};

/* Read known_hosts line by line: libssh2_knownhost_readfile stops at the
 * first line it cannot parse, which would hide every key after it. */
static const char *known_read(struct known *k, LIBSSH2_SESSION *s, const char *path)
{
	k->hosts = libssh2_knownhost_init(s);
	k->revoked = libssh2_knownhost_init(s);
	if (!k->hosts || !k->revoked)
		return "out of memory";
	FILE *f = fopen(path, "r");
	if (!f) {
		if (errno == ENOENT) {
			k->missing = 1;
			return NULL;
		}
		return strerror(errno);
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, f)) > 0) {
		char *p = line + strspn(line, " \t");
		if (*p == '#' || *p == '\n' || *p == '\0')
			continue;
		LIBSSH2_KNOWNHOSTS *into = k->hosts;
		if (strncmp(p, "@revoked", 8) == 0 && (p[8] == ' ' || p[8] == '\t')) {
			into = k->revoked;
			p += 8 + strspn(p + 8, " \t");
		} else if (*p == '@') {
			k->skipped++;   /* @cert-authority: no certificates here */
			continue;
		}
		if (libssh2_knownhost_readline(into, p, strlen(p), LIBSSH2_KNOWNHOST_FILE_OPENSSH) != 0)
			k->skipped++;
	}
	free(line);
	int bad = ferror(f);
	fclose(f);
	return bad ? "read error" : NULL;
}

static void known_free(struct known *k)
{
	if (k->hosts)
		libssh2_knownhost_free(k->hosts);
	if (k->revoked)
		libssh2_knownhost_free(k->revoked);
}

/* Offer first the host key algorithms known_hosts holds a key of for this
 * host, as OpenSSH does: else the server may prove a key type we cannot
 * check. A probe with a dummy key answers "mismatch" when the host has a
 * key of that type. The other algorithms follow, so an unknown host still
 * completes the handshake and is refused with a clear reason. */
static void prefer_known(LIBSSH2_SESSION *s, LIBSSH2_KNOWNHOSTS *hosts, const char *host, int port)
{
	struct buf pref = BUF_INIT;
	int known[N_ALGS] = { 0 };
	for (size_t i = 0; i < N_ALGS; i++) {
		int c = libssh2_knownhost_checkp(hosts, host, port, "-", 1,
		                                  LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | hostkey_algs[i].type,
		                                  NULL);
		known[i] = c == LIBSSH2_KNOWNHOST_CHECK_MISMATCH;
	}
	/* only names this build supports: libssh2 1.10 drops the others with
	 * an overlapping memcpy (undefined behaviour) */
	const char **algs = NULL;
	int n = libssh2_session_supported_algs(s, LIBSSH2_METHOD_HOSTKEY, &algs);
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < N_ALGS; i++) {
			int supported = 0;
			for (int j = 0; j < n; j++)
				supported |= strcmp(algs[j], hostkey_algs[i].alg) == 0;
			if (supported && known[i] == !pass) {
				if (pref.len)
					buf_putc(&pref, ',');
				buf_puts(&pref, hostkey_algs[i].alg);
			}
		}
	if (n > 0)
		libssh2_free(s, algs);
	if (pref.len)
		libssh2_session_method_pref(s, LIBSSH2_METHOD_HOSTKEY, buf_cstr(&pref));
	buf_free(&pref);
}

/* "ssh-ed25519 SHA256:..." as ssh-keygen -l prints it. */
static void key_fingerprint(LIBSSH2_SESSION *s, int type, char *out, size_t size)
{
	static const char *const names[] = {
		[LIBSSH2_HOSTKEY_TYPE_RSA] = "ssh-rsa", [LIBSSH2_HOSTKEY_TYPE_DSS] = "ssh-dss",
		[LIBSSH2_HOSTKEY_TYPE_ECDSA_256] = "ecdsa-sha2-nistp256",
		[LIBSSH2_HOSTKEY_TYPE_ECDSA_384] = "ecdsa-sha2-nistp384",
		[LIBSSH2_HOSTKEY_TYPE_ECDSA_521] = "ecdsa-sha2-nistp521",
		[LIBSSH2_HOSTKEY_TYPE_ED25519] = "ssh-ed25519",
	};
	const char *name = type > 0 && (size_t)type < sizeof names / sizeof names[0] && names[type]
	                   ? names[type] : "key";
	const char *hash = libssh2_hostkey_hash(s, LIBSSH2_HOSTKEY_HASH_SHA256);
	char b64[48] = "?";
	if (hash) {
		base64_encode(hash, 32, b64);
		b64[strcspn(b64, "=")] = '\0';   /* OpenSSH prints it without padding */
	}
	snprintf(out, size, "%s SHA256:%s", name, b64);
}

/* Check the server's key; REMOTE_OK or why not, with the reason in err. */
static enum remote_error check_hostkey(struct remote *r, struct known *k, const char *host, int port,
                                       const char *path, struct buf *err)
{
	size_t len = 0;
	int type = 0;
	const char *key = libssh2_session_hostkey(r->s, &len, &type);
	if (!key) {
		say(err, "%s: no host key from the server", r->target);
		return REMOTE_PROTOCOL;
	}
	char fp[128];
	key_fingerprint(r->s, type, fp, sizeof fp);
	int mask = LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | knownhost_type(type);
	if (libssh2_knownhost_checkp(k->revoked, host, port, key, len, mask, NULL) == LIBSSH2_KNOWNHOST_CHECK_MATCH) {
		say(err, "%s: host key %s is marked @revoked in %s", r->target, fp, path);
		return REMOTE_HOSTKEY_CHANGED;
	}
	int c = libssh2_knownhost_checkp(k->hosts, host, port, key, len, mask, NULL);
	if (c == LIBSSH2_KNOWNHOST_CHECK_MATCH)
		return REMOTE_OK;
	if (c == LIBSSH2_KNOWNHOST_CHECK_MISMATCH) {
		say(err, "%s: host key %s does not match the one in %s (changed key or man in the middle): refused",
		    r->target, fp, path);
		return REMOTE_HOSTKEY_CHANGED;
	}
	char skipped[64] = "";
	if (k->skipped)
		snprintf(skipped, sizeof skipped, ", %zu line(s) of it not understood", k->skipped);
	say(err, "%s: host key %s is not in %s%s%s: refused (check it, then add it with ssh-keyscan)",
	    r->target, fp, path, k->missing ? " (no such file)" : "", skipped);
	return REMOTE_HOSTKEY_UNKNOWN;
}

static const char *default_known_hosts(char *out, size_t size)
{
	const char *home = getenv("HOME");
	if (!home || !*home) {
		struct passwd *pw = getpwuid(getuid());
		home = pw ? pw->pw_dir : "/";
	}
	snprintf(out, size, "%s/.ssh/known_hosts", home);
	return out;
}

/* --- session ----------------------------------------------------------------- */

/* Whether KEY is an RSA key, from its .pub or a PEM header: for the hint
 * when the server refuses it. */
static int key_is_rsa(const char *key, const char *pub)
{
	char line[64] = "";
	FILE *f = fopen(pub, "r");
	int rsa = 0;
	if (f) {
		rsa = fgets(line, sizeof line, f) && strncmp(line, "ssh-rsa ", 8) == 0;
		fclose(f);
	} else if ((f = fopen(key, "r"))) {
		rsa = fgets(line, sizeof line, f) && strstr(line, "BEGIN RSA PRIVATE KEY");
		fclose(f);
	}
	return rsa;
}

static enum remote_error authenticate(struct remote *r, const struct remote_opts *o, struct buf *err)
{
	char pass[1024] = "";
	if (o->passphrase_file) {
		const char *why = secret_read_file(o->passphrase_file, pass, sizeof pass);
		if (why) {
			say(err, "passphrase file %s: %s", o->passphrase_file, why);
			return REMOTE_AUTH;
		}
	}
	size_t n = strlen(o->key_file);
	char *pub = xmalloc(n + 5);
	memcpy(pub, o->key_file, n);
	memcpy(pub + n, ".pub", 5);
	int rc;
	/* no .pub beside the key: libssh2 derives the public key from the private one */
	const char *pubkey = access(pub, R_OK) == 0 ? pub : NULL;
	RETRY(r, rc, libssh2_userauth_publickey_fromfile_ex(r->s, o->user, (unsigned)strlen(o->user), pubkey,
	                                                    o->key_file, o->passphrase_file ? pass : NULL));
	explicit_bzero(pass, sizeof pass);
	int rsa = rc == LIBSSH2_ERROR_AUTHENTICATION_FAILED && key_is_rsa(o->key_file, pub);
	free(pub);
	if (rc == 0)
		return REMOTE_OK;
	if (rc == LIBSSH2_ERROR_EAGAIN) {
		say(err, "%s: no answer to the login within the timeout", r->target);
		return REMOTE_TIMEOUT;
	}
	if (rc == LIBSSH2_ERROR_FILE) {
		say(err, "cannot use key %s: %s%s", o->key_file, last_error(r->s),
		    o->passphrase_file ? " (wrong passphrase?)" : " (encrypted? give a passphrase file)");
		return REMOTE_AUTH;
	}
	if (rc == LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED) {
		/* the server knows the public key, but signing with the private one failed */
		say(err, "cannot sign with key %s: %s", o->key_file,
		    o->passphrase_file ? "wrong passphrase or unreadable key" : "encrypted? give a passphrase file");
		return REMOTE_AUTH;
	}
	if (rc == LIBSSH2_ERROR_AUTHENTICATION_FAILED) {
		say(err, "%s: key %s refused for user %s%s", r->target, o->key_file, o->user,
		    LIBSSH2_VERSION_NUM < 0x010b00 && rsa
		    ? " (libssh2 before 1.11 signs RSA with SHA-1, which OpenSSH 8.8 and later refuse: use an ed25519 key)"
		    : "");
		return REMOTE_AUTH;
	}
	say(err, "%s: login failed: %s", r->target, last_error(r->s));
	return REMOTE_PROTOCOL;
}

static enum remote_error open_steps(struct remote *r, const struct remote_opts *o, struct buf *err)
{
	unsigned port = o->port ? o->port : 22;
	if (!o->host || !*o->host || !o->user || !*o->user || !o->key_file || !*o->key_file) {
		say(err, "remote: host, user and key file are required");
		return REMOTE_CONNECT;
	}
	if (access(o->key_file, R_OK) != 0) {
		say(err, "cannot read key %s: %s", o->key_file, strerror(errno));
		return REMOTE_AUTH;
	}
	if (!lib_ready()) {
		say(err, "libssh2_init failed");
		return REMOTE_PROTOCOL;
	}
	/* OpenSSH names a host on another port "[host]:port" */
	if (port == 22)
		snprintf(r->target, sizeof r->target, "%s", o->host);
	else
		snprintf(r->target, sizeof r->target, "[%s]:%u", o->host, port);

	r->s = libssh2_session_init_ex(NULL, NULL, NULL, r);
	if (!r->s) {
		say(err, "libssh2_session_init failed");
		return REMOTE_PROTOCOL;
	}
	/* callback_set takes a void *: copied, since C has no cast from a
	 * function pointer to it */
	LIBSSH2_RECV_FUNC((*recv_fn)) = recv_until_deadline;
	void *cb;
	memcpy(&cb, &recv_fn, sizeof cb);
	libssh2_session_callback_set(r->s, LIBSSH2_CALLBACK_RECV, cb);
	char defpath[4096];
	const char *path = o->known_hosts ? o->known_hosts : default_known_hosts(defpath, sizeof defpath);
	struct known k = { 0 };
	const char *why = known_read(&k, r->s, path);
	if (why) {
		say(err, "cannot read known_hosts %s: %s", path, why);
		known_free(&k);
		return REMOTE_HOSTKEY_UNKNOWN;
	}
	/* checkp looks up "[host]:port" for port != 22, plain "host" for 22 */
	int kport = port == 22 ? -1 : (int)port;
	prefer_known(r->s, k.hosts, o->host, kport);

	conn_init(&r->conn, o->timeout > 0 ? o->timeout : 10);
	r->deadline = r->conn.deadline;
	enum net_result nr = net_connect(&r->conn, o->host, port, AF_UNSPEC);
	if (nr != NET_OK) {
		say(err, "%s: %s", r->target, r->conn.detail);
		known_free(&k);
		return nr == NET_CONNECT_TIMEOUT || nr == NET_TIMEOUT ? REMOTE_TIMEOUT : REMOTE_CONNECT;
	}
	libssh2_session_set_blocking(r->s, 0);
	int rc;
	RETRY(r, rc, libssh2_session_handshake(r->s, r->conn.fd));
	if (rc != 0) {
		if (rc == LIBSSH2_ERROR_EAGAIN)
			say(err, "%s: no SSH handshake within the timeout", r->target);
		else
			say(err, "%s: SSH handshake failed: %s", r->target, last_error(r->s));
		known_free(&k);
		return rc == LIBSSH2_ERROR_EAGAIN ? REMOTE_TIMEOUT : REMOTE_PROTOCOL;
	}
	enum remote_error e = check_hostkey(r, &k, o->host, kport, path, err);
	known_free(&k);
	if (e != REMOTE_OK)
		return e;
	return authenticate(r, o, err);
}

struct remote *remote_open(const struct remote_opts *o, enum remote_error *why, struct buf *err)
{
	struct remote *r = xcalloc(1, sizeof *r);
	r->conn.fd = -1;
	enum remote_error e = open_steps(r, o, err);
	if (why)
		*why = e;
	if (e == REMOTE_OK)
		return r;
	/* a failed session is not worth a polite goodbye */
	r->broken = 1;
	remote_close(r);
	return NULL;
}

/* The socket is shut: libssh2's pending waits (a channel close the server
 * answers only when the command ends) fail at once instead of blocking. */
static void break_session(struct remote *r)
{
	if (r->conn.fd >= 0)
		shutdown(r->conn.fd, SHUT_RDWR);
	r->broken = 1;
}

void remote_close(struct remote *r)
{
	if (!r)
		return;
	if (r->s) {
		int rc;
		r->deadline = deadline_in(2);
		if (!r->broken && r->conn.fd >= 0)
			RETRY(r, rc, libssh2_session_disconnect(r->s, "bye"));
		/* freeing may wait on the network too: bounded, then forced */
		for (int tries = 0; (rc = libssh2_session_free(r->s)) == LIBSSH2_ERROR_EAGAIN && tries < 100; tries++)
			if (wait_socket(r) != 0)
				break_session(r);
	}
	net_close(&r->conn);
	free(r);
}

/* --- exec -------------------------------------------------------------------- */

size_t remote_dropped_stdout(const struct remote *r) { return r->dropped_out; }
size_t remote_dropped_stderr(const struct remote *r) { return r->dropped_err; }
const char *remote_exit_signal(const struct remote *r) { return r->signal; }
int remote_timed_out(const struct remote *r) { return r->timed_out; }

/* POSIX numbers of the signals sshd reports by name, for 128 + N. */
static int signal_number(const char *name)
{
	static const struct { const char *name; int n; } sigs[] = {
		{ "HUP", 1 }, { "INT", 2 }, { "QUIT", 3 }, { "ILL", 4 }, { "TRAP", 5 }, { "ABRT", 6 },
		{ "BUS", 7 }, { "FPE", 8 }, { "KILL", 9 }, { "USR1", 10 }, { "SEGV", 11 }, { "USR2", 12 },
		{ "PIPE", 13 }, { "ALRM", 14 }, { "TERM", 15 },
	};
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		if (strcmp(name, sigs[i].name) == 0)
			return sigs[i].n;
	return 127;   /* 128 + 127 = 255: ended by a signal we cannot number */
}

static void keep(struct buf *b, const char *data, size_t n, size_t *kept, size_t *dropped)
{
	size_t room = b && *kept < REMOTE_OUTPUT_MAX ? REMOTE_OUTPUT_MAX - *kept : 0;
	size_t take = n < room ? n : room;
	if (take)
		buf_add(b, data, take);
	*kept += take;
	*dropped += n - take;
}

/* Read stdout and stderr in turn until the remote side ends both: reading
 * only one could leave the server blocked on a full window of the other.
 * 0, -1 on timeout, -2 on an SSH error. */
static int drain(struct remote *r, LIBSSH2_CHANNEL *ch, struct buf *out, struct buf *errout)
{
	char chunk[32768];
	int spins = 0;
	for (;;) {
		int progress = 0;
		for (int stream = 0; stream < 2; stream++) {
			ssize_t n = libssh2_channel_read_ex(ch, stream ? SSH_EXTENDED_DATA_STDERR : 0, chunk, sizeof chunk);
			if (n > 0) {
				if (stream)
					keep(errout, chunk, (size_t)n, &r->kept_err, &r->dropped_err);
				else
					keep(out, chunk, (size_t)n, &r->kept_out, &r->dropped_out);
				progress = 1;
			} else if (n < 0 && n != LIBSSH2_ERROR_EAGAIN) {
				return -2;
			}
		}
		if (progress) {
			spins = 0;
			continue;
		}
		if (libssh2_channel_eof(ch))
			return 0;
		/* reading stderr may have queued stdout data inside libssh2: the
		 * socket would not wake us for it (a few rounds at most, in case
		 * the queue holds a stream nobody reads) */
		unsigned long avail = 0;
		libssh2_channel_window_read_ex(ch, &avail, NULL);
		if (avail > 0 && spins++ < 3)
			continue;
		if (wait_socket(r) != 0)
			return -1;
	}
}

int remote_exec(struct remote *r, const char *const argv[], double timeout,
                struct buf *out, struct buf *errout, int *exit_status, struct buf *err)
{
	r->signal[0] = '\0';
	r->kept_out = r->kept_err = r->dropped_out = r->dropped_err = 0;
	r->timed_out = 0;
	*exit_status = -1;
	if (!argv || !argv[0]) {
		say(err, "no command to run");
		return -1;
	}
	if (r->broken) {
		say(err, "%s: the connection was dropped after an earlier timeout", r->target);
		return -1;
	}
	r->deadline = deadline_in(timeout > 0 ? timeout : 60);

	LIBSSH2_CHANNEL *ch;
	while (!(ch = libssh2_channel_open_session(r->s)) &&
	       libssh2_session_last_errno(r->s) == LIBSSH2_ERROR_EAGAIN && wait_socket(r) == 0)
		;
	if (!ch) {
		int timed = libssh2_session_last_errno(r->s) == LIBSSH2_ERROR_EAGAIN;
		say(err, "%s: cannot open a session channel: %s", r->target,
		    timed ? "no answer within the timeout" : last_error(r->s));
		if (timed) {
			r->timed_out = 1;
			break_session(r);
		}
		return -1;
	}
	struct buf cmd = BUF_INIT;
	remote_quote_argv(&cmd, argv);
	int rc;
	RETRY(r, rc, libssh2_channel_exec(ch, buf_cstr(&cmd)));
	buf_free(&cmd);
	int got, said = 0;
	if (rc == 0) {
		/* the command gets no input: EOF at once, so a reader ends */
		RETRY(r, rc, libssh2_channel_send_eof(ch));
		got = rc == 0 ? drain(r, ch, out, errout) : rc == LIBSSH2_ERROR_EAGAIN ? -1 : -2;
		/* the server closes the channel once the command has ended, after
		 * sending its exit status */
		if (got == 0) {
			RETRY(r, rc, libssh2_channel_close(ch));
			got = rc == 0 ? 0 : rc == LIBSSH2_ERROR_EAGAIN ? -1 : -2;
		}
	} else {
		got = rc == LIBSSH2_ERROR_EAGAIN ? -1 : -2;
		if (got == -2) {
			say(err, "%s: the server refused to run the command: %s", r->target, last_error(r->s));
			said = 1;
		}
	}
	if (got == 0) {
		char *sig = NULL;
		size_t siglen = 0;
		libssh2_channel_get_exit_signal(ch, &sig, &siglen, NULL, NULL, NULL, NULL);
		if (sig) {
			snprintf(r->signal, sizeof r->signal, "%.*s", (int)siglen, sig);
			libssh2_free(r->s, sig);
			*exit_status = 128 + signal_number(r->signal);
		} else {
			*exit_status = libssh2_channel_get_exit_status(ch);
		}
	} else if (got == -1) {
		r->timed_out = 1;
		say(err, "%s: the command did not end within %g seconds (channel closed; it may still run there)",
		    r->target, timeout > 0 ? timeout : 60);
		/* the server answers a channel close only when the command ends */
		break_session(r);
	} else if (!said) {
		say(err, "%s: %s", r->target, last_error(r->s));
	}
	/* freeing waits on the network too: bounded like the rest */
	if (!r->broken)
		r->deadline = deadline_in(2);
	int tries = 0;
	while ((rc = libssh2_channel_free(ch)) == LIBSSH2_ERROR_EAGAIN && tries++ < 100)
		if (wait_socket(r) != 0)
			break_session(r);
	return *exit_status == -1 ? -1 : 0;
}
