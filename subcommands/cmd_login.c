/* mlops login / logout: registry credentials in ~/.docker/config.json,
 * the file every OCI tool shares (mode 0600). Passwords come from stdin
 * or the environment, never from the command line. */
#include <stdlib.h>
#include <string.h>

#include "cli/command.h"
#include "cli/exit_status.h"
#include "cli/output.h"
#include "cli/registry_opts.h"
#include "lib/registry/creds.h"
#include "lib/registry/ref.h"

static struct registry_cli reg;

static const struct opt options[] = {
	REGISTRY_OPTIONS(reg),
	OPT_TERMINATOR,
};

static int cmd_login(int argc, const char **argv)
{
	struct store_opts o = { 0 };
	struct ref ref = { 0 };
	char *path;
	int rc = command_parse(&cmd_login_spec, &argc, argv);

	if (rc >= 0)
		return rc;
	if (argc != 1 || strchr(argv[0], '/'))
		return command_usage_error(&cmd_login_spec, "login HOST[:PORT]");
	rc = registry_cli_setup(&reg, &o);
	if (rc)
		return rc;
	if (!o.user && creds_given(NULL, NULL, &o.user, &o.password) < 0)
		return report_error();
	if (!o.user || !o.password) {
		registry_cli_release(&reg);
		return command_usage_error(&cmd_login_spec,
					   "give --username and --password-stdin "
					   "(or MLOPS_REGISTRY_USER and "
					   "MLOPS_REGISTRY_PASSWORD)");
	}
	ref.kind = REF_REMOTE;
	ref.host = xstrdup(argv[0]);
	ref.repo = xstrdup("");
	rc = remote_check_login(&ref, &o);
	if (!rc)
		rc = creds_store(argv[0], o.user, o.password);
	if (rc) {
		rc = report_error();
		goto done;
	}
	path = docker_config_path();
	print_info("credentials for %s saved in %s", argv[0], path);
	free(path);
	printf("Login succeeded\n");
	rc = EXIT_OK;
done:
	ref_free(&ref);
	registry_cli_release(&reg);
	return rc;
}

static int cmd_logout(int argc, const char **argv)
{
	int removed = 0, rc = command_parse(&cmd_logout_spec, &argc, argv);

	if (rc >= 0)
		return rc;
	if (argc != 1)
		return command_usage_error(&cmd_logout_spec, "logout HOST[:PORT]");
	if (creds_remove(argv[0], &removed) < 0)
		return report_error();
	printf("%s\n", removed ? "Removed login credentials"
			       : "Not logged in");
	return EXIT_OK;
}

const struct cmd_spec cmd_login_spec = {
	.name = "login",
	.summary = "save registry credentials (checked against the registry)",
	.synopsis = "HOST[:PORT] [--username USER --password-stdin]",
	.opts = options,
	.run = cmd_login,
	.flags = CMD_REPORT,
};

const struct cmd_spec cmd_logout_spec = {
	.name = "logout",
	.summary = "remove saved registry credentials",
	.synopsis = "HOST[:PORT]",
	.run = cmd_logout,
	.flags = CMD_REPORT,
};
