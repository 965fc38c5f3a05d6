/* What the reports of drift and monitor share: one self-contained HTML
 * page (inline CSS and SVG; no script, nothing fetched), Markdown table
 * cells, and numbers as people read them. */
#ifndef MLOPS_CORE_REPORT_H
#define MLOPS_CORE_REPORT_H

#include <stddef.h>

#include "strbuf.h"

/* "0.0123", "1.2e-09", "-" for NaN: how values read in every format. */
void report_value(double v, char *buf, size_t len);
/* s in a Markdown table cell: | \ * _ ` < > escaped, newlines as
 * spaces. */
void report_add_md(struct strbuf *o, const char *s);
/* <!DOCTYPE html> ... <body>: the page's title and the CSS of the
 * report's own classes after the shared rules. */
void report_html_begin(struct strbuf *o, const char *title, const char *css);
/* "Made by mlops COMMAND." and the end of the page. */
void report_html_end(struct strbuf *o, const char *command);

#endif
