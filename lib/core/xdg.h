/* The XDG base directories, one rule for every file mlops keeps for a
 * user: $XDG_<KIND>_HOME/mlops, else ~/.cache/mlops, ~/.config/mlops or
 * ~/.local/share/mlops (~/.local/state/mlops for state: logs, what
 * could not be delivered). An empty variable counts as unset, as the XDG
 * specification says. */
#ifndef MLOPS_CORE_XDG_H
#define MLOPS_CORE_XDG_H

enum xdg_kind { XDG_CACHE, XDG_CONFIG, XDG_DATA, XDG_STATE };

/* "<base>/mlops" or "<base>/mlops/<rel>" (rel may be NULL), malloc'd.
 * Without HOME, cache and data fall back to /tmp as their home; the
 * configuration has no fallback (a file in /tmp is no one's settings)
 * and the answer is NULL. */
char *xdg_path(enum xdg_kind kind, const char *rel);

#endif
