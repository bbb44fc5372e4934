#include "utmp_read.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "num.h"

enum { RS = sizeof(struct utmp), BATCH = 256 };

/* A fixed-size field is NUL-terminated only when shorter than the field;
 * control characters would break the status line, so they become '?'. */
static void copy_field(char *out, const char *in, size_t size)
{
	size_t n = strnlen(in, size);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)in[i];
		out[i] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
	}
	out[n] = '\0';
}

static bool v4_mapped(const unsigned char a[16])
{
	static const unsigned char prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	return memcmp(a, prefix, sizeof prefix) == 0;
}

/* An address literal in ut_host: 0, AF_INET or AF_INET6. */
static int host_literal(const char *host, unsigned char out[16])
{
	if (inet_pton(AF_INET, host, out) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, host, out) != 1)
		return 0;
	if (v4_mapped(out)) {
		memmove(out, out + 12, 4);
		return AF_INET;
	}
	return AF_INET6;
}

/* glibc keeps an IPv4 address in ut_addr_v6[0] with the rest zero, so an
 * IPv6 address whose last 96 bits are zero looks the same; the literal in
 * ut_host (sshd writes one unless UseDNS) settles it. The binary address
 * wins otherwise: it came from the socket, the host text may be a name. */
static void decode_addr(const struct utmp *u, struct login_rec *r)
{
	unsigned char a[16], lit[16];
	static const unsigned char zero[16];
	memcpy(a, u->ut_addr_v6, sizeof a);
	int litfam = host_literal(r->host, lit);
	if (memcmp(a, zero, 16) == 0) {
		r->family = litfam;
		memcpy(r->addr, lit, litfam == AF_INET ? 4 : 16);
		if (!litfam)
			memset(r->addr, 0, sizeof r->addr);
		return;
	}
	if (memcmp(a + 4, zero, 12) == 0 && !(litfam == AF_INET6 && memcmp(lit, a, 16) == 0)) {
		r->family = AF_INET;
		memcpy(r->addr, a, 4);
	} else if (v4_mapped(a)) {
		r->family = AF_INET;
		memcpy(r->addr, a + 12, 4);
	} else {
		r->family = AF_INET6;
		memcpy(r->addr, a, 16);
	}
}

static bool decode(const struct utmp *u, unsigned long long off, struct login_rec *r)
{
	if (u->ut_type < EMPTY || u->ut_type > ACCOUNTING)
		return false;
	memset(r, 0, sizeof *r);
	r->type = u->ut_type;
	r->pid = u->ut_pid;
	copy_field(r->user, u->ut_user, sizeof u->ut_user);
	copy_field(r->line, u->ut_line, sizeof u->ut_line);
	copy_field(r->host, u->ut_host, sizeof u->ut_host);
	r->sec = u->ut_tv.tv_sec;
	r->offset = off;
	decode_addr(u, r);
	return true;
}

void login_addr_text(const struct login_rec *r, char *out, size_t size)
{
	if (!r->family || !inet_ntop(r->family, r->addr, out, (socklen_t)size))
		snprintf(out, size, "%s", "");
}

bool cidr_parse(const char *text, struct cidr *out)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(text, '/');
	size_t n = slash ? (size_t)(slash - text) : strlen(text);
	if (n == 0 || n >= sizeof host)
		return false;
	memcpy(host, text, n);
	host[n] = '\0';
	memset(out, 0, sizeof *out);
	out->family = host_literal(host, out->addr);
	if (!out->family)
		return false;
	long max = out->family == AF_INET ? 32 : 128, bits = max;
	if (slash && !num_parse_long(slash + 1, 0, max, &bits))
		return false;
	/* a v4-mapped network is an IPv4 one: records are normalised the same way */
	if (out->family == AF_INET && strchr(host, ':'))
		bits = bits >= 96 ? bits - 96 : (slash ? -1 : 32);
	if (bits < 0)
		return false;
	out->bits = (int)bits;
	return true;
}

bool cidr_match(const struct cidr *net, int family, const unsigned char *addr)
{
	if (family != net->family)
		return false;
	int full = net->bits / 8, rest = net->bits % 8;
	if (memcmp(net->addr, addr, (size_t)full) != 0)
		return false;
	if (!rest)
		return true;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));
	return (net->addr[full] & mask) == (addr[full] & mask);
}

/* FNV-1a of the first record: nonzero for any real record. */
static unsigned long long head_hash(const unsigned char *p, size_t n)
{
	unsigned long long h = 14695981039346656037ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h ? h : 1;
}

static void put_escaped(struct buf *b, const char *path)
{
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if (*p <= 0x20 || *p == '%' || *p >= 0x7f)
			buf_printf(b, "%%%02X", *p);
		else
			buf_putc(b, (char)*p);
	}
}

/* The escaped path at the start of line, and where its fields begin. */
static bool line_names(const char *line, size_t len, const char *path, const char **fields)
{
	struct buf want = BUF_INIT;
	put_escaped(&want, path);
	bool same = want.len < len && memcmp(line, want.s, want.len) == 0 && line[want.len] == ' ';
	*fields = line + want.len + 1;
	buf_free(&want);
	return same;
}

static bool parse_fields(const char *s, size_t len, struct utmp_pos *out)
{
	char text[128];
	unsigned long long v[4];
	if (len >= sizeof text)
		return false;
	memcpy(text, s, len);
	text[len] = '\0';
	char *save = NULL, *tok = strtok_r(text, " ", &save);
	for (int i = 0; i < 4; i++, tok = strtok_r(NULL, " ", &save))
		if (!tok || !num_parse_ull(tok, &v[i]))
			return false;
	/* an offset inside a record is not one this reader wrote */
	if (tok || v[2] % RS)
		return false;
	*out = (struct utmp_pos){ v[0], v[1], v[2], v[3] };
	return true;
}

bool utmp_state_find(const char *state, const char *path, struct utmp_pos *out)
{
	for (const char *p = state; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		const char *fields;
		if (line_names(p, len, path, &fields))
			return parse_fields(fields, len - (size_t)(fields - p), out);
		p = nl ? nl + 1 : p + len;
	}
	return false;
}

void utmp_state_put(struct buf *out, const char *path, const struct utmp_pos *p)
{
	put_escaped(out, path);
	buf_printf(out, " %llu %llu %llu %llu\n", p->dev, p->ino, p->offset, p->head);
}

void utmp_state_keep(struct buf *out, const char *old, const char *const *paths, size_t n)
{
	for (const char *p = old; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		const char *sp = memchr(p, ' ', len), *fields;
		struct utmp_pos pos;
		bool keep = sp && parse_fields(sp + 1, len - (size_t)(sp + 1 - p), &pos);
		for (size_t i = 0; keep && i < n; i++)
			if (line_names(p, len, paths[i], &fields))
				keep = false;
		if (keep) {
			buf_add(out, p, len);
			buf_putc(out, '\n');
		}
		p = nl ? nl + 1 : p + len;
	}
}

/* Records from offset `from` to the end of fd; those at or after `start`
 * are new. Returns the offset after the last whole record, or -1. */
static long long read_records(int fd, unsigned long long from, unsigned long long start,
                              login_fn fn, void *arg, struct utmp_scan *out)
{
	static struct utmp batch[BATCH];
	unsigned char *bytes = (unsigned char *)batch;
	size_t have = 0;
	unsigned long long off = from;
	for (;;) {
		ssize_t n = pread(fd, bytes + have, sizeof batch - have, (off_t)(off + have));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		have += (size_t)n;
		size_t whole = have / RS;
		for (size_t i = 0; i < whole; i++) {
			struct login_rec r;
			out->records++;
			if (!decode(&batch[i], off + i * RS, &r))
				out->bad++;
			else
				fn(&r, r.offset >= start, arg);
		}
		off += whole * RS;
		have -= whole * RS;
		if (have)
			memmove(bytes, bytes + whole * RS, have);
		if (n == 0)
			break;
	}
	out->partial = have;
	return (long long)off;
}

static int open_file(const char *path, struct stat *st)
{
	/* O_NONBLOCK: a FIFO named by mistake must not hang the check */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -1;
	if (fstat(fd, st) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		errno = S_ISDIR(st->st_mode) ? EISDIR : EINVAL;
		return -1;
	}
	return fd;
}

static unsigned long long first_record_hash(int fd)
{
	struct utmp u;
	ssize_t n;
	do
		n = pread(fd, &u, RS, 0);
	while (n < 0 && errno == EINTR);
	return n == RS ? head_hash((const unsigned char *)&u, RS) : 0;
}

/* The unread tail of the rotated file, when PATH.1 is the inode we read. */
static void read_rotated_tail(const char *path, const struct utmp_pos *since, login_fn fn, void *arg,
                              struct utmp_scan *out)
{
	char old[4096 + 8];
	struct stat st;
	if ((size_t)snprintf(old, sizeof old, "%s.1", path) >= sizeof old)
		return;
	int fd = open_file(old, &st);
	if (fd < 0)
		return;
	if ((unsigned long long)st.st_dev == since->dev && (unsigned long long)st.st_ino == since->ino &&
	    (unsigned long long)st.st_size >= since->offset &&
	    (since->offset == 0 || first_record_hash(fd) == since->head)) {
		struct utmp_scan tail = { 0 };
		if (read_records(fd, since->offset, since->offset, fn, arg, &tail) >= 0) {
			out->rotated_tail = true;
			out->records += tail.records;
			out->bad += tail.bad;
		}
	}
	close(fd);
}

const char *utmp_scan(const char *path, const struct utmp_pos *since, bool from_start, bool whole,
                      bool missing_ok, login_fn fn, void *arg, struct utmp_scan *out)
{
	static char why[4200];
	struct stat st;
	memset(out, 0, sizeof *out);
	out->path = path;
	out->first = !since;
	int fd = open_file(path, &st);
	if (fd < 0) {
		if (errno == ENOENT && missing_ok) {
			/* a file created later has another inode: all of it is new */
			out->missing = true;
			return NULL;
		}
		snprintf(why, sizeof why, "cannot read %.4000s: %s", path,
		         errno == EINVAL ? "not a regular file" : strerror(errno));
		return why;
	}
	unsigned long long size = (unsigned long long)st.st_size, head = first_record_hash(fd);
	unsigned long long start;
	if (!since)
		start = from_start ? 0 : size - size % RS;
	else if (since->dev == (unsigned long long)st.st_dev && since->ino == (unsigned long long)st.st_ino &&
	         since->offset <= size && (since->offset == 0 || since->head == head))
		start = since->offset;
	else {
		out->rotated = true;
		start = 0;
		if (since->dev != (unsigned long long)st.st_dev || since->ino != (unsigned long long)st.st_ino)
			read_rotated_tail(path, since, fn, arg, out);
	}
	out->start = start;
	long long end = (long long)start;
	if (whole || start < size)
		end = read_records(fd, whole ? 0 : start, start, fn, arg, out);
	int err = errno;
	close(fd);
	if (end < 0) {
		snprintf(why, sizeof why, "cannot read %.4000s: %s", path, strerror(err));
		return why;
	}
	/* a record cut short may still be being written: the next run reads it whole */
	if ((unsigned long long)end < start)
		end = (long long)start;
	out->end = (struct utmp_pos){ (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
	                              (unsigned long long)end, head };
	return NULL;
}

void login_list_init(struct login_list *l, size_t cap)
{
	l->s = cap ? xcalloc(cap, sizeof *l->s) : NULL;
	l->cap = cap;
	l->total = l->open = 0;
}

void login_list_push(struct login_list *l, const struct login_rec *r)
{
	if (l->cap) {
		struct login_session *s = &l->s[l->total % l->cap];
		if (l->total >= l->cap && s->how == SESSION_OPEN)
			l->open--;  /* an open session falls out of the list */
		*s = (struct login_session){ .rec = *r, .how = SESSION_OPEN };
		l->open++;
	}
	l->total++;
}

size_t login_list_kept(const struct login_list *l)
{
	return l->total < l->cap ? (size_t)l->total : l->cap;
}

const struct login_session *login_list_at(const struct login_list *l, size_t i)
{
	unsigned long long first = l->total - login_list_kept(l);
	return &l->s[(first + i) % l->cap];
}

static bool is_shutdown(const struct login_rec *r)
{
	return r->type == RUN_LVL && strcmp(r->user, "shutdown") == 0;
}

/* Call before pushing r itself. A login closes the earlier one on its line,
 * so a line has at most one open session: the scan stops at it, or once
 * every open session was seen. */
void login_list_close(struct login_list *l, const struct login_rec *r)
{
	bool same_line = (r->type == USER_PROCESS || r->type == DEAD_PROCESS) && r->line[0];
	if (!l->open || (!same_line && r->type != BOOT_TIME && !is_shutdown(r)))
		return;
	size_t seen = 0, kept = login_list_kept(l);
	for (size_t i = kept; i-- > 0 && seen < l->open;) {
		struct login_session *s = &l->s[(l->total - kept + i) % l->cap];
		if (s->how != SESSION_OPEN)
			continue;
		seen++;
		if (same_line && strcmp(s->rec.line, r->line) != 0)
			continue;
		s->how = same_line ? SESSION_LOGOUT : r->type == BOOT_TIME ? SESSION_CRASH : SESSION_DOWN;
		s->end = r->sec;
		l->open--;
		if (same_line)
			break;
	}
}

void login_list_free(struct login_list *l)
{
	free(l->s);
	l->s = NULL;
}

bool login_pid_alive(pid_t pid)
{
	return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}
