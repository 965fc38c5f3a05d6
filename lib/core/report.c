#include "report.h"

#include <math.h>
#include <stdio.h>

void report_value(double v, char *buf, size_t len)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else if (v != 0 && (fabs(v) < 1e-3 || fabs(v) >= 1e6))
		snprintf(buf, len, "%.3g", v);
	else
		snprintf(buf, len, "%.4f", v);
}

void report_add_md(struct strbuf *o, const char *s)
{
	for (; *s; s++) {
		if (*s == '|' || *s == '\\' || *s == '*' || *s == '_' ||
		    *s == '`' || *s == '<' || *s == '>')
			strbuf_addch(o, '\\');
		strbuf_addch(o, *s == '\n' ? ' ' : *s);
	}
}

void report_html_begin(struct strbuf *o, const char *title, const char *css)
{
	strbuf_addstr(o, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta "
			 "charset=\"utf-8\"><title>");
	strbuf_add_html(o, title);
	strbuf_addstr(o, "</title><style>body{font:14px system-ui,sans-serif;"
			 "margin:2em;color:#222}table{border-collapse:collapse}"
			 "td,th{padding:4px 8px;border-bottom:1px solid #ddd;"
			 "text-align:left;vertical-align:top}svg text{font-"
			 "size:11px;fill:#555}.legend span{display:inline-"
			 "block;width:10px;height:10px;margin:0 4px 0 12px}");
	strbuf_addstr(o, css);
	strbuf_addstr(o, "</style></head><body>\n");
}

void report_html_end(struct strbuf *o, const char *command)
{
	strbuf_addf(o, "<p><small>Made by mlops %s.</small></p></body></html>\n",
		    command);
}
