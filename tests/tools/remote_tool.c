/* remote_tool --host H [--port N] --user U --key FILE [--passphrase-file F]
 *             [--known-hosts FILE] [--timeout S] [--exec-timeout S]
 *             [--repeat N] [--quote] -- CMD ARGS...
 * Drives lib/remote for tests/remote.t. Prints, one per line:
 *   error KIND           (ok, connect, timeout, hostkey-unknown, ...)
 *   reason TEXT          (when remote_open or remote_exec failed)
 *   exit N               (the remote exit status, -1 on failure)
 *   signal NAME          (when a signal ended the command)
 *   timed_out 0|1
 *   stdout_len N / stderr_len N / dropped_stdout N / dropped_stderr N
 * and writes the remote stdout to --stdout FILE, stderr to --stderr FILE
 * (byte for byte). --quote only prints the quoted command line.
 * Exit: 0 when the command ran, 1 when open or exec failed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "remote.h"
#include "timeout.h"

static int write_file(const char *path, const struct buf *b)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	if (b->len)
		fwrite(b->s, 1, b->len, f);
	return fclose(f);
}

int main(int argc, char **argv)
{
	struct remote_opts o = { 0 };
	const char *out_file = NULL, *err_file = NULL;
	double exec_timeout = 10;
	int repeat = 1, quote = 0;
	int i = 1;
	for (; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (strcmp(a, "--quote") == 0) {
			quote = 1;
			continue;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "remote_tool: %s needs a value\n", a);
			return 2;
		}
		const char *v = argv[++i];
		if (strcmp(a, "--host") == 0) o.host = v;
		else if (strcmp(a, "--port") == 0) o.port = (unsigned)atoi(v);
		else if (strcmp(a, "--user") == 0) o.user = v;
		else if (strcmp(a, "--key") == 0) o.key_file = v;
		else if (strcmp(a, "--passphrase-file") == 0) o.passphrase_file = v;
		else if (strcmp(a, "--known-hosts") == 0) o.known_hosts = v;
		else if (strcmp(a, "--timeout") == 0) o.timeout = atof(v);
		else if (strcmp(a, "--exec-timeout") == 0) exec_timeout = atof(v);
		else if (strcmp(a, "--repeat") == 0) repeat = atoi(v);
		else if (strcmp(a, "--stdout") == 0) out_file = v;
		else if (strcmp(a, "--stderr") == 0) err_file = v;
		else {
			fprintf(stderr, "remote_tool: unknown option %s\n", a);
			return 2;
		}
	}
	const char *const *cmd = (const char *const *)argv + i;
	if (quote) {
		struct buf q = BUF_INIT;
		remote_quote_argv(&q, cmd);
		printf("%s\n", buf_cstr(&q));
		buf_free(&q);
		return 0;
	}

	struct buf err = BUF_INIT;
	enum remote_error why = REMOTE_OK;
	double t0 = monotonic_now();
	struct remote *r = remote_open(&o, &why, &err);
	printf("error %s\n", remote_error_name(why));
	printf("open_seconds %.3f\n", monotonic_now() - t0);
	if (!r) {
		printf("reason %s\n", buf_cstr(&err));
		buf_free(&err);
		return 1;
	}
	int rc = 0;
	/* --repeat: several commands over one session, as a handler may run */
	for (int n = 0; n < repeat; n++) {
		struct buf out = BUF_INIT, errout = BUF_INIT;
		int status;
		buf_reset(&err);
		t0 = monotonic_now();
		rc = remote_exec(r, cmd, exec_timeout, &out, &errout, &status, &err);
		printf("exit %d\n", status);
		printf("exec_seconds %.3f\n", monotonic_now() - t0);
		if (rc != 0)
			printf("reason %s\n", buf_cstr(&err));
		if (*remote_exit_signal(r))
			printf("signal %s\n", remote_exit_signal(r));
		printf("timed_out %d\n", remote_timed_out(r));
		printf("stdout_len %zu\nstderr_len %zu\n", out.len, errout.len);
		printf("dropped_stdout %zu\ndropped_stderr %zu\n", remote_dropped_stdout(r), remote_dropped_stderr(r));
		if (out_file && write_file(out_file, &out) != 0)
			rc = -1;
		if (err_file && write_file(err_file, &errout) != 0)
			rc = -1;
		buf_free(&out);
		buf_free(&errout);
	}
	remote_close(r);
	buf_free(&err);
	return rc == 0 ? 0 : 1;
}
