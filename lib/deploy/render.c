#include "render.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../core/fsutil.h"
#include "../core/strbuf.h"

#define PORT 8080
#define BUNDLE_IN_IMAGE "/srv/model/bundle.mlpkg"

/* A YAML double-quoted scalar (JSON's escaping is valid YAML). */
static void q(struct strbuf *o, const char *s)
{
	json_t *j = json_string(s ? s : "");
	char *t = json_dumps(j, JSON_ENCODE_ANY);

	strbuf_addstr(o, t ? t : "\"\"");
	free(t);
	json_decref(j);
}

static void metadata(struct strbuf *o, const char *kind_name,
		     const struct environment *e, const char *name,
		     const char *version, const char *digest)
{
	strbuf_addstr(o, "metadata:\n  name: ");
	q(o, kind_name);
	strbuf_addstr(o, "\n  namespace: ");
	q(o, e->namespace_);
	strbuf_addstr(o, "\n  labels:\n    app.kubernetes.io/name: ");
	q(o, name);
	strbuf_addstr(o, "\n    app.kubernetes.io/version: ");
	q(o, version);
	strbuf_addstr(o, "\n    app.kubernetes.io/managed-by: \"mlops\"\n"
			 "  annotations:\n    mlops.dev/bundle-digest: ");
	q(o, digest);
	strbuf_addstr(o, "\n    mlops.dev/environment: ");
	q(o, e->name);
	strbuf_addch(o, '\n');
}

static void selector(struct strbuf *o, const char *indent, const char *name)
{
	strbuf_addf(o, "%sapp.kubernetes.io/name: ", indent);
	q(o, name);
	strbuf_addch(o, '\n');
}

static int write_manifest(const char *dir, const char *file, const struct strbuf *o,
		 size_t *files)
{
	char *path = fs_join(dir, file);
	int rc = fs_write_output(path, o->buf, o->len, 0644);

	free(path);
	if (!rc)
		++*files;
	return rc;
}

int render_kubernetes(const struct environment *e, const char *name,
		      const char *version, const char *digest,
		      const char *dir, size_t *files)
{
	struct strbuf o = STRBUF_INIT, cm = STRBUF_INIT;
	long long max = e->replicas * 3;
	int rc;

	*files = 0;
	if (e->kind != ENV_KUBERNETES)
		return mlops_error_set(MLOPS_EUSAGE, "environment %s is not a "
				       "kubernetes environment", e->name);
	rc = fs_mkdir_p(dir, 0755);
	strbuf_addf(&cm, "%s-mlops", name);

	strbuf_addstr(&o, "apiVersion: v1\nkind: ConfigMap\n");
	metadata(&o, cm.buf, e, name, version, digest);
	strbuf_addstr(&o, "data:\n  MLOPS_BUNDLE: ");
	q(&o, BUNDLE_IN_IMAGE);
	strbuf_addstr(&o, "\n  MLOPS_BUNDLE_DIGEST: ");
	q(&o, digest);
	strbuf_addf(&o, "\n  MLOPS_LISTEN: \"0.0.0.0:%d\"\n", PORT);
	if (!rc)
		rc = write_manifest(dir, "configmap.yaml", &o, files);

	strbuf_reset(&o);
	strbuf_addstr(&o, "apiVersion: apps/v1\nkind: Deployment\n");
	metadata(&o, name, e, name, version, digest);
	strbuf_addf(&o, "spec:\n  replicas: %lld\n  selector:\n    matchLabels:\n",
		    e->replicas);
	selector(&o, "      ", name);
	strbuf_addstr(&o, "  strategy:\n    type: RollingUpdate\n    rollingUpdate:\n"
			  "      maxUnavailable: 0\n      maxSurge: 1\n"
			  "  template:\n    metadata:\n      labels:\n");
	selector(&o, "        ", name);
	strbuf_addstr(&o, "        app.kubernetes.io/version: ");
	q(&o, version);
	strbuf_addstr(&o, "\n      annotations:\n        mlops.dev/bundle-digest: ");
	q(&o, digest);
	strbuf_addf(&o, "\n        prometheus.io/scrape: \"true\"\n"
		    "        prometheus.io/port: \"%d\"\n"
		    "        prometheus.io/path: \"/metrics\"\n"
		    "    spec:\n      securityContext:\n        runAsNonRoot: true\n"
		    "        runAsUser: 10001\n      terminationGracePeriodSeconds: 30\n"
		    "      containers:\n        - name: mlops\n          image: ", PORT);
	q(&o, e->image);
	strbuf_addstr(&o, "\n          args: [\"serve\", \"$(MLOPS_BUNDLE)\", "
			  "\"--listen\", \"$(MLOPS_LISTEN)\", \"--drain-timeout\", "
			  "\"20\"]\n          envFrom:\n            - configMapRef:\n"
			  "                name: ");
	q(&o, cm.buf);
	strbuf_addf(&o, "\n          ports:\n            - name: http\n"
		    "              containerPort: %d\n"
		    "          readinessProbe:\n            httpGet: {path: "
		    "/health/ready, port: http}\n            periodSeconds: 5\n"
		    "          livenessProbe:\n            httpGet: {path: "
		    "/health/live, port: http}\n            periodSeconds: 10\n"
		    "          securityContext:\n            readOnlyRootFilesystem: "
		    "true\n            allowPrivilegeEscalation: false\n"
		    "          resources:\n            requests:\n", PORT);
	strbuf_addstr(&o, "              cpu: ");
	q(&o, e->cpu ? e->cpu : "250m");
	strbuf_addstr(&o, "\n              memory: ");
	q(&o, e->memory ? e->memory : "128Mi");
	strbuf_addstr(&o, "\n            limits:\n              memory: ");
	q(&o, e->memory ? e->memory : "128Mi");
	strbuf_addch(&o, '\n');
	if (!rc)
		rc = write_manifest(dir, "deployment.yaml", &o, files);

	strbuf_reset(&o);
	strbuf_addstr(&o, "apiVersion: v1\nkind: Service\n");
	metadata(&o, name, e, name, version, digest);
	strbuf_addstr(&o, "spec:\n  type: ClusterIP\n  selector:\n");
	selector(&o, "    ", name);
	strbuf_addstr(&o, "  ports:\n    - name: http\n      port: 80\n"
			  "      targetPort: http\n");
	if (!rc)
		rc = write_manifest(dir, "service.yaml", &o, files);

	strbuf_reset(&o);
	strbuf_addstr(&o, "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\n");
	metadata(&o, name, e, name, version, digest);
	strbuf_addstr(&o, "spec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n"
			  "    kind: Deployment\n    name: ");
	q(&o, name);
	strbuf_addf(&o, "\n  minReplicas: %lld\n  maxReplicas: %lld\n"
		    "  metrics:\n    - type: Resource\n      resource:\n"
		    "        name: cpu\n        target:\n          type: Utilization\n"
		    "          averageUtilization: 70\n", e->replicas, max);
	if (!rc)
		rc = write_manifest(dir, "hpa.yaml", &o, files);

	strbuf_reset(&o);
	strbuf_addstr(&o, "apiVersion: policy/v1\nkind: PodDisruptionBudget\n");
	metadata(&o, name, e, name, version, digest);
	strbuf_addstr(&o, e->replicas > 1 ? "spec:\n  minAvailable: 1\n"
					  : "spec:\n  maxUnavailable: 1\n");
	strbuf_addstr(&o, "  selector:\n    matchLabels:\n");
	selector(&o, "      ", name);
	if (!rc)
		rc = write_manifest(dir, "pdb.yaml", &o, files);
	strbuf_release(&o);
	strbuf_release(&cm);
	return rc;
}
