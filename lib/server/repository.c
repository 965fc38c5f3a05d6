#include "repository.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/error.h"
#include "../core/fsutil.h"
#include "../core/strbuf.h"

#define BUNDLE_EXT ".mlpkg"

struct entry {
	char *path;
	char *base;    /* its file name less .mlpkg: its name until it opens */
	int from_dir;
	char stamp[160]; /* of the bundle it resolved to when it loaded */
	char *name;    /* the model it serves (loaded), or served last */
	char *version, *digest;
	int loaded;    /* its model is in the server */
	int unloaded;  /* the admin API unloaded it: a sync leaves it */
	char *why;     /* its last failure; NULL: none */
	int seen;      /* a sync's mark */
};

struct repository {
	pthread_mutex_t lock; /* one operation at a time */
	struct server *srv;
	struct repository_opts o;
	char *dir;
	struct entry **v;
	size_t n, alloc;
	int started; /* loads count in mlops_model_reloads_total after */
};

const char *repo_action_name(enum repo_action a)
{
	static const char *const names[] = { "loaded", "reloaded", "unloaded",
					     "failed" };

	return names[a];
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static void note(struct repo_changes *ch, enum repo_action a,
		 const struct entry *e, const struct serving *sv,
		 const char *why)
{
	struct repo_change *c;

	ch->v = xgrow_array(ch->v, ch->n + 1, &ch->alloc, sizeof(*ch->v));
	c = &ch->v[ch->n++];
	memset(c, 0, sizeof(*c));
	c->action = a;
	c->entry = xstrdup(e->path);
	c->name = dup_or_null(sv ? sv->bm->d->name : e->name);
	c->version = dup_or_null(sv ? sv->bm->d->version : e->version);
	c->digest = dup_or_null(sv ? sv->digest : e->digest);
	c->why = dup_or_null(why);
	c->seconds = sv ? sv->load_seconds : 0;
}

void repo_changes_release(struct repo_changes *ch)
{
	size_t i;

	for (i = 0; i < ch->n; i++) {
		free(ch->v[i].entry);
		free(ch->v[i].name);
		free(ch->v[i].version);
		free(ch->v[i].digest);
		free(ch->v[i].why);
	}
	free(ch->v);
	memset(ch, 0, sizeof(*ch));
}

json_t *repo_changes_json(const struct repo_changes *ch)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < ch->n; i++) {
		const struct repo_change *c = &ch->v[i];

		json_array_append_new(a, json_pack(
			"{s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:f}", "action",
			repo_action_name(c->action), "entry", c->entry, "name",
			c->name, "version", c->version, "digest", c->digest,
			"error", c->why, "seconds", c->seconds));
	}
	return a;
}

static struct entry *entry_new(struct repository *r, const char *path,
			       int from_dir)
{
	struct entry *e = xcalloc(1, sizeof(*e));
	const char *b = fs_basename(path);
	size_t n = strlen(b), x = strlen(BUNDLE_EXT);

	e->path = xstrdup(path);
	if (n > x && !strcmp(b + n - x, BUNDLE_EXT))
		n -= x;
	e->base = xstrndup(b, n);
	e->from_dir = from_dir;
	r->v = xgrow_array(r->v, r->n + 1, &r->alloc, sizeof(*r->v));
	r->v[r->n++] = e;
	return e;
}

static void entry_free(struct entry *e)
{
	free(e->path);
	free(e->base);
	free(e->name);
	free(e->version);
	free(e->digest);
	free(e->why);
	free(e);
}

/* The bundle an entry is now: itself, DIR/bundle.mlpkg (a release
 * directory), or what DIR/current points to (an environment root). */
static int resolve(const char *path, char **file)
{
	struct stat st;
	char *cur;
	int rc = 0;

	*file = NULL;
	if (stat(path, &st) < 0)
		return mlops_error_errno(MLOPS_EIO, errno, "cannot read '%s'",
					 path);
	if (!S_ISDIR(st.st_mode)) {
		*file = xstrdup(path);
		return 0;
	}
	cur = fs_join(path, "current");
	if (lstat(cur, &st) == 0)
		rc = serving_root_path(path, file);
	else
		*file = fs_join(path, "bundle.mlpkg");
	free(cur);
	return rc;
}

/* What changes when the file does: device, inode, size, mtime. */
static void stamp_of(const char *file, char *out, size_t len)
{
	struct stat st;

	if (stat(file, &st) < 0) {
		out[0] = '\0';
		return;
	}
	snprintf(out, len, "%llu:%llu:%lld:%lld.%09ld",
		 (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
		 (long long)st.st_size, (long long)st.st_mtim.tv_sec,
		 st.st_mtim.tv_nsec);
}

/* The loaded entry that serves model name, NULL when none. */
static struct entry *serving_entry(const struct repository *r,
				   const char *name)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->v[i]->loaded && !strcmp(r->v[i]->name, name))
			return r->v[i];
	return NULL;
}

static void set_str(char **dst, const char *src)
{
	free(*dst);
	*dst = dup_or_null(src);
}

static int failed(struct entry *e, struct repo_changes *ch, const char *why)
{
	set_str(&e->why, why);
	note(ch, REPO_FAILED, e, NULL, why);
	return -1;
}

/* The failure left by a lib call (the error kept), recorded for e. */
static int failed_last(struct repository *r, struct entry *e,
		       struct repo_changes *ch)
{
	if (r->started)
		server_count_reload(r->srv, 0);
	return failed(e, ch, mlops_error_last()->message);
}

/* Loads e's bundle when it is new, changed, or not loaded; the version
 * it served before (if any) answers until the new one is warmed up, and
 * goes on answering when it fails. */
static int load_entry(struct repository *r, struct entry *e,
		      struct repo_changes *ch)
{
	struct serving *sv = NULL;
	const struct entry *other;
	char stamp[sizeof(e->stamp)];
	struct strbuf m = STRBUF_INIT;
	char *file = NULL;
	int rc, same;

	if (resolve(e->path, &file) < 0)
		return failed_last(r, e, ch);
	stamp_of(file, stamp, sizeof(stamp));
	if (e->loaded && stamp[0] && !strcmp(stamp, e->stamp)) {
		free(file);
		return 0; /* unchanged */
	}
	rc = serving_open(&sv, file, &r->o.serving);
	free(file);
	if (rc < 0)
		return failed_last(r, e, ch);
	other = serving_entry(r, sv->bm->d->name);
	if (other && other != e) {
		strbuf_addf(&m, "two entries serve the model '%s': %s and %s (a "
			    "server answers for one model of a name; a "
			    "candidate goes in --shadow)", sv->bm->d->name,
			    other->path, e->path);
		serving_put(sv);
		if (r->started)
			server_count_reload(r->srv, 0);
		failed(e, ch, m.buf);
		rc = mlops_error_set(MLOPS_EINPUT, "%s", m.buf);
		strbuf_release(&m);
		return rc;
	}
	if (e->loaded && strcmp(e->name, sv->bm->d->name)) {
		/* The entry now holds another model: the old one goes. */
		server_model_remove(r->srv, e->name);
		note(ch, REPO_UNLOADED, e, NULL, NULL);
		e->loaded = 0;
	}
	snprintf(e->stamp, sizeof(e->stamp), "%s", stamp);
	set_str(&e->why, NULL);
	same = e->loaded && !strcmp(e->digest, sv->digest);
	if (!same)
		note(ch, e->loaded ? REPO_RELOADED : REPO_LOADED, e, sv, NULL);
	set_str(&e->name, sv->bm->d->name);
	set_str(&e->version, sv->bm->d->version);
	set_str(&e->digest, sv->digest);
	e->loaded = 1;
	if (r->started)
		server_count_reload(r->srv, 1);
	if (same)
		serving_put(sv); /* touched, not changed */
	else
		server_model_put(r->srv, sv);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* DIR's entries, sorted: NAME.mlpkg files and directories that hold
 * bundle.mlpkg or current (dot files and anything else are skipped). */
static int scan(const char *dir, char ***out, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t alloc = 0, x = strlen(BUNDLE_EXT);

	*out = NULL;
	*n = 0;
	if (!d)
		return mlops_error_errno(MLOPS_EIO, errno, "cannot read the "
					 "models directory '%s'", dir);
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char *path, *b, *c;
		struct stat st;
		int take = 0;

		if (de->d_name[0] == '.')
			continue;
		path = fs_join(dir, de->d_name);
		if (stat(path, &st) < 0 || S_ISREG(st.st_mode)) {
			/* One that cannot be read (a link being replaced)
			 * stays an entry: its load fails, its model goes on
			 * serving, and the failure is told. */
			take = len > x && !strcmp(de->d_name + len - x,
						  BUNDLE_EXT);
		} else if (S_ISDIR(st.st_mode)) {
			b = fs_join(path, "bundle.mlpkg");
			c = fs_join(path, "current");
			take = fs_exists(b) || lstat(c, &st) == 0;
			free(b);
			free(c);
		}
		if (!take) {
			free(path);
			continue;
		}
		*out = xgrow_array(*out, *n + 1, &alloc, sizeof(**out));
		(*out)[(*n)++] = path;
	}
	closedir(d);
	if (*n)
		qsort(*out, *n, sizeof(**out), cmp_str);
	return 0;
}

static void free_paths(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static struct entry *find_path(const struct repository *r, const char *path)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (!strcmp(r->v[i]->path, path))
			return r->v[i];
	return NULL;
}

/* The index's UNAVAILABLE entries: those whose last load failed. */
static void publish(struct repository *r)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < r->n; i++) {
		const struct entry *e = r->v[i];

		if (!e->why || e->loaded)
			continue;
		json_array_append_new(a, json_pack("{s:s, s:s?, s:s}", "name",
						   e->name ? e->name : e->base,
						   "version", e->version,
						   "reason", e->why));
	}
	server_set_unavailable(r->srv, a);
}

static void done(struct repository *r, struct repo_changes *ch)
{
	publish(r);
	if (r->o.report && ch->n)
		r->o.report(ch, r->o.report_arg);
}

/* Brings the entries of DIR in line with what it holds: removed ones
 * unloaded (first, so that a renamed file serves its model again), new
 * ones added. */
static int rescan(struct repository *r, struct repo_changes *ch)
{
	char **paths;
	size_t i, n, k;

	if (!r->dir)
		return 0;
	if (scan(r->dir, &paths, &n) < 0)
		return -1;
	for (i = 0; i < r->n; i++)
		r->v[i]->seen = !r->v[i]->from_dir;
	for (i = 0; i < n; i++) {
		struct entry *e = find_path(r, paths[i]);

		if (e)
			e->seen = 1;
	}
	for (i = k = 0; i < r->n; i++) {
		struct entry *e = r->v[i];

		if (e->seen) {
			r->v[k++] = e;
			continue;
		}
		if (e->loaded) {
			server_model_remove(r->srv, e->name);
			note(ch, REPO_UNLOADED, e, NULL, NULL);
		}
		entry_free(e);
	}
	r->n = k;
	for (i = 0; i < n; i++)
		if (!find_path(r, paths[i]))
			entry_new(r, paths[i], 1);
	free_paths(paths, n);
	return 0;
}

int repository_start(struct repository **out, struct server *srv,
		     const struct repository_opts *o)
{
	struct repository *r = xcalloc(1, sizeof(*r));
	struct repo_changes ch = { 0 };
	size_t i;
	int rc = 0;

	*out = NULL;
	pthread_mutex_init(&r->lock, NULL);
	r->srv = srv;
	r->o = *o;
	r->dir = dup_or_null(o->dir);
	r->o.dir = r->dir;
	for (i = 0; i < o->nbundles; i++)
		if (!find_path(r, o->bundles[i]))
			entry_new(r, o->bundles[i], 0);
	rc = rescan(r, &ch);
	for (i = 0; i < r->n && !rc; i++) {
		rc = load_entry(r, r->v[i], &ch);
		if (rc)
			mlops_error_prefix("%s: ", r->v[i]->path);
	}
	if (!rc && !r->n)
		rc = mlops_error_set(MLOPS_EUSAGE, "the models directory '%s' "
				     "holds no model (NAME.mlpkg files, release "
				     "directories)", o->dir);
	if (!rc) {
		done(r, &ch);
		r->started = 1;
		*out = r;
	} else {
		repository_free(r);
	}
	repo_changes_release(&ch);
	return rc;
}

void repository_free(struct repository *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->n; i++)
		entry_free(r->v[i]);
	free(r->v);
	free(r->dir);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

int repository_sync(struct repository *r, struct repo_changes *ch)
{
	size_t i;
	int rc;

	pthread_mutex_lock(&r->lock);
	rc = rescan(r, ch);
	if (rc < 0) {
		struct entry dir = { 0 };

		dir.path = r->dir;
		note(ch, REPO_FAILED, &dir, NULL, mlops_error_last()->message);
	}
	for (i = 0; i < r->n; i++)
		if (!r->v[i]->unloaded && load_entry(r, r->v[i], ch) < 0)
			rc = -1;
	done(r, ch);
	pthread_mutex_unlock(&r->lock);
	return rc;
}

/* The entry that served model name, or (before it ever opened) is
 * named after it; else one of DIR named after it. */
static struct entry *entry_for(struct repository *r, const char *name)
{
	size_t i;
	char **paths = NULL;
	size_t n = 0;
	struct entry *e = NULL;

	for (i = 0; i < r->n && !e; i++)
		if (r->v[i]->name && !strcmp(r->v[i]->name, name))
			e = r->v[i];
	for (i = 0; i < r->n && !e; i++)
		if (!r->v[i]->name && !strcmp(r->v[i]->base, name))
			e = r->v[i];
	if (e || !r->dir || scan(r->dir, &paths, &n) < 0) {
		mlops_error_clear();
		return e;
	}
	for (i = 0; i < n && !e; i++) {
		const char *b = fs_basename(paths[i]);
		size_t len = strlen(name);

		if (!strncmp(b, name, len) &&
		    (!b[len] || !strcmp(b + len, BUNDLE_EXT)) &&
		    !find_path(r, paths[i]))
			e = entry_new(r, paths[i], 1);
	}
	free_paths(paths, n);
	return e;
}

int repository_load(struct repository *r, const char *name,
		    struct repo_changes *ch)
{
	struct entry *e;
	int rc;

	pthread_mutex_lock(&r->lock);
	e = entry_for(r, name);
	if (!e) {
		rc = mlops_error_set(MLOPS_EUSAGE, "no entry serves the model "
				     "'%s' (%s%s%s)", name,
				     r->dir ? "in " : "the BUNDLE arguments",
				     r->dir ? r->dir : "",
				     r->dir ? ", NAME.mlpkg or NAME/, or the "
					      "BUNDLE arguments" : "");
	} else {
		e->unloaded = 0;
		rc = load_entry(r, e, ch);
		if (!rc && e->name && strcmp(e->name, name))
			rc = mlops_error_set(MLOPS_EINPUT, "%s holds the model "
					     "'%s', not '%s'", e->path, e->name,
					     name);
	}
	done(r, ch);
	pthread_mutex_unlock(&r->lock);
	return rc;
}

int repository_unload(struct repository *r, const char *name,
		      struct repo_changes *ch)
{
	struct entry *e;
	int rc = 0;

	pthread_mutex_lock(&r->lock);
	e = serving_entry(r, name);
	if (!e) {
		rc = mlops_error_set(MLOPS_EUSAGE, "no model named '%s' is "
				     "loaded", name);
	} else {
		server_model_remove(r->srv, name);
		e->loaded = 0;
		e->unloaded = 1;
		e->stamp[0] = '\0';
		note(ch, REPO_UNLOADED, e, NULL, NULL);
	}
	done(r, ch);
	pthread_mutex_unlock(&r->lock);
	return rc;
}
