#include "checklist.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../bundle/extract.h"
#include "../bundle/mediatypes.h"
#include "../bundle/modelpack.h"
#include "../bundle/meta.h"
#include "../bundle/signature.h"
#include "../core/error.h"
#include "../core/fsutil.h"
#include "../core/jsonutil.h"
#include "../core/strbuf.h"
#include "../model/bundled.h"
#include "evaluate.h"

struct list {
	json_t *checks;
	int failed;
};

static void add(struct list *l, const char *name, const char *status,
		const char *fmt, ...) MLOPS_PRINTF(4, 5);

static void add(struct list *l, const char *name, const char *status,
		const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	json_array_append_new(l->checks,
			      json_pack("{s:s, s:s, s:s}", "name", name, "status",
					status, "detail", sb.buf));
	if (!strcmp(status, "fail"))
		l->failed = 1;
	strbuf_release(&sb);
}

/* The last error, for a failed check's detail. */
static const char *last(void)
{
	return mlops_error_last()->message;
}

static void check_sbom(struct list *l, const struct bundle *b)
{
	const json_t *files = bundle_files(b), *f, *c;
	const json_t *comps = json_object_get(b->sbom, "components");
	size_t i, j;

	if (!b->sbom) {
		add(l, "sbom", "fail", "the bundle has no SBOM layer");
		return;
	}
	json_array_foreach(files, i, f) {
		const char *path = json_str(f, "path");
		const char *digest = json_str(f, "digest");
		int found = 0;

		json_array_foreach(comps, j, c) {
			const json_t *h = json_array_get(json_object_get(c,
									 "hashes"),
							 0);

			if (json_str(c, "name") && path &&
			    !strcmp(json_str(c, "name"), path)) {
				found = 1;
				if (!digest || !json_str(h, "content") ||
				    strcmp(json_str(h, "content"), digest + 7)) {
					add(l, "sbom", "fail", "'%s' has another "
					    "SHA-256 in the SBOM", path);
					return;
				}
			}
		}
		if (!found) {
			add(l, "sbom", "fail", "'%s' is not in the SBOM",
			    path ? path : "?");
			return;
		}
	}
	add(l, "sbom", "pass", "%zu files in the SBOM with matching SHA-256, "
	    "%zu components", json_array_size(files), json_array_size(comps));
}

static void check_quality(struct list *l, struct bundled_model *bm,
			  const struct bundle *b, json_t *report)
{
	const struct descriptor *d = bm->d;
	const json_t *recorded = bundle_golden_predictions(b);
	struct evaluation ev;
	char *golden;
	size_t i;

	if (!d->datasets.golden_path) {
		add(l, "gates", "skip", "no golden set in the descriptor");
		add(l, "golden", "skip", "no golden set in the descriptor");
		return;
	}
	golden = fs_join(bm->dir, d->datasets.golden_path);
	if (!d->ngates) {
		add(l, "gates", "skip", "no gates declared");
	} else if (quality_evaluate(&ev, bm, golden) < 0) {
		add(l, "gates", "fail", "cannot evaluate: %s", last());
	} else {
		struct strbuf sb = STRBUF_INIT;

		for (i = 0; i < ev.ngates; i++) {
			const struct gate_result *r = &ev.gates[i];

			if (!r->computed)
				strbuf_addf(&sb, "%s%s: not computed for this "
					    "task", i ? "; " : "",
					    r->gate->metric);
			else
				strbuf_addf(&sb, "%s%s %.4g %s %g%s", i ? "; " : "",
					    r->gate->metric, r->value,
					    gate_op_name(r->gate->op),
					    r->gate->value,
					    r->pass ? "" : " FAILED");
		}
		strbuf_addf(&sb, " (on %llu golden row%s",
			    (unsigned long long)ev.used, plural(ev.used));
		if (ev.invalid)
			strbuf_addf(&sb, "; %llu left out: invalid, or a label "
				    "that is not a class label",
				    (unsigned long long)ev.invalid);
		strbuf_addch(&sb, ')');
		add(l, "gates", ev.all_pass ? "pass" : "fail", "%s", sb.buf);
		json_object_set_new(report, "evaluation", evaluation_json(&ev));
		strbuf_release(&sb);
		evaluation_free(&ev);
	}
	if (!recorded) {
		add(l, "golden", "skip", "no golden predictions were recorded "
		    "at package time");
	} else {
		double diff = 0;
		size_t n = 0;
		int rc = quality_compare_golden(recorded, bm, golden, &diff, &n);

		if (rc < 0)
			add(l, "golden", "fail", "%s", last());
		else
			add(l, "golden", rc ? "fail" : "pass", "%zu rows, largest "
			    "difference %.3g (tolerance %g)", n, diff,
			    json_num(recorded, "tolerance", GOLDEN_TOLERANCE));
	}
	free(golden);
}

static void check_signature(struct list *l, const struct bundle *b,
			    const struct sig_key *verify)
{
	struct strbuf keys = STRBUF_INIT;
	size_t i;

	if (verify) {
		if (sig_verify_bundle(b, verify) < 0)
			add(l, "signed", "fail", "%s", last());
		else
			add(l, "signed", "pass", "by key %s",
			    sig_key_id(verify));
		return;
	}
	if (!b->nsigs) {
		add(l, "signed", "skip", "the bundle carries no signature");
		return;
	}
	for (i = 0; i < b->nsigs; i++)
		strbuf_addf(&keys, "%s%s", i ? ", " : "", b->sigs[i].key_id);
	add(l, "signed", "skip", "%zu signature%s (key %s), not checked: "
	    "give --verify PUBKEY", b->nsigs, plural(b->nsigs),
	    keys.buf);
	strbuf_release(&keys);
}

int validate_bundle(json_t **report, const char *path,
		    const struct sig_key *verify)
{
	struct bundle_open_opts o = { 1, 1 };
	struct strbuf why = STRBUF_INIT;
	struct bundle *b = NULL;
	struct bundled_model bm;
	struct list l = { json_array(), 0 };
	const char *at;
	size_t i;
	int rc;

	*report = NULL;
	rc = bundle_open(&b, path, &o);
	if (rc) {
		json_decref(l.checks);
		return rc;
	}
	*report = json_pack("{s:s, s:s}", "bundle", path, "digest",
			    b->manifest_digest);
	add(&l, "archive", "pass", "an OCI image layout of %zu blobs; no "
	    "links, devices, duplicates or paths outside", b->nblobs);
	if (b->nmismatched) {
		struct strbuf sb = STRBUF_INIT;

		for (i = 0; i < b->nmismatched; i++)
			strbuf_addf(&sb, "%s%s", i ? ", " : "", b->mismatched[i]);
		add(&l, "blobs", "fail", "content does not match the digest: %s",
		    sb.buf);
		strbuf_release(&sb);
	} else {
		add(&l, "blobs", "pass", "%zu blobs match their sha256",
		    b->nblobs);
	}
	at = json_str(b->manifest, "artifactType");
	if (!at || strcmp(at, MT_MODEL_ARTIFACT))
		add(&l, "manifest", "fail", "artifactType is %s, not %s",
		    at ? at : "missing", MT_MODEL_ARTIFACT);
	else
		add(&l, "manifest", "pass", "%s, %zu layers", b->manifest_digest,
		    json_array_size(json_object_get(b->manifest, "layers")));
	if (modelpack_config_check(b->config, &why))
		add(&l, "config", "fail", "%s", why.buf);
	else
		add(&l, "config", "pass", "follows the ModelPack config schema");
	check_signature(&l, b, verify);
	if (l.failed) {
		static const char *const rest[] = { "files", "sbom", "model",
						    "gates", "golden", NULL };

		for (i = 0; rest[i]; i++)
			add(&l, rest[i], "skip", "the bundle failed integrity");
		goto done;
	}
	if (bundle_verify_files(b) < 0)
		add(&l, "files", "fail", "%s", last());
	else
		add(&l, "files", "pass", "%zu files match the file list",
		    json_array_size(bundle_files(b)));
	check_sbom(&l, b);
	if (bundled_model_load(&bm, b, 0) < 0) {
		/* An unusable cache directory, a full disk: the machine's
		 * failure (exit 4), not a finding against the bundle. */
		if (mlops_error_last()->code == MLOPS_EIO) {
			json_decref(l.checks);
			json_decref(*report);
			*report = NULL;
			strbuf_release(&why);
			bundle_free(b);
			return MLOPS_EIO;
		}
		add(&l, "model", "fail", "%s", last());
		add(&l, "gates", "skip", "the model does not load");
		add(&l, "golden", "skip", "the model does not load");
		goto done;
	}
	add(&l, "model", "pass", "%s; %zu features match the signature",
	    bm.m->description, bm.d->ninputs);
	check_quality(&l, &bm, b, *report);
	bundled_model_free(&bm);
done:
	json_object_set_new(*report, "name", json_string(bundle_name(b)));
	json_object_set_new(*report, "version", json_string(bundle_version(b)));
	json_object_set_new(*report, "checks", l.checks);
	json_object_set_new(*report, "pass", json_boolean(!l.failed));
	strbuf_release(&why);
	bundle_free(b);
	return l.failed ? 1 : 0;
}
