/* Alert delivery against a hostile world: the dead-letter file (a FIFO,
 * a device or a symbolic link in its place, a line cut short by a full
 * disk or a crash, several processes appending at once), the sending
 * lanes (a hung service crowds out no other notifier; a delivery that
 * waited out its retry_for is not tried; alerts copied, not shared
 * between threads), and the trailing window of serve's counters. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../lib/alert/deadletter.h"
#include "../../lib/alert/message.h"
#include "../../lib/alert/sink.h"
#include "../../lib/core/error.h"
#include "../../lib/core/strbuf.h"
#include "../../lib/server/lookback.h"
#include "tap.h"

static char dir[64];

static char *path_in(const char *name)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s/%s", dir, name);
	return strbuf_detach(&sb);
}

/* Every line of path a JSON object: how many, or -1 at the first that is
 * not. */
static long whole_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	long n = 0;
	ssize_t len;

	if (!f)
		return -1;
	while ((len = getline(&line, &cap, f)) > 0) {
		json_t *j = json_loadb(line, (size_t)len, 0, NULL);

		if (!json_is_object(j) || line[len - 1] != '\n') {
			json_decref(j);
			n = -1;
			break;
		}
		json_decref(j);
		n++;
	}
	free(line);
	fclose(f);
	return n;
}

static json_t *record(size_t pad)
{
	json_t *r = json_object();
	char *s = malloc(pad + 1);

	memset(s, 'p', pad);
	s[pad] = '\0';
	json_object_set_new(r, "pad", json_string(s));
	free(s);
	return r;
}

static void dead_letter_places(void)
{
	char *fifo = path_in("fifo"), *slink = path_in("link");
	char *target = path_in("target"), *link2 = path_in("link2");
	json_t *r = record(10);

	/* A FIFO nobody reads: open(2) for writing would wait forever. */
	ok(mkfifo(fifo, 0600) == 0, "a FIFO where the file goes");
	alarm(20);
	ok(dead_letter_append(fifo, r) == MLOPS_EIO, "  refused at once");
	alarm(0);
	like(mlops_error_last()->message, "FIFO", "  said");
	mlops_error_clear();
	ok(dead_letter_append("/dev/null", r) == MLOPS_EIO,
	   "a device: refused");
	like(mlops_error_last()->message, "not a regular file", "  said");
	mlops_error_clear();
	ok(symlink(target, slink) == 0, "a symbolic link where the file goes");
	ok(dead_letter_append(slink, r) == MLOPS_EIO, "  refused");
	like(mlops_error_last()->message, "symbolic link", "  said");
	mlops_error_clear();
	ok(access(target, F_OK) < 0, "  nothing written where it points");
	ok(dead_letter_append(target, r) == 0 && link(target, link2) == 0,
	   "a hard link to a file where the file goes");
	ok(dead_letter_append(link2, r) == MLOPS_EIO, "  refused");
	like(mlops_error_last()->message, "hard links", "  said");
	mlops_error_clear();
	is_int(whole_lines(target), 1, "  the file it names untouched");
	json_decref(r);
	free(fifo);
	free(slink);
	free(link2);
	free(target);
}

static void dead_letter_cut_lines(void)
{
	char *p = path_in("cut.jsonl");
	json_t *r = record(10), *big = record(300);
	struct rlimit old, lim;
	struct stat st;
	int fd;

	/* A line a crash left unfinished: the next one starts on its own. */
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ok(fd >= 0 && write(fd, "{\"half\": ", 9) == 9, "an unfinished line");
	close(fd);
	ok(dead_letter_append(p, r) == 0, "appended after it");
	{
		FILE *f = fopen(p, "r");
		char line[256] = "";

		if (f && fgets(line, sizeof(line), f) && fgets(line, sizeof(line), f))
			is_str(line, "{\"pad\":\"pppppppppp\"}\n",
			       "  on a line of its own");
		else
			ok(0, "  on a line of its own");
		if (f)
			fclose(f);
	}
	/* A disk that fills in the middle of a line: the part written is
	 * cut back off, the file ends where it did. */
	unlink(p);
	ok(dead_letter_append(p, r) == 0, "one line");
	stat(p, &st);
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	lim = old;
	lim.rlim_cur = (rlim_t)st.st_size + 100;
	setrlimit(RLIMIT_FSIZE, &lim);
	ok(dead_letter_append(p, big) == MLOPS_EIO,
	   "a line that does not fit: an error");
	mlops_error_clear();
	setrlimit(RLIMIT_FSIZE, &old);
	{
		struct stat after;

		stat(p, &after);
		is_int(after.st_size, st.st_size, "  and the part that fit is gone");
	}
	ok(dead_letter_append(p, r) == 0, "the next append");
	is_int(whole_lines(p), 2, "  every line whole");
	json_decref(r);
	json_decref(big);
	free(p);
}

/* Processes appending at once: every line whole, none lost. */
static void dead_letter_shared(void)
{
	char *p = path_in("shared.jsonl");
	pid_t kids[4];
	int i, k, st, all = 1;

	for (k = 0; k < 4; k++) {
		kids[k] = fork();
		if (kids[k] == 0) {
			json_t *r = record(5000 + (size_t)k * 1000);

			for (i = 0; i < 50; i++)
				if (dead_letter_append(p, r) < 0)
					_exit(1);
			_exit(0);
		}
	}
	for (k = 0; k < 4; k++)
		all &= kids[k] > 0 && waitpid(kids[k], &st, 0) == kids[k] &&
		       WIFEXITED(st) && WEXITSTATUS(st) == 0;
	ok(all, "four processes appended 50 lines each");
	is_int(whole_lines(p), 200, "  200 whole lines");
	free(p);
}

/* A port that takes connections and never answers: a hung service. */
static int hung_listener(int *port)
{
	struct sockaddr_in a = { 0 };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(fd, 64) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		return -1;
	*port = ntohs(a.sin_port);
	return fd;
}

static struct alerts_config *two_notifiers(int port)
{
	struct alerts_config *a = calloc(1, sizeof(*a));
	struct strbuf url = STRBUF_INIT;

	strbuf_addf(&url, "http://127.0.0.1:%d/hook", port);
	a->nnotifiers = 2;
	a->notifiers = calloc(2, sizeof(*a->notifiers));
	a->notifiers[0].kind = NOTIFIER_WEBHOOK;
	a->notifiers[0].name = strdup("hung");
	a->notifiers[0].url = strbuf_detach(&url);
	a->notifiers[1].kind = NOTIFIER_WEBHOOK;
	a->notifiers[1].name = strdup("unset");
	a->notifiers[1].url_env = strdup("MLOPS_TEST_NO_SUCH_VARIABLE");
	return a;
}

/* The hung notifier's queue (max_queue 1) full behind the delivery it
 * tries; the other's empties at once (it fails without sending): its
 * next alert is not crowded out. */
static void lanes_crowding(void)
{
	struct alert_context c = { "test", NULL, NULL, NULL, NULL };
	struct alert_sink_opts o = { 0 };
	struct delivery_result *res = NULL;
	struct alerts_config *a;
	struct alert_sink *s = NULL;
	struct pollfd pf;
	json_t *alert;
	size_t n = 0, i, last = 0, full = 0;
	int port = 0, fd = hung_listener(&port), conn = -1;

	ok(fd >= 0, "a hung service on 127.0.0.1:%d", port);
	unsetenv("MLOPS_TEST_NO_SUCH_VARIABLE");
	a = two_notifiers(port);
	o.timeout_s = 5;
	o.retry_for_s = 5;
	o.max_queue = 1;
	o.keep_results = 1;
	ok(alert_sink_start(&s, a, ".", &o) == 0, "a sink with two notifiers");
	alert = alert_test_message(&c);
	is_int(alert->refcount, 1, "an alert, one reference");
	alert_sink_post(s, alert);
	is_int(alert->refcount, 1, "  still one after it was posted: each "
	       "delivery has a copy (json_t is not for sharing between threads)");
	pf.fd = fd;
	pf.events = POLLIN;
	ok(poll(&pf, 1, 10000) == 1 && (conn = accept(fd, NULL, NULL)) >= 0,
	   "the hung service has the first delivery");
	alert_sink_post(s, alert); /* its queue: full */
	usleep(200000);
	alert_sink_post(s, alert);
	json_decref(alert);
	usleep(200000);
	alert_sink_stop(s, 0, &res, &n);
	is_int(n, 6, "every delivery has an outcome");
	for (i = 0; i < n; i++) {
		if (res[i].notifier == 1)
			last = i;
		else
			full += strstr(res[i].why, "queue is full") != NULL;
	}
	like(res[last].why, "is not set", "the other notifier's last alert "
	     "failed for its own reason, not crowded out by the hung one's "
	     "backlog");
	is_int(full, 1, "the hung one's own queue filled");
	free(res);
	alerts_config_free(a);
	if (conn >= 0)
		close(conn);
	close(fd);
}

/* Three posted at once to a service that hangs past retry_for: the
 * first is tried (and times out); the two behind it are given up
 * untried, not sent with no time left. */
static void lanes_expiry(void)
{
	struct alert_context c = { "test", NULL, NULL, NULL, NULL };
	struct alert_sink_opts o = { 0 };
	struct delivery_result *res = NULL;
	struct alerts_config *a;
	struct alert_sink *s = NULL;
	json_t *alert;
	size_t n = 0, i, tried = 0, expired = 0;
	int port = 0, fd = hung_listener(&port);

	a = two_notifiers(port);
	o.timeout_s = 0.8;
	o.retry_for_s = 0.8;
	o.keep_results = 1;
	ok(alert_sink_start(&s, a, ".", &o) == 0, "a sink");
	alert = alert_test_message(&c);
	for (i = 0; i < 3; i++)
		alert_sink_post(s, alert);
	json_decref(alert);
	alert_sink_stop(s, 5, &res, &n);
	for (i = 0; i < n; i++) {
		if (res[i].notifier)
			continue;
		tried += res[i].attempts > 0;
		expired += res[i].attempts == 0 &&
			   strstr(res[i].why, "not sent within retry_for") != NULL;
	}
	is_int(tried, 1, "a hung service: one delivery tried");
	is_int(expired, 2, "  the two behind it given up untried");
	free(res);
	alerts_config_free(a);
	close(fd);
}

static void window(void)
{
	struct lookback lb;
	struct prediction_totals cur = { 0 }, base = { 0 };
	double t = 0, base_t = -1;
	int i, found = 0;

	lookback_init(&lb);
	/* Every 100 ms for 15 minutes, over a 10-minute window: more
	 * evaluations than the ring has slots. */
	for (i = 0; i < 9000; i++) {
		t = i * 0.1;
		cur.requests = (uint64_t)i;
		found = lookback_take(&lb, t, 600, &cur, &base, &base_t);
	}
	ok(found, "a window");
	ok(base_t <= t - 600 && base_t > t - 600 - 1,
	   "  the whole 10 minutes (from %.1f s to %.1f s)", base_t, t);
	is_int(cur.requests - base.requests, (uint64_t)((t - base_t) * 10 + 0.5),
	       "  what was counted in between");
	lookback_release(&lb);
}

int main(void)
{
	strcpy(dir, "/tmp/mlops-test-alert-XXXXXX");
	if (!mkdtemp(dir)) {
		ok(0, "a scratch directory");
		return done_testing();
	}
	dead_letter_places();
	dead_letter_cut_lines();
	dead_letter_shared();
	lanes_crowding();
	lanes_expiry();
	window();
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			ok(0, "clean up %s", dir);
	}
	return done_testing();
}
