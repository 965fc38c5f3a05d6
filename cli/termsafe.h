/* Text from files, requests and registries reaches the terminal through
 * mlops's output: a bundle name, a CSV value, a registry's error body. On
 * a terminal, stdout and stderr go through a filter that shows control
 * characters as \xNN instead of letting them move the cursor, retitle the
 * window or hide text. Kept: newline, tab, carriage return (progress
 * bars), and the colour and erase-line sequences mlops itself writes
 * (CSI digits;... m or K). Pipes and files get the bytes unchanged. */
#ifndef MLOPS_CLI_TERMSAFE_H
#define MLOPS_CLI_TERMSAFE_H

#include <stddef.h>
#include <stdio.h>

/* Puts the filter on stdout and stderr where they are terminals (or
 * MLOPS_TERMSAFE=1, for tests). Once per process. */
void termsafe_install(void);

/* The filter itself, over a whole buffer, for tests: appends to out
 * (size at least 4 * len + 16) and returns the length written. */
size_t termsafe_filter(const char *in, size_t len, char *out);

#endif
