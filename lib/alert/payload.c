/* What each service's incoming webhook takes: the alert itself (generic
 * webhook), Slack's message ({"text", "blocks"}: Block Kit) and Teams'
 * ({"type": "message", "attachments": [an Adaptive Card]}, the shape
 * Teams' incoming webhooks and Workflows both accept). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/jsonutil.h"
#include "../core/number.h"
#include "notifier.h"

#define SLACK_FIELDS_MAX 10  /* a section holds at most 10 fields */
#define SLACK_HEADER_MAX 150 /* characters of a header block */
#define SLACK_SECTION_MAX 3000 /* characters of a section's text */

struct fact {
	const char *title;
	char value[160];
};

/* buf, cut short by snprintf, without the UTF-8 sequence the cut split:
 * jansson refuses a string that is not UTF-8, and would drop the field,
 * the block, or (Teams) the whole message. */
static void utf8_trim_cut(char *buf)
{
	size_t len = strlen(buf), lead = len, need;
	unsigned char c;

	while (lead > 0 && len - lead < 4 &&
	       ((unsigned char)buf[lead - 1] & 0xC0) == 0x80)
		lead--;
	if (!lead)
		return;
	c = (unsigned char)buf[lead - 1];
	need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
	if (len - (lead - 1) < need)
		buf[lead - 1] = '\0';
}

static void fact(struct fact *f, size_t *n, const char *title,
		 const char *value)
{
	if (!value || *n >= SLACK_FIELDS_MAX)
		return;
	f[*n].title = title;
	snprintf(f[*n].value, sizeof(f[*n].value), "%s", value);
	utf8_trim_cut(f[*n].value);
	(*n)++;
}

static void fact_num(struct fact *f, size_t *n, const char *title,
		     const json_t *v)
{
	char buf[NUMBER_FORMAT_MAX];

	if (!json_is_number(v))
		return;
	number_format(json_number_value(v), buf);
	fact(f, n, title, buf);
}

/* The facts a person reads beside the summary. */
static size_t facts(const json_t *a, struct fact *f)
{
	const json_t *m = json_object_get(a, "model");
	const json_t *r = json_object_get(a, "rule"), *v;
	const char *key;
	char model[160];
	size_t n = 0;

	fact(f, &n, "Severity", json_str(a, "severity"));
	if (m) {
		snprintf(model, sizeof(model), "%s%s%s",
			 json_str(m, "name") ? json_str(m, "name") : "",
			 json_str(m, "version") ? " " : "",
			 json_str(m, "version") ? json_str(m, "version") : "");
		utf8_trim_cut(model);
		fact(f, &n, "Model", model);
	}
	fact(f, &n, "Environment", json_str(a, "env"));
	fact(f, &n, "Source", json_str(a, "source"));
	if (r) {
		fact(f, &n, "Metric", json_str(r, "metric"));
		fact(f, &n, "Feature", json_str(r, "feature"));
		fact_num(f, &n, "Value", json_object_get(r, "value"));
		fact_num(f, &n, "Threshold", json_object_get(r, "threshold"));
	}
	json_object_foreach((json_t *)json_object_get(a, "details"), key, v) {
		if (json_is_string(v))
			fact(f, &n, key, json_string_value(v));
		else
			fact_num(f, &n, key, v);
	}
	fact(f, &n, "Time", json_str(a, "time"));
	return n;
}

static const char *str_or_empty(const json_t *a, const char *key)
{
	const char *s = json_str(a, key);

	return s ? s : "";
}

static void title(const json_t *a, char *buf, size_t size)
{
	snprintf(buf, size, "mlops %s: %s", str_or_empty(a, "kind"),
		 str_or_empty(a, "name"));
	utf8_trim_cut(buf);
}

/* Slack reads &, < and > as markup (<!channel> would ping everyone). */
static char *slack_escape(const char *s)
{
	struct strbuf sb = STRBUF_INIT;

	for (; s && *s; s++) {
		if (*s == '&')
			strbuf_addstr(&sb, "&amp;");
		else if (*s == '<')
			strbuf_addstr(&sb, "&lt;");
		else if (*s == '>')
			strbuf_addstr(&sb, "&gt;");
		else
			strbuf_addch(&sb, *s);
	}
	return strbuf_detach(&sb);
}

/* At most max characters (UTF-8 sequences kept whole). */
static json_t *text_cut(const char *s, size_t max)
{
	size_t i = 0, chars = 0;

	while (s[i] && chars < max) {
		i++;
		while (((unsigned char)s[i] & 0xC0) == 0x80)
			i++;
		chars++;
	}
	return json_stringn(s, i);
}

static json_t *slack(const json_t *a)
{
	struct fact f[SLACK_FIELDS_MAX];
	size_t n = facts(a, f), i;
	char head[200];
	char *summary = slack_escape(json_str(a, "summary"));
	char *name = slack_escape(json_str(a, "name"));
	struct strbuf text = STRBUF_INIT;
	json_t *fields = json_array(), *blocks = json_array(), *o;

	title(a, head, sizeof(head));
	/* The text is mrkdwn too: the name escaped like the rest (a rule
	 * named "<!channel>" must not ping a channel). */
	strbuf_addf(&text, "[%s] %s: %s", str_or_empty(a, "severity"), name,
		    summary);
	json_array_append_new(blocks, json_pack(
		"{s:s, s:{s:s, s:o}}", "type", "header", "text", "type",
		"plain_text", "text", text_cut(head, SLACK_HEADER_MAX)));
	json_array_append_new(blocks, json_pack(
		"{s:s, s:{s:s, s:o}}", "type", "section", "text", "type",
		"mrkdwn", "text", text_cut(summary, SLACK_SECTION_MAX)));
	for (i = 0; i < n; i++) {
		char *v = slack_escape(f[i].value);
		struct strbuf sb = STRBUF_INIT;

		strbuf_addf(&sb, "*%s*\n%s", f[i].title, v);
		json_array_append_new(fields, json_pack("{s:s, s:s}", "type",
							"mrkdwn", "text",
							sb.buf));
		strbuf_release(&sb);
		free(v);
	}
	json_array_append_new(blocks, json_pack("{s:s, s:o}", "type", "section",
						"fields", fields));
	o = json_pack("{s:s, s:o}", "text", text.buf, "blocks", blocks);
	strbuf_release(&text);
	free(summary);
	free(name);
	return o;
}

static json_t *teams(const json_t *a)
{
	struct fact f[SLACK_FIELDS_MAX];
	size_t n = facts(a, f), i;
	const char *sev = str_or_empty(a, "severity");
	json_t *fs = json_array(), *card;
	char head[200];

	title(a, head, sizeof(head));
	for (i = 0; i < n; i++)
		json_array_append_new(fs, json_pack("{s:s, s:s}", "title",
						    f[i].title, "value",
						    f[i].value));
	card = json_pack(
		"{s:s, s:s, s:s, s:[{s:s, s:s, s:s, s:s, s:b, s:s}, "
		"{s:s, s:s, s:b}, {s:s, s:o}]}",
		"$schema", "http://adaptivecards.io/schemas/adaptive-card.json",
		"type", "AdaptiveCard", "version", "1.4", "body", "type",
		"TextBlock", "text", head, "weight", "Bolder", "size", "Medium",
		"wrap", 1, "color",
		!strcmp(sev, "critical") ? "Attention"
		: !strcmp(sev, "warning") ? "Warning" : "Default",
		"type", "TextBlock", "text", str_or_empty(a, "summary"), "wrap", 1,
		"type", "FactSet", "facts", fs);
	return json_pack("{s:s, s:[{s:s, s:n, s:o}]}", "type", "message",
			 "attachments", "contentType",
			 "application/vnd.microsoft.card.adaptive", "contentUrl",
			 "content", card);
}

void notifier_payload(enum notifier_kind kind, const json_t *alert,
		      struct strbuf *out)
{
	json_t *p;

	switch (kind) {
	case NOTIFIER_SLACK:
		p = slack(alert);
		break;
	case NOTIFIER_TEAMS:
		p = teams(alert);
		break;
	case NOTIFIER_WEBHOOK:
	default:
		p = json_incref((json_t *)alert);
		break;
	}
	json_dump_strbuf(p, JSON_DUMP_COMPACT, out);
	json_decref(p);
}
