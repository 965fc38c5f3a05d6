/* mlops.yaml parsing: typed fields, defaults, and errors at line:col. */
#include <string.h>

#include "lib/core/error.h"
#include "lib/core/jsonutil.h"
#include "lib/descriptor/descriptor.h"
#include "lib/descriptor/k8s_names.h"
#include "lib/descriptor/names.h"
#include "tap.h"

static const char good[] =
	"name: credit-risk\n"
	"version: 1.2.0-rc.1+build.5\n"
	"description: test model\n"
	"authors: [a, b]\n"
	"model:\n"
	"  path: ./model/model.json\n"
	"  runtime: xgboost\n"
	"  task: binary-classification\n"
	"  threshold: 0.35\n"
	"signature:\n"
	"  inputs:\n"
	"    - {name: income, type: float, min: 0, max: 1e6}\n"
	"    - {name: grade, type: category, values: [A, B, C], nullable: true}\n"
	"    - {name: flag, type: bool, required: false}\n"
	"datasets:\n"
	"  golden: {path: data/golden.csv, label: y}\n"
	"gates:\n"
	"  auc: \">= 0.80\"\n"
	"  latency_p95_ms: '<5'\n"
	"smoke:\n"
	"  - name: one\n"
	"    features: {income: 5, grade: A, flag: true}\n"
	"    expect: {prediction: 1}\n"
	"include:\n"
	"  - {path: README.md, kind: doc}\n"
	"dependencies: [requirements.txt]\n"
	"environments:\n"
	"  prod:\n"
	"    kind: fleet\n"
	"    instances:\n"
	"      - {url: http://127.0.0.1:1, admin: http://127.0.0.1:2}\n"
	"    admin_key_env: KEY\n"
	"    strategy: canary\n"
	"    interval: 2m\n";

static struct descriptor *parse(const char *text)
{
	struct descriptor *d = NULL;

	mlops_error_clear();
	descriptor_parse(&d, "mlops.yaml", ".", text, strlen(text));
	return d;
}

/* Parses `text` expecting failure; returns the message. */
static const char *fails(const char *text)
{
	struct descriptor *d = parse(text);

	if (d) {
		descriptor_free(d);
		return "(parsed)";
	}
	return mlops_error_last()->message;
}

static void test_good(void)
{
	struct descriptor *d = parse(good);
	json_t *j;

	if (!ok(d != NULL, "a full descriptor parses")) {
		printf("# %s\n", mlops_error_last()->message);
		return;
	}
	is_str(d->name, "credit-risk", "name");
	is_str(d->version, "1.2.0-rc.1+build.5", "semver with pre-release");
	is_int(d->nauthors, 2, "authors");
	is_int(d->model.runtime, RUNTIME_XGBOOST, "runtime");
	is_num(d->model.threshold, 0.35, 0, "threshold");
	is_int(d->ninputs, 3, "three inputs");
	ok(d->inputs[0].has_min && d->inputs[0].has_max &&
		   d->inputs[0].max == 1e6, "min and max");
	is_int(d->inputs[1].nvalues, 3, "category values");
	ok(d->inputs[1].nullable && d->inputs[1].required,
	   "nullable, required by default");
	ok(!d->inputs[2].required, "required: false");
	is_int(d->noutputs, 2, "default outputs for a classifier");
	is_int(d->ngates, 2, "gates");
	is_int(d->gates[1].op, GATE_LT, "'<5' is less-than");
	is_num(d->gates[0].value, 0.8, 0, "gate value");
	is_int(d->nsmoke, 1, "smoke test");
	ok(json_is_true(json_object_get(d->smoke[0].features, "flag")),
	   "smoke features are typed (bool)");
	is_int(d->environments[0].nsteps, 3, "canary gets default steps");
	is_num(d->environments[0].interval_s, 120, 0, "interval 2m");
	j = descriptor_to_json(d);
	is_str(json_str(json_object_get(j, "model"), "task"),
	       "binary-classification", "resolved JSON carries the task");
	is_int(json_array_size(json_object_get(json_object_get(j, "signature"),
					       "outputs")), 2,
	       "resolved JSON carries default outputs");
	json_decref(j);
	descriptor_free(d);
}

static void test_errors(void)
{
	const char *base = "name: m\nversion: 1.0.0\nmodel:\n  path: m.json\n"
			   "  runtime: xgboost\n  task: regression\n";
	char buf[1024];

	like(fails("name: m\nversion: 1.0.0\nmodle: {}\n"),
	     "mlops.yaml:3:1: unknown key 'modle'", "unknown key at line:col");
	ok(mlops_error_last()->hint &&
		   strstr(mlops_error_last()->hint, "did you mean 'model'"),
	   "unknown key gets a suggestion");
	is_int(mlops_error_last()->line, 3, "error location line");
	is_int(mlops_error_last()->code, MLOPS_EINPUT, "class EINPUT");
	like(fails("name: m\nversion: 1.0\nmodel: {}\n"),
	     "mlops.yaml:2:10: version '1.0' is not a semantic version",
	     "non-semver version");
	like(fails("name: -bad\nversion: 1.0.0\n"), "mlops.yaml:1:7: name",
	     "name outside GTO grammar");
	like(fails("version: 1.0.0\n"), "missing required key 'name'",
	     "missing name");
	like(fails("name: m\nversion: 1.0.0\n"),
	     "missing required key 'model'", "missing model");
	snprintf(buf, sizeof(buf), "%s  threshold: 0.5\n", base);
	like(fails(buf), "threshold applies to binary-classification",
	     "threshold on regression");
	snprintf(buf, sizeof(buf), "%ssignature:\n  inputs:\n    - name: x\n"
		 "      type: floot\n", base);
	like(fails(buf), "mlops.yaml:10:13: signature.inputs[0].type: unknown "
	     "value 'floot'", "bad enum value");
	ok(mlops_error_last()->hint &&
		   strstr(mlops_error_last()->hint, "'float'"),
	   "enum suggestion");
	snprintf(buf, sizeof(buf), "%ssignature:\n  inputs:\n    - {name: x, "
		 "type: float, min: low}\n", base);
	like(fails(buf), "min must be a number, not 'low'", "bad number");
	snprintf(buf, sizeof(buf), "%ssignature:\n  inputs:\n    - {name: x, "
		 "type: category}\n", base);
	like(fails(buf), "needs 'values'", "category without values");
	snprintf(buf, sizeof(buf), "%ssignature:\n  inputs:\n    - {name: x, "
		 "type: float, min: 5, max: 1}\n", base);
	like(fails(buf), "below min", "max below min");
	snprintf(buf, sizeof(buf), "%ssignature:\n  inputs:\n    - {name: x, "
		 "type: float}\n    - {name: x, type: int}\n", base);
	like(fails(buf), "'x' is declared twice", "duplicate input");
	snprintf(buf, sizeof(buf), "%sgates:\n  auc: high\n", base);
	like(fails(buf), "gates.auc must be an operator and a number",
	     "bad gate");
	snprintf(buf, sizeof(buf), "%sgates:\n  aucc: '>= 1'\n", base);
	like(fails(buf), "unknown key 'aucc' in gates", "unknown gate metric");
	snprintf(buf, sizeof(buf), "%senvironments:\n  prod:\n    kind: local\n"
		 "    root: /srv\n    image: x\n", base);
	like(fails(buf), "'image' does not apply to a local environment",
	     "key of another environment kind");
	snprintf(buf, sizeof(buf), "%senvironments:\n  prod:\n    kind: fleet\n"
		 "    instances: [{url: http://a, admin: http://b}]\n"
		 "    admin_key_env: K\n    steps: [50, 10]\n",
		 base);
	like(fails(buf), "steps must increase", "canary steps order");
	snprintf(buf, sizeof(buf), "%senvironments:\n  prod:\n    kind: fleet\n"
		 "    instances: [http://a]\n    admin_key_env: K\n", base);
	like(fails(buf), "each instance is {url: URL, admin: URL}",
	     "instances are url + admin");
	snprintf(buf, sizeof(buf), "%senvironments:\n  prod:\n    kind: fleet\n"
		 "    instances: [{url: http://a, admin: ftp://b}]\n"
		 "    admin_key_env: K\n", base);
	like(fails(buf), "url and admin must be http", "instance URLs");
	like(fails("name: m\nname: n\n"), "mlops.yaml:2:1: duplicate key 'name'",
	     "duplicate key");
	like(fails("a: &x 1\nb: *x\n"), "aliases", "aliases refused");
	like(fails("name: [unclosed\n"), "invalid YAML", "syntax error");
	like(fails(""), "empty", "empty file");
	like(fails("- a\n- b\n"), "the descriptor must be a mapping",
	     "top level must be a mapping");
	like(fails("name: m\n---\nname: n\n"), "only one YAML document",
	     "one document only");
	like(fails("name: m\nversion: 1.0.0\nmodel:\n  path: /abs/m.json\n"
		   "  runtime: glm\n  task: regression\n"),
	     "must be relative", "absolute model path");
	{
		/* Deep nesting is refused, not a stack overflow. */
		static char deep[4096];
		int i;

		for (i = 0; i < 1000; i++)
			deep[i] = '[';
		deep[1000] = '\0';
		like(fails(deep), "", "deep nesting does not crash");
	}
	{
		static const char nul[] = "name: m\0x\n";
		struct descriptor *d = NULL;

		ok(descriptor_parse(&d, "f", ".", nul, sizeof(nul) - 1) ==
			   MLOPS_EINPUT, "NUL bytes are refused");
	}
}

static void test_names(void)
{
	static const char *const good_v[] = { "0.0.0", "1.2.3", "10.20.30",
					      "1.0.0-alpha", "1.0.0-alpha.1",
					      "1.0.0-0.3.7", "1.0.0+20130313",
					      "1.0.0-rc.1+b.2", NULL };
	static const char *const bad_v[] = { "1", "1.0", "01.0.0", "1.0.0-",
					     "1.0.0+", "1.0.0-01", "v1.0.0",
					     "1.0.0.0", "1.0.0-a..b", "", NULL };
	int i;

	for (i = 0; good_v[i]; i++)
		ok(version_is_semver(good_v[i]), "semver: %s", good_v[i]);
	for (i = 0; bad_v[i]; i++)
		ok(!version_is_semver(bad_v[i]), "not semver: '%s'", bad_v[i]);
	ok(name_is_gto("credit-risk"), "gto name");
	ok(name_is_gto("team/model_v2"), "gto name with / and _");
	ok(name_is_gto("a"), "one character");
	ok(!name_is_gto("-a"), "leading dash");
	ok(!name_is_gto("a-"), "trailing dash");
	ok(!name_is_gto("a b"), "space");
	ok(!name_is_gto("a@b"), "at sign");
	ok(!name_is_gto(""), "empty");
}

/* The grammars Kubernetes holds names, labels and quantities to, and
 * the names made to fit them. */
static void test_k8s_names(void)
{
	static const char *const quantities[] = { "1", "500m", "1.5", ".5",
						  "2.", "256Mi", "1Gi", "1Ei",
						  "1E", "1e3", "1E-2", "10k",
						  "100n", NULL };
	static const char *const not_quantities[] = { "", "lots", "1.5 GB",
						      "-1", "+1", "1mi", "Mi",
						      "1e", "1e3Mi", "1KiB",
						      "1.2.3", NULL };
	static const char *const images[] = {
		"r/i", "i", "localhost:5000/a/b:v1.0_x",
		"registry.example.com/team/m@sha256:"
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		"Host.Example.com:443/a__b.c-d:TAG", "[::1]:5000/r:1", NULL };
	static const char *const not_images[] = {
		"", "R/i", "r/I:1", "r/i:", "r/i@sha256:12", "r/i:a/b",
		"a b", "r/i:-x", "/r", "r/",
		/* a hostile review's: a host with an empty or huge port, an
		 * empty repository component */
		"ghcr.io:/a", "localhost:99999/r", "ghcr.io/a//b", "-h.io/r",
		NULL };
	struct strbuf sb = STRBUF_INIT;
	const char *digest;
	int i;

	for (i = 0; quantities[i]; i++)
		ok(k8s_is_quantity(quantities[i]), "quantity: %s",
		   quantities[i]);
	for (i = 0; not_quantities[i]; i++)
		ok(!k8s_is_quantity(not_quantities[i]), "not a quantity: '%s'",
		   not_quantities[i]);
	for (i = 0; images[i]; i++)
		ok(k8s_is_image_ref(images[i], &digest), "image: %s", images[i]);
	ok(k8s_is_image_ref(images[3], &digest) && digest &&
	   !strncmp(digest, "sha256:0123", 11), "the digest found");
	for (i = 0; not_images[i]; i++)
		ok(!k8s_is_image_ref(not_images[i], &digest),
		   "not an image: '%s'", not_images[i]);
	ok(k8s_is_dns_label("ml-prod") && !k8s_is_dns_label("ML") &&
	   !k8s_is_dns_label("a.b") && !k8s_is_dns_label("-a"),
	   "namespaces");
	ok(k8s_is_dns_subdomain("a.b-c") && !k8s_is_dns_subdomain("a..b") &&
	   !k8s_is_dns_subdomain("a_b"), "Secret names");
	k8s_label_value(&sb, "1.2.0-rc.1+build.7");
	is_str(sb.buf, "1.2.0-rc.1_build.7", "a version as a label value");
	ok(k8s_is_label_value(sb.buf), "which is one");
	strbuf_reset(&sb);
	k8s_label_value(&sb, "team/model");
	is_str(sb.buf, "team_model", "a name with '/' as a label value");
	strbuf_reset(&sb);
	k8s_object_name(&sb, "credit-risk", "Prod_EU/West");
	is_str(sb.buf, "credit-risk-prod-eu-west", "NAME-ENV in RFC 1035 form");
	strbuf_reset(&sb);
	k8s_object_name(&sb, "3d", "x");
	is_str(sb.buf, "m-3d-x", "starting with a letter");
	strbuf_reset(&sb);
	k8s_object_name(&sb, "a-model-with-a-very-long-name-that-goes-on-and-"
			"on-past-sixty-three-bytes", "prod");
	is_int(sb.len, 63, "a long name cut to 63 bytes");
	ok(k8s_is_dns_label(sb.buf), "still a label: %s", sb.buf);
	strbuf_release(&sb);
}

int main(void)
{
	test_good();
	test_errors();
	test_names();
	test_k8s_names();
	return done_testing();
}
