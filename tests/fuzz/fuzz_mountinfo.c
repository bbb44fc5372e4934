/* /proc/self/mountinfo (check_disk, its --mountinfo FILE). Every line is
 * a mount or counted bad; a mount point is absolute, its length is
 * dirlen, and a \040-style escape decodes (the table printed back with
 * the kernel's escapes reads back the same, field by field); finding a
 * mount point gives a visible mount of that point or source, never a
 * shadowed one.
 * SOURCES: lib/mounts.c */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mounts.h"

/* As the kernel's seq_file: space, tab, newline and backslash as \ooo. */
static void escaped(struct buf *b, const char *s)
{
	for (; *s; s++)
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\\')
			buf_printf(b, "\\%03o", (unsigned char)*s);
		else
			buf_putc(b, *s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t lines = 0;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	struct mount_list l, back;
	mounts_parse((const char *)data, size, &l);
	if (l.n + l.bad > lines + 1)
		abort();
	struct buf out = BUF_INIT;
	for (size_t i = 0; i < l.n; i++) {
		const struct mount *m = &l.v[i];
		if (m->dir[0] != '/' || strlen(m->dir) != m->dirlen || !*m->root || !*m->type || !*m->source)
			abort();
		buf_printf(&out, "%lu %lu %u:%u ", m->id, m->parent, m->major, m->minor);
		escaped(&out, m->root);
		buf_putc(&out, ' ');
		escaped(&out, m->dir);
		buf_puts(&out, " rw,relatime shared:1 - ");
		escaped(&out, m->type);
		buf_putc(&out, ' ');
		escaped(&out, m->source);
		buf_puts(&out, " rw\n");
	}
	mounts_parse(out.s ? out.s : "", out.len, &back);
	if (back.n != l.n || back.bad != 0)
		abort();
	for (size_t i = 0; i < l.n; i++) {
		const struct mount *a = &l.v[i], *b = &back.v[i];
		if (strcmp(a->dir, b->dir) != 0 || strcmp(a->root, b->root) != 0 || strcmp(a->type, b->type) != 0 ||
		    strcmp(a->source, b->source) != 0 || a->id != b->id || a->parent != b->parent ||
		    a->major != b->major || a->minor != b->minor)
			abort();
	}
	mounts_mark_shadowed(&l);
	for (size_t i = 0; i < l.n; i++) {
		long k = mounts_find(&l, l.v[i].dir, true);
		if (k >= 0 && (l.v[k].shadowed || (strcmp(l.v[k].dir, l.v[i].dir) != 0 &&
		                                   strcmp(l.v[k].source, l.v[i].dir) != 0)))
			abort();
		/* an unshadowed mount of this point is always found as itself or a later one */
		if (!l.v[i].shadowed && (k < 0 || strcmp(l.v[k].dir, l.v[i].dir) != 0))
			abort();
		(void)mount_is_remote(&l.v[i]);
		(void)fs_type_is_pseudo(l.v[i].type);
	}
	buf_free(&out);
	mounts_free(&l);
	mounts_free(&back);
	return 0;
}
