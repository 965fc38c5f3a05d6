/* mlops init: write a commented mlops.yaml to start from. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli/command.h"
#include "cli/exit_status.h"
#include "cli/output.h"
#include "lib/bundle/package.h"
#include "lib/core/error.h"
#include "lib/core/fsutil.h"
#include "lib/core/strbuf.h"
#include "lib/deploy/render.h"
#include "lib/descriptor/descriptor.h"
#include "lib/descriptor/names.h"
#include "lib/model/model.h"
#include "subcommands/templates.h"

extern const char init_template[];
extern const size_t init_template_len;

static const char *opt_name;
static const char *opt_runtime; /* xgboost, or what --model's file is */
static const char *opt_model;
static const char *opt_file = "mlops.yaml";
static int opt_force;
static const char *opt_template;
static const char *const template_names[] = {
	"github-actions", "dockerfile", "kubernetes", "prometheus", "runbook",
	NULL };

static const struct opt options[] = {
	OPT_STR(0, "name", &opt_name, "NAME",
		"model name (default: the directory's name)", NULL),
	OPT_ENUM(0, "runtime", &opt_runtime, "RUNTIME",
		 "xgboost (default), lightgbm, onnx or glm", runtime_names),
	OPT_STR(0, "model", &opt_model, "FILE",
		"read the signature (inputs, types, categories), task and "
		"class labels from this model file", "file"),
	OPT_STR('f', "file", &opt_file, "FILE",
		"where to write (default: mlops.yaml)", "file:yaml"),
	OPT_ENUM(0, "template", &opt_template, "NAME",
		 "write a starting point beside mlops.yaml: github-actions, "
		 "dockerfile, kubernetes, prometheus or runbook", template_names),
	OPT_BOOLEAN(0, "force", &opt_force, "overwrite existing files"),
	OPT_TERMINATOR,
};

/* The directory's name, made to fit the GTO name grammar. */
static char *default_name(void)
{
	char *cwd = getcwd(NULL, 0);
	struct strbuf sb = STRBUF_INIT;
	const char *p;

	for (p = cwd ? fs_basename(cwd) : ""; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (isalnum(c) || c == '-' || c == '_')
			strbuf_addch(&sb, (char)tolower(c));
		else if (sb.len && sb.buf[sb.len - 1] != '-')
			strbuf_addch(&sb, '-');
	}
	while (sb.len && !isalnum((unsigned char)sb.buf[sb.len - 1]))
		strbuf_setlen(&sb, sb.len - 1);
	while (sb.len && !isalnum((unsigned char)sb.buf[0]))
		memmove(sb.buf, sb.buf + 1, sb.len--);
	free(cwd);
	if (!sb.len)
		strbuf_addstr(&sb, "my-model");
	return strbuf_detach(&sb);
}

static void substitute(struct strbuf *out, const char *text, size_t len,
		       const char *const *vars)
{
	size_t i = 0;

	while (i < len) {
		int v, hit = 0;

		for (v = 0; vars[v]; v += 2) {
			size_t n = strlen(vars[v]);

			if (i + n <= len && !memcmp(text + i, vars[v], n)) {
				strbuf_addstr(out, vars[v + 1]);
				i += n;
				hit = 1;
				break;
			}
		}
		if (!hit)
			strbuf_addch(out, text[i++]);
	}
}

/* Kubernetes: what `mlops deploy --render` writes, for the first
 * kubernetes environment of mlops.yaml or a default one, as a template:
 * no bundle yet, so no digest pinned. */
static int write_kubernetes(const struct descriptor *d, const char *name,
			    const char *version, size_t *files)
{
	struct environment def = { 0 };
	struct render_opts o = { 0 };
	const struct environment *e = NULL;
	struct strbuf image = STRBUF_INIT;
	size_t i;
	int rc;

	for (i = 0; d && i < d->nenvironments; i++)
		if (d->environments[i].kind == ENV_KUBERNETES) {
			e = &d->environments[i];
			break;
		}
	if (!e) {
		strbuf_addf(&image, "registry.example.com/%s:", name);
		/* A tag has no '+': a version's build metadata does. */
		for (i = 0; version[i]; i++)
			strbuf_addch(&image, version[i] == '+' ? '_' : version[i]);
		def.name = (char *)"production";
		def.kind = ENV_KUBERNETES;
		def.namespace_ = (char *)"default";
		def.image = image.buf;
		def.replicas = 2;
		e = &def;
	}
	if (!opt_force && fs_exists("k8s")) {
		strbuf_release(&image);
		print_error("'k8s' already exists");
		print_hint("pass --force to overwrite its files");
		return EXIT_USAGE;
	}
	o.name = name;
	o.version = version;
	rc = render_kubernetes(e, &o, "k8s", files);
	strbuf_release(&image);
	return rc < 0 ? report_error() : EXIT_OK;
}

/* --template NAME: its files, with the project's name and version, into
 * the current directory; nothing is written when one exists already. */
static int write_template(void)
{
	struct descriptor *d = NULL;
	char *name, *bundle;
	const char *version = "0.1.0";
	const char *vars[13];
	char action[64];
	size_t i, files = 0;
	int rc = EXIT_OK;

	if (fs_exists("mlops.yaml") && descriptor_load(&d, "mlops.yaml") < 0)
		return report_error();
	name = xstrdup(d ? d->name : opt_name ? opt_name : "");
	if (!d && !opt_name) {
		free(name);
		name = default_name();
	}
	if (d)
		version = d->version;
	{
		struct descriptor tmp = { 0 };

		tmp.name = name;
		tmp.version = (char *)version;
		bundle = bundle_default_filename(&tmp);
	}
	snprintf(action, sizeof(action), "mlops/mlops@v%s", MLOPS_VERSION);
	vars[0] = "@NAME@";
	vars[1] = name;
	vars[2] = "@VERSION@";
	vars[3] = version;
	vars[4] = "@BUNDLE@";
	vars[5] = bundle;
	vars[6] = "@ACTION@";
	vars[7] = action;
	vars[8] = "@MLOPS_VERSION@";
	vars[9] = MLOPS_VERSION;
	vars[10] = NULL;
	if (!strcmp(opt_template, "kubernetes")) {
		rc = write_kubernetes(d, name, version, &files);
		goto done;
	}
	for (i = 0; i < ntemplate_files && !opt_force; i++)
		if (!strcmp(template_files[i].name, opt_template) &&
		    fs_exists(template_files[i].path)) {
			print_error("'%s' already exists", template_files[i].path);
			print_hint("pass --force to overwrite it");
			rc = EXIT_USAGE;
			goto done;
		}
	for (i = 0; i < ntemplate_files; i++) {
		const struct template_file *t = &template_files[i];
		struct strbuf text = STRBUF_INIT;
		char *dir;

		if (strcmp(t->name, opt_template))
			continue;
		dir = fs_dirname(t->path);
		substitute(&text, t->data, t->len, vars);
		if (fs_mkdir_p(dir, 0777) < 0 ||
		    fs_write_atomic(t->path, text.buf, text.len, 0666) < 0)
			rc = report_error();
		else
			files++;
		free(dir);
		strbuf_release(&text);
		if (rc)
			goto done;
		if (!out_json())
			printf("wrote %s\n", t->path);
	}
done:
	if (!rc && out_json()) {
		json_t *o = json_pack("{s:s, s:s, s:I}", "template", opt_template,
				      "name", name, "files", (json_int_t)files);

		print_json(o);
		json_decref(o);
	} else if (!rc && !strcmp(opt_template, "kubernetes")) {
		printf("wrote %zu files to k8s/ (kubectl apply -k k8s)\n",
		       files);
	}
	free(bundle);
	free(name);
	descriptor_free(d);
	return rc;
}

/* model.path is relative to mlops.yaml and stays inside its folder. */
static int model_path_check(const char *path)
{
	char *dir = fs_dirname(opt_file);
	int ok = !strcmp(dir, ".") && path[0] != '/' && strncmp(path, "../", 3) &&
		 !strstr(path, "/../");

	free(dir);
	if (ok)
		return 0;
	print_error("--model '%s' must be a path inside the project, relative "
		    "to the current directory, with mlops.yaml written here",
		    path);
	print_hint("cd to the project directory and pass the model's "
		   "relative path");
	return -1;
}

/* The code point at s (its length in *len), or -1 when s is not UTF-8
 * there (overlong forms, surrogates and values past U+10FFFF too). */
static long utf8_at(const unsigned char *s, int *len)
{
	static const long min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	int n = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2
		: (s[0] & 0xf0) == 0xe0 ? 3 : (s[0] & 0xf8) == 0xf0 ? 4 : 0;
	long cp = n == 1 ? s[0] : n ? s[0] & (0x7f >> n) : -1;

	for (int i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	*len = n;
	if (!n || cp < min[n] || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	return cp;
}

/* Whether YAML can hold s at all: it must be UTF-8. */
static int yaml_can_hold(const char *s)
{
	int len;

	for (; *s; s += len)
		if (utf8_at((const unsigned char *)s, &len) < 0)
			return 0;
	return 1;
}

/* A YAML scalar: plain when it cannot be read as anything else, else
 * double-quoted with every character YAML does not allow raw (controls,
 * DEL, C1, NEL, U+FFFE/FFFF) escaped. s is UTF-8 (yaml_can_hold). */
static void yaml_scalar(struct strbuf *sb, const char *s)
{
	static const char *const words[] = { "true", "false", "yes", "no",
					     "on", "off", "null", "y", "n",
					     "~", "" , NULL };
	const char *p;
	int plain = 1;

	for (p = s; *p && plain; p++)
		plain = isalnum((unsigned char)*p) || *p == '_' || *p == '-' ||
			*p == '.' || *p == '/';
	for (int i = 0; plain && words[i]; i++)
		plain = strcasecmp(s, words[i]) != 0;
	if (plain && (s[0] == '-' || s[0] == '.'))
		plain = 0;
	/* 1e3, 0x1F, 010, 7: numbers to YAML 1.1 readers (PyYAML) */
	if (plain && isdigit((unsigned char)s[0]))
		plain = 0;
	if (plain) {
		strbuf_addstr(sb, s);
		return;
	}
	strbuf_addch(sb, '"');
	for (p = s; *p;) {
		int len = 1;
		long cp = utf8_at((const unsigned char *)p, &len);

		if (cp < 0) { /* not reached: yaml_can_hold said yes */
			p++;
			continue;
		}
		if (cp == '"' || cp == '\\')
			strbuf_addch(sb, '\\');
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
			strbuf_addf(sb, "\\x%02lx", cp);
		else if (cp == 0xfffe || cp == 0xffff)
			strbuf_addf(sb, "\\u%04lx", cp);
		else
			strbuf_add(sb, p, (size_t)len);
		p += len;
	}
	strbuf_addch(sb, '"');
}

/* An empty value is left out: it is what a missing category becomes. */
static void yaml_list(struct strbuf *sb, char *const *v, size_t n)
{
	size_t i, w = 0;

	strbuf_addch(sb, '[');
	for (i = 0; i < n; i++) {
		if (!v[i][0])
			continue;
		if (w++)
			strbuf_addstr(sb, ", ");
		yaml_scalar(sb, v[i]);
	}
	strbuf_addch(sb, ']');
}

/* The model: and signature: parts the template leaves open. */
/* Every name the model gives, as mlops.yaml will hold it; NULL when all
 * are UTF-8, else the first that is not. */
static const char *model_text_bad(const struct model_info *mi)
{
	size_t i, k;

	for (i = 0; i < mi->nlabels; i++)
		if (!yaml_can_hold(mi->labels[i]))
			return mi->labels[i];
	for (i = 0; i < mi->nfeatures; i++) {
		if (!yaml_can_hold(mi->features[i].name))
			return mi->features[i].name;
		for (k = 0; k < mi->features[i].nvalues; k++)
			if (!yaml_can_hold(mi->features[i].values[k]))
				return mi->features[i].values[k];
	}
	return NULL;
}

static void describe_model(const struct model_info *mi, struct strbuf *task,
			   struct strbuf *extra, struct strbuf *inputs)
{
	size_t i;

	strbuf_addstr(task, task_name(mi ? mi->task : TASK_BINARY));
	if (!mi || mi->task == TASK_BINARY)
		strbuf_addstr(extra, "  # Probability at or above which the "
			      "prediction is the positive class.\n"
			      "  threshold: 0.5\n");
	if (mi && mi->nlabels) {
		strbuf_addstr(extra, "  # Class labels, in the model's output "
			      "order (from the model).\n  labels: ");
		yaml_list(extra, mi->labels, mi->nlabels);
		strbuf_addch(extra, '\n');
	} else if (mi && mi->task != TASK_REGRESSION) {
		strbuf_addf(extra, "  # Class labels, in the model's output "
			    "order (default: 0 to %zu).\n  # labels: [...]\n",
			    mi->nclasses ? mi->nclasses - 1 : 1);
	}
	if (!mi) {
		strbuf_addstr(inputs,
			      "    - name: feature_1\n"
			      "      type: float          # float, int, bool, "
			      "string or category\n"
			      "      required: true\n"
			      "      nullable: false\n"
			      "      min: 0\n"
			      "      max: 100\n"
			      "    - name: feature_2\n"
			      "      type: category\n"
			      "      values: [a, b, c]\n");
		return;
	}
	strbuf_addf(inputs, "    # Read from the model: %zu input%s, in its "
		    "order. Add min/max ranges to catch bad data.\n",
		    mi->nfeatures, plural(mi->nfeatures));
	for (i = 0; i < mi->nfeatures; i++) {
		const struct model_feature *f = &mi->features[i];

		strbuf_addstr(inputs, "    - name: ");
		yaml_scalar(inputs, f->name);
		strbuf_addf(inputs, "\n      type: %s\n",
			    value_type_name(f->type));
		if (f->nvalues) {
			strbuf_addstr(inputs, "      values: ");
			yaml_list(inputs, f->values, f->nvalues);
			strbuf_addstr(inputs, "   # the model's codes, in "
				      "order\n      unknown: missing\n");
		}
		strbuf_addf(inputs, "      nullable: %s\n",
			    f->nullable ? "true" : "false");
	}
}

static int cmd_init(int argc, const char **argv)
{
	struct strbuf text = STRBUF_INIT, task = STRBUF_INIT,
		      extra = STRBUF_INIT, inputs = STRBUF_INIT;
	struct model_info mi;
	char *name;
	const char *vars[13], *runtime;
	int rc = command_parse(&cmd_init_spec, &argc, argv), have_model = 0;

	if (rc >= 0)
		return rc;
	if (argc)
		return command_usage_error(&cmd_init_spec,
					   "unexpected argument '%s'", argv[0]);
	if (opt_template)
		return write_template();
	name = opt_name ? xstrdup(opt_name) : default_name();
	if (!name_is_valid(name)) {
		print_error("name '%s' is not valid: " NAME_RULE, name);
		free(name);
		return EXIT_USAGE;
	}
	if (!opt_force && fs_exists(opt_file)) {
		print_error("'%s' already exists", opt_file);
		print_hint("pass --force to overwrite it");
		free(name);
		return EXIT_USAGE;
	}
	runtime = opt_runtime ? opt_runtime : "xgboost";
	if (opt_model) {
		int r = -1;

		if (model_path_check(opt_model) < 0) {
			free(name);
			return EXIT_USAGE;
		}
		for (int i = 0; opt_runtime && runtime_names[i]; i++)
			if (!strcmp(runtime_names[i], opt_runtime))
				r = i;
		if (model_inspect(&mi, opt_model, r) < 0) {
			free(name);
			return report_error();
		}
		have_model = 1;
		runtime = runtime_name(mi.runtime);
		if (model_text_bad(&mi)) {
			print_error("the model names something in bytes that are "
				    "not UTF-8, which mlops.yaml cannot hold: "
				    "%.40s", model_text_bad(&mi));
			model_info_free(&mi);
			free(name);
			return EXIT_INPUT;
		}
	}
	describe_model(have_model ? &mi : NULL, &task, &extra, &inputs);
	vars[0] = "@NAME@";
	vars[1] = name;
	vars[2] = "@RUNTIME@";
	vars[3] = runtime;
	vars[4] = "@MODEL_PATH@";
	vars[5] = opt_model ? opt_model
		  : !strcmp(runtime, "glm") ? "model.glm.json"
		  : !strcmp(runtime, "onnx") ? "model.onnx"
		  : !strcmp(runtime, "lightgbm") ? "model.txt"
						 : "model.json";
	vars[6] = "@TASK@";
	vars[7] = task.buf;
	vars[8] = "@MODEL_EXTRA@\n"; /* the block ends with its own newline */
	vars[9] = extra.buf ? extra.buf : "";
	vars[10] = "@INPUTS@";
	vars[11] = inputs.buf;
	vars[12] = NULL;
	substitute(&text, init_template, init_template_len, vars);
	rc = fs_write_atomic(opt_file, text.buf, text.len, 0666);
	strbuf_release(&text);
	strbuf_release(&task);
	strbuf_release(&extra);
	strbuf_release(&inputs);
	if (have_model)
		model_info_free(&mi);
	if (rc) {
		free(name);
		return report_error();
	}
	if (out_json()) {
		json_t *o = json_pack("{s:s, s:s, s:s}", "path", opt_file, "name",
				      name, "runtime", runtime);

		print_json(o);
		json_decref(o);
	} else {
		printf("wrote %s for model '%s' (runtime %s)\n", opt_file, name,
		       runtime);
		print_info(opt_model
				   ? "next: check the signature it read from "
				     "the model, add datasets and gates, then "
				     "run 'mlops package'"
				   : "next: put the model file in place, describe "
				     "its inputs under signature, then run "
				     "'mlops package'");
	}
	free(name);
	return EXIT_OK;
}

const struct cmd_spec cmd_init_spec = {
	.name = "init",
	.summary = "write a commented mlops.yaml to start from",
	.synopsis = "[--name NAME] [--runtime RUNTIME] [--model FILE] [-f FILE] "
		    "[--force]\n"
		    "       mlops init --template NAME [--force]",
	.description = "Write a commented mlops.yaml for a new model project, "
		       "or with --template a\nstarting point beside it: a GitHub "
		       "Actions workflow, a Dockerfile, Kubernetes\nmanifests, "
		       "Prometheus alert rules and a Grafana dashboard, or a "
		       "runbook,\nwith the project's name and version. With "
		       "--model, the signature, task and\nclass labels are "
		       "read from the model file. An existing file is never\n"
		       "overwritten without --force.",
	.opts = options,
	.run = cmd_init,
	.flags = CMD_REPORT,
};
