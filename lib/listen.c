#include "listen.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "proc.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	return -1;
}

/* n hex digits into a value; false unless exactly n digits end at a non-hex */
static bool hexfield(const char **p, int n, unsigned long long *v)
{
	unsigned long long x = 0;
	for (int i = 0; i < n; i++) {
		int h = hexval((*p)[i]);
		if (h < 0)
			return false;
		x = x << 4 | (unsigned)h;
	}
	if (hexval((*p)[n]) >= 0)
		return false;
	*p += n;
	*v = x;
	return true;
}

static void skip_spaces(const char **p)
{
	while (**p == ' ' || **p == '\t')
		(*p)++;
}

static bool decimal(const char **p, unsigned long long *v)
{
	skip_spaces(p);
	if (**p < '0' || **p > '9')
		return false;
	char *end;
	errno = 0;
	*v = strtoull(*p, &end, 10);
	if (errno)
		return false;
	*p = end;
	return true;
}

/* One 32-bit word as the kernel printed it (%08X of a __be32 read in host
 * order) back into network byte order. */
static void word_bytes(unsigned long long w, bool little_endian, unsigned char out[4])
{
	for (int i = 0; i < 4; i++)
		out[i] = little_endian ? (unsigned char)(w >> (8 * i)) : (unsigned char)(w >> (8 * (3 - i)));
}

/* IPv6 addresses are 32 hex digits in a row; hexfield's end check cannot
 * split them, so this reads the address field by hand. */
static bool parse_addr(const char **p, int family, bool le, unsigned char addr[16], unsigned *port)
{
	int words = family == AF_INET6 ? 4 : 1;
	for (int i = 0; i < words; i++) {
		unsigned long long w = 0;
		for (int j = 0; j < 8; j++) {
			int h = hexval((*p)[8 * i + j]);
			if (h < 0)
				return false;
			w = w << 4 | (unsigned)h;
		}
		word_bytes(w, le, addr + 4 * i);
	}
	*p += 8 * words;
	if (**p != ':')
		return false;
	(*p)++;
	unsigned long long pv;
	if (!hexfield(p, 4, &pv))
		return false;
	*port = (unsigned)pv;
	return true;
}

/* One entry line; false for anything that is not exactly an entry. */
static bool parse_entry(const char *p, int family, bool le, struct sock *s)
{
	unsigned long long v, st, uid, timeout, inode;
	unsigned char remote[16];
	unsigned rport;

	skip_spaces(&p);
	if (!decimal(&p, &v) || *p++ != ':')               /* "sl:" */
		return false;
	skip_spaces(&p);
	if (!parse_addr(&p, family, le, s->addr, &s->port))
		return false;
	skip_spaces(&p);
	if (!parse_addr(&p, family, le, remote, &rport))
		return false;
	skip_spaces(&p);
	if (!hexfield(&p, 2, &st))
		return false;
	s->state = (unsigned)st;
	skip_spaces(&p);
	for (int k = 0; k < 3; k++) {                     /* tx:rx tr:when retrnsmt */
		if (!*p)
			return false;
		while (*p && *p != ' ')
			p++;
		skip_spaces(&p);
	}
	if (!decimal(&p, &uid) || !decimal(&p, &timeout) || !decimal(&p, &inode))
		return false;
	s->uid = (unsigned long)uid;
	s->inode = inode;
	return true;
}

void sock_parse(struct sock_table *t, const char *text, size_t len, int family, int proto, bool little_endian)
{
	/* Entries are about 150 bytes (IPv6 under 200); a longer line, or one
	 * holding a NUL, is not an entry and is counted as bad. */
	char line[512];
	size_t off = 0;
	bool header = true;
	while (off < len) {
		const char *start = text + off;
		const char *nl = memchr(start, '\n', len - off);
		size_t n = nl ? (size_t)(nl - start) : len - off;
		off += n + (nl != NULL);
		if (header) {  /* the first line names the columns */
			header = false;
			continue;
		}
		if (n == 0)
			continue;
		struct sock s = { .family = family, .proto = proto };
		bool ok = n < sizeof line && !memchr(start, '\0', n);
		if (ok) {
			memcpy(line, start, n);
			line[n] = '\0';
			ok = parse_entry(line, family, little_endian, &s);
		}
		if (!ok) {
			t->bad_lines++;
			continue;
		}
		if (t->n == t->cap) {
			t->cap = t->cap ? t->cap * 2 : 64;
			t->v = xrealloc(t->v, t->cap * sizeof *t->v);
		}
		t->v[t->n++] = s;
	}
}

bool sock_listening(const struct sock *s)
{
	if (s->proto == IPPROTO_TCP)
		return s->state == 0x0A;
	return s->state == 0x07;  /* udp: TCP_CLOSE and no remote port */
}

void sock_addr_str(const struct sock *s, char *out, size_t size)
{
	if (!inet_ntop(s->family, s->addr, out, (socklen_t)size))
		snprintf(out, size, "?");
}

static bool host_little_endian(void)
{
	const unsigned one = 1;
	return *(const unsigned char *)&one == 1;
}

int sock_read_local(struct sock_table *t)
{
	static const struct { const char *name; int family, proto; } files[] = {
		{ "net/tcp", AF_INET, IPPROTO_TCP }, { "net/tcp6", AF_INET6, IPPROTO_TCP },
		{ "net/udp", AF_INET, IPPROTO_UDP }, { "net/udp6", AF_INET6, IPPROTO_UDP },
	};
	int read_ok = 0;
	struct buf text = BUF_INIT;
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", proc_root(), files[i].name);
		/* a socket table is about 150 bytes a socket: 64 MB is 400,000 */
		if (read_file_buf(AT_FDCWD, path, &text, 64 << 20, false) < 0)
			continue;
		sock_parse(t, buf_cstr(&text), text.len, files[i].family, files[i].proto, host_little_endian());
		read_ok++;
	}
	buf_free(&text);
	return read_ok;
}

void sock_find_owners(struct sock_table *t)
{
	DIR *proc = opendir(proc_root());
	if (!proc)
		return;
	struct dirent *de;
	while ((de = readdir(proc))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		char path[512];
		snprintf(path, sizeof path, "%s/%s/fd", proc_root(), de->d_name);
		DIR *fds = opendir(path);
		if (!fds)
			continue;  /* not ours to see */
		struct dirent *fe;
		while ((fe = readdir(fds))) {
			char link[64], lpath[1024];
			if ((size_t)snprintf(lpath, sizeof lpath, "%s/%s", path, fe->d_name) >= sizeof lpath)
				continue;
			ssize_t n = readlink(lpath, link, sizeof link - 1);
			if (n <= 8)
				continue;
			link[n] = '\0';
			unsigned long long ino;
			if (sscanf(link, "socket:[%llu]", &ino) != 1)
				continue;
			for (size_t i = 0; i < t->n; i++) {
				if (t->v[i].inode != ino || t->v[i].pid)
					continue;
				t->v[i].pid = (pid_t)atol(de->d_name);
				char cpath[512], comm[64];
				snprintf(cpath, sizeof cpath, "%s/%s/comm", proc_root(), de->d_name);
				if (read_text_file(cpath, comm, sizeof comm) > 0) {
					comm[strcspn(comm, "\n")] = '\0';
					size_t cl = strnlen(comm, sizeof t->v[i].comm - 1);
					memcpy(t->v[i].comm, comm, cl);
					t->v[i].comm[cl] = '\0';
				}
			}
		}
		closedir(fds);
	}
	closedir(proc);
}

void sock_table_free(struct sock_table *t)
{
	free(t->v);
	memset(t, 0, sizeof *t);
}
