/* A notifier of mlops.yaml made ready to send: its URL and secret read
 * from where the descriptor says (a variable, a file, the literal URL),
 * and one delivery attempt over HTTP. The URL and the secret are
 * secrets: messages name the notifier and its host, nothing more. */
#ifndef MLOPS_ALERT_NOTIFIER_H
#define MLOPS_ALERT_NOTIFIER_H

#include <curl/curl.h>
#include <stddef.h>

#include "../core/strbuf.h"
#include "../descriptor/alerts.h"

struct notifier {
	enum notifier_kind kind;
	char *name;
	char *label;   /* "slack (hooks.slack.com)": what messages show */
	char *url;     /* NULL when it could not be resolved */
	char *host;    /* "hooks.slack.com" or "127.0.0.1:8080" */
	char *secret;  /* webhooks: the HMAC key, or NULL */
	size_t secret_len;
	char *problem; /* why it cannot send (unset variable, no file) */
	int problem_code; /* its error class (MLOPS_EINPUT, MLOPS_EIO) */
};

/* Reads spec's URL and secret: relative url_file and secret_file from
 * dir. Never fails: a notifier that cannot send carries its problem. */
void notifier_resolve(struct notifier *n, const struct notifier_spec *spec,
		      const char *dir);
void notifier_release(struct notifier *n);

/* "sha256=" and the HMAC-SHA256 of body under key, in lower-case hex. */
void notifier_signature(const char *key, size_t key_len, const char *body,
			size_t len, struct strbuf *out);

/* The body this notifier's service takes for an alert (the JSON of
 * alert_message.h): the alert itself for a webhook, Slack's or Teams'
 * incoming-webhook payload for theirs. */
void notifier_payload(enum notifier_kind kind, const json_t *alert,
		      struct strbuf *out);

struct attempt {
	long status;        /* 0: no answer */
	int delivered;      /* 2xx */
	int retry;          /* worth another try: no answer, 408, 429, 5xx */
	double retry_after; /* seconds the service asked for (429, 503); 0 */
	char why[256];      /* "HTTP 500", "timed out": never the URL */
};

/* POSTs body to n once, within timeout_ms; cancel (may be NULL) ends it
 * early. The answer's body is read (at most a few KiB kept) and
 * dropped; redirects are not followed. id names the delivery
 * (X-Mlops-Delivery). */
void notifier_attempt(CURL *curl, const struct notifier *n, const char *body,
		      size_t len, const char *id, long timeout_ms,
		      int (*cancel)(void *), void *cancel_ctx,
		      struct attempt *a);

#endif
