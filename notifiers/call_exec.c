/* The exec provider (see call_providers.h) for on-premises PBXs: one
 * program per callee, argv only, its stdout read without blocking so
 * simultaneous calls run side by side.
 *
 * Output protocol, one item a line:
 *   answered              (optional, as soon as the callee picks up: until
 *                         then the campaign's answer wait applies)
 *   KEYS                  the keys pressed in order: "1", "31", "5*"
 *   voicemail|noanswer|busy|nokey|failed
 * The first line that is not "answered" is the result. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "call_providers.h"
#include "spawn.h"

struct ex_call {
	pid_t pid;
	int fd;
	bool exited, answered;
	int status;
	struct buf out;
};

static const char *ex_start(void *ctx, const struct callee *cl, const char *message, void **hp, struct buf *via)
{
	static char why[300];
	const struct exec_cfg *c = ctx;
	char wait_s[24];
	snprintf(wait_s, sizeof wait_s, "%ld", c->answer_wait);
	char *argv[] = { (char *)c->program, cl->number, (char *)message, (char *)c->lang, wait_s, NULL };
	int fd;
	pid_t pid = spawn_piped(argv, STDOUT_FILENO, STDERR_FILENO, &fd);
	if (pid < 0) {
		snprintf(why, sizeof why, "cannot start %.200s: %s", c->program, strerror(errno));
		return why;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	struct ex_call *x = xcalloc(1, sizeof *x);
	x->pid = pid;
	x->fd = fd;
	x->out = (struct buf)BUF_INIT;
	buf_printf(via, "exec:%s", c->program);
	*hp = x;
	return NULL;
}

/* The result line, when there is one: *answered updated on the way. */
static enum call_result parse(struct ex_call *x, bool *answered, struct buf *detail, bool final)
{
	const char *s = buf_cstr(&x->out);
	while (*s) {
		const char *nl = strchr(s, '\n');
		if (!nl && !final)
			break;   /* a line still being written */
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		char line[128];
		size_t a = 0, b = len;
		while (a < b && (s[a] == ' ' || s[a] == '\t' || s[a] == '\r'))
			a++;
		while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t' || s[b - 1] == '\r'))
			b--;
		snprintf(line, sizeof line, "%.*s", (int)(b - a < 120 ? b - a : 120), s + a);
		s = nl ? nl + 1 : s + len;
		if (!*line)
			continue;
		if (!strcmp(line, "answered")) {
			*answered = x->answered = true;
			continue;
		}
		if (strspn(line, "0123456789*#") == strlen(line)) {
			enum call_result r = call_result_keys(line);
			buf_printf(detail, "keys %s", line);
			return r;
		}
		enum call_result r = call_result_from(line);
		if (r == CALL_PENDING || r == CALL_CONFIRMED) {
			buf_printf(detail, "unexpected output '%s'", line);
			return CALL_FAILED;
		}
		return r;
	}
	return CALL_PENDING;
}

static enum call_result ex_poll(void *ctx, void *hv, bool *answered, struct buf *detail)
{
	(void)ctx;
	struct ex_call *x = hv;
	char chunk[512];
	ssize_t n = -1;
	bool eof = false;
	while (x->fd >= 0 && (n = read(x->fd, chunk, sizeof chunk)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;   /* EAGAIN: nothing more now */
		}
		if (x->out.len < 4096)
			buf_add(&x->out, chunk, (size_t)n);
	}
	if (x->fd >= 0 && n == 0)
		eof = true;
	if (!x->exited) {
		int st;
		pid_t r = waitpid(x->pid, &st, WNOHANG);
		if (r == x->pid) {
			x->exited = true;
			x->status = st;
		}
	}
	*answered = x->answered;
	enum call_result r = parse(x, answered, detail, x->exited && eof);
	if (r != CALL_PENDING)
		return r;
	if (x->exited && eof) {
		if (WIFEXITED(x->status))
			buf_printf(detail, "the program printed no result (exit %d)", WEXITSTATUS(x->status));
		else
			buf_printf(detail, "the program printed no result (signal %d)", WTERMSIG(x->status));
		return CALL_FAILED;
	}
	return CALL_PENDING;
}

static void ex_end(void *ctx, void *hv)
{
	(void)ctx;
	struct ex_call *x = hv;
	if (!x->exited)
		kill(-x->pid, SIGTERM);
}

static void ex_release(void *ctx, void *hv)
{
	(void)ctx;
	struct ex_call *x = hv;
	if (!x)
		return;
	if (!x->exited) {
		/* the result came before the exit, or it was ended: make sure it goes */
		kill(-x->pid, SIGKILL);
		spawn_reap(x->pid);
	}
	if (x->fd >= 0)
		close(x->fd);
	buf_free(&x->out);
	free(x);
}

const struct call_provider call_exec = { "exec", ex_start, ex_poll, ex_end, ex_release };
