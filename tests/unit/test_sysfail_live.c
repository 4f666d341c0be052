/*
 * The live sniffer (sniffer/live.h) when what it starts with fails, as
 * root, in-process: each case runs live_run in a process of its own with
 * a network namespace of its own (a veth pair v0-v1, the capture on v0),
 * a firewall backend whose commands are /bin/true, and one system call
 * failing (tests/unit/sysfail.h).  Each returns the exit status the
 * daemon exits with and says why in one log line:
 *   - the user to drop to unknown: "privilege separation: ...", EX_OSERR;
 *   - the interface's addresses unreadable (getifaddrs):
 *     "addresses of v0: ...", EX_UNAVAILABLE;
 *   - the capture process cannot be started (socketpair): "capture
 *     process: trying again in 100 ms", and at start that is EX_OSERR;
 *   - the capture process cannot confine itself (chroot fails in it):
 *     "capture process could not confine itself", EX_OSERR, never
 *     restarted;
 *   - poll failing in the loop: "poll: Bad file descriptor", EX_OSERR;
 *   - the addresses unreadable once it runs (an address was added): "own
 *     addresses: cannot read them, the previous ones stay", and it goes
 *     on until SIGTERM, status 0;
 * a dry run (one process, no capture child) whose interface is deleted:
 * "capture: ...", EX_IOERR; and a state on a full disk (a small tmpfs in
 * a mount namespace): a knock refused, "refused=state-unwritable".
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <time.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "childrun.h"
#include "conf.h"
#include "firewall.h"
#include "live.h"
#include "log.h"
#include "logcap.h"
#include "privdrop.h"
#include "knockframe.h"
#include "sysfail.h"
#include "testfile.h"
#include "tmpfschild.h"
#include "vethns.h"

#define SKIP_WHY "not root, or no veth in a network namespace of its own"

struct live_case {
	const char *call;       /* armed just before live_run */
	unsigned skip;
	int err;
	int all;
	int rc;                 /* live_run's */
	const char *says;       /* in our log */
	void (*meanwhile)(pid_t daemon);        /* in a child, if not NULL */
	int dry_run;
	int by_option;          /* -i v0 over the configuration's v1 */
	int small_disk;         /* the state on a 256 KiB tmpfs of its own */
};

static const struct live_case *the_case;
static char dir[64];

static void
rm_tree(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/state", dir);
	(void)umount2(path, MNT_DETACH);         /* a small disk, if any */
	if (testfile_remove_tree(dir) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

/* In the case's process: the namespace, the files, live_run. */
static int
run_case(void)
{
	const struct live_case *lc = the_case;
	char path[128], err[CONF_ERR_MAX];
	struct privdrop_target t;
	struct live_options o = { 0 };
	struct conf *c;
	struct firewall *fw;
	const char *said;
	pid_t helper = 0;
	FILE *f;
	int rc;

	if ((rc = vethns_new()) != 0)
		return rc;
	if (privdrop_lookup(&t, err, sizeof(err)) != 0)
		return 77;
	alarm(20);                      /* never hangs the suite */
	umask(077);                     /* the configuration holds a key */
	snprintf(dir, sizeof(dir), "/tmp/spa-live-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 2;
	snprintf(path, sizeof(path), "%s/state", dir);
	if (mkdir(path, 0700) != 0)
		return 2;
	if (lc->small_disk) {
		/* tmpfschild_mount's: exits 77 when it cannot. */
		tmpfschild_mount(path, "size=256k,mode=0700");
		if (vethns_ip("addr", "add", "198.51.100.2/24", "dev", "v0",
		    NULL) != 0)
			return 2;
	}
	snprintf(path, sizeof(path), "%s/true", dir);
	if ((f = fopen(path, "w")) == NULL)
		return 2;
	fputs("[ipv4]\nopen = /bin/true\nclose = /bin/true\n"
	    "[ipv6]\nopen = /bin/true\nclose = /bin/true\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/sniffer.conf", dir);
	if ((f = fopen(path, "w")) == NULL)
		return 2;
	fprintf(f, "[sniffer]\ninterface = %s\nport = 5001\nstate = %s/state\n"
	    "firewall = true\n[user alice]\n"
	    "key = PqWEZ75TM7+WCsf/2VOMNCtRUkVSdO16abhFlF5WIV0=\n"
	    "allow = ssh\n[action ssh]\nopen = tcp/22\n",
	    lc->by_option ? "v1" : "v0", dir);
	fclose(f);
	if (conf_load(path, &c, err) != 0 ||
	    firewall_load(dir, "true", &fw, err) != 0) {
		fprintf(stderr, "%s\n", err);
		rm_tree();
		return 2;
	}
	o.config_path = path;
	o.rules_dir = dir;
	o.dry_run = lc->dry_run;
	o.interface = lc->by_option ? "v0" : NULL;
	if (logcap_start() != 0)
		return 2;
	if (lc->meanwhile != NULL) {
		pid_t daemon = getpid();

		fflush(NULL);
		if ((helper = fork()) == 0) {
			lc->meanwhile(daemon);
			_exit(0);
		}
	}
	if (lc->call == NULL)
		;
	else if (lc->all)
		sysfail_arm_all(lc->call, lc->err);
	else
		sysfail_arm(lc->call, lc->skip, lc->err);
	rc = live_run(c, fw, &o);
	sysfail_clear();
	if (helper > 0)
		waitpid(helper, NULL, 0);
	said = logcap_read();
	logcap_stop();
	rm_tree();
	if (rc != lc->rc || strstr(said, lc->says) == NULL ||
	    (lc->by_option && strstr(said, "listening on v0 (") == NULL)) {
		fprintf(stderr, "%s: live_run %d (want %d), said:\n%s", lc->call ? lc->call : "-",
		    rc, lc->rc, said);
		return 1;
	}
	if (strstr(said, "stopped") != NULL && lc->rc != 0 &&
	    strstr(said, "stopped after an error (see above)") == NULL) {
		fprintf(stderr, "%s: a stop that does not say error:\n%s",
		    lc->call ? lc->call : "-", said);
		return 1;
	}
	return 0;
}

static void
run(const struct live_case *lc)
{
	the_case = lc;
	childrun(run_case, SKIP_WHY);
}

static void
test_unknown_user(void **state)
{
	static const struct live_case lc = { "getpwnam", 0, ENOENT, 1,
	    EX_OSERR, "privilege separation: no user ", NULL, 0, 0, 0 };
	(void)state;
	run(&lc);
}

static void
test_addresses_unreadable(void **state)
{
	static const struct live_case lc = { "getifaddrs", 0, ENOMEM, 0,
	    EX_UNAVAILABLE, "addresses of v0: ", NULL, 0, 0, 0 };
	(void)state;
	run(&lc);
}

static void
test_child_not_started(void **state)
{
	static const struct live_case lc = { "socketpair", 0, EMFILE, 0,
	    EX_OSERR, "capture process: trying again in 100 ms", NULL, 0, 0, 0 };
	(void)state;
	run(&lc);
}

static void
test_child_not_confined(void **state)
{
	static const struct live_case lc = { "chroot", 0, EPERM, 0,
	    EX_OSERR, "capture process could not confine itself (see above); "
	    "not running without it", NULL, 0, 0, 0 };
	(void)state;
	run(&lc);
}

static void
test_poll_fails(void **state)
{
	static const struct live_case lc = { "poll", 0, EBADF, 1,
	    EX_OSERR, "poll: Bad file descriptor", NULL, 0, 0, 0 };
	(void)state;
	run(&lc);
}

/* An address added to v0 while it runs, then SIGTERM. */
static void
add_address_then_term(pid_t daemon)
{
	usleep(800000);
	if (vethns_ip("addr", "add", "198.51.100.2/24", "dev", "v0", NULL) != 0)
		fprintf(stderr, "ip addr add failed\n");
	usleep(500000);
	kill(daemon, SIGTERM);
}

/* The addresses cannot be read again once running: the previous ones
 * stay, it says so and goes on until SIGTERM (status 0). */
static void
test_addresses_unreadable_later(void **state)
{
	static const struct live_case lc = { "getifaddrs", 1, ENOMEM, 0,
	    0, "own addresses: cannot read them, the previous ones stay: ",
	    add_address_then_term, 0, 0, 0 };
	(void)state;
	run(&lc);
}

/* v0 deleted while it runs. */
static void
delete_v0(pid_t daemon)
{
	(void)daemon;
	usleep(500000);
	if (vethns_ip("link", "del", "v0", NULL) != 0)
		fprintf(stderr, "ip link del failed\n");
}

/* A dry run decides in one process: its capture failing (the interface
 * deleted) ends it, EX_IOERR, with libpcap's words after "capture: ".
 * The interface is the option's (-i v0), not the configuration's (v1). */
static void
test_dry_run_capture_lost(void **state)
{
	static const struct live_case lc = { NULL, 0, 0, 0, EX_IOERR,
	    "capture: ", delete_v0, 1, 1, 0 };
	(void)state;
	run(&lc);
}

/* The state's disk filled up, then a knock of alice's sent on v1 (it
 * arrives on v0), then SIGTERM. */
static void
fill_disk_then_knock(pid_t daemon)
{
	static const char fill[4096];
	uint8_t frame[SEGMENT_MAX];
	char path[128];
	size_t len;
	FILE *f;

	usleep(800000);                 /* it has started */
	snprintf(path, sizeof(path), "%s/state/fill", dir);
	if ((f = fopen(path, "w")) != NULL) {
		while (fwrite(fill, 1, sizeof(fill), f) == sizeof(fill))
			continue;
		fclose(f);
	}
	len = knock_frame("PqWEZ75TM7+WCsf/2VOMNCtRUkVSdO16abhFlF5WIV0=",
	    (uint64_t)time(NULL), 1, frame);
	if (vethns_send(frame, len) != 0)
		fprintf(stderr, "the knock was not sent\n");
	usleep(800000);
	kill(daemon, SIGTERM);
}

/* The state cannot be written (its disk is full): the knock is refused
 * (the capture process says "refused=state-unwritable"), nothing runs,
 * and it goes on until SIGTERM, status 0. */
static void
test_disk_full_refused(void **state)
{
	static const struct live_case lc = { NULL, 0, 0, 0, 0,
	    "refused=state-unwritable", fill_disk_then_knock, 0, 0, 1 };
	(void)state;
	run(&lc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unknown_user),
		cmocka_unit_test(test_addresses_unreadable),
		cmocka_unit_test(test_child_not_started),
		cmocka_unit_test(test_child_not_confined),
		cmocka_unit_test(test_poll_fails),
		cmocka_unit_test(test_addresses_unreadable_later),
		cmocka_unit_test(test_dry_run_capture_lost),
		cmocka_unit_test(test_disk_full_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
