/* check_file's baseline (the state file --baseline keeps per path: what
 * the path was) in any state a crash or a hand edit leaves, and the
 * --checksum values. Input: the state text. An accepted baseline is
 * whole (a type, a mode up to 7777, a path; a file's digest as long as
 * its algorithm's; a target for a link and only for a link) and the text
 * a run would write for it reads back as the same record; anything else
 * is refused (check_file: "baseline ... is corrupt", UNKNOWN).
 * SOURCES: lib/filecheck.c lib/size.c lib/state.c
 * LIBS: -lcrypto */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "filecheck.h"
#include "fuzz_util.h"

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);

	struct fc_record r;
	if (fc_record_parse(text, size, &r)) {
		if (!strchr("fdlpscb", r.type) || r.mode > 07777 || !r.path || !*r.path)
			abort();
		if (r.type == 'f' && (!r.algo || strlen(r.digest) != 2 * r.algo->len))
			abort();
		if ((r.type == 'l') != (r.target != NULL) || (r.type != 'f' && (r.algo || r.digest[0])))
			abort();
		struct buf out = BUF_INIT;
		fc_record_format(&out, &r);
		struct fc_record back;
		if (!fc_record_parse(buf_cstr(&out), out.len, &back))
			abort();
		if (back.type != r.type || back.mode != r.mode || back.uid != r.uid || back.gid != r.gid ||
		    back.size != r.size || back.mtime != r.mtime || back.recorded != r.recorded ||
		    back.algo != r.algo || strcmp(back.digest, r.digest) || !same_str(back.path, r.path) ||
		    !same_str(back.target, r.target))
			abort();
		fc_record_free(&back);
		buf_free(&out);
		fc_record_free(&r);
	} else if (r.path || r.target) {
		abort();  /* a refused text leaves nothing to free */
	}

	/* --checksum: hex of a known length, kept in lower case */
	char *hex = NULL;
	const struct fc_algo *algo = NULL;
	if (!fc_parse_checksum(text, &hex, &algo)) {
		if (!algo || !hex || strlen(hex) != 2 * algo->len || strspn(hex, "0123456789abcdef") != strlen(hex))
			abort();
		free(hex);
	}
	free(text);
	return 0;
}
