#include "state.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../core/error.h"
#include "../core/fsutil.h"
#include "../core/jsonutil.h"
#include "../core/strbuf.h"
#include "../core/timeutil.h"

int digest_valid(const char *digest)
{
	size_t i;

	if (!digest || strncmp(digest, "sha256:", 7) || strlen(digest) != 71)
		return 0;
	for (i = 7; i < 71; i++)
		if (!((digest[i] >= '0' && digest[i] <= '9') ||
		      (digest[i] >= 'a' && digest[i] <= 'f')))
			return 0;
	return 1;
}

char *state_bundle_path(const char *dir, const char *digest)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s/bundles/%s.mlpkg", dir, digest + 7);
	return strbuf_detach(&sb);
}

static int copy_digest(char *dst, size_t len, const json_t *j,
		       const char *key, const char *file)
{
	const json_t *v = json_object_get(j, key);

	dst[0] = '\0';
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v) || !digest_valid(json_string_value(v)))
		return mlops_error_set(MLOPS_EINPUT, "%s: '%s' is not a sha256 "
				       "digest", file, key);
	snprintf(dst, len, "%s", json_string_value(v));
	return 0;
}

int state_load(const char *dir, struct serve_state *st)
{
	char *path = fs_join(dir, STATE_FILE), *bundles = fs_join(dir, "bundles");
	struct strbuf sb = STRBUF_INIT;
	json_error_t err;
	json_t *j = NULL, *w;
	int rc;

	memset(st, 0, sizeof(*st));
	rc = fs_mkdir_p(bundles, 0700);
	if (!rc && fs_exists(path)) {
		rc = fs_read_file(path, 64 << 20, &sb);
		if (!rc) {
			j = json_loadb(sb.buf, sb.len, 0, &err);
			if (!json_is_object(j))
				rc = mlops_error_set(MLOPS_EINPUT, "%s: not a state "
						     "file (%s)", path,
						     j ? "not an object" : err.text);
		}
		if (!rc)
			rc = copy_digest(st->stable, sizeof(st->stable), j,
					 "stable", path);
		if (!rc)
			rc = copy_digest(st->previous, sizeof(st->previous), j,
					 "previous", path);
		if (!rc)
			rc = copy_digest(st->canary, sizeof(st->canary), j,
					 "canary", path);
		if (!rc)
			rc = copy_digest(st->shadow, sizeof(st->shadow), j,
					 "shadow", path);
		w = json_object_get(j, "weight");
		if (!rc && w && (!json_is_integer(w) || json_integer_value(w) < 0 ||
				 json_integer_value(w) > 100))
			rc = mlops_error_set(MLOPS_EINPUT, "%s: 'weight' is not "
					     "0..100", path);
		if (!rc && w)
			st->weight = (unsigned)json_integer_value(w);
		if (!rc && json_is_array(json_object_get(j, "history")))
			st->history = json_incref(json_object_get(j, "history"));
	}
	if (!st->history)
		st->history = json_array();
	if (rc)
		state_release(st); /* nothing for the caller to free */
	json_decref(j);
	strbuf_release(&sb);
	free(bundles);
	free(path);
	return rc;
}

static json_t *digest_or_null(const char *d)
{
	return d[0] ? json_string(d) : json_null();
}

int state_save(const char *dir, const struct serve_state *st)
{
	char *path = fs_join(dir, STATE_FILE);
	json_t *j = json_pack("{s:o, s:o, s:o, s:i, s:o, s:O}", "stable",
			      digest_or_null(st->stable), "previous",
			      digest_or_null(st->previous), "canary",
			      digest_or_null(st->canary), "weight",
			      (int)st->weight, "shadow",
			      digest_or_null(st->shadow), "history",
			      st->history);
	char *text = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
	int rc = fs_write_atomic(path, text, strlen(text), 0600);

	free(text);
	json_decref(j);
	free(path);
	return rc;
}

void state_note(struct serve_state *st, const char *action,
		const char *digest, const char *version, unsigned weight)
{
	char ts[32];

	time_iso8601((int64_t)time(NULL), ts);
	json_array_append_new(st->history,
			      json_pack("{s:s, s:s, s:s?, s:s?, s:i}", "time", ts,
					"action", action, "digest",
					digest && *digest ? digest : NULL,
					"version", version, "weight",
					(int)weight));
	while (json_array_size(st->history) > STATE_HISTORY_MAX)
		json_array_remove(st->history, 0);
}

void state_release(struct serve_state *st)
{
	json_decref(st->history);
	st->history = NULL;
}
