/* Text from files, requests and registries reaches the terminal through
 * mlops's output: a bundle name, a CSV value, a registry's error body. On
 * a terminal, stdout and stderr go through a filter that shows control
 * characters as \xNN instead of letting them move the cursor, retitle the
 * window or hide text. Kept: newline, tab, and the exact colour
 * sequences mlops itself writes; a carriage return is escaped too (it
 * could hide the start of a line). The progress bar, whose text is all
 * mlops's own, writes to the unfiltered stream. Pipes and files get the
 * bytes unchanged. */
#ifndef MLOPS_CLI_TERMSAFE_H
#define MLOPS_CLI_TERMSAFE_H

#include <stddef.h>
#include <stdio.h>

/* Puts the filter on stdout and stderr where they are terminals (or
 * MLOPS_TERMSAFE=1, for tests). Once per process. */
void termsafe_install(void);

/* stderr as it was before the filter, for the progress bar's \r and
 * erase-line (stderr itself when there is no filter). */
FILE *termsafe_raw_stderr(void);

/* The filter itself, over a whole buffer, for tests: appends to out
 * (size at least 4 * len + 16) and returns the length written. */
size_t termsafe_filter(const char *in, size_t len, char *out);

#endif
