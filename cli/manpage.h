/* `mlops help COMMAND`: the command's man page, through man(1). */
#ifndef MLOPS_CLI_MANPAGE_H
#define MLOPS_CLI_MANPAGE_H

/* Shows page ("mlops-deploy") with man: the one built beside this binary
 * (BINDIR/man/PAGE.1, a build tree), else the installed one. 0 shown;
 * -1 no man(1) or no such page (the caller prints its own help). */
int manpage_show(const char *page);

#endif
