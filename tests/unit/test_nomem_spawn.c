/*
 * Allocation failures on the way to starting a command
 * (tests/unit/nomem.h): the spawner's jobs, and a grant whose open
 * commands cannot all be built or started.  Each allocation fails in turn
 * until the call succeeds; a failure is reported, nothing is left
 * running or recorded, nothing leaks (make asan).  It starts /bin/true:
 * not under valgrind 3.19 (no pidfd_open), like test_spawn.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "actions.h"
#include "addr.h"
#include "conf.h"
#include "err.h"
#include "firewall.h"
#include "grant.h"
#include "nomem.h"
#include "spawn.h"
#include "state.h"
#include "testfile.h"
#include "verify.h"

struct ended {
	int calls;
	struct spawn_status st;
};

static void
on_done(void *cookie, const struct spawn_status *st, const char *err)
{
	struct ended *e = cookie;

	(void)err;
	e->calls++;
	e->st = *st;
}

/* Polls sp until done() was called once (at most 10 s). */
static void
wait_ended(struct spawner *sp, const struct ended *e)
{
	int64_t until = spawn_now_ms() + 10000;

	while (e->calls == 0 && spawn_now_ms() < until) {
		struct pollfd pfd = { spawner_fd(sp), POLLIN, 0 };

		(void)poll(&pfd, 1, 10);
		spawner_poll(sp, spawn_now_ms());
	}
	assert_int_equal(e->calls, 1);
}

/* spawner_submit: SPA_ERR_NOMEM, nothing queued or running, no
 * callback; then the command runs. */
static void
test_submit(void **state)
{
	char *argv[] = { "/bin/true", "a", "b", NULL };
	struct ended e = { 0 };
	struct spawner *sp;
	unsigned long n;
	int rc = -1;

	(void)state;
	assert_int_equal(spawner_new(1, &sp), 0);
	for (n = 0; n < NOMEM_MAX; n++) {
		nomem_fail_after(n);
		rc = spawner_submit(sp, argv, NULL, on_done, &e);
		if (!nomem_off())
			break;
		assert_int_equal(rc, SPA_ERR_NOMEM);
		assert_int_equal(spawner_running(sp) + spawner_queued(sp), 0);
		spawner_poll(sp, spawn_now_ms());
		assert_int_equal(e.calls, 0);
	}
	assert_int_equal(rc, 0);
	assert_true(n >= 5);            /* the job, argv, three words */
	wait_ended(sp, &e);
	assert_true(spawn_succeeded(&e.st));
	spawner_free(sp);
}

/* spawner_submit_ended: SPA_ERR_NOMEM and no callback; then one. */
static void
test_submit_ended(void **state)
{
	const struct spawn_status ok = { SPAWN_EXITED, 0 };
	struct ended e = { 0 };
	struct spawner *sp;

	(void)state;
	assert_int_equal(spawner_new(1, &sp), 0);
	nomem_fail_after(0);
	assert_int_equal(spawner_submit_ended(sp, &ok, "", on_done, &e),
	    SPA_ERR_NOMEM);
	assert_true(nomem_off());
	spawner_poll(sp, spawn_now_ms());
	assert_int_equal(e.calls, 0);
	assert_int_equal(spawner_submit_ended(sp, &ok, "", on_done, &e), 0);
	wait_ended(sp, &e);
	spawner_free(sp);
}

static int
count_row(void *ctx, const struct grantrec *r)
{
	(void)r;
	(*(int *)ctx)++;
	return 0;
}

static int
rows(struct state *st)
{
	int n = 0;

	assert_int_equal(state_grant_each(st, count_row, NULL, &n), 0);
	return n;
}

/* Until no grant's commands run (at most 10 s). */
static void
settle(struct spawner *sp, struct grant_engine *e)
{
	int64_t until = spawn_now_ms() + 10000;

	while (grant_busy(e) > 0 && spawn_now_ms() < until) {
		struct pollfd pfd = { spawner_fd(sp), POLLIN, 0 };

		(void)poll(&pfd, 1, 10);
		spawner_poll(sp, spawn_now_ms());
	}
	assert_int_equal(grant_busy(e), 0);
}

/* grant_grant with each allocation failing: the grant (its slot, its
 * job, its commands, their copies, the spawner's jobs) is refused with
 * SPA_ERR_NOMEM, or, when its open sequence had started, fails there
 * and is undone: either way no grant stays, in memory or in the state. */
static void
test_grant(void **state)
{
	char dir[] = "/tmp/spa-nomem-XXXXXX", err[STATE_ERR_MAX];
	struct grantrec g = { .proto = IPPROTO_TCP, .port = 22,
	    .user = "alice", .action = "ssh" };
	int64_t now = (int64_t)time(NULL);
	struct grant_engine *e;
	struct firewall *fw;
	struct spawner *sp;
	struct state *st;
	unsigned long n;
	int rc = -1, late = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	testfile_write(dir, "fw",
	    "[ipv4]\n"
	    "open = /bin/true open {addr} {proto} {port}\n"
	    "open = /bin/true open-2 {addr}\n"
	    "check = /bin/true check {addr} {proto} {port}\n"
	    "close = /bin/true close {addr} {proto} {port}\n"
	    "[ipv6]\n"
	    "open = /bin/true open {addr} {proto} {port}\n"
	    "check = /bin/true check {addr} {proto} {port}\n"
	    "close = /bin/true close {addr} {proto} {port}\n", 0644);
	assert_int_equal(state_open(NULL, &st, err), 0);
	assert_int_equal(spawner_new(4, &sp), 0);
	if (firewall_load(dir, "fw", &fw, err) != 0)
		fail_msg("%s", err);
	assert_int_equal(grant_engine_new(st, sp, fw, dir, &e), 0);
	assert_int_equal(addr_parse("198.51.100.7", &g.addr), 0);
	g.expiry = now + 600;
	for (n = 0; n < NOMEM_MAX; n++) {
		nomem_fail_after(n);
		rc = grant_grant(e, &g, now);
		if (!nomem_off())
			break;
		if (rc == 0)
			late++;
		else
			assert_int_equal(rc, SPA_ERR_NOMEM);
		settle(sp, e);
		assert_int_equal(grant_count(e), 0);
		assert_int_equal(rows(st), 0);
	}
	assert_int_equal(rc, 0);
	assert_true(n > 10);
	assert_true(late > 0);  /* the second command's, within the sequence */
	settle(sp, e);
	assert_int_equal(grant_count(e), 1);
	assert_int_equal(rows(st), 1);
	assert_int_equal(grant_close_all(e, spawn_now_ms() + 10000), 0);
	grant_engine_free(e);
	firewall_free(fw);
	spawner_free(sp);
	state_close(st);
	assert_int_equal(testfile_remove_tree(dir), 0);
}

/* An action's program: SPA_ERR_NOMEM (its job, its words, the
 * spawner's job), nothing started; then it runs and ends. */
static void
test_run_program(void **state)
{
	char err[CONF_ERR_MAX];
	struct spa_decision d = { .verdict = VERDICT_ACCEPTED, .user = 0,
	    .user_name = "alice", .request = "backup" };
	const struct conf_action *a;
	struct spawner *sp;
	struct conf *c;
	unsigned long n;
	int64_t until;
	int rc = -1;

	(void)state;
	if (conf_load_string("t.conf", "[action backup]\n"
	    "run = /bin/true {addr} {user}\nrun_as = root\n", &c, err) != 0)
		fail_msg("%s", err);
	assert_non_null(a = conf_find_action(c, "backup"));
	assert_int_equal(addr_parse("198.51.100.7", &d.allow), 0);
	assert_int_equal(spawner_new(1, &sp), 0);
	for (n = 0; n < NOMEM_MAX; n++) {
		nomem_fail_after(n);
		rc = actions_run_program(sp, &d, a);
		if (!nomem_off())
			break;
		assert_int_equal(rc, SPA_ERR_NOMEM);
		assert_int_equal(spawner_running(sp) + spawner_queued(sp), 0);
	}
	assert_int_equal(rc, 0);
	assert_true(n >= 5);
	/* Its end frees its job (spawner_free would drop it unseen). */
	until = spawn_now_ms() + 10000;
	while (spawner_running(sp) > 0 && spawn_now_ms() < until) {
		struct pollfd pfd = { spawner_fd(sp), POLLIN, 0 };

		(void)poll(&pfd, 1, 10);
		spawner_poll(sp, spawn_now_ms());
	}
	assert_int_equal(spawner_running(sp), 0);
	spawner_free(sp);
	conf_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_submit),
		cmocka_unit_test(test_submit_ended),
		cmocka_unit_test(test_grant),
		cmocka_unit_test(test_run_program),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
