/* check_cloudwatch's credentials: the shared credentials file (any text a
 * user or a tool left in ~/.aws/credentials) and the instance metadata's
 * answers (session token, role list, the role's JSON). Input: the file,
 * NUL, the answer. Credentials come only from the section named exactly
 * as asked ([default], never [Default] nor [ default x]), as the last
 * values of that section; keys and tokens are printable words; an error
 * is one printable line that never quotes a secret of the input; a role
 * name or session token accepted is one word fit for a URL or a header.
 * SOURCES: lib/aws_creds.c lib/ini.c lib/secret.c lib/cloudwatch_http.c
 * LIBS: -ljansson -lcurl */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws_creds.h"
#include "ini.h"

/* an independent read of the same file: the last id and key per section */
struct want {
	const char *section;
	char *id, *key;
	char *secrets[8];
	size_t nsecrets;
};

static int on_pair(void *user, const char *section, const char *name, const char *value)
{
	struct want *w = user;
	bool secret = !strcasecmp(name, "aws_secret_access_key") || !strcasecmp(name, "aws_session_token");
	if (secret && strlen(value) >= 16 && w->nsecrets < 8)
		w->secrets[w->nsecrets++] = strdup(value);
	if (strcmp(section, w->section) != 0)
		return 1;
	char **dst = !strcasecmp(name, "aws_access_key_id")       ? &w->id
	           : !strcasecmp(name, "aws_secret_access_key") ? &w->key
	                                                        : NULL;
	if (dst) {
		free(*dst);
		*dst = strdup(value);
	}
	return 1;
}

static bool word(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

/* the words of lib/aws_creds.c's own messages: a "secret" made of them
 * (aws_secret_access_key=aws_secret_access_key, found after 7.1 million
 * inputs) is in a message without being quoted from the input */
static bool own_words(const char *secret)
{
	static const char own[] = "fuzz-credentials fuzz-role aws_access_key_id or aws_secret_access_key is missing "
	                          "which check_cloudwatch does not support: give keys or use an instance role "
	                          "the keys are not keys (blanks, or too long) cannot read it: cannot parse line "
	                          "has no profile";
	return strstr(own, secret) != NULL;
}

/* one line of printable ASCII quoting none of the secrets */
static void message_ok(const char *m, char *const *secrets, size_t n)
{
	for (const char *p = m; *p; p++)
		if ((unsigned char)*p < ' ' || (unsigned char)*p >= 0x7f)
			abort();
	for (size_t i = 0; i < n; i++)
		if (secrets[i] && strlen(secrets[i]) >= 16 && strstr(m, secrets[i]) && !own_words(secrets[i]))
			abort();
}

static void creds_ok(const struct aws_creds *c)
{
	if (!*c->access_key || !*c->secret_key || !word(c->access_key) || !word(c->secret_key) ||
	    (c->token && (!*c->token || !word(c->token))))
		abort();
}

static void profile(const char *text, size_t len, const char *name)
{
	struct want w = { .section = name };
	FILE *f = fmemopen((void *)text, len ? len : 1, "r");
	if (!f)
		return;
	int bad = ini_parse_stream(f, on_pair, &w);
	rewind(f);
	struct aws_creds c = { .token = NULL };
	const char *err;
	int rc = aws_creds_profile(&c, f, "fuzz-credentials", name, false, &err);
	fclose(f);
	if (rc == 1) {
		creds_ok(&c);
		if (bad || !w.id || !w.key || strcmp(w.id, c.access_key) || strcmp(w.key, c.secret_key))
			abort();
	} else if (rc < 0) {
		message_ok(err, w.secrets, w.nsecrets);
	} else if (w.id || w.key) {
		abort();  /* "no such section" while it had keys */
	}
	aws_creds_free(&c);
	free(w.id);
	free(w.key);
	for (size_t i = 0; i < w.nsecrets; i++)
		free(w.secrets[i]);
}

static void imds(const char *body, size_t len)
{
	if (aws_creds_imds_token(body, len) && (len > 4096 || memchr(body, '\n', len) || memchr(body, ' ', len)))
		abort();
	char role[256];
	if (aws_creds_imds_role(body, len, role, sizeof role)) {
		size_t l = strlen(role);
		if (!l || !word(role) || strpbrk(role, "/?#%") || memcmp(role, body, l) ||
		    (l < len && body[l] != '\n' && body[l] != '\r'))
			abort();
	}
	json_t *j = json_loadb(body, len, 0, NULL);
	char *secrets[2] = { 0 };
	const char *k = json_string_value(json_object_get(j, "SecretAccessKey"));
	const char *t = json_string_value(json_object_get(j, "Token"));
	secrets[0] = k ? strdup(k) : NULL;
	secrets[1] = t ? strdup(t) : NULL;
	struct aws_creds c = { .token = NULL };
	const char *err = aws_creds_imds_json(&c, body, len, "fuzz-role");
	if (err) {
		message_ok(err, secrets, 2);
	} else {
		creds_ok(&c);
		const char *id = json_string_value(json_object_get(j, "AccessKeyId"));
		if (!id || !k || strcmp(id, c.access_key) || strcmp(k, c.secret_key) || (t && *t && !c.token))
			abort();
	}
	aws_creds_free(&c);
	json_decref(j);
	free(secrets[0]);
	free(secrets[1]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	const char *nul = memchr(text, '\0', size);
	size_t flen = nul ? (size_t)(nul - text) : size;
	char *file = strndup(text, flen);
	profile(file, flen, "default");
	profile(file, flen, "Default");
	profile(file, flen, "prod");
	free(file);
	if (nul)
		imds(nul + 1, size - flen - 1);
	return 0;
}
