/* Registry credentials: MLOPS_REGISTRY_USER / MLOPS_REGISTRY_PASSWORD,
 * then the "auths" of ~/.docker/config.json (or $DOCKER_CONFIG), the file
 * every OCI tool shares. login and logout rewrite it atomically with mode
 * 0600, keeping every other key. Secrets are never logged. */
#include "creds.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/error.h"
#include "../core/fsutil.h"
#include "../core/jsonutil.h"
#include "../core/strbuf.h"

char *docker_config_path(void)
{
	const char *dc = getenv("DOCKER_CONFIG"), *home = getenv("HOME");
	struct strbuf sb = STRBUF_INIT;

	if (dc && *dc)
		strbuf_addf(&sb, "%s/config.json", dc);
	else
		strbuf_addf(&sb, "%s/.docker/config.json",
			    home && *home ? home : "/tmp");
	return strbuf_detach(&sb);
}

char *base64_encode(const void *data, size_t len)
{
	char *out = xmalloc(4 * ((len + 2) / 3) + 1);

	EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	return out;
}

/* "user:pass" from base64; NULL when malformed. */
static char *base64_decode(const char *s)
{
	size_t n = strlen(s);
	unsigned char *out = xmalloc(n + 1);
	int len = EVP_DecodeBlock(out, (const unsigned char *)s, (int)n);

	if (len < 0) {
		free(out);
		return NULL;
	}
	/* EVP_DecodeBlock counts padding as zero bytes. */
	while (n && s[n - 1] == '=') {
		n--;
		len--;
	}
	out[len] = '\0';
	return (char *)out;
}

static int read_config(json_t **out)
{
	char *path = docker_config_path();
	struct strbuf text = STRBUF_INIT;
	int rc = 0;

	*out = NULL;
	if (fs_exists(path)) {
		rc = fs_read_file(path, 4 << 20, &text);
		if (!rc)
			rc = json_parse_buf(out, text.buf, text.len, path);
		if (!rc && !json_is_object(*out)) {
			json_decref(*out);
			*out = NULL;
			rc = mlops_error_set(MLOPS_EINPUT, "'%s' is not a JSON "
					     "object", path);
		}
	}
	if (!rc && !*out)
		*out = json_object();
	free(path);
	strbuf_release(&text);
	return rc;
}

int creds_given(const char *flag_user, const char *flag_pass,
		const char **user, const char **pass)
{
	const char *eu = getenv("MLOPS_REGISTRY_USER");
	const char *ep = getenv("MLOPS_REGISTRY_PASSWORD");

	*user = flag_user ? flag_user : eu && *eu ? eu : NULL;
	*pass = flag_pass ? flag_pass : ep && *ep ? ep : NULL;
	if (flag_pass && !*user)
		return mlops_error_set(MLOPS_EUSAGE, "--password-stdin needs "
				       "--username or MLOPS_REGISTRY_USER");
	if (flag_user && !*pass)
		return mlops_error_set(MLOPS_EUSAGE, "--username needs a "
				       "password: --password-stdin or "
				       "MLOPS_REGISTRY_PASSWORD");
	if (!*user || !*pass)
		*user = *pass = NULL;
	return 0;
}

int creds_lookup(const char *host, char **user, char **pass)
{
	const char *gu, *gp;
	json_t *cfg = NULL, *entry;
	char *up = NULL, *colon;

	*user = *pass = NULL;
	if (creds_given(NULL, NULL, &gu, &gp) == 0 && gu) {
		*user = xstrdup(gu);
		*pass = xstrdup(gp);
		return 0;
	}
	if (read_config(&cfg) < 0) {
		mlops_error_clear(); /* an unreadable file is no credentials */
		return 0;
	}
	entry = json_object_get(json_object_get(cfg, "auths"), host);
	if (json_str(entry, "auth"))
		up = base64_decode(json_str(entry, "auth"));
	if (up && (colon = strchr(up, ':'))) {
		*user = xstrndup(up, (size_t)(colon - up));
		*pass = xstrdup(colon + 1);
	} else if (json_str(entry, "username") && json_str(entry, "password")) {
		*user = xstrdup(json_str(entry, "username"));
		*pass = xstrdup(json_str(entry, "password"));
	}
	if (up)
		OPENSSL_cleanse(up, strlen(up));
	free(up);
	json_decref(cfg);
	return 0;
}

static int write_config(json_t *cfg)
{
	char *path = docker_config_path(), *dir = fs_dirname(path);
	struct strbuf text = STRBUF_INIT;
	int rc = fs_mkdir_p(dir, 0700);

	chmod(dir, 0700);
	json_dump_strbuf(cfg, JSON_DUMP_PRETTY, &text);
	strbuf_addch(&text, '\n');
	if (!rc)
		rc = fs_write_atomic(path, text.buf, text.len, 0600);
	if (!rc)
		chmod(path, 0600);
	OPENSSL_cleanse(text.buf, text.len);
	strbuf_release(&text);
	free(path);
	free(dir);
	return rc;
}

int creds_store(const char *host, const char *user, const char *pass)
{
	struct strbuf up = STRBUF_INIT;
	json_t *cfg = NULL, *auths;
	char *b64;
	int rc = read_config(&cfg);

	if (rc)
		return rc;
	auths = json_object_get(cfg, "auths");
	if (!json_is_object(auths)) {
		auths = json_object();
		json_object_set_new(cfg, "auths", auths);
	}
	strbuf_addf(&up, "%s:%s", user, pass);
	b64 = base64_encode(up.buf, up.len);
	json_object_set_new(auths, host, json_pack("{s:s}", "auth", b64));
	rc = write_config(cfg);
	OPENSSL_cleanse(up.buf, up.len);
	OPENSSL_cleanse(b64, strlen(b64));
	strbuf_release(&up);
	free(b64);
	json_decref(cfg);
	return rc;
}

int creds_remove(const char *host, int *removed)
{
	json_t *cfg = NULL, *auths;
	int rc = read_config(&cfg);

	*removed = 0;
	if (rc)
		return rc;
	auths = json_object_get(cfg, "auths");
	if (json_object_get(auths, host)) {
		json_object_del(auths, host);
		*removed = 1;
		rc = write_config(cfg);
	}
	json_decref(cfg);
	return rc;
}
