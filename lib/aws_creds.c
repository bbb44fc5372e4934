/* AWS credentials: the environment, the shared credentials file, the
 * instance role (IMDSv2). One function per source; aws_creds_load()
 * walks them in the SDKs' order. */
#include "aws_creds.h"
#include "ini.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "cloudwatch_http.h"
#include "secret.h"

#define IMDS_DEFAULT "http://169.254.169.254"
#define IMDS_ROLE_PATH "/latest/meta-data/iam/security-credentials/"

static char why[512];
/* what the shared credentials file gave when it gave nothing: for the
 * last "no credentials" word, as the file may be a wrong path */
static char file_note[400];

static const char *reason(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *reason(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	return why;
}

/* Copies a key into a fixed field; false when it does not fit or is not
 * printable ASCII without blanks (what AWS keys are). */
static bool set_key(char *dst, size_t size, const char *v)
{
	size_t n = strlen(v);
	if (n == 0 || n >= size)
		return false;
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p <= ' ' || *p >= 0x7f)
			return false;
	memcpy(dst, v, n + 1);
	return true;
}

static bool set_token(struct aws_creds *c, const char *v)
{
	free(c->token);
	c->token = NULL;
	if (!v || !*v)
		return true;
	/* it goes into a header as it is: printable ASCII, no blank */
	if (strlen(v) > 16384)
		return false;
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p <= ' ' || *p >= 0x7f)
			return false;
	c->token = xstrdup(v);
	return true;
}

/* ---- 1. the environment ------------------------------------------------ */

/* 1 found, 0 not set, -1 (with why) set but unusable. */
static int from_env(struct aws_creds *c)
{
	const char *id = secret_from_env("AWS_ACCESS_KEY_ID"), *key = secret_from_env("AWS_SECRET_ACCESS_KEY");
	if (!id && !key)
		return 0;
	if (!id || !key) {
		reason("%s is set but %s is not", id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
		       id ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
		return -1;
	}
	if (!set_key(c->access_key, sizeof c->access_key, id) || !set_key(c->secret_key, sizeof c->secret_key, key) ||
	    !set_token(c, secret_from_env("AWS_SESSION_TOKEN"))) {
		reason("the AWS_* credentials in the environment are not keys (blanks, or too long)");
		return -1;
	}
	snprintf(c->source, sizeof c->source, "environment");
	return 1;
}

/* ---- 2. the shared credentials file ------------------------------------ */

struct profile_scan {
	const char *want;
	bool seen;
	char *id, *key, *token;
	const char *unsupported;    /* a key that asks for a flow we do not do */
};

static void take(char **dst, const char *v)
{
	if (*dst)
		explicit_bzero(*dst, strlen(*dst));
	free(*dst);
	*dst = xstrdup(v);
}

static void on_pair(struct profile_scan *s, const char *section, const char *name, const char *value)
{
	if (strcmp(section, s->want) != 0)
		return;
	s->seen = true;
	if (strcasecmp(name, "aws_access_key_id") == 0)
		take(&s->id, value);
	else if (strcasecmp(name, "aws_secret_access_key") == 0)
		take(&s->key, value);
	else if (strcasecmp(name, "aws_session_token") == 0)
		take(&s->token, value);
	else if (strcasecmp(name, "role_arn") == 0)
		s->unsupported = "role_arn (assume role)";
	else if (strcasecmp(name, "credential_process") == 0)
		s->unsupported = "credential_process";
	else if (strncasecmp(name, "sso_", 4) == 0)
		s->unsupported = "IAM Identity Center (sso_*)";
}

/* [section] and key = value lines, ';' or '#' comments, as botocore reads
 * them (lib/ini: no line limit; an aws_session_token line is ~1 KB). */
static int on_ini(void *user, const char *section, const char *name, const char *value)
{
	on_pair(user, section, name, value);
	return 1;
}

static int parse_profiles(FILE *f, struct profile_scan *scan)
{
	return ini_parse_stream(f, on_ini, scan);
}

static const char *credentials_path(char *out, size_t size)
{
	const char *env = secret_from_env("AWS_SHARED_CREDENTIALS_FILE");
	if (env) {
		snprintf(out, size, "%s", env);
		return out;
	}
	const char *home = secret_from_env("HOME");
	if (!home) {
		struct passwd *pw = getpwuid(geteuid());
		home = pw ? pw->pw_dir : NULL;
	}
	if (!home)
		return NULL;
	snprintf(out, size, "%s/.aws/credentials", home);
	return out;
}

/* The file must not be readable by others: it holds secrets. */
static FILE *open_private(const char *path, bool *missing)
{
	*missing = false;
	/* lib/secret: a FIFO is refused at once, never waited on */
	char r[128];
	struct stat st;
	int fd = file_open_regular(path, 0, &st, r, sizeof r);
	if (fd < 0) {
		*missing = errno == ENOENT;
		reason("%.300s: %s", path, r);
		return NULL;
	}
	if (st.st_mode & 077) {
		close(fd);
		reason("%s has mode %04o: it holds secrets, make it 0600", path, (unsigned)(st.st_mode & 07777));
		return NULL;
	}
	if (st.st_uid != geteuid() && st.st_uid != 0) {
		close(fd);
		reason("%s belongs to another user", path);
		return NULL;
	}
	FILE *f = fdopen(fd, "r");
	if (!f)
		close(fd);
	return f;
}

int aws_creds_profile(struct aws_creds *c, FILE *f, const char *path, const char *profile, bool required,
                      const char **err)
{
	struct profile_scan s = { .want = profile };
	int bad = parse_profiles(f, &s);
	int e = errno;
	int rc = -1;
	if (bad < 0)   /* not read whole: too large, a NUL byte, a read error */
		reason("%.300s: cannot read it: %s", path,
		       e == EFBIG ? "too large" : e == EILSEQ ? "it holds a NUL byte" : strerror(e));
	else if (bad)
		reason("%s: cannot parse line %d", path, bad);
	else if (!s.seen)
		rc = required ? (reason("%s has no profile [%s]", path, profile), -1) : 0;
	else if ((!s.id || !s.key) && s.unsupported)
		reason("%s [%s] uses %s, which check_cloudwatch does not support: give keys or use an "
		       "instance role", path, profile, s.unsupported);
	else if (!s.id || !s.key)
		reason("%s [%s]: aws_access_key_id or aws_secret_access_key is missing", path, profile);
	else if (!set_key(c->access_key, sizeof c->access_key, s.id) ||
	         !set_key(c->secret_key, sizeof c->secret_key, s.key) || !set_token(c, s.token))
		reason("%s [%s]: the keys are not keys (blanks, or too long)", path, profile);
	else {
		snprintf(c->source, sizeof c->source, "%.120s [%.60s]", path, profile);
		rc = 1;
	}
	if (s.key)
		explicit_bzero(s.key, strlen(s.key));
	if (s.token)
		explicit_bzero(s.token, strlen(s.token));
	free(s.id);
	free(s.key);
	free(s.token);
	*err = rc < 0 ? why : NULL;
	return rc;
}

/* 1 found, 0 (no file, or no such profile when not required), -1 with why. */
static int from_file(struct aws_creds *c, const char *profile, bool required)
{
	char path[4096];
	if (!credentials_path(path, sizeof path)) {
		reason("no HOME to find ~/.aws/credentials in");
		return required ? -1 : 0;
	}
	bool missing;
	FILE *f = open_private(path, &missing);
	if (!f) {
		/* the chain goes on; its last word names this file */
		snprintf(file_note, sizeof file_note, "%.390s", why);
		return missing && !required ? 0 : -1;
	}
	const char *err;
	int rc = aws_creds_profile(c, f, path, profile, required, &err);
	fclose(f);
	if (rc == 0)
		snprintf(file_note, sizeof file_note, "%.300s (no profile [%.60s])", path, profile);
	return rc;
}

/* ---- 3. the instance role, IMDSv2 -------------------------------------- */

static const char *imds_call(const char *method, const char *base, const char *path, const char *header,
                             double timeout, struct cw_http_res *res)
{
	struct buf url = BUF_INIT;
	size_t n = strlen(base);
	buf_add(&url, base, n > 0 && base[n - 1] == '/' ? n - 1 : n);
	buf_puts(&url, path);
	const char *hdrs[] = { header };
	struct cw_http_req req = { .method = method, .url = buf_cstr(&url), .headers = hdrs, .nheaders = 1,
	                           .timeout = timeout, .connect_timeout = 1, .no_proxy = true };
	enum cw_http_rc rc = cw_http(&req, res);
	const char *err = NULL;
	if (rc != CWH_OK)
		err = reason("instance metadata %s: %s", buf_cstr(&url), res->error);
	else if (res->code != 200)
		err = reason("instance metadata %s %s: HTTP %ld", method, buf_cstr(&url), res->code);
	buf_free(&url);
	return err;
}

/* printable ASCII without blanks, as keys, tokens and role names are */
static bool one_word(const char *b, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)b[i] <= ' ' || (unsigned char)b[i] >= 0x7f)
			return false;
	return true;
}

bool aws_creds_imds_token(const char *body, size_t len)
{
	return len > 0 && len <= 4096 && one_word(body, len);
}

bool aws_creds_imds_role(const char *body, size_t len, char *role, size_t size)
{
	/* one role per instance profile: the first line, a name that fits a path */
	size_t l = 0;
	while (l < len && body[l] != '\r' && body[l] != '\n')
		l++;
	if (l == 0 || l >= size)
		return false;
	if (!one_word(body, l) || memchr(body, '/', l) || memchr(body, '?', l) || memchr(body, '#', l) ||
	    memchr(body, '%', l))
		return false;
	memcpy(role, body, l);
	role[l] = '\0';
	return true;
}

/* AWS's error codes are words ("AssumeRoleUnauthorizedAccess"): anything
 * else (a line break, a value that holds a key) is not quoted. */
static const char *code_text(const char *code, const char *id, const char *key, const char *tok)
{
	size_t n = strlen(code);
	if (n == 0 || n > 64 || strspn(code, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") != n)
		return "an unexpected code";
	const char *vals[] = { id, key, tok };
	for (size_t i = 0; i < 3; i++)
		if (vals[i] && *vals[i] && (strstr(code, vals[i]) || strstr(vals[i], code)))
			return "an unexpected code";
	return code;
}

const char *aws_creds_imds_json(struct aws_creds *c, const char *body, size_t len, const char *role)
{
	json_error_t je;
	json_t *j = json_loadb(body, len, 0, &je);
	const char *code = json_string_value(json_object_get(j, "Code"));
	const char *id = json_string_value(json_object_get(j, "AccessKeyId"));
	const char *key = json_string_value(json_object_get(j, "SecretAccessKey"));
	const char *tok = json_string_value(json_object_get(j, "Token"));
	const char *err = NULL;
	if (!j)
		err = reason("instance metadata: the credentials of role %s are not JSON", role);
	else if (code && strcmp(code, "Success") != 0)
		err = reason("instance metadata: role %s: %s", role, code_text(code, id, key, tok));
	else if (!id || !key || !set_key(c->access_key, sizeof c->access_key, id) ||
	         !set_key(c->secret_key, sizeof c->secret_key, key) || !set_token(c, tok))
		err = reason("instance metadata: role %s: no usable AccessKeyId/SecretAccessKey", role);
	else
		snprintf(c->source, sizeof c->source, "instance role %.150s", role);
	json_decref(j);
	return err;
}

static const char *from_imds(struct aws_creds *c, double timeout)
{
	const char *base = secret_from_env("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	base = base ? base : IMDS_DEFAULT;
	struct cw_http_res res;
	const char *err = imds_call("PUT", base, "/latest/api/token", "X-aws-ec2-metadata-token-ttl-seconds: 300",
	                            timeout, &res);
	struct buf auth = BUF_INIT;
	if (!err) {
		if (!aws_creds_imds_token(res.body.s, res.body.len))
			err = reason("instance metadata: the session token is not one line");
		else
			buf_printf(&auth, "X-aws-ec2-metadata-token: %s", buf_cstr(&res.body));
	}
	cw_http_res_free(&res);
	char role[256] = "";
	if (!err) {
		err = imds_call("GET", base, IMDS_ROLE_PATH, buf_cstr(&auth), timeout, &res);
		if (!err) {
			if (!aws_creds_imds_role(buf_cstr(&res.body), res.body.len, role, sizeof role))
				err = reason("instance metadata: no IAM role is attached to this instance");
		}
		cw_http_res_free(&res);
	}
	if (!err) {
		struct buf path = BUF_INIT;
		buf_printf(&path, IMDS_ROLE_PATH "%s", role);
		err = imds_call("GET", base, buf_cstr(&path), buf_cstr(&auth), timeout, &res);
		buf_free(&path);
		if (!err) {
			err = aws_creds_imds_json(c, res.body.s ? res.body.s : "", res.body.len, role);
		}
		if (res.body.s)
			explicit_bzero(res.body.s, res.body.len);
		cw_http_res_free(&res);
	}
	buf_free(&auth);
	return err;
}

/* ---- the chain --------------------------------------------------------- */

const char *aws_creds_load(struct aws_creds *c, const char *profile, double timeout)
{
	*c = (struct aws_creds){ .token = NULL };
	snprintf(file_note, sizeof file_note, "~/.aws/credentials");
	if (profile)
		return from_file(c, profile, true) == 1 ? NULL : why;
	int rc = from_env(c);
	if (rc != 0)
		return rc == 1 ? NULL : why;
	const char *env_profile = secret_from_env("AWS_PROFILE");
	rc = from_file(c, env_profile ? env_profile : "default", env_profile != NULL);
	if (rc != 0)
		return rc == 1 ? NULL : why;
	const char *off = secret_from_env("AWS_EC2_METADATA_DISABLED");
	if (off && strcasecmp(off, "true") == 0)
		return reason("no credentials: none in the environment or %s, and AWS_EC2_METADATA_DISABLED=true",
		              file_note);
	const char *err = from_imds(c, timeout);
	if (!err)
		return NULL;
	char detail[sizeof why];
	snprintf(detail, sizeof detail, "%s", err);
	return reason("no credentials: none in the environment or %s; %s", file_note, detail);
}

void aws_creds_free(struct aws_creds *c)
{
	explicit_bzero(c->secret_key, sizeof c->secret_key);
	if (c->token) {
		explicit_bzero(c->token, strlen(c->token));
		free(c->token);
	}
	c->token = NULL;
}
