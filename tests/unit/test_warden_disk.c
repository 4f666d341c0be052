/*
 * The privileged side (sniffer/warden.h) on a full disk: its state in a
 * 256 KiB tmpfs in a child's mount namespace (as root; never the host's
 * disk), with a backend whose commands only log a line.  Three grants
 * open; the disk fills; a knock the state cannot record is refused and
 * opens nothing; every grant that opened is still closed at its expiry
 * although the state cannot record it (said in a warning); once there is
 * room, a restart opens nothing and keeps nothing open.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "firewall.h"
#include "log.h"
#include "spawn.h"
#include "testfile.h"
#include "verify.h"
#include "warden.h"

#define ALICE_KEY "PqWEZ75TM7+WCsf/2VOMNCtRUkVSdO16abhFlF5WIV0="

static char dir[] = "/tmp/spa-wardend-XXXXXX";
static int logsock[2] = { -1, -1 };

/* fw.sh VERB DIR WORDS...: logs "VERB WORDS..."; check says "absent". */
static const char fw_script[] =
    "#!/bin/sh\n"
    "verb=$1 d=$2; shift 2\n"
    "echo \"$verb $*\" >> \"$d/log\"\n"
    "if [ \"$verb\" = check ]; then [ -e \"$d/present\" ]; exit $?; fi\n"
    "[ -e \"$d/$verb\" ] && exit 1\n"
    "exit 0\n";

static int
cmd_count(const char *prefix)
{
	char path[128], line[256];
	int n = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/log", dir);
	if ((fp = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), fp) != NULL)
		n += strncmp(line, prefix, strlen(prefix)) == 0;
	fclose(fp);
	return n;
}

/* Our own log lines since the last call. */
static const char *
our_log(void)
{
	static char text[16384];
	char buf[LOG_LINE_MAX + 1];
	size_t at = 0;
	ssize_t n;

	text[0] = '\0';
	while ((n = recv(logsock[1], buf, sizeof(buf) - 1, MSG_DONTWAIT)) > 0 &&
	    at < sizeof(text)) {
		buf[n] = '\0';
		at += (size_t)snprintf(text + at, sizeof(text) - at, "%s\n",
		    buf + 1);
	}
	return text;
}

struct rig {
	struct conf *c;
	struct firewall *fw;
	struct warden_options o;
	struct warden *w;
	char state[128];
};

static int
rig_start(struct rig *r, const char *state, int64_t now)
{
	char text[1024], err[CONF_ERR_MAX], fwerr[FIREWALL_ERR_MAX];

	memset(r, 0, sizeof(*r));
	snprintf(r->state, sizeof(r->state), "%s", state);
	snprintf(text, sizeof(text),
	    "[sniffer]\nwindow = 60\nstate = %s\nfirewall = fake\n"
	    "[user alice]\nkey = " ALICE_KEY "\nallow = ssh\n"
	    "[action ssh]\nopen = tcp/22\ntimeout = 30\n", r->state);
	if (conf_load_string("test.conf", text, &r->c, err) != 0)
		fail_msg("%s", err);
	if (firewall_load(dir, "fake", &r->fw, fwerr) != 0)
		fail_msg("%s", fwerr);
	r->o.rules_dir = dir;
	return warden_start(r->c, r->fw, &r->o, now, &r->w);
}

static void
rig_free(struct rig *r)
{
	firewall_free(r->fw);
	conf_free(r->c);
}

static struct privmsg_grant
grant_msg(const struct rig *r, const char *addr)
{
	struct privmsg_grant m, out;
	struct spa_addr a;

	memset(&m, 0, sizeof(m));
	m.type = PRIVMSG_GRANT;
	m.user = 0;
	m.action = (uint32_t)(conf_find_action(r->c, "ssh") - r->c->actions);
	assert_int_equal(addr_parse(addr, &a), 0);
	m.family = a.family;
	memcpy(m.addr, a.bytes, sizeof(m.addr));
	assert_int_equal(getrandom(m.tag, sizeof(m.tag), 0),
	    (ssize_t)sizeof(m.tag));
	m.tag[0] |= 1;
	m.tag_expiry = (int64_t)time(NULL) + VERIFY_NATIVE_REPLAY_EXTRA + 30;
	assert_int_equal(privmsg_grant_decode(&m, sizeof(m), &out), 0);
	return out;
}

#define CHECK(cond, code) do { if (!(cond)) { \
	printf("line %d: %s\n", __LINE__, #cond); fflush(stdout); \
	_exit(code); } } while (0)

/* Runs the loop at time at for ms milliseconds. */
static void
spin(struct rig *r, int64_t at, int ms)
{
	int64_t until = spawn_now_ms() + ms;

	while (spawn_now_ms() < until) {
		struct pollfd pfd = { warden_fd(r->w), POLLIN, 0 };

		(void)poll(&pfd, 1, warden_timeout_ms(r->w, at, 20));
		warden_tick(r->w, at);
	}
}

static void
full_disk_child(const char *state)
{
	char filler[160], addr[32];
	struct privmsg_grant m;
	int64_t now = (int64_t)time(NULL);
	int accepted = 0, refused = 0;
	const char *text;
	struct rig r;

	if (unshare(CLONE_NEWNS) != 0 ||
	    mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0 ||
	    mount("tmpfs", state, "tmpfs", 0, "size=256k,mode=0700") != 0)
		_exit(77);
	CHECK(rig_start(&r, state, now) == 0, 10);
	/* Three grants while there is room. */
	for (int i = 1; i <= 3; i++) {
		snprintf(addr, sizeof(addr), "198.51.100.%d", i);
		m = grant_msg(&r, addr);
		CHECK(warden_grant(r.w, &m, now) == WARDEN_DONE, 11);
		accepted++;
	}
	spin(&r, now, 1500);
	CHECK(cmd_count("open ") == 3, 12);
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
		m = grant_msg(&r, addr);
		if (warden_grant(r.w, &m, now) == WARDEN_DONE)
			accepted++;
		else
			refused++;
	}
	CHECK(refused == 1, 14);
	spin(&r, now, 1500);
	CHECK(cmd_count("open ") == accepted, 15);
	(void)our_log();
	/* Past their expiry: every open grant is closed although the state
	 * cannot say so. */
	spin(&r, now + 3600, 3000);
	CHECK(cmd_count("close ") >= accepted, 16);
	CHECK(warden_grant_count(r.w) == 0, 17);
	text = our_log();
	CHECK(strstr(text, "state: cannot") != NULL, 18);
	warden_stop(r.w);
	rig_free(&r);
	/* Room again: a restart (at the same hour) opens nothing, and keeps
	 * nothing open: what the state still holds has expired. */
	CHECK(unlink(filler) == 0, 19);
	{
		int opened = cmd_count("open ");

		CHECK(rig_start(&r, state, now + 3600) == 0, 20);
		spin(&r, now + 3600, 1500);
		CHECK(warden_grant_count(r.w) == 0, 21);
		CHECK(cmd_count("open ") == opened, 22);
		warden_stop(r.w);
		rig_free(&r);
	}
	_exit(0);
}

static void
test_full_disk_closes(void **state)
{
	char path[128];
	int status;
	pid_t pid;

	(void)state;
	if (geteuid() != 0) {
		print_message("needs root (a small tmpfs in a mount namespace)\n");
		skip();
	}
	snprintf(path, sizeof(path), "%s/state", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		full_disk_child(path);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77) {
		print_message("no mount namespace here\n");
		skip();
	}
	assert_int_equal(WEXITSTATUS(status), 0);
}

static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	testfile_write(dir, "fw.sh", fw_script, 0755);
	{
		char text[4096];
		size_t len = 0;

		for (int fam = 4; fam <= 6; fam += 2)
			len += (size_t)snprintf(text + len, sizeof(text) - len,
			    "[ipv%d]\n"
			    "setup = %s/fw.sh setup %s {family}\n"
			    "open = %s/fw.sh open %s {addr} {proto} {port}\n"
			    "close = %s/fw.sh close %s {addr} {proto} {port}\n"
			    "check = %s/fw.sh check %s {addr} {proto} {port}\n"
			    "teardown = %s/fw.sh teardown %s {family}\n",
			    fam, dir, dir, dir, dir, dir, dir, dir, dir, dir,
			    dir);
		testfile_write(dir, "fake", text, 0644);
	}
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, logsock) != 0)
		return -1;
	log_init("spa-test", 1, 0);
	log_to_socket(logsock[0]);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	log_to_socket(-1);
	close(logsock[0]);
	close(logsock[1]);
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
