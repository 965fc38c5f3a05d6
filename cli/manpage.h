/* `mlops help TOPIC`: a man page, through man(1), from a build tree or
 * an installed prefix. */
#ifndef MLOPS_CLI_MANPAGE_H
#define MLOPS_CLI_MANPAGE_H

#include "lib/core/strbuf.h"

enum manpage_status {
	MANPAGE_SHOWN = 0,
	MANPAGE_NOT_FOUND = -1, /* no such page built or installed */
	MANPAGE_NO_MAN = -2,    /* the page is there, man(1) is not */
	MANPAGE_FAILED = -3,    /* man(1) ran and failed */
};

/* Shows the page ("mlops-deploy", section 1) with man(1), the first found
 * of: the one built beside this binary (DIR/man/PAGE.S, a build tree),
 * the one installed under this binary's prefix
 * (DIR/../share/man/manS/PAGE.S), then whatever man(1) finds on its own
 * path. On MANPAGE_NO_MAN and MANPAGE_FAILED, *file (when not NULL) holds
 * the page's file, for the caller's hint. */
enum manpage_status manpage_show(const char *page, int section,
				 struct strbuf *file);

/* The pages `mlops help TOPIC` shows that are not a command's. */
struct man_guide {
	const char *topic;   /* "glm" */
	const char *page;    /* "mlops-glm" */
	int section;         /* 5 */
	const char *summary; /* for `mlops help` */
};
extern const struct man_guide man_guides[]; /* ends with a NULL topic */

/* The guide of topic, or of its page's name ("mlops-glm"), or NULL. */
const struct man_guide *man_guide_find(const char *topic);

#endif
