#include "serve_store.h"

#include <stdlib.h>
#include <string.h>

#include "cli/command.h"
#include "cli/exit_status.h"
#include "cli/output.h"
#include "cli/registry_opts.h"
#include "lib/core/duration.h"
#include "lib/core/error.h"
#include "lib/core/fsutil.h"
#include "lib/core/suggest.h"
#include "lib/descriptor/descriptor.h"
#include "lib/server/record.h"
#include "lib/store/pstore.h"
#include "lib/store/writer.h"

int serve_store_check(const struct serve_store_opts *o)
{
	int64_t ms;

	if (!o->url && (o->hash->n || o->hash_key_file || o->retain ||
			o->retain_size || o->retain_every || o->flush ||
			o->queue))
		return command_usage_error(&cmd_serve_spec, "--hash, "
					   "--hash-key-file, --retain, "
					   "--retain-size, --retain-every, "
					   "--store-flush and --store-queue go "
					   "with --store URL");
	if (o->flush && (duration_parse_ms(o->flush, &ms) < 0 || ms < 10 ||
			 ms > 3600000))
		return command_usage_error(&cmd_serve_spec, "--store-flush "
					   "takes a duration from 10ms to 1h, "
					   "such as 1s, not '%s'", o->flush);
	if (o->retain_every &&
	    (duration_parse_ms(o->retain_every, &ms) < 0 || ms < 100 ||
	     ms > 86400000))
		return command_usage_error(&cmd_serve_spec, "--retain-every "
					   "takes a duration from 100ms to 1d, "
					   "such as 5m, not '%s'",
					   o->retain_every);
	if (o->retain && (duration_parse_ms(o->retain, &ms) < 0 || ms < 1000))
		return command_usage_error(&cmd_serve_spec, "--retain takes a "
					   "duration such as 30d, 12h or 90m, "
					   "not '%s'", o->retain);
	if (o->retain_size && parse_size(o->retain_size) < 65536)
		return command_usage_error(&cmd_serve_spec, "--retain-size "
					   "takes a size of at least 64K, such "
					   "as 500M, not '%s'", o->retain_size);
	for (size_t i = 0; i < o->hash->n; i++)
		for (size_t j = 0; j < o->redact->n; j++)
			if (!strcmp(o->hash->v[i], o->redact->v[j]))
				return command_usage_error(
					&cmd_serve_spec, "'%s' is both "
					"--redact (left out) and --hash "
					"(kept as a keyed hash): choose one",
					o->hash->v[i]);
	return 0;
}

/* A --redact or --hash FIELD that names no input of the model leaves
 * nothing out: a typo ("--redact SSN" for "ssn") would store what it
 * meant to hide. An error; for --redact a warning with --log-payloads,
 * whose bodies may hold other keys to hide. */
static int field_known(const struct descriptor *d, const char *opt,
		       const char *name, int warn_only)
{
	const char **names = xcalloc(d->ninputs + 1, sizeof(*names));
	const char *near;
	int rc = 0;

	for (size_t i = 0; i < d->ninputs; i++) {
		if (!strcmp(d->inputs[i].name, name))
			goto done;
		names[i] = d->inputs[i].name;
	}
	near = suggest_closest(name, names);
	if (warn_only) {
		print_warning("--%s '%s' names no input of %s: the store "
			      "leaves nothing out for it%s%s%s", opt, name,
			      d->name, near ? " (did you mean '" : "",
			      near ? near : "", near ? "'?)" : "");
	} else {
		print_error("--%s '%s' names no input of %s: nothing would be "
			    "%s", opt, name, d->name,
			    strcmp(opt, "hash") ? "left out" : "hashed");
		if (near)
			print_hint("did you mean '%s'?", near);
		rc = EXIT_USAGE;
	}
done:
	free(names);
	return rc;
}

int serve_store_check_fields(const struct serve_store_opts *o,
			     const struct descriptor *d, int log_payloads)
{
	int rc = 0;

	for (size_t i = 0; !rc && o->url && i < o->hash->n; i++)
		rc = field_known(d, "hash", o->hash->v[i], 0);
	for (size_t i = 0; !rc && o->url && i < o->redact->n; i++)
		rc = field_known(d, "redact", o->redact->v[i], log_payloads);
	return rc;
}

/* The HMAC key: --hash-key-file's bytes (a final newline dropped), else
 * MLOPS_STORE_HASH_KEY. Never from the command line. */
static int hash_key(const struct serve_store_opts *o, struct strbuf *key)
{
	const char *env = getenv("MLOPS_STORE_HASH_KEY");

	if (o->hash_key_file) {
		if (fs_read_file(o->hash_key_file, 4096, key) < 0)
			return report_error();
		while (key->len && (key->buf[key->len - 1] == '\n' ||
				    key->buf[key->len - 1] == '\r'))
			strbuf_setlen(key, key->len - 1);
	} else if (env) {
		strbuf_addstr(key, env);
	}
	if (o->hash->n && !key->len) {
		print_error("--hash needs a key: set MLOPS_STORE_HASH_KEY or "
			    "give --hash-key-file FILE");
		return EXIT_USAGE;
	}
	return 0;
}

int serve_store_start(const struct serve_store_opts *o,
		      struct recorder **out)
{
	struct pstore_writer_opts wo = { 0 };
	struct recorder_opts ro = { 0 };
	struct strbuf key = STRBUF_INIT;
	struct pstore_writer *w = NULL;
	struct pstore *st = NULL;
	int rc;

	*out = NULL;
	if (!o->url)
		return 0;
	rc = hash_key(o, &key);
	if (rc)
		goto done;
	if (pstore_open(&st, o->url, PSTORE_CREATE) < 0) {
		rc = report_error();
		goto done;
	}
	wo.capacity = (size_t)o->queue;
	if (o->retain)
		duration_parse_ms(o->retain, &wo.retain_ms);
	if (o->retain_size)
		wo.retain_bytes = parse_size(o->retain_size);
	if (o->flush) {
		int64_t ms = 0;

		duration_parse_ms(o->flush, &ms);
		wo.flush_ms = (unsigned)ms;
	}
	if (o->retain_every) {
		int64_t ms = 0;

		duration_parse_ms(o->retain_every, &ms);
		wo.retain_every_ms = (unsigned)ms;
	}
	if (pstore_writer_start(&w, st, &wo) < 0) {
		rc = report_error();
		goto done;
	}
	ro.redact = o->redact->v;
	ro.nredact = o->redact->n;
	ro.hash = o->hash->v;
	ro.nhash = o->hash->n;
	ro.hash_key = key.buf;
	ro.hash_key_len = key.len;
	*out = recorder_new(w, &ro);
	{
		char *shown = pstore_url_display(o->url);

		print_info("mlops: recording predictions in %s", shown);
		free(shown);
	}
done:
	if (key.buf)
		memset(key.buf, 0, key.len);
	strbuf_release(&key);
	return rc;
}

void serve_store_stop(struct recorder *rec, unsigned timeout_ms)
{
	struct pstore_writer_stats s;
	uint64_t left;

	if (!rec)
		return;
	left = recorder_stop(rec, timeout_ms, &s);
	print_info("mlops: prediction store: %llu row%s written, %llu "
		   "dropped (queue full), %llu failed, %llu pruned",
		   (unsigned long long)s.written, plural(s.written),
		   (unsigned long long)s.dropped, (unsigned long long)s.failed,
		   (unsigned long long)s.pruned);
	if (left)
		print_warning("the prediction store did not take %llu queued "
			      "row%s within %u s", (unsigned long long)left,
			      plural(left), timeout_ms / 1000);
}
