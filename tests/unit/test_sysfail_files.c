/*
 * The daemon's own files when a system call fails (tests/unit/sysfail.h):
 * the metrics file (sniffer/metrics.h) whose temporary cannot be made
 * readable, or whose close fails, is not written, the old one stays; the
 * status socket (sniffer/status.h) that cannot be made fails to listen,
 * and one left there that cannot be probed counts as another sniffer's,
 * never taken; one that cannot be bound leaves nothing; a peer whose
 * credentials cannot be read gets nothing.
 * The status client (sniffer/statuscli.h): a socket it cannot make is
 * no daemon reached, said why; a read interrupted goes on; recorded
 * grants it cannot read are an error, not an empty list.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <netinet/in.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sysexits.h>
#include <unistd.h>

#include "addr.h"
#include "err.h"
#include "grantrec.h"
#include "state.h"
#include "statuscli.h"
#include "statusrig.h"
#include "metrics.h"
#include "status.h"
#include "sysfail.h"
#include "testfile.h"

static char *const dir = testfile_dir;  /* testfile_dir_setup() */

/* metrics_write over an old file with call failing (err_no):
 * SPA_ERR_SYSTEM with that errno, not renamed over the file, the
 * temporary removed, the old file as it was. */
static void
metrics_write_fails(const char *call, int err_no)
{
	struct metrics m = { .opened = 3 };
	char path[128], tmp[136], text[64];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s.prom", dir, call);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	assert_int_equal(metrics_write(&m, path), 0);
	m.opened = 4;
	sysfail_arm(call, 0, err_no);
	errno = 0;
	assert_int_equal(metrics_write(&m, path), SPA_ERR_SYSTEM);
	assert_int_equal(errno, err_no);
	assert_int_equal(sysfail_failed(call), 1);
	sysfail_clear();
	assert_int_equal(access(tmp, F_OK), -1);        /* nothing left */
	assert_non_null(fp = fopen(path, "r"));
	while (fgets(text, sizeof(text), fp) != NULL &&
	    strncmp(text, "spa_sniffer_grants_opened_total ", 32) != 0)
		;
	fclose(fp);
	assert_string_equal(text, "spa_sniffer_grants_opened_total 3\n");
}

static void
test_metrics_fchmod_fails(void **state)
{
	(void)state;
	metrics_write_fails("fchmod", EPERM);
}

/* The temporary written, its close reports an error (a write the disk
 * took back). */
static void
test_metrics_close_fails(void **state)
{
	(void)state;
	metrics_write_fails("close", EIO);
}

static void
test_status_socket_fails(void **state)
{
	struct status_server *s;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char path[96], err[256];
	struct stat sb;
	int fd;
	(void)state;

	snprintf(path, sizeof(path), "%s/%s", dir, STATUS_SOCKET_NAME);
	sysfail_arm("socket", 0, EMFILE);
	assert_int_equal(status_listen(path, &s, err, sizeof(err)),
	    SPA_ERR_SYSTEM);
	sysfail_clear();
	assert_null(s);
	assert_non_null(strstr(err, "Too many open files"));
	assert_int_equal(access(path, F_OK), -1);

	/* A socket left there, which nobody serves: when it cannot be probed
	 * it is someone's, left alone. */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_true((fd = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	sysfail_arm("socket", 0, EMFILE);
	assert_int_equal(status_listen(path, &s, err, sizeof(err)),
	    SPA_ERR_INVALID);
	assert_int_equal(sysfail_failed("socket"), 1);
	sysfail_clear();
	assert_non_null(strstr(err, "another sniffer serves it"));
	assert_int_equal(lstat(path, &sb), 0);
	assert_true(S_ISSOCK(sb.st_mode));
	/* probed, it is stale: replaced */
	assert_int_equal(status_listen(path, &s, err, sizeof(err)), 0);
	status_close(s);

	/* bound: no; its socket closed, nothing left there */
	sysfail_arm("bind", 0, EADDRINUSE);
	assert_int_equal(status_listen(path, &s, err, sizeof(err)),
	    SPA_ERR_SYSTEM);
	assert_int_equal(sysfail_failed("bind"), 1);
	sysfail_clear();
	assert_null(s);
	assert_non_null(strstr(err, "Address already in use"));
	assert_int_equal(access(path, F_OK), -1);
}

/* A peer whose credentials cannot be read gets nothing. */
static void
test_status_peer_unknown(void **state)
{
	struct status_server *s;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct metrics m = { 0 };
	char path[96], err[256];
	int fd;
	(void)state;

	snprintf(path, sizeof(path), "%s/peer.sock", dir);
	assert_int_equal(status_listen(path, &s, err, sizeof(err)), 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_true((fd = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	sysfail_arm("getsockopt", 0, EBADF);
	/* no report is built for it: no warden needed */
	status_serve(s, &(struct status_view){ &m, NULL, 0, 0 });
	assert_int_equal(sysfail_failed("getsockopt"), 1);
	sysfail_clear();
	assert_int_equal(read(fd, err, sizeof(err)), 0);        /* closed */
	close(fd);
	status_close(s);
}

static void
test_status_client_fails(void **state)
{
	struct grantrec r = { .proto = IPPROTO_TCP, .port = 22,
	    .expiry = 1764237130, .user = "alice", .phase = GRANT_OPEN };
	char sub[96], sock[128], err[STATE_ERR_MAX], e2[1024], *text;
	struct state *st;
	struct conf *c;
	int rc;
	pid_t pid;
	(void)state;

	snprintf(sub, sizeof(sub), "%s/cli", dir);
	snprintf(sock, sizeof(sock), "%s/%s", sub, STATUS_SOCKET_NAME);
	assert_int_equal(state_open(sub, &st, err), 0);
	assert_int_equal(addr_parse("203.0.113.7", &r.addr), 0);
	assert_int_equal(state_grant_put(st, &r), 0);
	state_close(st);
	c = statusrig_conf(sub);

	/* no socket to ask with: the database, and why */
	sysfail_arm("socket", 0, EMFILE);
	text = statusrig_query(c, 0, &rc, e2, sizeof(e2));
	sysfail_clear();
	assert_int_equal(rc, EX_UNAVAILABLE);
	assert_non_null(strstr(e2, "no sniffer running: Too many open files "));
	assert_non_null(strstr(text, "203.0.113.7"));

	/* the database cannot be read: no list at all */
	text[0] = '\0';        /* the rig's buffer: what was shown before */
	sysfail_arm("sqlite3_prepare_v2", 0, SQLITE_IOERR);
	text = statusrig_query(c, 0, &rc, e2, sizeof(e2));
	sysfail_clear();
	assert_int_equal(rc, EX_UNAVAILABLE);
	assert_non_null(strstr(e2, "/cli/state.db: "));
	assert_null(strstr(text, "203.0.113.7"));

	/* a read interrupted by a signal: read again */
	pid = statusrig_serve_once(sock, "spa-status 1\npid 5\n"
	    "end grants=0 shown=0\n");
	sysfail_arm("read", 0, EINTR);
	text = statusrig_query(c, 0, &rc, e2, sizeof(e2));
	assert_int_equal(sysfail_failed("read"), 1);
	sysfail_clear();
	statusrig_reap(pid);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(text, "sniffer running: pid 5, "));
	/* a read that fails: what came is not a report */
	pid = statusrig_serve_once(sock, "spa-status 1\npid 5\n"
	    "end grants=0 shown=0\n");
	sysfail_arm("read", 0, EIO);
	(void)statusrig_query(c, 0, &rc, e2, sizeof(e2));
	sysfail_clear();
	statusrig_reap(pid);
	assert_int_equal(rc, EX_PROTOCOL);
	assert_non_null(strstr(e2, "the report was cut short or is not one"));
	conf_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_metrics_fchmod_fails),
		cmocka_unit_test(test_metrics_close_fails),
		cmocka_unit_test(test_status_socket_fails),
		cmocka_unit_test(test_status_peer_unknown),
		cmocka_unit_test(test_status_client_fails),
	};

	return cmocka_run_group_tests(tests, testfile_dir_setup, sysfail_dir_teardown);
}
