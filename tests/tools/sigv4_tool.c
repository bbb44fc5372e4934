/* sigv4_tool ACCESS_KEY REGION SERVICE FILE.req: reads a request in the
 * form of AWS's SigV4 test suite (request line, header lines, a blank
 * line, the body; a line starting with a blank continues the header above
 * as one more value), signs it with lib/sigv4 at the time of its
 * X-Amz-Date header and prints three sections, each as
 * "NAME LENGTH\n" followed by exactly LENGTH bytes and "\n":
 * creq (canonical request), sts (string to sign), authz (Authorization).
 * The secret key comes from the environment, SIGV4_SECRET_KEY. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "sigv4.h"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct buf b = BUF_INIT;
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	*len = b.len;
	return b.s ? b.s : xstrdup("");
}

/* The next line of text (LF or CRLF), NUL-terminated in place. */
static char *next_line(char **p, char *end)
{
	if (*p >= end)
		return NULL;
	char *line = *p, *nl = memchr(line, '\n', (size_t)(end - line));
	char *stop = nl ? nl : end;
	*p = nl ? nl + 1 : end;
	if (stop > line && stop[-1] == '\r')
		stop--;
	*stop = '\0';
	return line;
}

static void section(const char *name, const struct buf *b)
{
	printf("%s %zu\n", name, b->len);
	fwrite(b->s ? b->s : "", 1, b->len, stdout);
	putchar('\n');
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: sigv4_tool ACCESS_KEY REGION SERVICE FILE.req\n");
		return 2;
	}
	const char *secret = getenv("SIGV4_SECRET_KEY");
	size_t len;
	char *text = slurp(argv[4], &len);
	if (!secret || !text) {
		fprintf(stderr, "sigv4_tool: %s\n", !secret ? "SIGV4_SECRET_KEY is not set" : "cannot read the file");
		free(text);
		return 2;
	}
	char *p = text, *end = text + len;
	char *line = next_line(&p, end);
	char *sp1 = line ? strchr(line, ' ') : NULL;
	char *sp2 = sp1 ? strrchr(sp1 + 1, ' ') : NULL;
	if (!sp1 || !sp2 || sp2 == sp1) {
		fprintf(stderr, "sigv4_tool: no request line\n");
		free(text);
		return 2;
	}
	*sp1 = *sp2 = '\0';
	struct sigv4_request r = { .method = line, .path = sp1 + 1 };
	char *q = strchr(sp1 + 1, '?');
	if (q) {
		*q = '\0';
		r.query = q + 1;
	}

	struct sigv4_header *h = xcalloc(len + 1, sizeof *h);
	const char *date = NULL;
	while ((line = next_line(&p, end)) && *line) {
		if ((*line == ' ' || *line == '\t') && r.nheaders > 0) {
			h[r.nheaders] = (struct sigv4_header){ h[r.nheaders - 1].name, line };
		} else {
			char *colon = strchr(line, ':');
			if (!colon)
				continue;
			*colon = '\0';
			h[r.nheaders] = (struct sigv4_header){ line, colon + 1 };
		}
		if (strcasecmp(h[r.nheaders].name, "x-amz-date") == 0)
			date = h[r.nheaders].value;
		r.nheaders++;
	}
	r.headers = h;
	r.body = p;
	r.body_len = (size_t)(end - p);

	struct sigv4_key k = { argv[1], secret, argv[2], argv[3] };
	struct sigv4_result out;
	const char *err = sigv4_sign(&r, &k, date, &out);
	if (err) {
		fprintf(stderr, "sigv4_tool: %s\n", err);
	} else {
		section("creq", &out.creq);
		section("sts", &out.sts);
		section("authz", &out.authz);
		sigv4_result_free(&out);
	}
	free(h);
	free(text);
	return err ? 1 : 0;
}
