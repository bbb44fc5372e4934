/* AWS Signature Version 4, header form. Four steps, one function each:
 * canonical request, string to sign, signing key, Authorization header. */
#include "sigv4.h"

#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define ALGORITHM "AWS4-HMAC-SHA256"

static const char hexdig[] = "0123456789abcdef";

static void hex(const unsigned char *d, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hexdig[d[i] >> 4];
		out[2 * i + 1] = hexdig[d[i] & 15];
	}
	out[2 * n] = '\0';
}

void sigv4_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	SHA256(data, len, md);
	hex(md, sizeof md, out);
}

void sigv4_amz_date(time_t t, char out[17])
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

/* ---- canonical request ------------------------------------------------- */

static bool unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

/* RFC 3986 encoding as SigV4 wants it: everything but the unreserved
 * characters as %XX with upper-case hex. */
static void uri_encode(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (unreserved(c)) {
			buf_putc(b, (char)c);
		} else {
			char e[3] = { '%', hex[c >> 4], hex[c & 15] };
			buf_add(b, e, 3);
		}
	}
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* A query name or value as sent may already be percent-encoded: decode
 * it, so that the encoding above is applied exactly once. */
static void uri_decode(struct buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int hi, lo;
		if (s[i] == '%' && i + 2 < n && (hi = hexval(s[i + 1])) >= 0 && (lo = hexval(s[i + 2])) >= 0) {
			buf_putc(b, (char)(hi * 16 + lo));
			i += 2;
		} else {
			buf_putc(b, s[i]);
		}
	}
}

/* The path without empty, "." and ".." segments (services other than S3
 * sign the normalized path), each segment encoded. */
static void canonical_path(struct buf *b, const char *path)
{
	size_t cap = strlen(path) + 1, n = 0;
	const char **seg = xcalloc(cap, sizeof *seg);
	size_t *len = xcalloc(cap, sizeof *len);
	bool trailing = false;
	for (const char *p = path; *p;) {
		while (*p == '/')
			p++;
		size_t l = strcspn(p, "/");
		if (l == 0)
			break;
		trailing = p[l] == '/';
		if (l == 1 && p[0] == '.') {
			trailing = true;
		} else if (l == 2 && p[0] == '.' && p[1] == '.') {
			if (n > 0)
				n--;
			trailing = true;
		} else {
			seg[n] = p;
			len[n++] = l;
		}
		p += l;
	}
	buf_putc(b, '/');
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			buf_putc(b, '/');
		uri_encode(b, seg[i], len[i]);
	}
	if (n > 0 && trailing)
		buf_putc(b, '/');
	free(seg);
	free(len);
}

struct param {
	char *name, *value;         /* encoded */
};

static int param_cmp(const void *a, const void *b)
{
	const struct param *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : strcmp(x->value, y->value);
}

static char *encoded(const char *s, size_t n)
{
	struct buf raw = BUF_INIT, enc = BUF_INIT;
	uri_decode(&raw, s, n);
	uri_encode(&enc, raw.s ? raw.s : "", raw.len);
	buf_free(&raw);
	char *r = xstrdup(buf_cstr(&enc));
	buf_free(&enc);
	return r;
}

/* name=value pairs encoded and sorted by name, then value; a name without
 * '=' gets an empty value. */
static void canonical_query(struct buf *b, const char *q)
{
	if (!q || !*q)
		return;
	size_t cap = 1, n = 0;
	for (const char *p = q; *p; p++)
		cap += *p == '&';
	struct param *v = xcalloc(cap, sizeof *v);
	for (const char *p = q; *p;) {
		size_t l = strcspn(p, "&");
		if (l > 0) {
			const char *eq = memchr(p, '=', l);
			size_t nl = eq ? (size_t)(eq - p) : l;
			v[n].name = encoded(p, nl);
			v[n].value = eq ? encoded(eq + 1, l - nl - 1) : xstrdup("");
			n++;
		}
		p += l;
		if (*p == '&')
			p++;
	}
	qsort(v, n, sizeof *v, param_cmp);
	for (size_t i = 0; i < n; i++) {
		buf_printf(b, "%s%s=%s", i ? "&" : "", v[i].name, v[i].value);
		free(v[i].name);
		free(v[i].value);
	}
	free(v);
}

struct hdr {
	char *name;                 /* lower case */
	struct buf value;           /* trimmed values joined with ',' */
};

static int hdr_cmp(const void *a, const void *b)
{
	return strcmp(((const struct hdr *)a)->name, ((const struct hdr *)b)->name);
}

/* Value trimmed, runs of blanks inside as one space. */
static void trimmed(struct buf *b, const char *v)
{
	while (*v == ' ' || *v == '\t')
		v++;
	bool blank = false;
	for (; *v; v++) {
		if (*v == ' ' || *v == '\t') {
			blank = true;
			continue;
		}
		if (blank)
			buf_putc(b, ' ');
		blank = false;
		buf_putc(b, *v);
	}
}

/* Canonical headers and the signed-headers list; NULL or a reason. */
static const char *canonical_headers(struct buf *ch, struct buf *signed_list, const struct sigv4_request *r)
{
	struct hdr *h = xcalloc(r->nheaders ? r->nheaders : 1, sizeof *h);
	size_t n = 0;
	const char *err = NULL;
	for (size_t i = 0; i < r->nheaders && !err; i++) {
		const char *name = r->headers[i].name, *value = r->headers[i].value;
		if (!name || !*name || strpbrk(name, " \t\r\n:") || !value || strpbrk(value, "\r\n")) {
			err = "a header name or value that cannot be sent";
			break;
		}
		char *lower = xstrdup(name);
		for (char *p = lower; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p | 0x20);
		size_t k = 0;
		while (k < n && strcmp(h[k].name, lower) != 0)
			k++;
		if (k == n) {
			h[n].name = lower;
			n++;
		} else {
			free(lower);
			buf_putc(&h[k].value, ',');
		}
		trimmed(&h[k].value, value);
	}
	qsort(h, n, sizeof *h, hdr_cmp);
	for (size_t i = 0; i < n; i++) {
		buf_printf(ch, "%s:%s\n", h[i].name, buf_cstr(&h[i].value));
		buf_printf(signed_list, "%s%s", i ? ";" : "", h[i].name);
		free(h[i].name);
		buf_free(&h[i].value);
	}
	free(h);
	return err;
}

static const char *canonical_request(const struct sigv4_request *r, struct buf *creq, struct buf *signed_list)
{
	struct buf ch = BUF_INIT;
	char body_hash[65];
	const char *err = canonical_headers(&ch, signed_list, r);
	if (!err) {
		sigv4_sha256_hex(r->body ? r->body : "", r->body ? r->body_len : 0, body_hash);
		buf_printf(creq, "%s\n", r->method);
		canonical_path(creq, r->path && *r->path ? r->path : "/");
		buf_putc(creq, '\n');
		canonical_query(creq, r->query);
		buf_putc(creq, '\n');
		buf_add(creq, ch.s ? ch.s : "", ch.len);
		buf_printf(creq, "\n%s\n%s", buf_cstr(signed_list), body_hash);
	}
	buf_free(&ch);
	return err;
}

/* ---- string to sign, signing key, header ------------------------------- */

static void hmac(const void *key, size_t klen, const char *msg, unsigned char out[32])
{
	unsigned int n = 32;
	HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)msg, strlen(msg), out, &n);
}

static void signing_key(const struct sigv4_key *k, const char *date, unsigned char out[32])
{
	struct buf secret = BUF_INIT;
	unsigned char a[32], b[32];
	buf_printf(&secret, "AWS4%s", k->secret_key);
	hmac(secret.s, secret.len, date, a);
	explicit_bzero(secret.s, secret.len);
	buf_free(&secret);
	hmac(a, 32, k->region, b);
	hmac(b, 32, k->service, a);
	hmac(a, 32, "aws4_request", out);
	explicit_bzero(a, sizeof a);
	explicit_bzero(b, sizeof b);
}

static bool amz_date_ok(const char *d)
{
	if (!d || strlen(d) != 16 || d[8] != 'T' || d[15] != 'Z')
		return false;
	for (int i = 0; i < 15; i++)
		if (i != 8 && (d[i] < '0' || d[i] > '9'))
			return false;
	return true;
}

static bool scope_part_ok(const char *s)
{
	return s && *s && !strpbrk(s, "/ \t\r\n,");
}

const char *sigv4_sign(const struct sigv4_request *r, const struct sigv4_key *k, const char *amz_date,
                       struct sigv4_result *out)
{
	*out = (struct sigv4_result){ BUF_INIT, BUF_INIT, BUF_INIT };
	if (!amz_date_ok(amz_date))
		return "the date is not YYYYMMDDTHHMMSSZ";
	if (!scope_part_ok(k->access_key) || !scope_part_ok(k->region) || !scope_part_ok(k->service))
		return "the access key, region or service is empty or holds '/', ',' or a blank";
	if (!k->secret_key || !*k->secret_key)
		return "the secret key is empty";
	if (!r->method || !*r->method || strpbrk(r->method, " \t\r\n"))
		return "not a method";

	struct buf signed_list = BUF_INIT;
	const char *err = canonical_request(r, &out->creq, &signed_list);
	if (err) {
		buf_free(&signed_list);
		sigv4_result_free(out);
		return err;
	}
	char date[9], creq_hash[65], sig[65];
	memcpy(date, amz_date, 8);
	date[8] = '\0';
	sigv4_sha256_hex(out->creq.s, out->creq.len, creq_hash);
	buf_printf(&out->sts, ALGORITHM "\n%s\n%s/%s/%s/aws4_request\n%s", amz_date, date, k->region, k->service,
	           creq_hash);

	unsigned char key[32], mac[32];
	signing_key(k, date, key);
	hmac(key, sizeof key, buf_cstr(&out->sts), mac);
	explicit_bzero(key, sizeof key);
	hex(mac, sizeof mac, sig);
	buf_printf(&out->authz, ALGORITHM " Credential=%s/%s/%s/%s/aws4_request, SignedHeaders=%s, Signature=%s",
	           k->access_key, date, k->region, k->service, buf_cstr(&signed_list), sig);
	buf_free(&signed_list);
	return NULL;
}

void sigv4_result_free(struct sigv4_result *out)
{
	buf_free(&out->creq);
	buf_free(&out->sts);
	buf_free(&out->authz);
}
