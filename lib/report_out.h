/* The report's formats: text for a terminal or a mail, CSV (one row per
 * host and service, English column names so scripts need not care about
 * --lang), and one self-contained HTML page (inline CSS, an inline SVG
 * chart, no script, no external reference). */
#ifndef MAMORI_REPORT_OUT_H
#define MAMORI_REPORT_OUT_H
#include <stdbool.h>
#include <stdio.h>

#include "report_model.h"

void report_text(FILE *f, const struct report *r, bool ja);
void report_csv(FILE *f, const struct report *r);
void report_html(FILE *f, const struct report *r, bool ja);

#endif
