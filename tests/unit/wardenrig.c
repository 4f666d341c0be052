#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <sqlite3.h>

#include "cmdlog.h"
#include "spawn.h"
#include "testfile.h"
#include "wardenrig.h"

static const char fw_script[] =
    "#!/bin/sh\n"
    "verb=$1 d=$2; shift 2\n"
    "echo \"$verb $*\" >> \"$d/log\"\n"
    "[ \"$verb\" = check ] && exit 1\n"
    "exit 0\n";

static const char fw_faults_script[] =
    "#!/bin/sh\n"
    "verb=$1 d=$2; shift 2\n"
    "echo \"$verb $*\" >> \"$d/log\"\n"
    "if [ \"$verb\" = check ]; then [ -e \"$d/present\" ]; exit $?; fi\n"
    "[ -e \"$d/$verb\" ] && exit 1\n"
    "exit 0\n";

void
wardenrig_backend(const char *dir, int flags)
{
	char text[4096];
	size_t len = 0;

	testfile_write(dir, "fw.sh", (flags & WARDENRIG_FAULTS) != 0 ?
	    fw_faults_script : fw_script, 0755);
	for (int fam = 4; fam <= 6; fam += 2) {
		len += (size_t)snprintf(text + len, sizeof(text) - len,
		    "[ipv%d]\n"
		    "setup = %s/fw.sh setup %s {family}\n"
		    "open = %s/fw.sh open %s {addr} {proto} {port}\n"
		    "close = %s/fw.sh close %s {addr} {proto} {port}\n"
		    "check = %s/fw.sh check %s {addr} {proto} {port}\n"
		    "teardown = %s/fw.sh teardown %s {family}\n",
		    fam, dir, dir, dir, dir, dir, dir, dir, dir, dir, dir);
		if ((flags & WARDENRIG_FORWARDS) != 0)
			len += (size_t)snprintf(text + len, sizeof(text) - len,
			    "forward_open = %s/fw.sh fopen %s {addr} {proto} "
			    "{port} {inner_addr} {inner_port}\n"
			    "forward_close = %s/fw.sh fclose %s {addr} {proto} "
			    "{port} {inner_addr} {inner_port}\n",
			    dir, dir, dir, dir);
	}
	assert_true(len < sizeof(text));
	testfile_write(dir, "fake", text, 0644);
}

int
wardenrig_start_alice(struct rig *r, const char *dir, const char *state,
    int64_t now)
{
	char text[1024], err[CONF_ERR_MAX], fwerr[FIREWALL_ERR_MAX];

	memset(r, 0, sizeof(*r));
	snprintf(r->state, sizeof(r->state), "%s", state);
	snprintf(text, sizeof(text),
	    "[sniffer]\nwindow = 60\nstate = %s\nfirewall = fake\n"
	    "[user alice]\nkey = " WARDENRIG_ALICE_KEY "\nallow = ssh\n"
	    "[action ssh]\nopen = tcp/22\ntimeout = 30\n", r->state);
	if (conf_load_string("test.conf", text, &r->c, err) != 0)
		fail_msg("%s", err);
	if (firewall_load(dir, "fake", &r->fw, fwerr) != 0)
		fail_msg("%s", fwerr);
	r->o.rules_dir = dir;
	return warden_start(r->c, r->fw, &r->o, now, &r->w);
}

void
wardenrig_free(struct rig *r)
{
	firewall_free(r->fw);
	conf_free(r->c);
}

void
rig_down(struct rig *r)
{
	warden_stop(r->w);
	wardenrig_free(r);
}

uint32_t
wardenrig_user_index(const struct conf *c, const char *name)
{
	for (size_t i = 0; i < c->nusers; i++)
		if (strcmp(c->users[i].name, name) == 0)
			return (uint32_t)i;
	fail_msg("no user %s", name);
	return 0;
}

uint32_t
wardenrig_action_index(const struct conf *c, const char *name)
{
	const struct conf_action *a = conf_find_action(c, name);

	assert_non_null(a);
	return (uint32_t)(a - c->actions);
}

struct privmsg_grant
wardenrig_msg(const struct rig *r, const char *user, const char *action,
    const char *addr, int64_t tag_expiry)
{
	struct privmsg_grant m, out;
	struct spa_addr a;

	memset(&m, 0, sizeof(m));
	m.type = PRIVMSG_GRANT;
	m.user = wardenrig_user_index(r->c, user);
	m.action = wardenrig_action_index(r->c, action);
	assert_int_equal(addr_parse(addr, &a), 0);
	m.family = a.family;
	memcpy(m.addr, a.bytes, sizeof(m.addr));
	assert_int_equal(getrandom(m.tag, sizeof(m.tag), 0),
	    (ssize_t)sizeof(m.tag));
	m.tag[0] |= 1;                  /* never all zero */
	m.tag_expiry = tag_expiry;
	assert_int_equal(privmsg_grant_decode(&m, sizeof(m), &out), 0);
	return out;
}

int
run_loop_at(struct rig *r, const char *prefix, int n, int ms, int64_t at)
{
	const char *dir = r->o.rules_dir;
	int64_t until = spawn_now_ms() + ms;

	while (spawn_now_ms() < until) {
		int64_t now = at != 0 ? at : (int64_t)time(NULL);
		struct pollfd pfd = { warden_fd(r->w), POLLIN, 0 };

		if (prefix != NULL && cmdlog_count(dir, prefix) >= n)
			break;
		(void)poll(&pfd, 1, warden_timeout_ms(r->w, now, 20));
		warden_tick(r->w, now);
	}
	return prefix != NULL ? cmdlog_count(dir, prefix) : 0;
}

/* The first column of the first row sql gives on r's state database (tag
 * bound to its parameter when not NULL), or none when no row. */
static int64_t
state_int(const struct rig *r, const char *sql, const uint8_t *tag,
    int64_t none)
{
	char db[192];
	sqlite3 *h;
	sqlite3_stmt *st;
	int64_t v = none;

	snprintf(db, sizeof(db), "%s/state.db", r->state);
	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
	if (tag != NULL)
		assert_int_equal(sqlite3_bind_blob(st, 1, tag, SPA_MAC_LEN,
		    SQLITE_STATIC), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return v;
}

int64_t
recorded_expiry(const struct rig *r, const uint8_t tag[SPA_MAC_LEN])
{
	return state_int(r, "SELECT expiry FROM replay WHERE tag = ?", tag, -1);
}

int
recorded_grants(const struct rig *r)
{
	return (int)state_int(r, "SELECT count(*) FROM grant_rows", NULL, -1);
}

int
recorded_phase(const struct rig *r)
{
	return (int)state_int(r, "SELECT phase FROM grant_rows", NULL, -1);
}

static int
wardenrig_setup_with(void **state, int flags)
{
	if (testfile_dir_setup(state) != 0)
		return -1;
	wardenrig_backend(testfile_dir, flags);
	return 0;
}

int
wardenrig_setup(void **state)
{
	return wardenrig_setup_with(state, 0);
}

int
wardenrig_setup_forwards(void **state)
{
	return wardenrig_setup_with(state, WARDENRIG_FORWARDS);
}

int
wardenrig_fresh_log(void **state)
{
	(void)state;
	return cmdlog_fresh(testfile_dir);
}
