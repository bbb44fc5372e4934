/* Exposes the notifiers' core to the Perl tests:
 *   notify_tool builtin NAME         print a built-in template's text
 *   notify_tool names                the built-in names, one a line
 *   notify_tool subject CHARSET TEXT the encoded Subject value
 *   notify_tool render ESC TEXT      TEXT expanded with the environment's
 *                                    macros (ESC: text header json xml) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail_mime.h"
#include "template.h"

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "builtin")) {
		const char *t = template_builtin(argv[2]);
		if (!t)
			return 1;
		fputs(t, stdout);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "names")) {
		for (const char *const *n = template_builtin_names; *n; n++)
			printf("%s\n", *n);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "subject")) {
		struct buf b = BUF_INIT;
		mail_encode_subject(&b, argv[3], argv[2]);
		printf("%s\n", buf_cstr(&b));
		buf_free(&b);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "render")) {
		static const char *const names[] = { "text", "header", "json", "xml" };
		for (int e = 0; e < 4; e++)
			if (!strcmp(argv[2], names[e])) {
				struct notice n;
				struct buf b = BUF_INIT;
				notice_init(&n);
				notice_finish(&n);
				/* on the heap at its exact size, so the sanitizer build
				 * sees a read past the end of the text */
				char *text = strdup(argv[3]);
				tmpl_render(&b, text, (enum tmpl_escape)e, &n);
				free(text);
				fwrite(b.s ? b.s : "", 1, b.len, stdout);
				buf_free(&b);
				notice_free(&n);
				return 0;
			}
	}
	fprintf(stderr, "usage: notify_tool builtin NAME | names | subject CHARSET TEXT | render ESC TEXT\n");
	return 2;
}
