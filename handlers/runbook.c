#include "runbook.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>


#include "cmd.h"
#include "ini.h"
#include "num.h"

bool runbook_name_ok(const char *name)
{
	if (!name || !*name || strlen(name) > 64)
		return false;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
			return false;
	return true;
}

struct parse_ctx {
	struct runbook *rb;
	struct buf *err;
};

static bool yes(const char *v, bool *out)
{
	if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcmp(v, "1") || !strcasecmp(v, "on"))
		*out = true;
	else if (!strcasecmp(v, "no") || !strcasecmp(v, "false") || !strcmp(v, "0") || !strcasecmp(v, "off"))
		*out = false;
	else
		return false;
	return true;
}

static void set_str(char **field, const char *v)
{
	free(*field);
	*field = *v ? xstrdup(v) : NULL;
}

/* "CMD ~ TEXT": the command, and the text its output must contain */
static void add_probe(struct rb_probe **v, size_t *n, const char *name, const char *value)
{
	*v = xrealloc(*v, (*n + 1) * sizeof **v);
	struct rb_probe *p = &(*v)[(*n)++];
	p->name = xstrdup(name);
	const char *tilde = strstr(value, " ~ ");
	p->cmd = tilde ? strndup(value, (size_t)(tilde - value)) : xstrdup(value);
	if (!p->cmd)
		p->cmd = xstrdup("");
	p->match = tilde ? xstrdup(tilde + 3) : NULL;
}

static struct rb_variant *variant_get(struct runbook *rb, const char *name)
{
	for (size_t i = 0; i < rb->nvariants; i++)
		if (!strcmp(rb->variants[i].name, name))
			return &rb->variants[i];
	rb->variants = xrealloc(rb->variants, (rb->nvariants + 1) * sizeof *rb->variants);
	struct rb_variant *v = &rb->variants[rb->nvariants++];
	memset(v, 0, sizeof *v);
	v->name = xstrdup(name);
	return v;
}

static bool parse_ports(struct runbook *rb, const char *v)
{
	rb->nports = 0;
	char *copy = xstrdup(v), *save = NULL;
	bool ok = true;
	for (char *w = strtok_r(copy, " ,", &save); w; w = strtok_r(NULL, " ,", &save)) {
		long p;
		if (rb->nports == RB_MAX_PORTS || !num_parse_long(w, 1, 65535, &p)) {
			ok = false;
			break;
		}
		rb->ports[rb->nports++] = (unsigned)p;
	}
	free(copy);
	return ok;
}

static int on_entry(void *user, const char *section, const char *name, const char *value)
{
	struct parse_ctx *x = user;
	struct runbook *rb = x->rb;
	bool ok = true;
	if (!strcmp(section, "runbook")) {
		if (!strcmp(name, "description"))
			set_str(&rb->description, value);
		else if (!strcmp(name, "alert"))
			set_str(&rb->alert, value);
		else
			ok = false;
	} else if (!strcmp(section, "verify")) {
		if (!strcmp(name, "ports"))
			ok = parse_ports(rb, value);
		else if (!strcmp(name, "listen"))
			ok = yes(value, &rb->listen);
		else if (!strcmp(name, "protocol"))
			set_str(&rb->protocol, strcmp(value, "none") ? value : "");
		else if (!strcmp(name, "protocol_port")) {
			long p;
			ok = num_parse_long(value, 1, 65535, &p);
			rb->protocol_port = ok ? (unsigned)p : 0;
		} else if (!strcmp(name, "tls"))
			ok = yes(value, &rb->tls);
		else if (!strcmp(name, "process"))
			set_str(&rb->process, value);
		else if (!strcmp(name, "wait"))
			ok = num_parse_double(value, &rb->wait) && rb->wait >= 0 && rb->wait <= 900;
		else if (!strcmp(name, "interval"))
			ok = num_parse_double(value, &rb->interval) && rb->interval >= 0.1 && rb->interval <= 300;
		else
			ok = false;
	} else if (!strcmp(section, "action")) {
		if (!strcmp(name, "via")) {
			ok = !strcmp(value, "ssh") || !strcmp(value, "console") || !strcmp(value, "none");
			set_str(&rb->via, value);
		} else if (!strcmp(name, "reboot"))
			ok = yes(value, &rb->reboot);
		else if (!strcmp(name, "variant"))
			set_str(&rb->default_variant, value);
		else
			ok = false;
	} else if (!strcmp(section, "init")) {
		add_probe(&rb->init, &rb->ninit, name, value);
	} else if (!strcmp(section, "detect")) {
		add_probe(&rb->detect, &rb->ndetect, name, value);
	} else if (!strcmp(section, "restart")) {
		/* a later line for the same init system replaces the earlier one */
		for (size_t i = 0; i < rb->nrestart; i++)
			if (!strcmp(rb->restart[i].name, name)) {
				/* never NULL, as add_probe's (fuzz_runbook: an empty
				 * repeated line left a NULL command to check) */
				free(rb->restart[i].cmd);
				rb->restart[i].cmd = xstrdup(value);
				return 1;
			}
		add_probe(&rb->restart, &rb->nrestart, name, value);
	} else if (!strncmp(section, "variant ", 8) && section[8]) {
		struct rb_variant *v = variant_get(rb, section + 8);
		if (!strcmp(name, "unit"))
			set_str(&v->unit, value);
		else if (!strcmp(name, "restart"))
			set_str(&v->restart, value);
		else
			ok = false;
	} else {
		buf_printf(x->err, "unknown section [%s]", section);
		return 0;
	}
	if (!ok && !x->err->len)
		buf_printf(x->err, "[%s] %s = %s: not understood", section, name, value);
	return ok;
}

const char *runbook_parse(struct runbook *rb, const char *name, const char *text, struct buf *err)
{
	memset(rb, 0, sizeof *rb);
	rb->name = xstrdup(name);
	rb->listen = true;
	rb->wait = 60;
	rb->interval = 2;
	rb->via = xstrdup("ssh");
	buf_puts(&rb->text, text);
	struct parse_ctx x = { rb, err };
	int line = ini_parse_text(text, strlen(text), on_entry, &x);
	if (line != 0) {
		struct buf why = BUF_INIT;
		buf_printf(&why, "runbook %s line %d: %s", name, line, err->len ? buf_cstr(err) : "syntax error");
		buf_reset(err);
		buf_add(err, why.s, why.len);
		buf_free(&why);
		return buf_cstr(err);
	}
	/* a command naming an unknown ${NAME} would fail at 3 a.m.: refuse it now */
	const struct rb_probe *lists[] = { rb->init, rb->detect, rb->restart };
	size_t counts[] = { rb->ninit, rb->ndetect, rb->nrestart };
	for (size_t l = 0; l < 3; l++)
		for (size_t i = 0; i < counts[l]; i++)
			if (!cmd_names_ok(lists[l][i].cmd, cmd_known_names, err))
				goto bad;
	for (size_t i = 0; i < rb->nvariants; i++)
		if (rb->variants[i].restart && !cmd_names_ok(rb->variants[i].restart, cmd_known_names, err))
			goto bad;
	if (!rb->nports && !rb->process && !rb->protocol) {
		buf_printf(err, "runbook %s: [verify] needs ports, protocol or process", name);
		return buf_cstr(err);
	}
	if (!strcmp(rb->via, "ssh") && !rb->nrestart) {
		bool any = false;
		for (size_t i = 0; i < rb->nvariants; i++)
			any |= rb->variants[i].restart != NULL;
		if (!any) {
			buf_printf(err, "runbook %s: via = ssh needs a [restart] command", name);
			return buf_cstr(err);
		}
	}
	return NULL;
bad:;
	struct buf why = BUF_INIT;
	buf_printf(&why, "runbook %s: %s", name, buf_cstr(err));
	buf_reset(err);
	buf_add(err, why.s, why.len);
	buf_free(&why);
	return buf_cstr(err);
}

/* a runbook is small: 1 MB is far past any real one */
static int read_fd(int fd, struct buf *b)
{
	char chunk[8192];
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		if (b->len + (size_t)n > (1 << 20)) {
			errno = EFBIG;
			return -1;
		}
		buf_add(b, chunk, (size_t)n);
	}
	buf_cstr(b);
	return 0;
}

const char *runbook_load(struct runbook *rb, const char *dir, const char *name, struct buf *err)
{
	if (!runbook_name_ok(name)) {
		buf_printf(err, "bad runbook name (letters a-z, digits, _ and - only)");
		return buf_cstr(err);
	}
	if (dir && *dir) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%s.ini", dir, name);
		int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd >= 0) {
			const char *bad = cmd_file_trusted(fd);
			struct buf text = BUF_INIT;
			int rd = bad ? 0 : read_fd(fd, &text);
			int e = errno;
			close(fd);
			if (bad || rd < 0) {
				buf_free(&text);
				buf_printf(err, "refusing %s: %s", path, bad ? bad : strerror(e));
				return buf_cstr(err);
			}
			const char *why = runbook_parse(rb, name, buf_cstr(&text), err);
			buf_free(&text);
			free(rb->origin);
			rb->origin = xstrdup(path);
			return why;
		}
		if (errno != ENOENT) {
			buf_printf(err, "cannot read %s: %s", path, strerror(errno));
			return buf_cstr(err);
		}
	}
	const char *text = runbook_builtin(name);
	if (!text) {
		buf_printf(err, "no runbook named %s (built in: ", name);
		for (const char *const *n = runbook_builtin_names; *n; n++)
			buf_printf(err, "%s%s", *n, n[1] ? " " : ")");
		return buf_cstr(err);
	}
	const char *why = runbook_parse(rb, name, text, err);
	free(rb->origin);
	rb->origin = xstrdup("built-in");
	return why;
}

static void probes_free(struct rb_probe *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].cmd);
		free(v[i].match);
	}
	free(v);
}

void runbook_free(struct runbook *rb)
{
	free(rb->name);
	free(rb->description);
	free(rb->alert);
	free(rb->protocol);
	free(rb->process);
	free(rb->via);
	free(rb->default_variant);
	probes_free(rb->init, rb->ninit);
	probes_free(rb->detect, rb->ndetect);
	probes_free(rb->restart, rb->nrestart);
	for (size_t i = 0; i < rb->nvariants; i++) {
		free(rb->variants[i].name);
		free(rb->variants[i].unit);
		free(rb->variants[i].restart);
	}
	free(rb->variants);
	buf_free(&rb->text);
	free(rb->origin);
	memset(rb, 0, sizeof *rb);
}

const struct rb_variant *runbook_variant(const struct runbook *rb, const char *name)
{
	for (size_t i = 0; name && i < rb->nvariants; i++)
		if (!strcmp(rb->variants[i].name, name))
			return &rb->variants[i];
	return NULL;
}

const char *runbook_restart(const struct runbook *rb, const char *init, const char *variant)
{
	const struct rb_variant *v = runbook_variant(rb, variant);
	if (v && v->restart)
		return v->restart;
	for (size_t i = 0; init && i < rb->nrestart; i++)
		if (!strcmp(rb->restart[i].name, init))
			return rb->restart[i].cmd;
	/* a runbook without [init] detection: its first [restart] line */
	if (!rb->ninit && rb->nrestart)
		return rb->restart[0].cmd;
	return NULL;
}
