/* postfix without the right to read its queue: `postqueue -j` asks the
 * showq service, which answers anyone, one JSON object a line. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "mailq.h"

#define POSTQUEUE "/usr/sbin/postqueue"

struct jp {
	const char *p, *end;
};

static void jws(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\r'))
		j->p++;
}

static bool jlit(struct jp *j, char c)
{
	jws(j);
	if (j->p < j->end && *j->p == c) {
		j->p++;
		return true;
	}
	return false;
}

static void put_utf8(struct buf *b, unsigned cp)
{
	if (cp < 0x80) {
		buf_putc(b, (char)cp);
	} else if (cp < 0x800) {
		buf_putc(b, (char)(0xc0 | cp >> 6));
		buf_putc(b, (char)(0x80 | (cp & 0x3f)));
	} else {
		buf_putc(b, (char)(0xe0 | cp >> 12));
		buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
		buf_putc(b, (char)(0x80 | (cp & 0x3f)));
	}
}

static bool jstr(struct jp *j, struct buf *out)
{
	buf_reset(out);
	if (!jlit(j, '"'))
		return false;
	while (j->p < j->end) {
		char c = *j->p++;
		if (c == '"') {
			buf_cstr(out);
			return true;
		}
		if (c != '\\') {
			buf_putc(out, c);
			continue;
		}
		if (j->p >= j->end)
			return false;
		c = *j->p++;
		switch (c) {
		case 'n': buf_putc(out, '\n'); break;
		case 't': buf_putc(out, '\t'); break;
		case 'r': buf_putc(out, '\r'); break;
		case 'b': buf_putc(out, '\b'); break;
		case 'f': buf_putc(out, '\f'); break;
		case 'u': {
			unsigned cp = 0;
			for (int i = 0; i < 4; i++, j->p++) {
				if (j->p >= j->end)
					return false;
				char h = *j->p;
				int v = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10
				        : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
				if (v < 0)
					return false;
				cp = cp << 4 | (unsigned)v;
			}
			put_utf8(out, cp);  /* a lone surrogate half stays as is: display only */
			break;
		}
		default: buf_putc(out, c); break;
		}
	}
	return false;
}

static bool jskip(struct jp *j, int depth)
{
	struct buf tmp = BUF_INIT;
	bool ok = false;
	jws(j);
	if (depth > 32 || j->p >= j->end)
		goto out;
	if (*j->p == '"') {
		ok = jstr(j, &tmp);
	} else if (*j->p == '{' || *j->p == '[') {
		char close = *j->p == '{' ? '}' : ']';
		bool obj = *j->p == '{';
		j->p++;
		if (jlit(j, close)) {
			ok = true;
			goto out;
		}
		do {
			if (obj && (!jstr(j, &tmp) || !jlit(j, ':')))
				goto out;
			if (!jskip(j, depth + 1))
				goto out;
		} while (jlit(j, ','));
		ok = jlit(j, close);
	} else {
		const char *s = j->p;
		while (j->p < j->end && strchr("+-.0123456789eEtruefalsn", *j->p))
			j->p++;
		ok = j->p > s;
	}
out:
	buf_free(&tmp);
	return ok;
}

static bool parse_json_line(struct mailq *q, const char *const names[], int nnames, const char *s, const char *end)
{
	struct jp j = { s, end };
	struct buf key = BUF_INIT, val = BUF_INIT, sender = BUF_INIT;
	int which = -1;
	bool have_sender = false, ok = false;
	long long arrival = 0;
	q->msg_seq++;
	if (!jlit(&j, '{'))
		goto out;
	do {
		if (!jstr(&j, &key) || !jlit(&j, ':'))
			goto out;
		if (!strcmp(buf_cstr(&key), "queue_name")) {
			if (!jstr(&j, &val))
				goto out;
			for (int i = 0; i < nnames; i++)
				if (!strcmp(buf_cstr(&val), names[i]))
					which = i;
		} else if (!strcmp(buf_cstr(&key), "sender")) {
			if (!jstr(&j, &sender))
				goto out;
			have_sender = true;
		} else if (!strcmp(buf_cstr(&key), "arrival_time")) {
			/* digits within the line (strtoll would skip a newline and
			 * read on past it); more than 18 are no time of ours */
			jws(&j);
			const char *d = j.p;
			arrival = 0;
			while (j.p < j.end && *j.p >= '0' && *j.p <= '9' && j.p - d < 18)
				arrival = arrival * 10 + (*j.p++ - '0');
			if (j.p == d || (j.p < j.end && *j.p >= '0' && *j.p <= '9'))
				goto out;
		} else if (!strcmp(buf_cstr(&key), "recipients") && q->want_top) {
			if (!jlit(&j, '['))
				goto out;
			if (!jlit(&j, ']')) {
				do {
					if (!jlit(&j, '{'))
						goto out;
					do {
						if (!jstr(&j, &key) || !jlit(&j, ':'))
							goto out;
						if (!strcmp(buf_cstr(&key), "address")) {
							if (!jstr(&j, &val))
								goto out;
							mq_count_rcpt(q, buf_cstr(&val));
						} else if (!jskip(&j, 0)) {
							goto out;
						}
					} while (jlit(&j, ','));
					if (!jlit(&j, '}'))
						goto out;
				} while (jlit(&j, ','));
				if (!jlit(&j, ']'))
					goto out;
			}
		} else if (!jskip(&j, 0)) {
			goto out;
		}
	} while (jlit(&j, ','));
	ok = jlit(&j, '}') && which >= 0;
	if (ok) {
		q->count[which]++;
		q->total++;
		if (have_sender && q->want_top)
			mq_count_sender(q, buf_cstr(&sender));
		if (arrival > 0 && (q->oldest == 0 || arrival < q->oldest))
			q->oldest = (time_t)arrival;
	}
out:
	buf_free(&key);
	buf_free(&val);
	buf_free(&sender);
	return ok;
}

void postqueue_parse(struct mailq *q, const char *const names[], int nnames, const char *text, size_t len,
                     unsigned long *bad)
{
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		if (le > p && !parse_json_line(q, names, nnames, p, le))
			++*bad;
		p = le + 1;
	}
}

int postfix_postqueue(struct mailq *q, const char *const names[], int nnames, double seconds, struct buf *err)
{
	char *argv[] = { (char *)POSTQUEUE, (char *)"-c", (char *)q->config_dir, (char *)"-j", NULL };
	if (!q->config_dir) {
		argv[1] = (char *)"-j";
		argv[2] = NULL;
	}
	struct buf out = BUF_INIT;
	bool to;
	int st = mq_run(argv, seconds, &out, &to);
	if (to || st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		mq_describe_exit(err, "postqueue -j", st, to, seconds);
		buf_free(&out);
		return -1;
	}
	unsigned long bad = 0;
	postqueue_parse(q, names, nnames, buf_cstr(&out), out.len, &bad);
	buf_free(&out);
	if (bad) {
		buf_printf(err, "postqueue -j: %lu lines that are not its JSON", bad);
		return -1;
	}
	return 0;
}


