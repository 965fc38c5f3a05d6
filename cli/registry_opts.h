/* Options push, pull, tags and login share: how to reach a registry. */
#ifndef MLOPS_CLI_REGISTRY_OPTS_H
#define MLOPS_CLI_REGISTRY_OPTS_H

#include "lib/registry/store.h"

struct registry_cli {
	int plain_http;
	const char *username;
	int password_stdin;
	char *password; /* read from stdin */
};

#define REGISTRY_OPTIONS(r)                                                  \
	OPT_BOOLEAN(0, "plain-http", &(r).plain_http,                        \
		    "allow plain HTTP (always allowed on loopback)"),          \
	OPT_STR(0, "username", &(r).username, "USER",                        \
		"registry user (else MLOPS_REGISTRY_USER or docker config)",  \
		NULL),                                                        \
	OPT_BOOLEAN(0, "password-stdin", &(r).password_stdin,                \
		    "read the password from standard input")

/* Fills store options; reads the password from stdin when asked.
 * Returns an exit status (0 on success). */
int registry_cli_setup(struct registry_cli *r, struct store_opts *o);
void registry_cli_release(struct registry_cli *r);
/* "32M" -> bytes; 0 on a malformed size. */
unsigned long long parse_size(const char *s);

#endif
