/* One deploy at a time per environment: ROOT/lock, created exclusively,
 * holding the owner's pid, host and start time. A lock left by a process
 * that is gone (same host, pid not running) is taken over and reported;
 * one from another host, or a live process, is refused with who holds
 * it, unless forced. */
#ifndef MLOPS_DEPLOY_LOCK_H
#define MLOPS_DEPLOY_LOCK_H

struct env_lock {
	char *path;
	char stale[256]; /* set when a dead owner's lock was taken over */
	int busy;        /* acquire failed: a live owner holds it */
};

int env_lock_acquire(struct env_lock *l, const char *root, int force);
void env_lock_release(struct env_lock *l);

#endif
