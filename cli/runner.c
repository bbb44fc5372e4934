#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "timeout.h"

static void start(struct job *j)
{
	int p[2];
	j->started = monotonic_now();
	j->fd = -1;
	if (pipe2(p, O_CLOEXEC) < 0) {
		j->exec_failed = errno;
		return;
	}
	pid_t pid = fork();
	if (pid < 0) {
		j->exec_failed = errno;
		close(p[0]);
		close(p[1]);
		return;
	}
	if (pid == 0) {
		setpgid(0, 0);
		int devnull = open("/dev/null", O_RDWR);
		if (devnull >= 0) {
			dup2(devnull, STDIN_FILENO);
			dup2(devnull, STDERR_FILENO);
		}
		dup2(p[1], STDOUT_FILENO);
		execv(j->argv[0], j->argv);
		/* the parent sees exit 127 and no output */
		_exit(127);
	}
	setpgid(pid, pid);  /* both sides set it: no race with the kill */
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	j->pid = pid;
	j->fd = p[0];
}

static void drain(struct job *j)
{
	char chunk[8192];
	for (;;) {
		ssize_t n = read(j->fd, chunk, sizeof chunk);
		if (n > 0) {
			size_t room = j->out.len < RUNNER_MAX_OUTPUT ? RUNNER_MAX_OUTPUT - j->out.len : 0;
			buf_add(&j->out, chunk, (size_t)n < room ? (size_t)n : room);
			continue;
		}
		if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			close(j->fd);
			j->fd = -1;
		}
		return;
	}
}

static void finish(struct job *j, int status)
{
	j->seconds = monotonic_now() - j->started;
	if (WIFEXITED(status)) {
		j->exit_code = WEXITSTATUS(status);
		if (j->exit_code == 127 && j->out.len == 0)
			j->exec_failed = ENOENT;
	} else if (WIFSIGNALED(status)) {
		j->signal = WTERMSIG(status);
		j->exit_code = 3;
	}
	if (j->exit_code > 3)
		j->exit_code = 3;
	j->pid = 0;
}

void runner_run(struct job *jobs, size_t n, unsigned parallel, double deadline)
{
	double end = monotonic_now() + deadline;
	size_t next = 0, running = 0;
	struct pollfd *pfd = calloc(n ? n : 1, sizeof *pfd);
	size_t *idx = calloc(n ? n : 1, sizeof *idx);
	if (!pfd || !idx)
		abort();
	if (!parallel)
		parallel = 1;

	for (;;) {
		while (next < n && running < parallel) {
			start(&jobs[next]);
			if (jobs[next].pid)
				running++;
			else
				jobs[next].exit_code = 3;
			next++;
		}
		if (!running && next == n)
			break;

		double left = end - monotonic_now();
		if (left <= 0) {
			for (size_t i = 0; i < next; i++)
				if (jobs[i].pid) {
					kill(-jobs[i].pid, SIGKILL);
					kill(jobs[i].pid, SIGKILL);
					jobs[i].timed_out = 1;
				}
			/* give no further job a start after the deadline */
			for (size_t i = next; i < n; i++) {
				jobs[i].timed_out = 1;
				jobs[i].exit_code = 3;
			}
			next = n;
		}

		size_t np = 0;
		for (size_t i = 0; i < next; i++)
			if (jobs[i].fd >= 0) {
				pfd[np] = (struct pollfd){ .fd = jobs[i].fd, .events = POLLIN };
				idx[np++] = i;
			}
		/* short polls: children that close stdout early are reaped below */
		int wait_ms = left <= 0 ? 10 : (left < 0.05 ? (int)(left * 1000) + 1 : 50);
		if (np && poll(pfd, np, wait_ms) > 0) {
			for (size_t k = 0; k < np; k++)
				if (pfd[k].revents)
					drain(&jobs[idx[k]]);
		} else if (!np) {
			struct timespec ts = { 0, 5 * 1000 * 1000 };
			nanosleep(&ts, NULL);
		}

		int status;
		pid_t pid;
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			for (size_t i = 0; i < next; i++)
				if (jobs[i].pid == pid) {
					if (jobs[i].fd >= 0)
						drain(&jobs[i]);
					/* a grandchild may still hold the pipe: stop reading */
					if (jobs[i].fd >= 0) {
						close(jobs[i].fd);
						jobs[i].fd = -1;
					}
					finish(&jobs[i], status);
					running--;
					break;
				}
		}
	}
	free(pfd);
	free(idx);
}
