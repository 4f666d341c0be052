/*
 * The privileged side (sniffer/warden.h) when its surroundings fail, with
 * a backend whose commands only log a line (fw.sh) and fail on request (a
 * file named after the verb in the directory makes that verb exit 1): a
 * state directory that cannot be opened and a firewall setup that fails
 * each stop the start with their exit status; a grant whose close fails
 * at stop (and that the backend's check still finds) is kept in the state
 * as a failed close, said in a warning, and closed by the next start once
 * the backend works (its expiry brought to the stop); a teardown that
 * fails is said.  Log lines are read
 * from a socket (log_to_socket).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

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
#include "log.h"
#include "spawn.h"
#include "testfile.h"
#include "verify.h"
#include "warden.h"

#define ALICE_KEY "PqWEZ75TM7+WCsf/2VOMNCtRUkVSdO16abhFlF5WIV0="

static char dir[] = "/tmp/spa-wardenf-XXXXXX";
static int logsock[2] = { -1, -1 };

/* fw.sh VERB DIR WORDS...: logs "VERB WORDS..."; exits 1 when DIR/VERB
 * exists; check says "present" (0) when DIR/present exists. */
static const char fw_script[] =
    "#!/bin/sh\n"
    "verb=$1 d=$2; shift 2\n"
    "echo \"$verb $*\" >> \"$d/log\"\n"
    "if [ \"$verb\" = check ]; then [ -e \"$d/present\" ]; exit $?; fi\n"
    "[ -e \"$d/$verb\" ] && exit 1\n"
    "exit 0\n";

static void
fail_verb(const char *verb, int on)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, verb);
	if (on)
		testfile_write(NULL, path, "", 0600);
	else
		unlink(path);
}

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
rig_start(struct rig *r, const char *state)
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
	return warden_start(r->c, r->fw, &r->o, (int64_t)time(NULL), &r->w);
}

static void
rig_free(struct rig *r)
{
	firewall_free(r->fw);
	conf_free(r->c);
}

static void
loop_until(struct rig *r, const char *prefix, int n)
{
	int64_t until = spawn_now_ms() + 10000;

	while (spawn_now_ms() < until && cmd_count(prefix) < n) {
		int64_t now = (int64_t)time(NULL);
		struct pollfd pfd = { warden_fd(r->w), POLLIN, 0 };

		(void)poll(&pfd, 1, warden_timeout_ms(r->w, now, 20));
		warden_tick(r->w, now);
	}
	assert_int_equal(cmd_count(prefix), n);
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

static void
test_start_failures(void **state)
{
	char path[128];
	struct rig r;

	(void)state;
	/* a file where the state directory should be */
	snprintf(path, sizeof(path), "%s/afile", dir);
	testfile_write(NULL, path, "x", 0600);
	assert_int_equal(rig_start(&r, path), EX_CANTCREAT);
	assert_non_null(strstr(our_log(), "not a directory"));
	rig_free(&r);

	/* the backend's setup fails: not started, said so */
	snprintf(path, sizeof(path), "%s/s1", dir);
	fail_verb("setup", 1);
	assert_int_equal(rig_start(&r, path), EX_UNAVAILABLE);
	assert_non_null(strstr(our_log(), "setup failed"));
	fail_verb("setup", 0);
	rig_free(&r);
}

static void
test_unclosable_grant_kept(void **state)
{
	struct privmsg_grant m;
	char path[128];
	const char *text;
	struct rig r;

	(void)state;
	snprintf(path, sizeof(path), "%s/s2", dir);
	assert_int_equal(rig_start(&r, path), 0);
	m = grant_msg(&r, "198.51.100.7");
	assert_int_equal(warden_grant(r.w, &m, (int64_t)time(NULL)),
	    WARDEN_DONE);
	loop_until(&r, "open 198.51.100.7", 1);
	loop_until(&r, "open", 1);
	assert_int_equal(warden_grant_count(r.w), 1);
	(void)our_log();

	/* Its close fails and the rule is still there; teardown fails. */
	fail_verb("close", 1);
	fail_verb("teardown", 1);
	testfile_write(dir, "present", "", 0600);
	warden_stop(r.w);
	text = our_log();
	if (strstr(text, "stopping: 1 grants could not be closed; they stay "
	    "recorded and the next start closes them") == NULL)
		fail_msg("no warning for the grant left: %s", text);
	assert_non_null(strstr(text, "teardown failed"));
	rig_free(&r);

	/* The next start, with a working backend, closes it at once: its
	 * expiry was brought to the stop. */
	fail_verb("close", 0);
	fail_verb("teardown", 0);
	fail_verb("present", 0);
	assert_int_equal(rig_start(&r, path), 0);
	text = our_log();
	if (strstr(text, "closed 198.51.100.7 tcp/22: it expired while the "
	    "sniffer was down") == NULL)
		fail_msg("not closed at start: %s", text);
	assert_int_equal(cmd_count("close 198.51.100.7"), 2);
	assert_int_equal(warden_grant_count(r.w), 0);
	warden_stop(r.w);
	rig_free(&r);
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
		cmocka_unit_test(test_start_failures),
		cmocka_unit_test(test_unclosable_grant_kept),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
