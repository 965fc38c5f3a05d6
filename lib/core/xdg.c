#include "xdg.h"

#include <stdlib.h>

#include "strbuf.h"

static const struct {
	const char *var, *home_dir;
} xdg_bases[] = {
	[XDG_CACHE] = { "XDG_CACHE_HOME", ".cache" },
	[XDG_CONFIG] = { "XDG_CONFIG_HOME", ".config" },
	[XDG_DATA] = { "XDG_DATA_HOME", ".local/share" },
	[XDG_STATE] = { "XDG_STATE_HOME", ".local/state" },
};

char *xdg_path(enum xdg_kind kind, const char *rel)
{
	const char *base = getenv(xdg_bases[kind].var), *home = getenv("HOME");
	struct strbuf sb = STRBUF_INIT;

	if (base && *base)
		strbuf_addf(&sb, "%s/mlops", base);
	else if (home && *home)
		strbuf_addf(&sb, "%s/%s/mlops", home, xdg_bases[kind].home_dir);
	else if (kind == XDG_CONFIG)
		return NULL;
	else
		strbuf_addf(&sb, "/tmp/%s/mlops", xdg_bases[kind].home_dir);
	if (rel)
		strbuf_addf(&sb, "/%s", rel);
	return strbuf_detach(&sb);
}
