#define PCRE2_CODE_UNIT_WIDTH 8
#include "logscan.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

#include "num.h"
#include "timeout.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define HAVE_AVX2_SEARCH 1
#endif

enum {
	MAX_LITS = 64,
	MIN_LIT = 3,                 /* the search looks at three bytes; shorter strings go to PCRE2 */
	BUCKETS = 8,
	READ_SIZE = 1 << 20,
	RING = 64,                   /* last matched lines kept for the summary */
	RING_BYTES = 4 * LOGSCAN_SUMMARY_CHARS,  /* a character is <= 4 bytes: enough for any cut */
	LABEL_TEXT = 32,             /* a pattern up to this long is its own perfdata label */
};

/* Runbook 002's keyword table, word for word (grep -i, so substrings). */
static const struct {
	const char *name;
	const char *words[4];
} classes[] = {
	{ "errors", { "warning", "err", "abort" } },
	{ "network", { "timeout", "timed out" } },
	{ "access", { "refused", "reject", "not permitted", "denied" } },
	{ "auth", { "fail", "incorrect", "invalid" } },
	{ "cgi", { "/phf", "/php", "/test-cgi" } },
	{ "portscan", { "null connection", "eof received" } },
	{ "dictionary", { "authentication failed", "repeated login failures", "login incorrect" } },
	{ "passwd", { "passwd" } },
};
enum { NCLASSES = sizeof classes / sizeof classes[0] };

struct literal {
	unsigned char *s;            /* folded to lower case when caseless */
	size_t len;
	bool caseless;
	unsigned pat;
};

struct pattern {
	char *label;
	pcre2_code *re;              /* NULL: found through literals */
	unsigned long long count;
};

struct ring_line {
	const char *tag;
	size_t len;                  /* bytes kept */
	bool cut;                    /* the line was longer than kept */
	char text[RING_BYTES];
};

struct logscan {
	struct pattern pat[LOGSCAN_MAX_PATTERNS];
	size_t npat, nstrings, nregex;
	struct literal lit[MAX_LITS];
	size_t nlit, minlen;
	unsigned rx[LOGSCAN_MAX_PATTERNS];     /* indexes of regex patterns */
	size_t nrx;
	pcre2_code *excl[LOGSCAN_MAX_PATTERNS];
	size_t nexcl;
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	pcre2_jit_stack *jstack;
	/* search tables */
	uint64_t first[256];         /* literals by their first byte (both cases if caseless) */
	uint64_t tri[1024];          /* bitmap of hashed folded trigrams that start a literal */
	uint64_t bucket_lits[256];   /* literals by a byte of bucket bits */
	uint8_t lo[3][16], hi[3][16];/* bucket bits by nibble of bytes 0..2 */
	bool avx2, compiled;
	/* counts */
	unsigned long long matched, lines, bytes, rx_errors;
	struct ring_line *ring;
	size_t ring_next, ring_used;
	const char *tag;
	unsigned char *buf;
};

static unsigned char fold[256];

static void init_fold(void)
{
	for (int i = 0; i < 256; i++)
		fold[i] = (unsigned char)(i >= 'A' && i <= 'Z' ? i + 32 : i);
}

const char *logscan_class_name(size_t i)
{
	return i < NCLASSES ? classes[i].name : NULL;
}

const char *logscan_class_words(const char *name)
{
	static char joined[256];
	for (size_t i = 0; i < NCLASSES; i++) {
		if (strcmp(classes[i].name, name) != 0)
			continue;
		size_t n = 0;
		for (size_t w = 0; w < 4 && classes[i].words[w]; w++)
			n += (size_t)snprintf(joined + n, sizeof joined - n, "%s%s", w ? "|" : "", classes[i].words[w]);
		return joined;
	}
	return NULL;
}

struct logscan *logscan_new(void)
{
	init_fold();
	struct logscan *ls = xcalloc(1, sizeof *ls);
	ls->ring = xcalloc(RING, sizeof *ls->ring);
	ls->buf = xmalloc(READ_SIZE + LOGSCAN_LINE_LIMIT);
	return ls;
}

void logscan_free(struct logscan *ls)
{
	if (!ls)
		return;
	for (size_t i = 0; i < ls->npat; i++) {
		free(ls->pat[i].label);
		pcre2_code_free(ls->pat[i].re);
	}
	for (size_t i = 0; i < ls->nlit; i++)
		free(ls->lit[i].s);
	for (size_t i = 0; i < ls->nexcl; i++)
		pcre2_code_free(ls->excl[i]);
	pcre2_match_data_free(ls->md);
	pcre2_match_context_free(ls->mctx);
	pcre2_jit_stack_free(ls->jstack);
	free(ls->ring);
	free(ls->buf);
	free(ls);
}

static const char *add_pattern(struct logscan *ls, char *label)
{
	if (ls->npat >= LOGSCAN_MAX_PATTERNS) {
		free(label);
		return "too many patterns";
	}
	for (size_t i = 0; i < ls->npat; i++)
		if (strcmp(ls->pat[i].label, label) == 0) {
			free(label);
			return "given twice";
		}
	ls->pat[ls->npat++] = (struct pattern){ .label = label };
	return NULL;
}

static const char *add_literal(struct logscan *ls, const char *s, size_t len, bool caseless)
{
	if (ls->nlit >= MAX_LITS)
		return "too many strings";
	struct literal *l = &ls->lit[ls->nlit++];
	l->s = xmalloc(len + 1);
	for (size_t i = 0; i < len; i++)
		l->s[i] = caseless ? fold[(unsigned char)s[i]] : (unsigned char)s[i];
	l->s[len] = '\0';
	l->len = len;
	l->caseless = caseless;
	l->pat = (unsigned)ls->npat - 1;
	return NULL;
}

const char *logscan_add_class(struct logscan *ls, const char *name)
{
	for (size_t i = 0; i < NCLASSES; i++) {
		if (strcmp(classes[i].name, name) != 0)
			continue;
		const char *err = add_pattern(ls, xstrdup(name));
		for (size_t w = 0; !err && w < 4 && classes[i].words[w]; w++)
			err = add_literal(ls, classes[i].words[w], strlen(classes[i].words[w]), true);
		return err;
	}
	return "no such class (errors, network, access, auth, cgi, portscan, dictionary, passwd)";
}

static bool plain_label(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > LABEL_TEXT)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

static char *make_label(const char *text, const char *kind, size_t n)
{
	if (plain_label(text))
		return xstrdup(text);
	struct buf b = BUF_INIT;
	buf_printf(&b, "%s%zu", kind, n);
	return b.s;
}

static const char *compile_re(struct logscan *ls, const char *re, size_t len, bool caseless, pcre2_code **out)
{
	static char why[200];
	int code;
	PCRE2_SIZE off;
	if (memchr(re, '\n', len))
		return "holds a newline: lines are matched one at a time";
	/* UTF-8 semantics for the pattern; subjects may hold invalid UTF-8 */
	uint32_t flags = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | (caseless ? PCRE2_CASELESS : 0);
	*out = pcre2_compile((PCRE2_SPTR)re, len, flags, &code, &off, NULL);
	if (!*out) {
		PCRE2_UCHAR msg[120];
		pcre2_get_error_message(code, msg, sizeof msg);
		snprintf(why, sizeof why, "not a PCRE2 regex: %s at offset %zu", (char *)msg, (size_t)off);
		return why;
	}
	/* without JIT (no executable memory) pcre2_match interprets: slower,
	 * same result. Under valgrind's memcheck too: it cannot follow the
	 * JIT's generated code and reports its reads as uninitialised. */
	const char *pre = getenv("LD_PRELOAD");
	if (!pre || !strstr(pre, "vgpreload_memcheck"))
		(void)pcre2_jit_compile(*out, PCRE2_JIT_COMPLETE);
	(void)ls;
	return NULL;
}

static const char *add_regex_pattern(struct logscan *ls, const char *re, size_t len, bool caseless, char *label)
{
	pcre2_code *code;
	const char *err = compile_re(ls, re, len, caseless, &code);
	if (err) {
		free(label);
		return err;
	}
	if ((err = add_pattern(ls, label))) {
		pcre2_code_free(code);
		return err;
	}
	ls->pat[ls->npat - 1].re = code;
	ls->rx[ls->nrx++] = (unsigned)ls->npat - 1;
	return NULL;
}

static bool has_non_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return true;
	return false;
}

const char *logscan_add_string(struct logscan *ls, const char *text, bool caseless)
{
	size_t len = strlen(text);
	char *label = make_label(text, "string", ++ls->nstrings);
	if (len == 0) {
		free(label);
		return "an empty string matches every line";
	}
	if (memchr(text, '\n', len)) {
		free(label);
		return "holds a newline: lines are matched one at a time";
	}
	/* The literal search needs three bytes, and folds ASCII only: short
	 * strings and caseless non-ASCII ones go to PCRE2, quoted. */
	if (len < MIN_LIT || (caseless && has_non_ascii(text))) {
		struct buf q = BUF_INIT;
		for (const char *p = text; *p; p++) {
			unsigned char c = (unsigned char)*p;
			if (c < 0x80 && !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
				buf_putc(&q, '\\');
			buf_putc(&q, *p);
		}
		const char *err = add_regex_pattern(ls, q.s, q.len, caseless, label);
		buf_free(&q);
		return err;
	}
	const char *err = add_pattern(ls, label);
	return err ? err : add_literal(ls, text, len, caseless);
}

const char *logscan_add_regex(struct logscan *ls, const char *re, bool caseless)
{
	size_t len = strlen(re);
	if (len == 0)
		return "an empty regex matches every line";
	return add_regex_pattern(ls, re, len, caseless, make_label(re, "regex", ++ls->nregex));
}

const char *logscan_add_exclude(struct logscan *ls, const char *re, bool caseless)
{
	if (ls->nexcl >= LOGSCAN_MAX_PATTERNS)
		return "too many excludes";
	if (!*re)
		return "an empty regex excludes every line";
	return compile_re(ls, re, strlen(re), caseless, &ls->excl[ls->nexcl++]);
}

static uint32_t tri_hash(uint32_t w)
{
	return (w * 2654435761u) >> 16;
}

static int cmp_prefix(const void *a, const void *b, void *lits)
{
	const struct literal *l = lits;
	const unsigned char *x = l[*(const unsigned *)a].s, *y = l[*(const unsigned *)b].s;
	for (int k = 0; k < MIN_LIT; k++)
		if (fold[x[k]] != fold[y[k]])
			return fold[x[k]] - fold[y[k]];
	return 0;
}

const char *logscan_compile(struct logscan *ls)
{
	if (!ls->npat)
		return "no pattern";
	ls->minlen = SIZE_MAX;
	unsigned order[MAX_LITS];
	for (size_t j = 0; j < ls->nlit; j++) {
		const struct literal *l = &ls->lit[j];
		uint64_t bit = 1ull << j;
		if (l->len < ls->minlen)
			ls->minlen = l->len;
		ls->first[l->s[0]] |= bit;
		if (l->caseless && l->s[0] >= 'a' && l->s[0] <= 'z')
			ls->first[l->s[0] - 32] |= bit;
		uint32_t h = tri_hash((uint32_t)fold[l->s[0]] << 16 | (uint32_t)fold[l->s[1]] << 8 | fold[l->s[2]]);
		ls->tri[h >> 6] |= 1ull << (h & 63);
		order[j] = (unsigned)j;
	}
	/* Buckets of similar prefixes: fewer false candidates from the nibble masks. */
	qsort_r(order, ls->nlit, sizeof order[0], cmp_prefix, ls->lit);
	uint64_t bucket[BUCKETS] = { 0 };
	for (size_t r = 0; r < ls->nlit; r++) {
		unsigned j = order[r], b = (unsigned)(r * BUCKETS / ls->nlit);
		const struct literal *l = &ls->lit[j];
		bucket[b] |= 1ull << j;
		for (int k = 0; k < MIN_LIT; k++) {
			unsigned c = l->s[k];
			ls->lo[k][c & 15] |= (uint8_t)(1u << b);
			ls->hi[k][c >> 4] |= (uint8_t)(1u << b);
			if (l->caseless && c >= 'a' && c <= 'z')
				ls->hi[k][(c - 32) >> 4] |= (uint8_t)(1u << b);
		}
	}
	for (unsigned v = 0; v < 256; v++)
		for (unsigned b = 0; b < BUCKETS; b++)
			if (v & (1u << b))
				ls->bucket_lits[v] |= bucket[b];
#ifdef HAVE_AVX2_SEARCH
	/* MAMORI_LOGSCAN_PORTABLE=1: the portable search, so tests can compare both */
	const char *portable = getauxval(AT_SECURE) ? NULL : getenv("MAMORI_LOGSCAN_PORTABLE");
	ls->avx2 = __builtin_cpu_supports("avx2") && !(portable && *portable == '1');
#endif
	ls->md = pcre2_match_data_create(1, NULL);
	ls->mctx = pcre2_match_context_create(NULL);
	/* a pathological regex on a 64 KiB line gives up instead of running for minutes */
	pcre2_set_match_limit(ls->mctx, 1000000);
	ls->jstack = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, NULL);
	if (!ls->md || !ls->mctx || !ls->jstack)
		return "out of memory";
	pcre2_jit_stack_assign(ls->mctx, NULL, ls->jstack);
	ls->compiled = true;
	return NULL;
}

size_t logscan_npatterns(const struct logscan *ls) { return ls->npat; }
const char *logscan_label(const struct logscan *ls, size_t i) { return ls->pat[i].label; }
unsigned long long logscan_count(const struct logscan *ls, size_t i) { return ls->pat[i].count; }
unsigned long long logscan_matched(const struct logscan *ls) { return ls->matched; }
unsigned long long logscan_lines(const struct logscan *ls) { return ls->lines; }
unsigned long long logscan_bytes(const struct logscan *ls) { return ls->bytes; }
unsigned long long logscan_regex_errors(const struct logscan *ls) { return ls->rx_errors; }

void logscan_reset(struct logscan *ls)
{
	for (size_t i = 0; i < ls->npat; i++)
		ls->pat[i].count = 0;
	ls->matched = ls->lines = ls->bytes = ls->rx_errors = 0;
	ls->ring_next = ls->ring_used = 0;
	ls->tag = NULL;
}

/* ---- the literal search ---- */

/* Literals of cand that occur at q and end by lim. */
static uint64_t verify(const struct logscan *ls, const unsigned char *q, const unsigned char *lim, uint64_t cand)
{
	uint64_t hit = 0;
	while (cand) {
		unsigned j = (unsigned)__builtin_ctzll(cand);
		cand &= cand - 1;
		const struct literal *l = &ls->lit[j];
		if ((size_t)(lim - q) < l->len)
			continue;
		size_t k = 0;
		if (l->caseless)
			while (k < l->len && fold[q[k]] == l->s[k])
				k++;
		else
			while (k < l->len && q[k] == l->s[k])
				k++;
		if (k == l->len)
			hit |= 1ull << j;
	}
	return hit;
}

/* Portable: a bitmap of the literals' first three bytes (folded, hashed). */
static const unsigned char *find_scalar(const struct logscan *ls, const unsigned char *p, const unsigned char *lim,
                                        uint64_t *hit)
{
	if (lim - p < (ptrdiff_t)ls->minlen)
		return NULL;
	const unsigned char *last = lim - ls->minlen;
	uint32_t w = (uint32_t)fold[p[0]] << 8 | fold[p[1]];
	for (const unsigned char *q = p; q <= last; q++) {
		w = (w << 8 | fold[q[2]]) & 0xFFFFFF;
		uint32_t h = tri_hash(w);
		if ((ls->tri[h >> 6] >> (h & 63)) & 1) {
			uint64_t m = verify(ls, q, lim, ls->first[*q]);
			if (m) {
				*hit = m;
				return q;
			}
		}
	}
	return NULL;
}

#ifdef HAVE_AVX2_SEARCH
/* Hyperscan's "Teddy": each literal is in one of 8 buckets; for each of the
 * first three bytes a shuffle of its low and its high nibble gives the
 * buckets whose literals may have that byte there; 32 positions at a time,
 * AND over the three bytes leaves the candidates, which are verified. */
__attribute__((target("avx2")))
static const unsigned char *find_avx2(const struct logscan *ls, const unsigned char *p, const unsigned char *lim,
                                      uint64_t *hit)
{
	const __m256i nib = _mm256_set1_epi8(0x0f);
	__m256i lo[MIN_LIT], hi[MIN_LIT];
	for (int k = 0; k < MIN_LIT; k++) {
		lo[k] = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)ls->lo[k]));
		hi[k] = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)ls->hi[k]));
	}
	while (lim - p >= 32 + MIN_LIT - 1) {
		__m256i m = _mm256_set1_epi8(-1);
		for (int k = 0; k < MIN_LIT; k++) {
			__m256i c = _mm256_loadu_si256((const __m256i *)(const void *)(p + k));
			__m256i l = _mm256_shuffle_epi8(lo[k], _mm256_and_si256(c, nib));
			__m256i h = _mm256_shuffle_epi8(hi[k], _mm256_and_si256(_mm256_srli_epi16(c, 4), nib));
			m = _mm256_and_si256(m, _mm256_and_si256(l, h));
		}
		uint32_t bits = ~(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(m, _mm256_setzero_si256()));
		if (bits) {
			uint8_t b[32];
			_mm256_storeu_si256((__m256i *)(void *)b, m);
			while (bits) {
				unsigned i = (unsigned)__builtin_ctz(bits);
				bits &= bits - 1;
				/* the nibble masks mix the buckets' bytes: the trigram bitmap
				 * drops most of those false candidates before the compare */
				uint32_t h = tri_hash((uint32_t)fold[p[i]] << 16 | (uint32_t)fold[p[i + 1]] << 8 | fold[p[i + 2]]);
				if (!((ls->tri[h >> 6] >> (h & 63)) & 1))
					continue;
				uint64_t v = verify(ls, p + i, lim, ls->bucket_lits[b[i]] & ls->first[p[i]]);
				if (v) {
					*hit = v;
					return p + i;
				}
			}
		}
		p += 32;
	}
	return find_scalar(ls, p, lim, hit);
}
#endif

/* The first position >= p where a literal starts and ends by lim. */
static const unsigned char *lit_find(const struct logscan *ls, const unsigned char *p, const unsigned char *lim,
                                     uint64_t *hit)
{
	if (!ls->nlit || lim - p < (ptrdiff_t)ls->minlen)
		return NULL;
#ifdef HAVE_AVX2_SEARCH
	if (ls->avx2)
		return find_avx2(ls, p, lim, hit);
#endif
	return find_scalar(ls, p, lim, hit);
}

/* ---- lines ---- */

static bool re_match(struct logscan *ls, pcre2_code *re, const unsigned char *s, size_t len)
{
	int rc = pcre2_match(re, (PCRE2_SPTR)s, len, 0, 0, ls->md, ls->mctx);
	if (rc >= 0)
		return true;
	if (rc != PCRE2_ERROR_NOMATCH)
		ls->rx_errors++;
	return false;
}

static void ring_add(struct logscan *ls, const unsigned char *s, size_t len)
{
	while (len && (s[len - 1] == '\r'))
		len--;
	struct ring_line *r = &ls->ring[ls->ring_next];
	r->tag = ls->tag;
	r->cut = len > RING_BYTES;
	r->len = r->cut ? RING_BYTES : len;
	/* not inside a UTF-8 character: its first bytes would show as \xNN */
	for (size_t back = 0; r->cut && back < 3 && (s[r->len] & 0xC0) == 0x80; back++)
		r->len--;
	memcpy(r->text, s, r->len);
	ls->ring_next = (ls->ring_next + 1) % RING;
	if (ls->ring_used < RING)
		ls->ring_used++;
}

/* One line [s, e), e at its newline or the end of the data; literal hits
 * start no earlier than from. Past LOGSCAN_LINE_LIMIT nothing is looked at. */
static void eval_line(struct logscan *ls, const unsigned char *s, const unsigned char *e, const unsigned char *from)
{
	size_t len = (size_t)(e - s) > LOGSCAN_LINE_LIMIT ? LOGSCAN_LINE_LIMIT : (size_t)(e - s);
	const unsigned char *lim = s + len;
	uint64_t lits = 0, pats = 0, h;
	for (const unsigned char *q = from; (q = lit_find(ls, q, lim, &h)) != NULL; q++)
		lits |= h;
	while (lits) {
		pats |= 1ull << ls->lit[__builtin_ctzll(lits)].pat;
		lits &= lits - 1;
	}
	for (size_t i = 0; i < ls->nrx; i++)
		if (re_match(ls, ls->pat[ls->rx[i]].re, s, len))
			pats |= 1ull << ls->rx[i];
	if (!pats)
		return;
	for (size_t i = 0; i < ls->nexcl; i++)
		if (re_match(ls, ls->excl[i], s, len))
			return;
	ls->matched++;
	while (pats) {
		ls->pat[__builtin_ctzll(pats)].count++;
		pats &= pats - 1;
	}
	ring_add(ls, s, len);
}

#ifdef HAVE_AVX2_SEARCH
__attribute__((target("avx2,popcnt")))
static unsigned long long count_newlines_avx2(const unsigned char *p, const unsigned char *end)
{
	const __m256i nl = _mm256_set1_epi8('\n');
	unsigned long long n = 0;
	for (; end - p >= 32; p += 32) {
		__m256i c = _mm256_loadu_si256((const __m256i *)(const void *)p);
		n += (unsigned)__builtin_popcount((unsigned)_mm256_movemask_epi8(_mm256_cmpeq_epi8(c, nl)));
	}
	for (; p < end; p++)
		n += *p == '\n';
	return n;
}
#endif

static unsigned long long count_newlines(const struct logscan *ls, const unsigned char *p, const unsigned char *end)
{
#ifdef HAVE_AVX2_SEARCH
	if (ls->avx2)
		return count_newlines_avx2(p, end);
#endif
	/* eight bytes at a time: a byte equal to '\n' becomes 0, and
	 * ((x & 0x7f..) + 0x7f..) | x has its high bit clear exactly there */
	const uint64_t ones7 = 0x7f7f7f7f7f7f7f7full, nls = 0x0a0a0a0a0a0a0a0aull;
	unsigned long long n = 0;
	for (; end - p >= 8; p += 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		w ^= nls;
		uint64_t t = ((w & ones7) + ones7) | w;
		n += (unsigned)__builtin_popcountll(~t & ~ones7);
	}
	for (; p < end; p++)
		n += *p == '\n';
	return n;
}

static bool past_deadline(void)
{
	double t = timeout_seconds();
	if (t <= 0)
		return false;
	double margin = t / 10 > 0.25 ? t / 10 : 0.25;
	return timeout_remaining() < margin;
}

/* Complete lines [p, end), end just after a newline. Returns where it
 * stopped: end, or a line start when the deadline came first. */
static const unsigned char *scan_lines(struct logscan *ls, const unsigned char *p, const unsigned char *end)
{
	if (ls->nrx) {
		/* a regex must see each line as its own subject; a slow one may
		 * not finish a buffer in time, so the clock is read before every
		 * line: one line that backtracks to PCRE2's match limit can take
		 * tens of milliseconds on a busy machine, 64 of them a second */
		for (; p < end;) {
			if (past_deadline())
				return p;
			const unsigned char *e = memchr(p, '\n', (size_t)(end - p));
			ls->lines++;
			eval_line(ls, p, e, p);
			p = e + 1;
		}
		return end;
	}
	/* Literals only: search the whole buffer; a literal holds no newline,
	 * so a hit lies in one line, and only that line is looked at. */
	ls->lines += count_newlines(ls, p, end);
	uint64_t h;
	const unsigned char *q;
	while (p < end && (q = lit_find(ls, p, end, &h)) != NULL) {
		const unsigned char *s = q > p ? memrchr(p, '\n', (size_t)(q - p)) : NULL;
		s = s ? s + 1 : p;
		const unsigned char *e = memchr(q, '\n', (size_t)(end - q));
		eval_line(ls, s, e, q);
		p = e + 1;
	}
	return end;
}

/* Read fd from *off to its end. final: the file will not grow any more
 * (rotated away), so an unterminated last line counts. */
static const char *scan_fd(struct logscan *ls, int fd, unsigned long long *off, bool *skip, bool final, bool *stopped)
{
	static char why[256];
	unsigned char *buf = ls->buf;
	const size_t cap = READ_SIZE + LOGSCAN_LINE_LIMIT;
	size_t have = 0;
	unsigned long long base = *off;   /* file offset of buf[0] */
	bool sk = *skip;

	*stopped = false;
	if (lseek(fd, (off_t)base, SEEK_SET) < 0)
		goto bad;
	(void)posix_fadvise(fd, (off_t)base, 0, POSIX_FADV_SEQUENTIAL);
	for (;;) {
		if (past_deadline()) {
			*stopped = true;
			break;
		}
		ssize_t n = read(fd, buf + have, cap - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto bad;
		if (n == 0)
			break;
		ls->bytes += (unsigned long long)n;
		have += (size_t)n;
		size_t p = 0;
		if (sk) {
			const unsigned char *nl = memchr(buf, '\n', have);
			if (!nl) {
				base += have;
				have = 0;
				continue;
			}
			p = (size_t)(nl - buf) + 1;
			sk = false;
		}
		const unsigned char *last = have > p ? memrchr(buf + p, '\n', have - p) : NULL;
		size_t end = last ? (size_t)(last - buf) + 1 : p;
		const unsigned char *stop = scan_lines(ls, buf + p, buf + end);
		if (stop < buf + end) {
			base += (size_t)(stop - buf);
			have = 0;
			*stopped = true;
			break;
		}
		p = end;
		if (have - p >= LOGSCAN_LINE_LIMIT) {
			/* an over-long line: judged on its first part now, the rest skipped */
			ls->lines++;
			eval_line(ls, buf + p, buf + p + LOGSCAN_LINE_LIMIT, buf + p);
			sk = true;
			p = have;
		}
		memmove(buf, buf + p, have - p);
		base += p;
		have -= p;
	}
	if (have && final && !*stopped) {
		ls->lines++;
		eval_line(ls, buf, buf + have, buf);
		base += have;
	}
	*off = base;
	*skip = final && !*stopped ? false : sk;
	return NULL;
bad:
	snprintf(why, sizeof why, "read: %s", strerror(errno));
	return why;
}

/* ---- files, rotation ---- */

static unsigned long long fnv1a(const unsigned char *p, size_t n)
{
	unsigned long long h = 14695981039346656037ull;
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 1099511628211ull;
	}
	return h;
}

/* Hash of the first n bytes; false if the file is shorter. */
static bool head_hash(int fd, size_t n, unsigned long long *h)
{
	unsigned char b[LOGSCAN_HEAD];
	size_t got = 0;
	if (n > sizeof b)
		return false;
	while (got < n) {
		ssize_t r = pread(fd, b + got, n - got, (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		got += (size_t)r;
	}
	*h = fnv1a(b, n);
	return true;
}

static bool same_file(const struct logpos *pos, const struct stat *st)
{
	return pos->dev == (unsigned long long)st->st_dev && pos->ino == (unsigned long long)st->st_ino;
}

/* The new record for fd, read up to off. */
static void record(int fd, struct logpos *pos, unsigned long long off, bool skip)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return;
	pos->known = true;
	pos->dev = (unsigned long long)st.st_dev;
	pos->ino = (unsigned long long)st.st_ino;
	pos->offset = off;
	pos->skip = skip;
	pos->headlen = st.st_size < LOGSCAN_HEAD ? (unsigned long long)st.st_size : LOGSCAN_HEAD;
	if (!head_hash(fd, pos->headlen, &pos->head)) {
		pos->headlen = 0;
		pos->head = fnv1a(NULL, 0);
	}
}

enum find_by { BY_INODE, BY_HEAD };

static int try_candidate(const char *name, const struct logpos *pos, enum find_by by, const struct stat *cur)
{
	int fd = open(name, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -1;
	struct stat st;
	unsigned long long h;
	bool ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	if (ok && by == BY_INODE)
		ok = same_file(pos, &st);
	else if (ok)
		ok = !(st.st_dev == cur->st_dev && st.st_ino == cur->st_ino) &&
		     (unsigned long long)st.st_size >= pos->offset &&
		     head_hash(fd, pos->headlen, &h) && h == pos->head;
	if (!ok) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The file that was path at the last run: renamed (same inode) or copied
 * by copytruncate (same head, at least as long), as path.1, path.0 or any
 * path.* / path-* / path_* beside it (logrotate's numbered and dateext names). */
static int find_old(const char *path, const struct logpos *pos, enum find_by by, const struct stat *cur,
                    char *found, size_t size)
{
	static const char *const first[] = { ".1", ".0" };
	for (size_t i = 0; i < 2; i++) {
		snprintf(found, size, "%s%s", path, first[i]);
		int fd = try_candidate(found, pos, by, cur);
		if (fd >= 0)
			return fd;
	}
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) + (slash == path) : 1, slash ? path : ".");
	size_t blen = strlen(base);
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	int fd = -1;
	struct dirent *de;
	while (fd < 0 && (de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, base, blen) != 0 || !strchr(".-_", de->d_name[blen]) || !de->d_name[blen])
			continue;
		if ((size_t)snprintf(found, size, "%s%s%s", slash ? dir : "", slash && strcmp(dir, "/") ? "/" : "",
		                     de->d_name) >= size)
			continue;
		fd = try_candidate(found, pos, by, cur);
	}
	closedir(d);
	return fd;
}

static void note(struct logfile *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct logfile *f, const char *fmt, ...)
{
	va_list ap;
	if (f->notes.len)
		buf_puts(&f->notes, "; ");
	va_start(ap, fmt);
	buf_vprintf(&f->notes, fmt, ap);
	va_end(ap);
}

/* Read the rest of the old file (rotated or copied) from the recorded
 * offset. True when it was read to its end. */
static bool read_old(struct logscan *ls, struct logfile *f, int ofd, const char **err)
{
	unsigned long long off = f->pos.offset;
	bool skip = f->pos.skip, stopped;
	*err = scan_fd(ls, ofd, &off, &skip, true, &stopped);
	if (*err || !stopped)
		return !*err;
	/* out of time inside the old file: remember it, the next run goes on there */
	struct stat st;
	unsigned long long head = f->pos.head, headlen = f->pos.headlen;
	record(ofd, &f->pos, off, skip);
	f->pos.head = head;
	f->pos.headlen = headlen;
	f->incomplete = true;
	if (fstat(ofd, &st) == 0)
		f->left = (unsigned long long)st.st_size > off ? (unsigned long long)st.st_size - off : 0;
	return false;
}

const char *logscan_file(struct logscan *ls, struct logfile *f)
{
	static char why[PATH_MAX + 160];
	char old[PATH_MAX];
	const char *err = NULL;
	struct logpos *pos = &f->pos;
	struct stat st;

	ls->tag = f->tag;
	f->incomplete = false;
	f->left = 0;
	/* O_NONBLOCK: a FIFO in place of the log must not hang the check */
	int fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		snprintf(why, sizeof why, "cannot open %s: %s", f->path, strerror(errno));
		return why;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(why, sizeof why, "%s is not a regular file", f->path);
		close(fd);
		return why;
	}
	unsigned long long size = (unsigned long long)st.st_size, off = 0;
	bool skip = false, stopped = false;
	f->first = !pos->known;
	struct logpos saved = *pos;

	if (!pos->known) {
		if (!f->from_start && size > 0) {
			/* start at the end; a line being written there is not ours */
			unsigned char c = '\n';
			off = size;
			skip = pread(fd, &c, 1, (off_t)size - 1) == 1 && c != '\n';
		}
	} else if (same_file(pos, &st)) {
		unsigned long long h;
		bool head_ok = head_hash(fd, (size_t)pos->headlen, &h) && h == pos->head;
		if (size >= pos->offset && head_ok) {
			off = pos->offset;
			skip = pos->skip;
		} else {
			/* copytruncate (or an emptied log): its copy holds our tail */
			int ofd = pos->offset > 0 && pos->headlen > 0 ? find_old(f->path, pos, BY_HEAD, &st, old, sizeof old) : -1;
			if (ofd >= 0) {
				note(f, "truncated; read the rest of its copy %s", old);
				bool done = read_old(ls, f, ofd, &err);
				close(ofd);
				if (!done)
					goto out;
			} else {
				note(f, "truncated; no copy found, reading from the start");
			}
		}
	} else {
		int ofd = find_old(f->path, pos, BY_INODE, &st, old, sizeof old);
		unsigned long long h;
		struct stat ost;
		if (ofd >= 0 && fstat(ofd, &ost) == 0 && (unsigned long long)ost.st_size >= pos->offset &&
		    head_hash(ofd, (size_t)pos->headlen, &h) && h == pos->head) {
			note(f, "rotated; read the rest of %s", old);
			bool done = read_old(ls, f, ofd, &err);
			close(ofd);
			if (!done)
				goto out;
		} else {
			if (ofd >= 0) {
				close(ofd);
				note(f, "rotated to %s, which was since truncated; its rest was not read", old);
			} else {
				note(f, "replaced; the old file was not found, its last lines were not read");
			}
		}
	}
	if ((err = scan_fd(ls, fd, &off, &skip, false, &stopped)) == NULL) {
		record(fd, pos, off, skip);
		if (stopped) {
			f->incomplete = true;
			if (fstat(fd, &st) == 0)
				f->left = (unsigned long long)st.st_size > off ? (unsigned long long)st.st_size - off : 0;
		}
	}
out:
	close(fd);
	if (err) {
		*pos = saved;
		snprintf(why, sizeof why, "%s: %s", f->path, err);
		return why;
	}
	return NULL;
}

/* ---- state text ----
 *   mamori check_log 1
 *   <dev> <ino> <offset> <headlen> <head hex> <skip 0|1> <path, %XX-escaped>
 */
static const char state_magic[] = "mamori check_log 1\n";

static void put_path(struct buf *out, const char *p)
{
	for (; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= 0x20 || c == '%' || c >= 0x7f)
			buf_printf(out, "%%%02X", c);
		else
			buf_putc(out, (char)c);
	}
}

void logscan_state_format(struct buf *out, const struct logfile *files, size_t n)
{
	buf_puts(out, state_magic);
	for (size_t i = 0; i < n; i++) {
		const struct logpos *p = &files[i].pos;
		if (!p->known)
			continue;
		buf_printf(out, "%llu %llu %llu %llu %016llx %d ", p->dev, p->ino, p->offset, p->headlen, p->head,
		           p->skip ? 1 : 0);
		put_path(out, files[i].path);
		buf_putc(out, '\n');
	}
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool parse_record(char *line, struct logpos *p, struct buf *path)
{
	char *f[7];
	for (int i = 0; i < 7; i++) {
		f[i] = line;
		char *sp = i < 6 ? strchr(line, ' ') : NULL;
		if (i < 6 && !sp)
			return false;
		if (sp) {
			*sp = '\0';
			line = sp + 1;
		}
	}
	char *end;
	unsigned long long skip;
	if (!num_parse_ull(f[0], &p->dev) || !num_parse_ull(f[1], &p->ino) || !num_parse_ull(f[2], &p->offset) ||
	    !num_parse_ull(f[3], &p->headlen) || p->headlen > LOGSCAN_HEAD || strlen(f[4]) != 16 ||
	    !num_parse_ull(f[5], &skip) || skip > 1 || !*f[6])
		return false;
	errno = 0;
	p->head = strtoull(f[4], &end, 16);
	if (errno || *end)
		return false;
	for (const char *c = f[4]; *c; c++)
		if (hexval(*c) < 0)
			return false;
	p->skip = skip == 1;
	p->known = true;
	buf_reset(path);
	for (const char *c = f[6]; *c; c++) {
		if (*c != '%') {
			buf_putc(path, *c);
			continue;
		}
		int a = hexval(c[1]), b = a >= 0 ? hexval(c[2]) : -1;
		if (b < 0 || (a == 0 && b == 0))
			return false;
		buf_putc(path, (char)(a << 4 | b));
		c += 2;
	}
	return true;
}

const char *logscan_state_parse(const char *text, size_t len, struct logfile *files, size_t n, size_t *others)
{
	*others = 0;
	if (len == 0)
		return NULL;   /* no state yet */
	if (len < sizeof state_magic - 1 || memcmp(text, state_magic, sizeof state_magic - 1) != 0)
		return "it is not a check_log state";
	if (memchr(text, '\0', len) || text[len - 1] != '\n')
		return "it is cut short or holds binary data";
	char *copy = xmalloc(len + 1);
	memcpy(copy, text, len);
	copy[len] = '\0';
	struct buf path = BUF_INIT;
	const char *err = NULL;
	struct logpos recs[LOGSCAN_MAX_PATTERNS];   /* first, into a scratch: all or nothing */
	bool have[LOGSCAN_MAX_PATTERNS] = { false };
	char *line = copy + sizeof state_magic - 1;
	while (*line) {
		char *nl = strchr(line, '\n');
		*nl = '\0';
		struct logpos p = { 0 };
		if (!parse_record(line, &p, &path)) {
			err = "a record is malformed";
			break;
		}
		size_t i = 0;
		while (i < n && strcmp(files[i].path, buf_cstr(&path)) != 0)
			i++;
		if (i == n)
			(*others)++;
		else if (i < LOGSCAN_MAX_PATTERNS) {
			recs[i] = p;
			have[i] = true;
		}
		line = nl + 1;
	}
	if (!err)
		for (size_t i = 0; i < n && i < LOGSCAN_MAX_PATTERNS; i++)
			if (have[i])
				files[i].pos = recs[i];
	buf_free(&path);
	free(copy);
	return err;
}

/* ---- summary ---- */

static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t need;
	unsigned lo = 0x80, hi = 0xBF;
	if (c >= 0xC2 && c <= 0xDF)
		need = 1;
	else if (c >= 0xE0 && c <= 0xEF) {
		need = 2;
		if (c == 0xE0)
			lo = 0xA0;      /* no overlong forms */
		if (c == 0xED)
			hi = 0x9F;      /* no surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 3;
		if (c == 0xF0)
			lo = 0x90;
		if (c == 0xF4)
			hi = 0x8F;      /* nothing past U+10FFFF */
	} else
		return 0;
	if (n < need + 1 || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i <= need; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return need + 1;
}

/* more: the text goes on past n (it was cut when read), so it ends with
 * an ellipsis whatever fits. */
static size_t clean_text(struct buf *out, const unsigned char *s, size_t n, size_t maxchars, bool more)
{
	static const char ellipsis[] = "\xe2\x80\xa6";  /* U+2026, one character */
	size_t chars = 0, i = 0;
	char esc[8];
	if (maxchars == 0)
		return 0;
	while (i < n) {
		/* one unit: a character, or \xNN for a byte that is not one */
		const char *unit;
		size_t ulen, uchars = 1, adv;
		if (s[i] >= 0x20 && s[i] < 0x7f) {
			unit = (const char *)s + i;
			ulen = adv = 1;
		} else if (s[i] == '\t') {
			unit = " ";
			ulen = adv = 1;
		} else if (s[i] >= 0x80 && (adv = utf8_len(s + i, n - i)) > 0) {
			unit = (const char *)s + i;
			ulen = adv;
		} else {
			snprintf(esc, sizeof esc, "\\x%02x", s[i]);
			unit = esc;
			ulen = uchars = 4;
			adv = 1;
		}
		/* keep room for the ellipsis unless this unit ends the text */
		size_t room = more || i + adv < n ? maxchars - 1 : maxchars;
		if (chars + uchars > room) {
			buf_puts(out, ellipsis);
			return chars + 1;
		}
		buf_add(out, unit, ulen);
		chars += uchars;
		i += adv;
	}
	if (more) {
		buf_puts(out, ellipsis);
		chars++;
	}
	return chars;
}

size_t logscan_clean_utf8(struct buf *out, const char *s, size_t n, size_t maxchars)
{
	return clean_text(out, (const unsigned char *)s, n, maxchars, false);
}

static const struct ring_line *ring_at(const struct logscan *ls, size_t back)
{
	return &ls->ring[(ls->ring_next + RING - 1 - back) % RING];
}

/* A ring line as text: [tag: ]line, with an ellipsis if it was cut. */
static size_t line_text(struct buf *out, const struct ring_line *r, size_t maxchars)
{
	struct buf raw = BUF_INIT;
	if (r->tag)
		buf_printf(&raw, "%s: ", r->tag);
	buf_add(&raw, r->text, r->len);
	size_t chars = clean_text(out, (const unsigned char *)raw.s, raw.len, maxchars, r->cut);
	buf_free(&raw);
	return chars;
}

void logscan_summary(const struct logscan *ls, struct buf *out, size_t maxchars)
{
	/* newest first into pieces, then written oldest first */
	struct buf piece[RING];
	size_t npiece = 0, total = 0;
	for (size_t k = 0; k < ls->ring_used; k++) {
		size_t sep = npiece ? 1 : 0;
		if (total + sep >= maxchars)
			break;
		piece[npiece] = (struct buf)BUF_INIT;
		size_t budget = maxchars - total - sep;
		size_t chars = line_text(&piece[npiece], ring_at(ls, k), npiece ? SIZE_MAX : budget);
		if (chars > budget) {
			/* an older line that does not fit whole is left out */
			buf_free(&piece[npiece]);
			break;
		}
		total += chars + sep;
		npiece++;
	}
	for (size_t k = npiece; k-- > 0;) {
		buf_add(out, piece[k].s ? piece[k].s : "", piece[k].len);
		if (k)
			buf_putc(out, '\n');
		buf_free(&piece[k]);
	}
}

void logscan_last(const struct logscan *ls, struct buf *out, size_t maxchars)
{
	if (ls->ring_used)
		line_text(out, ring_at(ls, 0), maxchars);
}
