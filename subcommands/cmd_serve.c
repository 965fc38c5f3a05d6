/* mlops serve: an HTTP model server for a bundle. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/command.h"
#include "cli/exit_status.h"
#include "cli/output.h"
#include "cli/registry_opts.h"
#include "lib/core/duration.h"
#include "lib/core/error.h"
#include "lib/core/fsutil.h"
#include "lib/core/number.h"
#include "lib/core/sha256.h"
#include "lib/core/timeutil.h"
#include "lib/bundle/signature.h"
#include "lib/deploy/local.h"
#include "lib/server/admin.h"
#include "lib/server/livealerts.h"
#include "lib/server/performance.h"
#include "lib/server/reply.h"
#include "lib/server/repository.h"
#include "lib/server/server.h"
#include "lib/server/serving.h"
#include "serve_store.h"
#include "subcommands/serve_models.h"

static struct strv opt_listen;
static long opt_threads = 2, opt_max_batch = 10000, opt_drain = 10;
static long opt_timeout = 30;
static const char *opt_max_body = "1M";
static const char *opt_key_file, *opt_log_file;
static int opt_public_health;
static const char *opt_rate, *opt_tls_cert, *opt_tls_key;
static long opt_burst;
static const char *opt_root;
static long opt_max_conn = 1024, opt_per_ip = 256, opt_max_in_flight;
static long opt_request_timeout = 10, opt_min_rate = 1024;
static long opt_drift_window = 1000;
static int opt_log_payloads;
static struct strv opt_redact;
static struct strv opt_cors;
static const char *opt_state, *opt_admin_listen, *opt_admin_key_file;
static const char *opt_admin_max_upload = "4G";
static const char *opt_require_signature;
static const char *opt_expect_digest, *opt_perf_every;
static struct strv opt_hash;
static struct serve_store_opts store_opts = { NULL, &opt_redact, &opt_hash,
					       NULL, NULL, NULL, NULL, NULL,
					       0 };
static const char *opt_models, *opt_default_model;
static struct strv opt_shadow;
static const char *opt_shadow_sample, *opt_shadow_tolerance = "1e-6";
static long opt_shadow_queue = 256, opt_shadow_sample_max = 1000;
/* How every version is loaded: the first, reloads and the admin API's. */
static struct serving_opts serving_opts;

static const struct opt options[] = {
	OPT_STR(0, "root", &opt_root, "DIR",
		"serve what DIR/current points to; SIGHUP reloads it", "dir"),
	OPT_STR(0, "models", &opt_models, "DIR",
		"serve every model DIR holds (NAME.mlpkg, release directories); "
		"SIGHUP reads it again", "dir"),
	OPT_STR(0, "default-model", &opt_default_model, "NAME",
		"with several models: the one /predict and /model/info answer "
		"for", NULL),
	OPT_MULTI(0, "shadow", &opt_shadow, "BUNDLE",
		  "a candidate answering a copy of its model's prediction "
		  "requests, compared, never returned", "file:mlpkg"),
	OPT_STR(0, "shadow-sample", &opt_shadow_sample, "FILE",
		"append the rows a shadow disagrees on there (JSON lines)",
		"file"),
	OPT_RANGE(0, "shadow-sample-max", &opt_shadow_sample_max, "N",
		  "rows a shadow writes to its sample at most (default: 1000)",
		  1, 100000000),
	OPT_RANGE(0, "shadow-queue", &opt_shadow_queue, "N",
		  "requests waiting for a shadow at most; more are not "
		  "mirrored (default: 256)", 1, 1000000),
	OPT_STR(0, "shadow-tolerance", &opt_shadow_tolerance, "X",
		"regression: a shadow disagrees on values further apart "
		"(default: 1e-6)", NULL),
	OPT_STR(0, "state", &opt_state, "DIR",
		"a fleet instance: serve what DIR's state says (BUNDLE seeds it)",
		"dir"),
	OPT_STR(0, "admin-listen", &opt_admin_listen, "ADDR:PORT",
		"with --state or several models: answer the admin API there "
		"(needs an admin key)", NULL),
	OPT_STR(0, "admin-key-file", &opt_admin_key_file, "FILE",
		"the admin API's keys, one a line (else MLOPS_ADMIN_KEY)",
		"file"),
	OPT_STR(0, "admin-max-upload", &opt_admin_max_upload, "SIZE",
		"largest bundle the admin API takes (default: 4G)", NULL),
	OPT_MULTI(0, "listen", &opt_listen, "ADDR:PORT",
		  "where to listen, repeatable (default: 127.0.0.1:8080)", NULL),
	OPT_RANGE(0, "threads", &opt_threads, "N",
		  "worker threads per address (default: 2)", 1, 256),
	OPT_STR(0, "max-body", &opt_max_body, "SIZE",
		"largest request body; more gets 413 (default: 1M)", NULL),
	OPT_RANGE(0, "max-batch", &opt_max_batch, "N",
		  "most rows in one /predict/batch (default: 10000)", 1,
		  100000000),
	OPT_RANGE(0, "drain-timeout", &opt_drain, "SECONDS",
		  "on SIGTERM, wait this long for requests under way (default: "
		  "10)", 0, 86400),
	OPT_RANGE(0, "timeout", &opt_timeout, "SECONDS",
		  "close idle connections after this (default: 30)", 1, 86400),
	OPT_RANGE(0, "request-timeout", &opt_request_timeout, "SECONDS",
		  "a request's headers must arrive within this, and its body "
		  "at --min-rate after it (default: 10)", 1, 3600),
	OPT_RANGE(0, "min-rate", &opt_min_rate, "BYTES",
		  "slowest request body accepted, in bytes a second (default: "
		  "1024)", 1, 1L << 30),
	OPT_RANGE(0, "max-connections", &opt_max_conn, "N",
		  "open connections at most, per address; more get 503 "
		  "(default: 1024)", 1, 65536),
	OPT_RANGE(0, "max-connections-per-ip", &opt_per_ip, "N",
		  "open connections from one client address; more are closed "
		  "(default: 256, 0: no limit)", 0, 65536),
	OPT_RANGE(0, "max-in-flight", &opt_max_in_flight, "N",
		  "requests under way at most; more get 503 (default: no "
		  "limit)", 0, 1L << 30),
	OPT_STR(0, "api-key-file", &opt_key_file, "FILE",
		"require one of these API keys (one a line; else MLOPS_API_KEYS)",
		"file"),
	OPT_BOOLEAN(0, "public-health", &opt_public_health,
		    "health and metrics need no API key"),
	OPT_STR(0, "rate-limit", &opt_rate, "N/s",
		"requests a second per client; more get 429 (default: none)",
		NULL),
	OPT_NUM(0, "burst", &opt_burst, "M",
		"with --rate-limit: requests a client may send at once"),
	OPT_STR(0, "tls-cert", &opt_tls_cert, "FILE",
		"serve HTTPS only, with this PEM certificate (and --tls-key)",
		"file"),
	OPT_STR(0, "tls-key", &opt_tls_key, "FILE",
		"the PEM private key for --tls-cert", "file"),
	OPT_STR(0, "require-signature", &opt_require_signature, "PUBKEY",
		"refuse bundles not signed by this Ed25519 public key (PEM)",
		"file"),
	OPT_STR(0, "expect-digest", &opt_expect_digest, "sha256:HEX",
		"not ready while the bundle has another digest (else "
		"MLOPS_EXPECT_DIGEST)", NULL),
	OPT_RANGE(0, "drift-window", &opt_drift_window, "N",
		  "live drift over the last N rows (default: 1000; 0: off)", 0,
		  100000000),
	OPT_STR(0, "log-file", &opt_log_file, "FILE",
		"access log, JSON lines (default: stderr; -q: none)", "file"),
	OPT_BOOLEAN(0, "log-payloads", &opt_log_payloads,
		    "add request bodies to the access log (default: off)"),
	OPT_STR(0, "store", &store_opts.url, "URL",
		"record every scored row in a prediction store: sqlite:PATH "
		"or postgresql://...", NULL),
	OPT_MULTI(0, "redact", &opt_redact, "FIELD",
		  "leave FIELD out of the store; in the access log "
		  "(--log-payloads) as \"[REDACTED]\"",
		  NULL),
	OPT_MULTI(0, "hash", &opt_hash, "FIELD",
		  "store FIELD as a keyed HMAC-SHA256 (key: "
		  "MLOPS_STORE_HASH_KEY or --hash-key-file)", NULL),
	OPT_STR(0, "hash-key-file", &store_opts.hash_key_file, "FILE",
		"the key of --hash", "file"),
	OPT_STR(0, "retain", &store_opts.retain, "DURATION",
		"delete stored rows older than this, such as 30d (default: "
		"keep)", NULL),
	OPT_STR(0, "retain-size", &store_opts.retain_size, "SIZE",
		"delete the oldest stored rows past this size, such as 500M",
		NULL),
	OPT_STR(0, "retain-every", &store_opts.retain_every, "DURATION",
		"how often retention runs (default: 1m)", NULL),
	OPT_STR(0, "store-flush", &store_opts.flush, "DURATION",
		"longest a row waits in the queue before it is written "
		"(default: 200ms)", NULL),
	OPT_RANGE(0, "store-queue", &store_opts.queue, "ROWS",
		  "rows waiting for the store at most; more are dropped and "
		  "counted (default: 65536)", 1, 1L << 24),
	OPT_STR(0, "performance-every", &opt_perf_every, "DURATION",
		"with --store: recompute live performance (/performance, "
		"/metrics) at most this often (default: 1m)", NULL),
	OPT_MULTI(0, "cors-origin", &opt_cors, "ORIGIN",
		  "let browsers on ORIGIN call the server (CORS), repeatable; "
		  "* for any", NULL),
	OPT_TERMINATOR,
};

/* Keys from a file (one a line, # comments) or an environment variable
 * (comma-separated): never from the command line, never printed. */
static int load_keys(const char *file, const char *var, struct strbuf *text,
		     struct strv *keys)
{
	const char *env = getenv(var);
	char *p, *line;

	if (file) {
		if (fs_read_file(file, 1 << 20, text) < 0)
			return report_error();
	} else if (env && *env) {
		strbuf_addstr(text, env);
		for (p = text->buf; *p; p++)
			if (*p == ',')
				*p = '\n';
	} else {
		return 0;
	}
	for (line = text->buf; line && *line;) {
		char *nl = strchr(line, '\n'), *end;

		if (nl)
			*nl = '\0';
		while (*line == ' ' || *line == '\t')
			line++;
		end = line + strlen(line);
		while (end > line && (end[-1] == ' ' || end[-1] == '\r' ||
				      end[-1] == '\t'))
			*--end = '\0';
		if (*line && *line != '#')
			strv_push(keys, line);
		line = nl ? nl + 1 : NULL;
	}
	if (!keys->n) {
		print_error("no key in %s", file ? file : var);
		return EXIT_USAGE;
	}
	return 0;
}

/* The bundle to serve: BUNDLE, or what --root's current points to. */
static int open_serving(const char *arg, struct serving **sv)
{
	char *path = NULL;
	int rc;

	if (opt_root && serving_root_path(opt_root, &path) < 0)
		return -1;
	rc = serving_open(sv, path ? path : arg, &serving_opts);
	free(path);
	return rc;
}

/* On SIGTERM, how long alerts still queued get before they go to the
 * dead-letter file (documented in mlops-serve(1)). */
#define ALERT_FLUSH_S 5.0

static void on_second_stop(int sig)
{
	(void)sig;
	alert_sink_hurry();
}

/* While the alerts flush: a second SIGTERM or SIGINT cuts it short (what
 * is queued goes to the dead-letter file at once). Until now they were
 * blocked for sigwait; this thread alone takes them from here on. */
static void hurry_alerts_on_signal(void)
{
	struct sigaction sa;
	sigset_t stop;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_second_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_UNBLOCK, &stop, NULL);
}

/* The live alerts' lines: what fired and what could not be delivered
 * are warnings; deliveries, progress. */
static void log_alert_line(void *ctx, enum sink_log level,
			   const char *line)
{
	(void)ctx;
	if (level == SINK_ERROR)
		print_error("%s", line);
	else if (level == SINK_WARNING)
		print_warning("%s", line);
	else
		print_info("mlops: %s", line);
}

/* The models live performance follows: the server's. */
static size_t list_models(void *srv, struct serving ***out)
{
	return server_models(srv, out);
}

/* SIGHUP with --root: load and warm the new version while the old one
 * answers, then swap; a failed load keeps the old one (and is an
 * alert's reload_failed event). */
static void reload(struct server *srv, const char *arg,
		   struct live_alerts *la)
{
	struct serving *sv = NULL, *old;

	if (!opt_root) {
		print_info("mlops: SIGHUP: nothing to reload (serve --root DIR "
			   "reloads DIR/current)");
		return;
	}
	if (open_serving(arg, &sv) < 0) {
		struct strbuf why = STRBUF_INIT;

		server_count_reload(srv, 0);
		old = server_acquire(srv);
		strbuf_addf(&why, "a reload failed, still serving %s %s: %s",
			    old->bm->d->name, old->bm->d->version,
			    mlops_error_last()->message);
		mlops_error_prefix("reload failed, still serving the previous "
				   "version: ");
		report_error();
		mlops_error_clear();
		live_alerts_event(la, old->bm->d->name, EV_RELOAD_FAILED,
				  SEVERITY_CRITICAL, why.buf);
		serving_put(old);
		strbuf_release(&why);
		return;
	}
	old = server_acquire(srv);
	print_info("mlops: reloaded: %s %s (%s), was %s %s; warmed up on %zu "
		   "row%s in %.3f s", sv->bm->d->name, sv->bm->d->version,
		   sv->digest, old->bm->d->version, old->digest, sv->warm_rows,
		   plural(sv->warm_rows), sv->load_seconds);
	serving_put(old);
	server_swap(srv, sv);
	server_count_reload(srv, 1);
}


static int cmd_serve(int argc, const char **argv)
{
	struct server_opts so = { 0 };
	json_t *names = NULL;
	struct strbuf key_text = STRBUF_INIT;
	struct strv keys = { 0 }, admin_keys = { 0 };
	struct strbuf admin_text = STRBUF_INIT;
	struct serve_state st = { 0 };
	struct serving *canary = NULL, *shadow = NULL;
	struct repository *repo = NULL;
	struct admin *adm = NULL;
	struct live_alerts *la = NULL;
	struct live_alerts_opts lo = { 0 };
	char note[512] = "", *why;
	char admin_url[300];
	int started = 0;
	struct strbuf cert = STRBUF_INIT, tkey = STRBUF_INIT;
	int log_fd = 2;
	struct serving *sv = NULL;
	struct server *srv = NULL;
	struct recorder *rec = NULL;
	struct perf_watch *perf = NULL;
	int64_t perf_every = 60000;
	const char *def_listen[] = { "127.0.0.1:8080", NULL };
	sigset_t set;
	size_t i;
	int rc = command_parse(&cmd_serve_spec, &argc, argv), sig = 0;
	int multi;
	double tolerance = 0;

	if (rc >= 0)
		return rc;
	if (!opt_expect_digest && getenv("MLOPS_EXPECT_DIGEST") &&
	    *getenv("MLOPS_EXPECT_DIGEST"))
		opt_expect_digest = getenv("MLOPS_EXPECT_DIGEST");
	multi = opt_models || argc > 1;
	{
		struct serve_modes m = {
			opt_root, opt_state, opt_models, opt_admin_listen,
			opt_admin_key_file, opt_expect_digest,
			opt_default_model, opt_shadow_sample, opt_shadow.n,
			opt_shadow_sample_max != 1000, argc,
		};
		const char *bad = serve_modes_error(&m);

		if (bad)
			return command_usage_error(&cmd_serve_spec, "%s", bad);
	}
	if (number_parse_str(opt_shadow_tolerance, &tolerance) ||
	    !(tolerance >= 0))
		return command_usage_error(&cmd_serve_spec, "--shadow-tolerance "
					   "takes a number >= 0, not '%s'",
					   opt_shadow_tolerance);
	if (parse_size(opt_admin_max_upload) < 1)
		return command_usage_error(&cmd_serve_spec, "--admin-max-upload "
					   "takes a size, such as 4G");
	if (parse_size(opt_max_body) < 1024)
		return command_usage_error(&cmd_serve_spec, "--max-body takes a "
					   "size of at least 1K, not '%s'",
					   opt_max_body);
	/* Before any bundle is opened: a usage error is found at once. */
	for (size_t li = 0; li < opt_listen.n; li++) {
		struct sockaddr_storage ss;
		socklen_t len;
		int v6;

		if (server_parse_listen(opt_listen.v[li], &ss, &len, &v6) < 0)
			return command_usage_error(&cmd_serve_spec, "--listen: %s",
						   mlops_error_last()->message);
	}
	for (size_t ci = 0; ci < opt_cors.n; ci++) {
		const char *bad;

		if (reply_cors_origin_check(opt_cors.v[ci], &bad) < 0)
			return command_usage_error(&cmd_serve_spec, "--cors-origin "
						   "%s, not '%s'", bad,
						   opt_cors.v[ci]);
	}
	if (opt_redact.n && !opt_log_payloads && !store_opts.url)
		return command_usage_error(&cmd_serve_spec, "--redact goes "
					   "with --store or --log-payloads");
	if (opt_perf_every && (!store_opts.url ||
			       duration_parse_ms(opt_perf_every, &perf_every) ||
			       perf_every < 1000 || perf_every > 86400000))
		return command_usage_error(&cmd_serve_spec, "--performance-every "
					   "goes with --store and takes a "
					   "duration from 1s to 1d, such as 5m");
	rc = serve_store_check(&store_opts);
	if (rc)
		return rc;
	if (opt_rate) {
		const char *slash = strstr(opt_rate, "/s");
		double r = 0;

		if ((slash && slash[2]) ||
		    number_parse(opt_rate, slash ? (size_t)(slash - opt_rate)
						 : strlen(opt_rate), &r) ||
		    !(r > 0) || opt_burst < 0)
			return command_usage_error(&cmd_serve_spec,
						   "--rate-limit takes N/s, such "
						   "as 100/s, not '%s'", opt_rate);
		so.rate_limit = r;
		so.burst = (double)opt_burst;
	} else if (opt_burst) {
		return command_usage_error(&cmd_serve_spec,
					   "--burst goes with --rate-limit");
	}
	if (!opt_tls_cert != !opt_tls_key)
		return command_usage_error(&cmd_serve_spec, "--tls-cert and "
					   "--tls-key go together");
	if (opt_expect_digest && !digest_is_valid(opt_expect_digest))
		return command_usage_error(&cmd_serve_spec, "--expect-digest "
					   "(or MLOPS_EXPECT_DIGEST) takes "
					   "sha256: and 64 lower-case hex "
					   "digits, not '%s'", opt_expect_digest);
	serving_opts.nthread = 1;
	serving_opts.drift_window = (size_t)opt_drift_window;
	if (opt_require_signature) {
		struct sig_key *k = NULL;

		if (sig_key_load(&k, opt_require_signature, 0) < 0)
			return report_error();
		serving_opts.require_signature = k;
	}
	/* Signals go to sigwait below, not to the server's threads. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	rc = load_keys(opt_key_file, "MLOPS_API_KEYS", &key_text, &keys);
	if (!rc && opt_admin_listen) {
		rc = load_keys(opt_admin_key_file, "MLOPS_ADMIN_KEY",
			       &admin_text, &admin_keys);
		if (!rc && !admin_keys.n) {
			print_error("--admin-listen needs an admin key: "
				    "MLOPS_ADMIN_KEY or --admin-key-file");
			rc = EXIT_USAGE;
		}
	}
	if (rc)
		goto done;
	if (opt_tls_cert && (fs_read_file(opt_tls_cert, 1 << 20, &cert) < 0 ||
			     fs_read_file(opt_tls_key, 1 << 20, &tkey) < 0)) {
		rc = report_error();
		goto done;
	}
	/* The log is appended to: never a file read here (keys, TLS,
	 * the signing key, the bundle). */
	if (opt_log_file && fs_output_check(opt_log_file) < 0) {
		rc = report_error();
		goto done;
	}
	for (i = 0; opt_log_file && i < (size_t)argc; i++)
		if (fs_same_file(opt_log_file, argv[i])) {
			print_error("--log-file '%s' is the bundle '%s': logging "
				    "to it would destroy it", opt_log_file,
				    argv[i]);
			rc = EXIT_USAGE;
			goto done;
		}
	if (opt_log_file) {
		log_fd = open(opt_log_file, O_WRONLY | O_CREAT | O_APPEND |
						   O_CLOEXEC, 0640);
		if (log_fd < 0) {
			print_error("cannot open '%s': %s", opt_log_file,
				    strerror(errno));
			log_fd = -1;
			rc = EXIT_IO;
			goto done;
		}
	} else if (output.quiet) {
		log_fd = -1;
	}
	if ((opt_state ? admin_restore(opt_state, &st, argc ? argv[0] : NULL,
				       &serving_opts, &sv, &canary, &shadow,
				       note, sizeof(note))
	     : multi   ? 0
		       : open_serving(argv[0], &sv)) < 0) {
		rc = report_error();
		goto done;
	}
	if (opt_state && note[0])
		print_info("mlops: %s", note);
	/* An unreachable store stops serve here: rows it could not keep
	 * would be lost without anyone knowing. */
	rc = sv ? serve_store_check_fields(&store_opts, sv->bm->d,
					   opt_log_payloads)
		: 0;
	if (!rc)
		rc = serve_store_start(&store_opts, &rec);
	if (rc)
		goto done;
	so.recorder = rec;
	if (rec) {
		struct perf_watch_opts po = { store_opts.url,
					      (unsigned)perf_every };

		if (perf_watch_start(&perf, &po) < 0) {
			rc = report_error();
			goto done;
		}
		so.performance = perf;
	}
	so.listen = opt_listen.n ? opt_listen.v : def_listen;
	so.nlisten = opt_listen.n ? opt_listen.n : 1;
	so.threads = (unsigned)opt_threads;
	so.max_body = parse_size(opt_max_body);
	so.max_batch = (size_t)opt_max_batch;
	so.conn_timeout = (unsigned)opt_timeout;
	so.max_connections = (unsigned)opt_max_conn;
	so.max_per_ip = (unsigned)opt_per_ip;
	so.request_timeout = (unsigned)opt_request_timeout;
	so.min_rate = (unsigned)opt_min_rate;
	so.max_in_flight = (unsigned)opt_max_in_flight;
	so.api_keys = keys.v;
	so.nkeys = keys.n;
	so.public_health = opt_public_health;
	so.log_fd = log_fd;
	so.log_payloads = opt_log_payloads;
	so.redact = opt_redact.v;
	so.nredact = opt_redact.n;
	if (opt_admin_listen) {
		/* ":9090" listens everywhere: name one address. */
		snprintf(admin_url, sizeof(admin_url), "%s://%s%s",
			 opt_tls_cert ? "https" : "http",
			 opt_admin_listen[0] == ':' ? "127.0.0.1" : "",
			 opt_admin_listen);
		so.admin_url = admin_url;
	}
	so.cors_origins = opt_cors.v;
	so.ncors = opt_cors.n;
	so.tls_cert = cert.buf;
	so.tls_key = tkey.buf;
	so.expect_digest = opt_expect_digest;
	so.default_model = opt_default_model;
	so.shadow_queue = (size_t)opt_shadow_queue;
	so.shadow_sample_max = (size_t)opt_shadow_sample_max;
	so.shadow_tolerance = tolerance;
	if (sv)
		print_info("mlops: serving %s %s (%s, %s)", sv->bm->d->name,
			   sv->bm->d->version, sv->bm->m->description,
			   sv->digest);
	started = 1; /* the server holds sv from here, failing or not */
	if (server_start(&srv, sv, &so) < 0) {
		rc = report_error();
		goto done;
	}
	if (multi) {
		rc = serve_start_repository(srv, opt_models, argc, argv,
					    opt_default_model, &serving_opts,
					    &la, &repo);
		if (rc)
			goto done;
	}
	perf_watch_follow(perf, list_models, srv);
	if (canary) {
		print_info("mlops: canary %s %s (%s) takes %u%% of predictions",
			   canary->bm->d->name, canary->bm->d->version,
			   canary->digest, st.weight);
		server_set_canary(srv, canary, st.weight);
		canary = NULL;
	}
	if (shadow) {
		char *sample = admin_shadow_sample(opt_state, shadow->digest);

		print_info("mlops: shadow %s %s (%s): a copy of the prediction "
			   "requests, compared", shadow->bm->d->name,
			   shadow->bm->d->version, shadow->digest);
		rc = server_set_shadow(srv, NULL, shadow, sample);
		shadow = NULL;
		free(sample);
		if (rc < 0) {
			rc = report_error();
			goto done;
		}
	}
	rc = serve_start_shadows(srv, &opt_shadow, opt_shadow_sample,
				 &serving_opts);
	if (rc)
		goto done;
	/* Before the admin API, whose loads may fail (reload_failed). */
	lo.log = log_alert_line;
	lo.flush_s = ALERT_FLUSH_S;
	lo.performance = perf;
	if (live_alerts_start(&la, srv, &lo) < 0) {
		print_warning("%s; no live alerts", mlops_error_last()->message);
		mlops_error_clear();
	}
	if (opt_admin_listen) {
		struct admin_opts ao = { 0 };

		ao.listen = opt_admin_listen;
		ao.keys = admin_keys.v;
		ao.nkeys = admin_keys.n;
		ao.state_dir = opt_state;
		ao.repo = repo;
		ao.serving = serving_opts;
		ao.max_upload = (uint64_t)parse_size(opt_admin_max_upload);
		ao.tls_cert = cert.buf;
		ao.tls_key = tkey.buf;
		if (admin_start(&adm, srv, opt_state ? &st : NULL, &ao) < 0) {
			rc = report_error();
			goto done;
		}
		print_info("mlops: admin API on %s://%.*s:%u",
			   cert.buf ? "https" : "http",
			   (int)(strrchr(opt_admin_listen, ':') - opt_admin_listen),
			   opt_admin_listen, admin_port(adm));
	}
	for (i = 0; i < so.nlisten; i++) {
		const char *spec = so.listen[i];
		const char *colon = strrchr(spec, ':');

		print_info("mlops: listening on %s://%.*s:%u",
			   cert.buf ? "https" : "http", (int)(colon - spec),
			   spec, server_port(srv, i));
	}
	why = sv ? serving_digest_mismatch(sv, opt_expect_digest) : NULL;
	/* Kept running, so that the readiness probe's answer says why. */
	if (why)
		print_error("not ready: %s", why);
	if (sv)
		print_info("mlops: warmed up on %zu row%s in %.3f s; %s%s",
			   sv->warm_rows, plural(sv->warm_rows),
			   sv->load_seconds,
			   why ? "NOT ready (see above)" : "ready",
			   keys.n ? " (API keys required)" : "");
	else
		print_info("mlops: %zu models warmed up; ready%s",
			   json_array_size(names = server_model_names(srv)),
			   keys.n ? " (API keys required)" : "");
	json_decref(names);
	free(why);
	server_set_ready(srv, 1);
	/* So that `mlops deploy` can tell this server to reload. */
	if (opt_root && local_write_pid(opt_root) < 0) {
		print_warning("%s; deploys will not reload this server",
			      mlops_error_last()->message);
		mlops_error_clear();
	}
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			if (repo)
				serve_sync_models(repo);
			else
				reload(srv, argv[0], la);
			continue;
		}
		break;
	}
	print_info("mlops: %s: draining (up to %ld s), then stopping",
		   sig == SIGINT ? "SIGINT" : "SIGTERM", opt_drain);
	/* Alerts first (their thread reads the server): what is queued
	 * gets up to ALERT_FLUSH_S, then the drain. */
	server_set_ready(srv, 0);
	hurry_alerts_on_signal();
	/* The admin API first: its loads send events to the alerts. */
	admin_stop(adm);
	adm = NULL;
	live_alerts_stop(la);
	la = NULL;
	perf_watch_follow(perf, NULL, NULL);
	server_stop(srv, (unsigned)opt_drain * 1000u);
	srv = NULL;
	perf_watch_stop(perf);
	perf = NULL;
	/* The rows of the requests just answered, then the store. */
	serve_store_stop(rec, (unsigned)(opt_drain > 0 ? opt_drain : 1) * 1000u);
	rec = NULL;
	if (opt_root)
		local_remove_pid(opt_root);
	rc = EXIT_OK;
done:
	admin_stop(adm);
	live_alerts_stop(la);
	perf_watch_follow(perf, NULL, NULL);
	server_stop(srv, 0); /* it holds sv */
	perf_watch_stop(perf);
	serve_store_stop(rec, 1000);
	repository_free(repo);
	if (!started)
		serving_put(sv);
	serving_put(canary);
	serving_put(shadow);
	state_release(&st);
	sig_key_free((struct sig_key *)serving_opts.require_signature);
	serving_opts.require_signature = NULL;
	strv_clear(&admin_keys);
	if (admin_text.buf)
		memset(admin_text.buf, 0, admin_text.len);
	strbuf_release(&admin_text);
	strv_clear(&opt_listen);
	strv_clear(&opt_shadow);
	strv_clear(&opt_redact);
	strv_clear(&opt_hash);
	strv_clear(&opt_cors);
	strv_clear(&keys);
	if (key_text.buf)
		memset(key_text.buf, 0, key_text.len);
	strbuf_release(&key_text);
	if (tkey.buf)
		memset(tkey.buf, 0, tkey.len);
	strbuf_release(&tkey);
	strbuf_release(&cert);
	if (log_fd > 2)
		close(log_fd);
	return rc;
}

const struct cmd_spec cmd_serve_spec = {
	.name = "serve",
	.summary = "serve a bundle's model (or several) over HTTP",
	.synopsis = "(BUNDLE... | --models DIR | --root DIR) [--listen "
		    "ADDR:PORT ...] [--threads N] [OPTIONS]",
	.description =
		"Verify the bundle, load its model, warm it up on golden rows, "
		"then answer\nPOST /predict, POST /predict/batch, GET "
		"/health/live, /health/ready, /model/info\nand /metrics "
		"(Prometheus). Requests are checked against the data contract "
		"(422\nlists every bad field). SIGTERM or SIGINT: readiness goes "
		"false, no new\nconnections, requests under way finish, exit 0. "
		"With --root DIR, SIGHUP loads\nwhat DIR/current points to and "
		"swaps it in without dropping a request. With --expect-digest, "
		"a bundle with\nanother digest is served but never ready. With "
		"--store URL, every scored row is\nrecorded in a prediction "
		"store, and POST /feedback takes labels for them. Several\n"
		"BUNDLEs or --models DIR serve several models, each by name "
		"(/models/NAME/predict,\n/v2/models/NAME/infer); SIGHUP reads DIR "
		"again. --shadow BUNDLE answers a copy of\nthe prediction requests, "
		"compared, never returned (GET /shadow).",
	.opts = options,
	.args_complete = "file:mlpkg",
	.run = cmd_serve,
};
