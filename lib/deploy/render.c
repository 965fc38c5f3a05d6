#include "render.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../bundle/meta.h"
#include "../bundle/signature.h"
#include "../core/error.h"
#include "../core/fsutil.h"
#include "../core/jsonutil.h"
#include "../core/strbuf.h"
#include "../descriptor/k8s_names.h"
#include "yaml_out.h"

/* Names and labels, made to fit Kubernetes' grammars once. */
struct names {
	struct strbuf object;   /* NAME-ENV: every object's name, instance */
	struct strbuf name;     /* app.kubernetes.io/name */
	struct strbuf version;  /* app.kubernetes.io/version */
};

static json_t *selector_labels(const struct names *n)
{
	return json_pack("{s:s, s:s}", "app.kubernetes.io/name", n->name.buf,
			 "app.kubernetes.io/instance", n->object.buf);
}

static json_t *labels(const struct names *n)
{
	json_t *l = selector_labels(n);

	if (n->version.len)
		json_object_set_new(l, "app.kubernetes.io/version",
				    json_string(n->version.buf));
	json_object_set_new(l, "app.kubernetes.io/managed-by",
			    json_string("mlops"));
	return l;
}

/* Annotations keep what labels cannot: the exact version, the digest. */
static json_t *annotations(const struct environment *e,
			   const struct render_opts *o)
{
	return json_pack("{s:s, s:s, s:s*}", "mlops.dev/environment", e->name,
			 "mlops.dev/version", o->version,
			 "mlops.dev/bundle-digest", o->bundle_digest);
}

static json_t *object(const char *api, const char *kind,
		      const struct environment *e, const struct render_opts *o,
		      const struct names *n)
{
	return json_pack("{s:s, s:s, s:{s:s, s:s, s:o, s:o}}", "apiVersion",
			 api, "kind", kind, "metadata", "name", n->object.buf,
			 "namespace", e->namespace_, "labels", labels(n),
			 "annotations", annotations(e, o));
}

static json_t *probe(const char *path, int period, int failures)
{
	return json_pack("{s:{s:s, s:s}, s:i, s:i, s:i}", "httpGet", "path",
			 path, "port", "http", "periodSeconds", period,
			 "timeoutSeconds", 2, "failureThreshold", failures);
}

/* The image's Cmd with what a pod needs more: probes that reach the
 * health routes when API keys are on, a drain shorter than the grace
 * period. The entrypoint ("mlops serve") is the image's. */
static json_t *container_args(void)
{
	char listen[32];

	snprintf(listen, sizeof(listen), "0.0.0.0:%d", IMAGE_PORT);
	return json_pack("[s, s, s, s, s, s]", IMAGE_BUNDLE_PATH, "--listen",
			 listen, "--public-health", "--drain-timeout", "20");
}

static json_t *container_env(const struct environment *e,
			     const struct render_opts *o)
{
	json_t *env = json_pack("[{s:s, s:s}]", "name", "XDG_CACHE_HOME",
				"value", IMAGE_CACHE_DIR);

	if (o->bundle_digest)
		json_array_append_new(env, json_pack("{s:s, s:s}", "name",
						     "MLOPS_EXPECT_DIGEST",
						     "value",
						     o->bundle_digest));
	if (e->api_key_secret)
		json_array_append_new(env, json_pack(
			"{s:s, s:{s:{s:s, s:s}}}", "name", "MLOPS_API_KEYS",
			"valueFrom", "secretKeyRef", "name", e->api_key_secret,
			"key", RENDER_SECRET_KEY));
	return env;
}

static json_t *container(const struct environment *e,
			 const struct render_opts *o, const char *image)
{
	const char *cpu = e->cpu ? e->cpu : "250m";
	const char *mem = e->memory ? e->memory : "256Mi";

	return json_pack(
		"{s:s, s:s, s:s, s:o, s:o, s:[{s:s, s:i, s:s}], s:o, s:o, "
		"s:o, s:{s:{s:s, s:s}, s:{s:s}}, "
		"s:{s:b, s:b, s:b, s:{s:[s]}}, "
		"s:[{s:s, s:s}, {s:s, s:s}]}",
		"name", "mlops", "image", image, "imagePullPolicy",
		"IfNotPresent", "args", container_args(), "env",
		container_env(e, o), "ports", "name", "http", "containerPort",
		IMAGE_PORT, "protocol", "TCP",
		/* Loading and warming a large model may take a while: two
		 * minutes before liveness counts. */
		"startupProbe", probe("/health/live", 2, 60),
		"readinessProbe", probe("/health/ready", 5, 3),
		"livenessProbe", probe("/health/live", 10, 3),
		"resources", "requests", "cpu", cpu, "memory", mem, "limits",
		"memory", mem,
		"securityContext", "allowPrivilegeEscalation", 0,
		"readOnlyRootFilesystem", 1, "runAsNonRoot", 1, "capabilities",
		"drop", "ALL",
		"volumeMounts", "name", "cache", "mountPath", IMAGE_CACHE_DIR,
		"name", "tmp", "mountPath", "/tmp");
}

static json_t *deployment(const struct environment *e,
			  const struct render_opts *o, const struct names *n,
			  const char *image)
{
	json_t *d = object("apps/v1", "Deployment", e, o, n);
	json_t *spec = json_object();
	json_t *pod = json_pack(
		"{s:b, s:b, s:i, s:{s:b, s:i, s:i, s:i, s:{s:s}}, s:[o], "
		"s:[{s:s, s:{}}, {s:s, s:{}}]}",
		"automountServiceAccountToken", 0, "enableServiceLinks", 0,
		"terminationGracePeriodSeconds", 30, "securityContext",
		"runAsNonRoot", 1, "runAsUser", IMAGE_UID, "runAsGroup",
		IMAGE_UID, "fsGroup", IMAGE_UID, "seccompProfile", "type",
		"RuntimeDefault", "containers", container(e, o, image),
		"volumes", "name", "cache", "emptyDir", "name", "tmp",
		"emptyDir");
	json_t *tmpl_meta = json_pack("{s:o, s:{s:s*, s:s, s:s, s:s}}",
				      "labels", labels(n), "annotations",
				      "mlops.dev/bundle-digest",
				      o->bundle_digest, "prometheus.io/scrape",
				      "true", "prometheus.io/port", "8080",
				      "prometheus.io/path", "/metrics");

	/* With an HPA, a replicas field would fight it on every apply. */
	if (!e->max_replicas)
		json_object_set_new(spec, "replicas", json_integer(e->replicas));
	json_object_set_new(spec, "revisionHistoryLimit", json_integer(10));
	json_object_set_new(spec, "selector", json_pack("{s:o}", "matchLabels",
							selector_labels(n)));
	json_object_set_new(spec, "strategy", json_pack(
		"{s:s, s:{s:i, s:i}}", "type", "RollingUpdate",
		"rollingUpdate", "maxUnavailable", 0, "maxSurge", 1));
	json_object_set_new(spec, "template", json_pack("{s:o, s:o}",
							"metadata", tmpl_meta,
							"spec", pod));
	json_object_set_new(d, "spec", spec);
	return d;
}

static json_t *service(const struct environment *e,
		       const struct render_opts *o, const struct names *n)
{
	json_t *s = object("v1", "Service", e, o, n);

	json_object_set_new(s, "spec", json_pack(
		"{s:s, s:o, s:[{s:s, s:i, s:s, s:s}]}", "type", "ClusterIP",
		"selector", selector_labels(n), "ports", "name", "http", "port",
		IMAGE_PORT, "targetPort", "http", "protocol", "TCP"));
	return s;
}

/* One pod may be evicted at a time (a drain goes on even with one
 * replica; rolling updates keep the others serving). */
static json_t *pdb(const struct environment *e, const struct render_opts *o,
		   const struct names *n)
{
	json_t *p = object("policy/v1", "PodDisruptionBudget", e, o, n);

	json_object_set_new(p, "spec", json_pack(
		"{s:i, s:{s:o}}", "maxUnavailable", 1, "selector",
		"matchLabels", selector_labels(n)));
	return p;
}

static json_t *hpa(const struct environment *e, const struct render_opts *o,
		   const struct names *n)
{
	json_t *h = object("autoscaling/v2", "HorizontalPodAutoscaler", e, o,
			   n);

	json_object_set_new(h, "spec", json_pack(
		"{s:{s:s, s:s, s:s}, s:I, s:I, "
		"s:[{s:s, s:{s:s, s:{s:s, s:I}}}]}",
		"scaleTargetRef", "apiVersion", "apps/v1", "kind",
		"Deployment", "name", n->object.buf, "minReplicas",
		(json_int_t)e->min_replicas, "maxReplicas",
		(json_int_t)e->max_replicas, "metrics", "type", "Resource",
		"resource", "name", "cpu", "target", "type", "Utilization",
		"averageUtilization", (json_int_t)e->cpu_percent));
	return h;
}

static int write_yaml(const char *dir, const char *file, const char *header,
		      const json_t *j, size_t *files)
{
	struct strbuf text = STRBUF_INIT;
	char *path = fs_join(dir, file);
	int rc;

	strbuf_addstr(&text, header);
	yaml_out(&text, j);
	rc = fs_write_output(path, text.buf, text.len, 0644);
	if (!rc)
		++*files;
	free(path);
	strbuf_release(&text);
	return rc;
}

/* The files of an earlier render that this one does not write, so that
 * kubectl apply -f DIR does not bring them back. */
static int remove_stale(const char *dir, const char *file)
{
	char *path = fs_join(dir, file);
	int rc = 0;

	if (unlink(path) < 0 && errno != ENOENT)
		rc = mlops_error_errno(MLOPS_EIO, errno, "cannot remove %s",
				       path);
	free(path);
	return rc;
}

static void header(struct strbuf *h, const struct environment *e,
		   const struct render_opts *o)
{
	strbuf_addf(h, "# %s %s for the environment %s, rendered by mlops",
		    o->name, o->version, e->name);
	if (o->bundle_digest)
		strbuf_addf(h, " deploy --render.\n# The bundle %s:\n# a "
			    "pod whose image holds another never becomes "
			    "ready (kubectl logs says why).\n",
			    o->bundle_digest);
	else
		strbuf_addstr(h, " init: a template. mlops deploy BUNDLE --env "
			      "ENV --render DIR\n# pins the image and the "
			      "bundle by digest.\n");
	strbuf_addstr(h, "# Change it with a kustomize overlay rather than by "
		      "hand: a new render\n# overwrites these files.\n");
	if (e->api_key_secret)
		strbuf_addf(h, "# API keys come from the Secret %s (key %s), "
			    "which you create:\n#   kubectl -n %s create secret "
			    "generic %s --from-literal=%s=KEY1,KEY2\n",
			    e->api_key_secret, RENDER_SECRET_KEY, e->namespace_,
			    e->api_key_secret, RENDER_SECRET_KEY);
}

static int check_image(const struct render_opts *o, const char *image)
{
	const char *digest;

	if (!k8s_is_image_ref(image, &digest))
		return mlops_error_set(MLOPS_EUSAGE, "'%s' is not an image "
				       "reference ([HOST/]REPO[:TAG]"
				       "@sha256:HEX)", image);
	if (!digest && o->bundle_digest) {
		mlops_error_set(MLOPS_EUSAGE, "the image '%s' names no digest: "
				"a tag can move, and pods would run whatever it "
				"names when they start", image);
		mlops_error_hint("mlops image BUNDLE -t %s --push prints the "
				 "image's digest: put REPO@sha256:... in the "
				 "environment's image, or pass --image", image);
		return MLOPS_EUSAGE;
	}
	return 0;
}

int render_kubernetes(const struct environment *e,
		      const struct render_opts *o, const char *dir,
		      size_t *files)
{
	static const char *const kinds[] = { "deployment.yaml",
					     "service.yaml", "pdb.yaml",
					     "hpa.yaml" };
	struct names n = { STRBUF_INIT, STRBUF_INIT, STRBUF_INIT };
	struct strbuf h = STRBUF_INIT;
	const char *image = o->image ? o->image : e->image;
	json_t *objs[4] = { NULL, NULL, NULL, NULL };
	json_t *kust = NULL;
	size_t i;
	int rc;

	*files = 0;
	if (e->kind != ENV_KUBERNETES)
		return mlops_error_set(MLOPS_EUSAGE, "environment %s is not a "
				       "kubernetes environment", e->name);
	rc = check_image(o, image);
	if (rc)
		return rc;
	k8s_object_name(&n.object, o->name, e->name);
	k8s_label_value(&n.name, o->name);
	k8s_label_value(&n.version, o->version);
	header(&h, e, o);
	objs[0] = deployment(e, o, &n, image);
	objs[1] = service(e, o, &n);
	objs[2] = pdb(e, o, &n);
	if (e->max_replicas)
		objs[3] = hpa(e, o, &n);
	kust = json_pack("{s:s, s:s, s:[]}", "apiVersion",
			 "kustomize.config.k8s.io/v1beta1", "kind",
			 "Kustomization", "resources");
	rc = fs_mkdir_p(dir, 0755);
	for (i = 0; i < 4 && !rc; i++) {
		if (!objs[i]) {
			rc = remove_stale(dir, kinds[i]);
			continue;
		}
		rc = write_yaml(dir, kinds[i], h.buf, objs[i], files);
		json_array_append_new(json_object_get(kust, "resources"),
				      json_string(kinds[i]));
	}
	/* The layout before kustomization.yaml had one. */
	if (!rc)
		rc = remove_stale(dir, "configmap.yaml");
	if (!rc)
		rc = write_yaml(dir, "kustomization.yaml", h.buf, kust, files);
	for (i = 0; i < 4; i++)
		json_decref(objs[i]);
	json_decref(kust);
	strbuf_release(&h);
	strbuf_release(&n.object);
	strbuf_release(&n.name);
	strbuf_release(&n.version);
	return rc;
}

int render_bundle(const struct environment *e, const char *path,
		  const struct sig_key *const keys[2], const char *image,
		  const char *dir, size_t *files)
{
	struct render_opts o = { 0 };
	struct bundle *b = NULL;
	size_t i;
	int rc = bundle_open(&b, path, NULL);

	*files = 0;
	for (i = 0; !rc && i < 2; i++)
		if (keys[i])
			rc = sig_verify_bundle(b, keys[i]);
	if (!rc) {
		o.name = bundle_name(b);
		o.version = bundle_version(b);
		o.bundle_digest = b->manifest_digest;
		o.image = image;
		if (!o.name || !o.version)
			rc = mlops_error_set(MLOPS_EINPUT, "%s: its descriptor "
					     "has no name or version", path);
	}
	if (!rc)
		rc = render_kubernetes(e, &o, dir, files);
	bundle_free(b);
	return rc;
}
