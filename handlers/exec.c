/* Running commands: on the target over SSH (lib/remote), opened once per
 * run, and on this host (console, reboot, notifiers) with argv and a limit. */
#include "engine.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine_int.h"
#include "spawn.h"
#include "timeout.h"

void engine_quoted(struct buf *b, char **argv)
{
	remote_quote_argv(b, (const char *const *)argv);
}

bool engine_remote(struct engine *e)
{
	if (e->remote)
		return true;
	if (e->remote_tried)
		return false;
	e->remote_tried = true;
	struct remote_opts o = {
		.host = e->target, .port = e->ssh_port, .user = e->ssh_user,
		.key_file = e->cfg->ssh_key, .passphrase_file = e->cfg->passphrase_file,
		.known_hosts = e->cfg->known_hosts, .timeout = engine_bounded(e, e->cfg->ssh_timeout),
	};
	double t0 = monotonic_now();
	buf_reset(&e->remote_err);
	e->remote = remote_open(&o, &e->remote_why, &e->remote_err);
	audit(e, "ssh", NULL, -1, monotonic_now() - t0, e->remote ? "connected" : remote_error_name(e->remote_why),
	      e->remote ? NULL : buf_cstr(&e->remote_err));
	return e->remote != NULL;
}

/* The host could not be trusted or logged into: never act, escalate. */
bool engine_refused(const struct engine *e)
{
	return e->remote_tried && !e->remote &&
	       (e->remote_why == REMOTE_HOSTKEY_UNKNOWN || e->remote_why == REMOTE_HOSTKEY_CHANGED ||
	        e->remote_why == REMOTE_AUTH);
}

/* Exit status of argv on the target, -1 when it did not run. */
int engine_rexec(struct engine *e, const char *step, char **argv, double timeout, struct buf *out, bool quiet)
{
	buf_reset(out);
	if (!engine_remote(e))
		return -1;
	struct buf errout = BUF_INIT, err = BUF_INIT;
	int status = -1;
	double t0 = monotonic_now();
	remote_exec(e->remote, (const char *const *)argv, engine_bounded(e, timeout), out, &errout, &status, &err);
	if (!quiet || status != 0) {
		struct buf d = BUF_INIT;
		if (err.len)
			buf_puts(&d, buf_cstr(&err));
		else if (status != 0 && errout.len)
			buf_add(&d, errout.s, errout.len > 300 ? 300 : errout.len);
		audit(e, step, argv, status, monotonic_now() - t0, status == 0 ? "ok" : "failed", buf_cstr(&d));
		buf_free(&d);
	}
	if (status != 0 && errout.len) {
		buf_puts(out, "\n");
		buf_add(out, errout.s, errout.len);
	}
	buf_free(&errout);
	buf_free(&err);
	return status;
}

/* A local command (console, reboot, notifier): argv, no shell, bounded; the
 * exit status, or -1 when it could not start or was killed at the limit. */
int engine_run_local(struct engine *e, const char *step, char **argv, double timeout)
{
	double t0 = monotonic_now(), limit = engine_bounded(e, timeout);
	int fd = -1;
	pid_t pid = spawn_piped(argv, STDOUT_FILENO, -1, &fd);
	if (pid < 0) {
		audit(e, step, argv, -1, 0, "failed", strerror(errno));
		return -1;
	}
	struct buf out = BUF_INIT;
	int st = -1;
	bool done = false, timed_out = false;
	/* read until the command exits (a daemon it started may keep the pipe) */
	while (!done) {
		struct pollfd p = { fd, POLLIN, 0 };
		if (fd >= 0 && poll(&p, 1, 100) > 0) {
			char b[4096];
			ssize_t n = read(fd, b, sizeof b);
			if (n > 0 && out.len < 4096)
				buf_add(&out, b, (size_t)n);
			else if (n == 0) {
				close(fd);
				fd = -1;
			}
		} else if (fd < 0) {
			struct timespec ts = { 0, 50 * 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
		pid_t w = waitpid(pid, &st, WNOHANG);
		if (w == pid)
			done = true;
		else if (monotonic_now() - t0 > limit) {
			kill(-pid, SIGKILL);
			spawn_reap(pid);
			timed_out = true;
			st = -1;
			done = true;
		}
	}
	timeout_kill_on_alarm(0);
	if (fd >= 0)
		close(fd);
	int status = timed_out ? -1 : WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	audit(e, step, argv, status, monotonic_now() - t0, timed_out ? "timeout" : status == 0 ? "ok" : "failed",
	      buf_cstr(&out));
	buf_free(&out);
	return status;
}

