#include <math.h>
#include <stdlib.h>
/* core: strbuf, sha256, suggestions, paths, lock files, URL hygiene. */
#include <string.h>

#include "lib/bundle/collect.h"
#include "lib/bundle/lockfile.h"
#include "lib/core/error.h"
#include "lib/core/number.h"
#include "lib/core/sha256.h"
#include "lib/core/strbuf.h"
#include "lib/core/suggest.h"
#include "lib/core/timeutil.h"
#include "lib/core/xdg.h"
#include "lib/gitrepo/gitrepo.h"
#include "lib/gitrepo/register.h"
#include "lib/registry/challenge.h"
#include "lib/registry/creds.h"
#include "tap.h"

static void test_strbuf(void)
{
	struct strbuf sb = STRBUF_INIT;
	char *s;
	int i;

	is_str(strbuf_str(&sb), "", "empty strbuf reads as \"\"");
	for (i = 0; i < 1000; i++)
		strbuf_addf(&sb, "%d,", i);
	is_int(sb.len, 3890, "grows past many reallocations");
	strbuf_insert(&sb, 0, "x", 1);
	ok(sb.buf[0] == 'x' && sb.buf[1] == '0', "insert at the front");
	s = strbuf_detach(&sb);
	ok(sb.buf == NULL && sb.len == 0, "detach empties");
	free(s);
}

static void test_sha256(void)
{
	char d[DIGEST_STR_LEN];

	sha256_digest_buf("abc", 3, d);
	is_str(d, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410"
		  "ff61f20015ad", "FIPS 180-2 vector 'abc'");
	sha256_digest_buf("", 0, d);
	is_str(d, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495"
		  "991b7852b855", "empty input");
	ok(digest_is_valid(d), "digest_is_valid");
	ok(!digest_is_valid("sha256:ABC"), "uppercase/short refused");
}

static void test_suggest(void)
{
	static const char *const words[] = { "package", "inspect", "init",
					     NULL };

	is_int(edit_distance("kitten", "sitting"), 3, "edit distance");
	is_int(edit_distance("ab", "ba"), 1, "transposition counts 1");
	is_str(suggest_closest("pakcage", words), "package", "typo found");
	is_str(suggest_closest("zzzzzz", words), NULL, "nothing close");
}

static void test_paths(void)
{
	char *p = NULL;

	ok(normalize_rel_path(&p, "./a//b/./c/", "x") == 0, "normalize ok");
	is_str(p, "a/b/c", "normalized");
	free(p);
	ok(normalize_rel_path(&p, "a/../b", "x") == MLOPS_EINPUT, "'..' refused");
	ok(normalize_rel_path(&p, "/etc/passwd", "x") == MLOPS_EINPUT,
	   "absolute refused");
	ok(normalize_rel_path(&p, "./", "x") == MLOPS_EINPUT,
	   "project dir itself refused");
}

static void is_xdg(enum xdg_kind k, const char *rel, const char *want,
		   const char *name)
{
	char *p = xdg_path(k, rel);

	is_str(p, want, name);
	free(p);
}

/* One rule for the XDG directories and one for registry credentials. */
static void test_env_rules(void)
{
	const char *u, *p;

	setenv("HOME", "/h", 1);
	setenv("XDG_CACHE_HOME", "/c", 1);
	setenv("XDG_CONFIG_HOME", "", 1);
	unsetenv("XDG_DATA_HOME");
	is_xdg(XDG_CACHE, "bundles", "/c/mlops/bundles", "cache: the variable");
	is_xdg(XDG_CONFIG, "config.yaml", "/h/.config/mlops/config.yaml",
	       "config: empty counts as unset");
	is_xdg(XDG_DATA, NULL, "/h/.local/share/mlops", "data: HOME");
	unsetenv("HOME");
	unsetenv("XDG_CACHE_HOME");
	ok(xdg_path(XDG_CONFIG, "config.yaml") == NULL,
	   "no HOME: no configuration file");
	is_xdg(XDG_CACHE, NULL, "/tmp/.cache/mlops", "no HOME: cache in /tmp");

	setenv("MLOPS_REGISTRY_USER", "env-user", 1);
	setenv("MLOPS_REGISTRY_PASSWORD", "env-pw", 1);
	ok(creds_given(NULL, NULL, &u, &p) == 0 && !strcmp(u, "env-user") &&
	   !strcmp(p, "env-pw"), "creds: the environment");
	ok(creds_given("flag", NULL, &u, &p) == 0 && !strcmp(u, "flag") &&
	   !strcmp(p, "env-pw"), "creds: a flag user, the environment's password");
	ok(creds_given(NULL, "stdin", &u, &p) == 0 && !strcmp(u, "env-user") &&
	   !strcmp(p, "stdin"), "creds: a password from stdin, the environment's user");
	unsetenv("MLOPS_REGISTRY_PASSWORD");
	ok(creds_given(NULL, NULL, &u, &p) == 0 && !u && !p,
	   "creds: half a pair in the environment is none");
	ok(creds_given("flag", NULL, &u, &p) == MLOPS_EUSAGE,
	   "creds: a user without a password is a usage error");
	unsetenv("MLOPS_REGISTRY_USER");
	ok(creds_given(NULL, "pw", &u, &p) == MLOPS_EUSAGE,
	   "creds: a password without a user is a usage error");
	mlops_error_clear();
}

static void test_lockfile(void)
{
	static const char req[] =
		"# comment\n"
		"numpy==1.24.2\n"
		"Scikit_Learn == 1.2.1 ; python_version >= '3.8'\n"
		"requests>=2.0\n"
		"-r other.txt\n"
		"--hash=sha256:abc\n"
		"pandas[performance]==2.0.0 \\\n"
		"    --hash=sha256:def\n"
		"git+https://x/y.git\n"
		"numpy==1.24.2\n";
	struct dep_list l = { 0 };

	lockfile_parse_requirements(&l, req, sizeof(req) - 1);
	dep_list_finish(&l);
	is_int(l.n, 3, "three pins, duplicates merged");
	is_str(l.v[0].purl, "pkg:pypi/numpy@1.24.2", "purl");
	is_str(l.v[2].purl, "pkg:pypi/scikit-learn@1.2.1",
	       "PEP 503 normalised name, marker dropped");
	is_str(l.v[1].name, "pandas", "extras dropped");
	is_int(l.unpinned, 1, "one unpinned requirement");
	is_str(l.first_unpinned, "requests", "named");
	dep_list_free(&l);
}

static void test_location(void)
{
	static const char *const cases[][2] = {
		{ "/v2/r/blobs/uploads/abc?_state=x",
		  "https://reg:5000/v2/r/blobs/uploads/abc?_state=x" },
		{ "v2/r/blobs/uploads/abc", "https://reg:5000/v2/r/blobs/uploads/abc" },
		{ "https://s3.example/bucket/x?sig=1", "https://s3.example/bucket/x?sig=1" },
		{ "HTTP://other/x", "HTTP://other/x" },
		{ "//cdn.example/x", "https://cdn.example/x" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *u = registry_location("https://reg:5000", cases[i][0]);

		is_str(u, cases[i][1], cases[i][0]);
		free(u);
	}
	ok(!registry_location("https://reg:5000", ""), "an empty Location: none");
	ok(!registry_location("https://reg:5000", "/v2/x\r\nX-Evil: 1"),
	   "control characters: none");
	ok(!registry_location("https://reg:5000", "/v2/a b"), "a space: none");
}

static void test_urls(void)
{
	char *u = url_strip_credentials("https://user:tok3n@github.com/a/b.git");

	is_str(u, "https://github.com/a/b.git", "credentials stripped");
	free(u);
	u = url_strip_credentials("git@github.com:a/b.git");
	is_str(u, "git@github.com:a/b.git", "scp-like kept");
	free(u);
	u = url_strip_credentials("https://github.com/a@b");
	is_str(u, "https://github.com/a@b", "@ in the path kept");
	free(u);
}

static void test_misc(void)
{
	char ts[32];
	char *d;

	time_iso8601(0, ts);
	is_str(ts, "1970-01-01T00:00:00Z", "epoch 0");
	time_iso8601(1700000000, ts);
	is_str(ts, "2023-11-14T22:13:20Z", "a later time");
	d = register_message_digest("Registering artifact m version v1.0.0\n\n"
				    "Bundle-Digest: sha256:abc\n");
	is_str(d, "sha256:abc", "digest trailer read back");
	free(d);
	ok(mlops_error_set(MLOPS_EIO, "x %d", 5) == MLOPS_EIO,
	   "error_set returns its code");
	mlops_error_prefix("while y: ");
	is_str(mlops_error_last()->message, "while y: x 5", "prefix");
}

/* core/number.h against strtod: the same double, bit for bit, for every
 * accepted decimal; the documented refusals. */
static void test_numbers(void)
{
	static const struct {
		const char *s;
		int status;
	} refused[] = {
		{ "inf", NUMBER_NONFINITE },	  { "-Inf", NUMBER_NONFINITE },
		{ "+INFINITY", NUMBER_NONFINITE }, { "nan", NUMBER_NONFINITE },
		{ "NaN(0x1)", NUMBER_NONFINITE },  { "1e400", NUMBER_RANGE },
		{ "-1e309", NUMBER_RANGE },	  { "0x1p3", NUMBER_SYNTAX },
		{ "0x10", NUMBER_SYNTAX },	  { "1e", NUMBER_SYNTAX },
		{ "1.2.3", NUMBER_SYNTAX },	  { "--1", NUMBER_SYNTAX },
		{ ".", NUMBER_SYNTAX },		  { "1 2", NUMBER_SYNTAX },
		{ "\t1", NUMBER_SYNTAX },	  { "", NUMBER_EMPTY },
		{ "   ", NUMBER_EMPTY },	  { "1e+", NUMBER_SYNTAX },
		{ "infinity1", NUMBER_SYNTAX },
	};
	static const char *const odd[] = {
		"0", "-0", "+0.0", ".5", "5.", " 42 ", "1e-400", "4.9e-324",
		"2.2250738585072011e-308", "1.7976931348623157e308",
		"9007199254740993", "0.1", "123456789012345678901234567890",
		"1e22", "1e23", "8.5e-5", "-1.5e3", "00001.2500", "1E5",
		"0.000000000000000000000000000001234",
		"2.470328229206232720882538e-324",
	};
	char buf[64];
	double got, want;
	size_t i;
	int bad = 0, n;

	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		int st = number_parse_str(refused[i].s, &got);

		if (st != refused[i].status) {
			bad++;
			printf("#   '%s': %d, want %d\n", refused[i].s, st,
			       refused[i].status);
		}
	}
	is_int(bad, 0, "inf, nan, hex, overflow and bad syntax are refused");
	is_int(number_parse("40\0.5", 5, &got), NUMBER_NUL,
	       "a NUL byte inside a field is refused, not read as 40");
	bad = 0;
	for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		want = strtod(odd[i], NULL);
		if (want == 0)
			want = 0;
		if (number_parse_str(odd[i], &got) || memcmp(&got, &want, 8)) {
			bad++;
			printf("#   '%s': %.17g, want %.17g\n", odd[i], got, want);
		}
	}
	is_int(bad, 0, "halfway, subnormal, 19+ digit and edge values: as strtod");
	ok(!number_parse_str("-0", &got) && !signbit(got), "-0 is read as +0");
	/* Random decimals of every shape. */
	srand(7);
	bad = 0;
	for (n = 0; n < 200000; n++) {
		double m = (double)rand() / RAND_MAX;
		int e = rand() % 640 - 320, digits = 1 + rand() % 18;

		snprintf(buf, sizeof(buf), "%s%.*e", rand() & 1 ? "-" : "",
			 digits, m * 9.999);
		if (rand() & 1)
			snprintf(buf + strlen(buf) - 4, 8, "e%d", e);
		want = strtod(buf, NULL);
		if (want == 0)
			want = 0;
		if (!isfinite(want))
			continue;
		if (number_parse_str(buf, &got) || memcmp(&got, &want, 8)) {
			if (bad++ < 5)
				printf("#   '%s': %.17g, want %.17g\n", buf, got,
				       want);
		}
	}
	is_int(bad, 0, "200,000 random decimals: bit for bit as strtod");
}

int main(void)
{
	test_numbers();
	test_strbuf();
	test_sha256();
	test_suggest();
	test_paths();
	test_env_rules();
	test_lockfile();
	test_urls();
	test_location();
	test_misc();
	return done_testing();
}
