/*
 * The privileged side (sniffer/warden.h) on a full disk: its state in a
 * 256 KiB tmpfs in a child's mount namespace (as root; never the host's
 * disk), with a backend whose commands only log a line.  Three grants
 * open; the disk fills; a knock the state cannot record is refused and
 * opens nothing; every grant that opened is still closed at its expiry
 * although the state cannot record it (said in a warning); once there is
 * room, a restart opens nothing and keeps nothing open.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "firewall.h"
#include "cmdlog.h"
#include "log.h"
#include "logcap.h"
#include "spawn.h"
#include "testfile.h"
#include "tmpfschild.h"
#include "verify.h"
#include "wardenrig.h"

static char dir[] = "/tmp/spa-wardend-XXXXXX";

static void
full_disk_child(const char *state)
{
	char filler[160], addr[32];
	struct privmsg_grant m;
	int64_t now = (int64_t)time(NULL);
	int accepted = 0, refused = 0;
	const char *text;
	struct rig r;

	tmpfschild_mount(state, "size=256k,mode=0700");
	CHECK(wardenrig_start_alice(&r, dir, state, now) == 0, 10);
	/* Three grants while there is room. */
	for (int i = 1; i <= 3; i++) {
		snprintf(addr, sizeof(addr), "198.51.100.%d", i);
		m = wardenrig_alice_ssh(&r, addr);
		CHECK(warden_grant(r.w, &m, now) == WARDEN_DONE, 11);
		accepted++;
	}
	(void)run_loop_at(&r, NULL, 0, 1500, now);
	CHECK(cmdlog_count(dir, "open ") == 3, 12);
	/* The disk fills up. */
	snprintf(filler, sizeof(filler), "%s/filler", state);
	{
		static char block[4096];
		int fd = open(filler, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		CHECK(fd >= 0, 13);
		memset(block, 'x', sizeof(block));
		while (write(fd, block, sizeof(block)) > 0)
			;
		close(fd);
	}
	/* A knock the state cannot record is refused and opens nothing. */
	for (int i = 10; i < 250 && refused == 0; i++) {
		snprintf(addr, sizeof(addr), "198.51.100.%d", i);
		m = wardenrig_alice_ssh(&r, addr);
		if (warden_grant(r.w, &m, now) == WARDEN_DONE)
			accepted++;
		else
			refused++;
	}
	CHECK(refused == 1, 14);
	(void)run_loop_at(&r, NULL, 0, 1500, now);
	CHECK(cmdlog_count(dir, "open ") == accepted, 15);
	(void)logcap_read();
	/* Past their expiry: every open grant is closed although the state
	 * cannot say so. */
	(void)run_loop_at(&r, NULL, 0, 3000, now + 3600);
	CHECK(cmdlog_count(dir, "close ") >= accepted, 16);
	CHECK(warden_grant_count(r.w) == 0, 17);
	text = logcap_read();
	CHECK(strstr(text, "state: cannot") != NULL, 18);
	warden_stop(r.w);
	wardenrig_free(&r);
	/* Room again: a restart (at the same hour) opens nothing, and keeps
	 * nothing open: what the state still holds has expired. */
	CHECK(unlink(filler) == 0, 19);
	{
		int opened = cmdlog_count(dir, "open ");

		CHECK(wardenrig_start_alice(&r, dir, state, now + 3600) == 0,
		    20);
		(void)run_loop_at(&r, NULL, 0, 1500, now + 3600);
		CHECK(warden_grant_count(r.w) == 0, 21);
		CHECK(cmdlog_count(dir, "open ") == opened, 22);
		warden_stop(r.w);
		wardenrig_free(&r);
	}
	tmpfschild_exit(0);
}

static void
test_full_disk_closes(void **state)
{
	char path[128];

	(void)state;
	tmpfschild_need_root();
	snprintf(path, sizeof(path), "%s/state", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	tmpfschild_run(path, full_disk_child, 0);
}

static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	wardenrig_backend(dir, WARDENRIG_FAULTS);
	return logcap_start();
}

static int
teardown(void **state)
{
	(void)state;
	logcap_stop();
	return testfile_remove_tree(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_disk_closes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
