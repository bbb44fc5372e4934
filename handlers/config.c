#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "ini.h"
#include "num.h"
#include "secret.h"

/* a settings file is a few kB: this is far past any real one */
enum { CONFIG_MAX = 1 << 20 };

struct ctx {
	struct recover_config *c;
	struct buf *err;
};

static bool yes(const char *v, bool *out)
{
	if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcmp(v, "1"))
		*out = true;
	else if (!strcasecmp(v, "no") || !strcasecmp(v, "false") || !strcmp(v, "0"))
		*out = false;
	else
		return false;
	return true;
}

static void set(char **f, const char *v)
{
	free(*f);
	*f = xstrdup(v);
}

static void push(char ***v, size_t *n, const char *s)
{
	*v = xrealloc(*v, (*n + 1) * sizeof **v);
	(*v)[(*n)++] = xstrdup(s);
}

static struct rc_host *host_get(struct recover_config *c, const char *name)
{
	for (size_t i = 0; i < c->nhosts; i++)
		if (!strcmp(c->hosts[i].name, name))
			return &c->hosts[i];
	c->hosts = xrealloc(c->hosts, (c->nhosts + 1) * sizeof *c->hosts);
	struct rc_host *h = &c->hosts[c->nhosts++];
	memset(h, 0, sizeof *h);
	h->name = xstrdup(name);
	h->allow_reboot = c->allow_reboot;
	return h;
}

static int on_entry(void *user, const char *sec, const char *name, const char *v)
{
	struct ctx *x = user;
	struct recover_config *c = x->c;
	bool ok = true;
	long l;
	if (!strcmp(sec, "ssh")) {
		if (!strcmp(name, "user"))
			set(&c->ssh_user, v);
		else if (!strcmp(name, "port"))
			ok = num_parse_long(v, 1, 65535, &l) && (c->ssh_port = (unsigned)l);
		else if (!strcmp(name, "key"))
			set(&c->ssh_key, v);
		else if (!strcmp(name, "passphrase_file"))
			set(&c->passphrase_file, v);
		else if (!strcmp(name, "known_hosts"))
			set(&c->known_hosts, v);
		else if (!strcmp(name, "timeout"))
			ok = num_parse_double(v, &c->ssh_timeout) && c->ssh_timeout > 0 && c->ssh_timeout <= 300;
		else if (!strcmp(name, "command_timeout"))
			ok = num_parse_double(v, &c->command_timeout) && c->command_timeout > 0 &&
			     c->command_timeout <= 900;
		else if (!strcmp(name, "sudo")) {
			bool b;
			if (!strcmp(v, "auto"))
				c->sudo = -1;
			else if ((ok = yes(v, &b)))
				c->sudo = b;
		} else
			ok = false;
	} else if (!strcmp(sec, "policy")) {
		if (!strcmp(name, "soft_attempt"))
			ok = num_parse_long(v, 0, 100, &c->soft_attempt);
		else if (!strcmp(name, "max_restarts"))
			ok = num_parse_long(v, 1, 1000, &c->max_restarts);
		else if (!strcmp(name, "cycles"))
			ok = num_parse_long(v, 1, 10000, &c->cycles);
		else if (!strcmp(name, "cycle"))
			ok = num_parse_double(v, &c->cycle) && c->cycle >= 1 && c->cycle <= 86400;
		else if (!strcmp(name, "deadline"))
			ok = num_parse_double(v, &c->deadline) && c->deadline >= 5 && c->deadline <= 3600;
		else if (!strcmp(name, "allow_reboot"))
			ok = yes(v, &c->allow_reboot);
		else if (!strcmp(name, "runbook_dir"))
			set(&c->runbook_dir, v);
		else
			ok = false;
	} else if (!strcmp(sec, "notify")) {
		if (!strcmp(name, "level1"))
			push(&c->level1, &c->nlevel1, v);
		else if (!strcmp(name, "level2"))
			push(&c->level2, &c->nlevel2, v);
		else if (!strcmp(name, "timeout"))
			ok = num_parse_double(v, &c->notify_timeout) && c->notify_timeout > 0 &&
			     c->notify_timeout <= 600;
		else
			ok = false;
	} else if (!strncmp(sec, "host ", 5) && sec[5]) {
		struct rc_host *h = host_get(c, sec + 5);
		if (!strcmp(name, "address"))
			set(&h->address, v);
		else if (!strcmp(name, "ssh_port"))
			ok = num_parse_long(v, 1, 65535, &l) && (h->ssh_port = (unsigned)l);
		else if (!strcmp(name, "ssh_user"))
			set(&h->ssh_user, v);
		else if (!strcmp(name, "console"))
			set(&h->console, v);
		else if (!strcmp(name, "console_host"))
			set(&h->console_host, v);
		else if (!strcmp(name, "reboot"))
			set(&h->reboot, v);
		else if (!strcmp(name, "allow_reboot"))
			ok = yes(v, &h->allow_reboot);
		else
			ok = false;
	} else {
		buf_printf(x->err, "unknown section [%s]", sec);
		return 0;
	}
	if (!ok && !x->err->len)
		buf_printf(x->err, "[%s] %s = %s: not understood", sec, name, v);
	return ok;
}

const char *config_load(struct recover_config *c, const char *path, bool must_exist, struct buf *err)
{
	memset(c, 0, sizeof *c);
	c->ssh_user = xstrdup("root");
	c->ssh_port = 22;
	c->ssh_timeout = 15;
	c->command_timeout = 120;
	c->sudo = -1;
	c->soft_attempt = 3;
	c->max_restarts = 5;
	c->cycles = 5;
	c->cycle = 300;
	c->deadline = 900;
	c->notify_timeout = 120;
	/* /dev/null: "no settings" (cmd_file_trusted lets it through) */
	if (strcmp(path, "/dev/null") == 0) {
		c->path = xstrdup(path);
		goto defaults;
	}
	/* never blocks on a FIFO, never reads another device: lib/secret */
	char reason[128];
	struct stat st;
	int fd = file_open_regular(path, 0, &st, reason, sizeof reason);
	if (fd < 0) {
		if (errno == ENOENT && !must_exist)
			goto defaults;
		buf_printf(err, "cannot read %s: %s", path, reason);
		return buf_cstr(err);
	}
	if (st.st_size > CONFIG_MAX) {
		close(fd);
		buf_printf(err, "cannot read %s: larger than %d bytes", path, CONFIG_MAX);
		return buf_cstr(err);
	}
	FILE *f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		buf_printf(err, "cannot read %s: %s", path, strerror(errno));
		return buf_cstr(err);
	}
	const char *bad = cmd_file_trusted(fileno(f));
	if (bad) {
		fclose(f);
		buf_printf(err, "refusing %s: %s", path, bad);
		return buf_cstr(err);
	}
	c->path = xstrdup(path);
	struct ctx x = { c, err };
	int line = ini_parse_stream(f, on_entry, &x);
	int read_errno = errno;
	fclose(f);
	if (line != 0) {
		struct buf why = BUF_INIT;
		if (line < 0)
			buf_printf(&why, "cannot read %s: %s", path,
			           read_errno == EFBIG ? "too large" : read_errno == EILSEQ ? "it holds a NUL byte"
			           : strerror(read_errno));
		else
			buf_printf(&why, "%s line %d: %s", path, line, err->len ? buf_cstr(err) : "syntax error");
		buf_reset(err);
		buf_add(err, why.s, why.len);
		buf_free(&why);
		return buf_cstr(err);
	}
	for (size_t i = 0; i < c->nlevel1 + c->nlevel2; i++) {
		const char *cmd = i < c->nlevel1 ? c->level1[i] : c->level2[i - c->nlevel1];
		if (!cmd_names_ok(cmd, cmd_known_names, err))
			goto bad;
	}
	for (size_t i = 0; i < c->nhosts; i++)
		if ((c->hosts[i].console && !cmd_names_ok(c->hosts[i].console, cmd_known_names, err)) ||
		    (c->hosts[i].reboot && !cmd_names_ok(c->hosts[i].reboot, cmd_known_names, err)))
			goto bad;
defaults:
	/* both levels go through the notifiers installed beside us unless configured */
	if (!c->nlevel1)
		push(&c->level1, &c->nlevel1,
		     PLUGINDIR "/notify_mail --type RECOVERY --kind recovery --template mail-000-ja"
		     " --host ${HOST} --address ${ADDRESS} --service ${SERVICE} --state OK --alert ${ALERT}"
		     " --datetime ${DETECTED_EPOCH} --action ${ACTION} --output ${SUMMARY}");
	if (!c->nlevel2) {
		push(&c->level2, &c->nlevel2,
		     PLUGINDIR "/notify_call --type PROBLEM --kind problem --level high"
		     " --host ${HOST} --address ${ADDRESS} --service ${SERVICE} --state ${STATE} --alert ${ALERT}"
		     " --datetime ${DETECTED_EPOCH} --action ${ACTION} --output ${SUMMARY}");
		push(&c->level2, &c->nlevel2,
		     PLUGINDIR "/notify_mail --type PROBLEM --kind problem --level high --template mail-000-ja"
		     " --host ${HOST} --address ${ADDRESS} --service ${SERVICE} --state ${STATE} --alert ${ALERT}"
		     " --datetime ${DETECTED_EPOCH} --action ${ACTION} --output ${SUMMARY}");
	}
	return NULL;
bad:;
	struct buf why = BUF_INIT;
	buf_printf(&why, "%s: %s", path, buf_cstr(err));
	buf_reset(err);
	buf_add(err, why.s, why.len);
	buf_free(&why);
	return buf_cstr(err);
}

const struct rc_host *config_host(const struct recover_config *c, const char *name)
{
	for (size_t i = 0; name && i < c->nhosts; i++)
		if (!strcmp(c->hosts[i].name, name))
			return &c->hosts[i];
	return NULL;
}

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void config_free(struct recover_config *c)
{
	free(c->path);
	free(c->ssh_user);
	free(c->ssh_key);
	free(c->passphrase_file);
	free(c->known_hosts);
	free(c->runbook_dir);
	strv_free(c->level1, c->nlevel1);
	strv_free(c->level2, c->nlevel2);
	for (size_t i = 0; i < c->nhosts; i++) {
		struct rc_host *h = &c->hosts[i];
		free(h->name);
		free(h->address);
		free(h->ssh_user);
		free(h->console);
		free(h->console_host);
		free(h->reboot);
	}
	free(c->hosts);
	memset(c, 0, sizeof *c);
}
