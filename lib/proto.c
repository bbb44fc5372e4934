#include "proto.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

bool proto_reply_ok(const char *reply, const char *prefix)
{
	return prefix && strncmp(reply, prefix, strlen(prefix)) == 0;
}

void proto_first_line(const char *text, char *out, size_t size)
{
	size_t n = strcspn(text, "\r\n");
	if (n >= size)
		n = size - 1;
	memcpy(out, text, n);
	out[n] = '\0';
}

static bool code_line(const char *s, int *code, char *sep)
{
	if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) || !isdigit((unsigned char)s[2]))
		return false;
	if (s[3] != ' ' && s[3] != '-' && s[3] != '\0')
		return false;
	*code = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
	*sep = s[3];
	return true;
}

static enum net_result add_line(struct conn *c, struct buf *text, struct buf *line)
{
	if (text->len + line->len + 1 > PROTO_MAX_REPLY) {
		snprintf(c->detail, sizeof c->detail, "reply longer than %d bytes", PROTO_MAX_REPLY);
		return NET_TOO_LONG;
	}
	if (text->len)
		buf_putc(text, '\n');
	buf_add(text, line->s ? line->s : "", line->len);
	return NET_OK;
}

enum net_result proto_read_reply(struct conn *c, enum reply_style style, const char *tag,
                                 struct buf *text, int *code)
{
	struct buf line = BUF_INIT;
	enum net_result r = NET_OK;
	int first_code = -1;
	buf_reset(text);
	if (code)
		*code = 0;

	for (int n = 0;; n++) {
		if (n == PROTO_MAX_LINES) {
			snprintf(c->detail, sizeof c->detail, "reply of more than %d lines", PROTO_MAX_LINES);
			r = NET_TOO_LONG;
			break;
		}
		r = net_read_line(c, &line, PROTO_MAX_LINE);
		if (r != NET_OK)
			break;
		if ((r = add_line(c, text, &line)) != NET_OK)
			break;
		const char *s = buf_cstr(&line);
		if (style == REPLY_LINE || style == REPLY_POP)
			break;
		if (style == REPLY_SSH) {
			if (strncmp(s, "SSH-", 4) == 0)
				break;
			continue;  /* lines before the banner are allowed */
		}
		if (style == REPLY_IMAP) {
			if (!tag)
				break;  /* the greeting is one untagged line */
			size_t tl = strlen(tag);
			if (strncmp(s, tag, tl) == 0 && s[tl] == ' ')
				break;
			continue;
		}
		/* REPLY_CODE: "NNN-" continues until "NNN " with the same code;
		 * FTP allows other lines in between (RFC 959 4.2). */
		int lc;
		char sep;
		if (code_line(s, &lc, &sep)) {
			if (first_code < 0)
				first_code = lc;
			if (lc == first_code && sep != '-')
				break;
		} else if (first_code < 0) {
			snprintf(c->detail, sizeof c->detail, "reply does not start with a 3-digit code");
			r = NET_PROTO_FAIL;
			break;
		}
	}
	if (code && first_code > 0)
		*code = first_code;
	buf_free(&line);
	return r;
}

enum net_result proto_command(struct conn *c, const struct service *s, const char *cmd,
                              struct buf *reply, int *code)
{
	enum net_result r = net_printf(c, "%s\r\n", cmd);
	if (r != NET_OK)
		return r;
	const char *tag = NULL;
	char tagbuf[16];
	if (s->style == REPLY_IMAP) {
		size_t n = strcspn(cmd, " ");
		if (n >= sizeof tagbuf)
			n = sizeof tagbuf - 1;
		memcpy(tagbuf, cmd, n);
		tagbuf[n] = '\0';
		tag = tagbuf;
	}
	return proto_read_reply(c, s->style, tag, reply, code);
}

enum net_result proto_greeting(struct conn *c, const struct service *s, struct buf *greeting)
{
	int code;
	enum net_result r = proto_read_reply(c, s->style, NULL, greeting, &code);
	if (r != NET_OK && s->style == REPLY_SSH && greeting->len) {
		/* lines may precede the banner, but a peer that sends only other
		 * text is not an SSH server: say what it sent */
		char first[120];
		proto_first_line(buf_cstr(greeting), first, sizeof first);
		snprintf(c->detail, sizeof c->detail, "no SSH identification string; the server sent '%s'", first);
		return NET_PROTO_FAIL;
	}
	if (r != NET_OK)
		return r;
	const char *text = buf_cstr(greeting);
	if (s->style == REPLY_SSH) {
		/* the banner is the last line read */
		const char *last = strrchr(text, '\n');
		text = last ? last + 1 : text;
	}
	if (s->greeting_ok && !proto_reply_ok(text, s->greeting_ok)) {
		char first[120];
		proto_first_line(text, first, sizeof first);
		snprintf(c->detail, sizeof c->detail, "unexpected greeting '%s'", first);
		return NET_PROTO_FAIL;
	}
	return NET_OK;
}

void proto_quit(struct conn *c, const struct service *s)
{
	if (!s->quit)
		return;
	struct buf reply = BUF_INIT;
	int code;
	/* a server that hangs up on QUIT is fine; so is one that says nothing */
	double saved = c->deadline;
	proto_command(c, s, s->quit, &reply, &code);
	c->deadline = saved;
	buf_free(&reply);
}

static enum net_result expect_reply_code(struct conn *c, const struct service *s, const char *cmd,
                                         const char *shown, const char *ok1, const char *ok2, int *code)
{
	struct buf reply = BUF_INIT;
	enum net_result r = proto_command(c, s, cmd, &reply, code);
	if (r == NET_OK) {
		const char *text = buf_cstr(&reply);
		const char *last = s->style == REPLY_IMAP ? strrchr(text, '\n') : NULL;
		const char *judged = last ? last + 1 : text;
		if (!proto_reply_ok(judged, ok1) && !(ok2 && proto_reply_ok(judged, ok2))) {
			char first[160];
			proto_first_line(judged, first, sizeof first);
			snprintf(c->detail, sizeof c->detail, "%s refused: '%s'", shown, first);
			r = NET_PROTO_FAIL;
		}
	}
	buf_free(&reply);
	return r;
}

static enum net_result expect_reply(struct conn *c, const struct service *s, const char *cmd,
                                    const char *shown, const char *ok1, const char *ok2)
{
	int code;
	return expect_reply_code(c, s, cmd, shown, ok1, ok2, &code);
}

/* IMAP quoted string: backslash and quote escaped (RFC 3501 4.3). */
static void imap_quote(struct buf *b, const char *s)
{
	buf_putc(b, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			buf_putc(b, '\\');
		buf_putc(b, *s);
	}
	buf_putc(b, '"');
}

enum net_result proto_login(struct conn *c, const struct service *s, const char *user, const char *pass)
{
	if (strpbrk(user, "\r\n") || strpbrk(pass, "\r\n")) {
		snprintf(c->detail, sizeof c->detail, "user or password holds a line break");
		return NET_PROTO_FAIL;
	}
	struct buf cmd = BUF_INIT;
	enum net_result r;
	if (s->style == REPLY_IMAP) {
		buf_puts(&cmd, "m2 LOGIN ");
		imap_quote(&cmd, user);
		buf_putc(&cmd, ' ');
		imap_quote(&cmd, pass);
		r = expect_reply(c, s, buf_cstr(&cmd), "LOGIN", "m2 OK", NULL);
	} else if (s->style == REPLY_POP) {
		buf_printf(&cmd, "USER %s", user);
		r = expect_reply(c, s, buf_cstr(&cmd), "USER", "+OK", NULL);
		if (r == NET_OK) {
			buf_reset(&cmd);
			buf_printf(&cmd, "PASS %s", pass);
			r = expect_reply(c, s, buf_cstr(&cmd), "PASS", "+OK", NULL);
		}
	} else {  /* FTP */
		buf_printf(&cmd, "USER %s", user);
		int code = 0;
		r = expect_reply_code(c, s, buf_cstr(&cmd), "USER", "331", "230", &code);
		if (r == NET_OK && code != 230) {  /* 230: logged in without a password */
			buf_reset(&cmd);
			buf_printf(&cmd, "PASS %s", pass);
			r = expect_reply(c, s, buf_cstr(&cmd), "PASS", "230", "202");
		}
	}
	buf_free(&cmd);
	return r;
}
