#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <unistd.h>

#include "grantrig.h"
#include "spawn.h"
#include "testfile.h"

static const char *dir;

static const char fw_script[] =
    "#!/bin/sh\n"
    "verb=$1 d=$2; shift 2\n"
    "rule=\"$d/rule-$1-$2-$3\"\n"
    "echo \"$verb $1 $2 $3\" >> \"$d/log\"\n"
    "[ -e \"$d/fail-$verb\" ] && exit 1\n"
    "[ -e \"$d/fail-$verb-$3\" ] && exit 1\n"
    "case $verb in\n"
    "open) : > \"$rule\";;\n"
    "close) rm \"$rule\" 2>/dev/null;;\n"
    "check) test -e \"$rule\";;\n"
    "esac\n";

void
grantrig_setup(const char *d)
{
	dir = d;
	testfile_write(dir, "fw.sh", fw_script, 0755);
}

int
grantrig_dir_setup(void **state)
{
	if (testfile_dir_setup(state) != 0)
		return -1;
	grantrig_setup(testfile_dir);
	return 0;
}

int
grantrig_files_setup(void **state)
{
	if (grantrig_dir_setup(state) != 0)
		return -1;
	grantrig_rules("files", 0);
	return 0;
}

void
grantrig_rules(const char *name, int extra_close)
{
	char text[8192], cmd[512];
	size_t len = 0;

	for (int fam = 4; fam <= 6; fam += 2) {
		len += (size_t)snprintf(text + len, sizeof(text) - len,
		    "[ipv%d]\nopen = %s/fw.sh open %s {addr} {proto} {port}\n"
		    "check = %s/fw.sh check %s {addr} {proto} {port}\n", fam,
		    dir, dir, dir, dir);
		for (int i = 0; i < extra_close; i++) {
			/* 20 words each: the sequence is longer than 64. */
			snprintf(cmd, sizeof(cmd), "close = %s/fw.sh note %s {addr}"
			    " {proto} {port} w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12"
			    " w13 w14 w15\n", dir, dir);
			len += (size_t)snprintf(text + len, sizeof(text) - len,
			    "%s", cmd);
		}
		len += (size_t)snprintf(text + len, sizeof(text) - len,
		    "close = %s/fw.sh close %s {addr} {proto} {port}\n", dir, dir);
	}
	testfile_write(dir, name, text, 0644);
}

int
grantrig_exists(const char *name)
{
	char path[192];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

void
grantrig_touch(const char *name, int on)
{
	char path[192];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (on)
		testfile_write(dir, name, "", 0644);
	else
		unlink(path);
}

void
grantrig_up(struct rig *r, const char *statedir, const char *rules)
{
	char err[512], sub[128];

	snprintf(sub, sizeof(sub), "%s/%s", dir, statedir);
	assert_int_equal(state_open(sub, &r->st, err), 0);
	assert_int_equal(spawner_new(4, &r->sp), 0);
	if (firewall_load(dir, rules, &r->fw, err) != 0)
		fail_msg("%s", err);
	assert_int_equal(grant_engine_new(r->st, r->sp, r->fw, dir, &r->e), 0);
}

void
grantrig_down(struct rig *r)
{
	grant_engine_free(r->e);
	firewall_free(r->fw);
	spawner_free(r->sp);
	state_close(r->st);
}

size_t
grantrig_settle_busy(struct rig *r)
{
	int64_t until = spawn_now_ms() + 10000;

	while (grant_busy(r->e) > 0 && spawn_now_ms() < until) {
		struct pollfd pfd = { spawner_fd(r->sp), POLLIN, 0 };

		(void)poll(&pfd, 1, 10);
		spawner_poll(r->sp, spawn_now_ms());
	}
	return grant_busy(r->e);
}

struct grantrec
grantrig_knock(const char *addr, int64_t expiry)
{
	struct grantrec g = { .proto = IPPROTO_TCP, .port = 22,
	    .expiry = expiry, .user = "alice", .action = "ssh" };

	assert_int_equal(addr_parse(addr, &g.addr), 0);
	return g;
}

static int
phase_of(void *ctx, const struct grantrec *r)
{
	struct phases *p = ctx;

	p->n++;
	p->phase = r->phase;
	p->expiry = r->expiry;
	return 0;
}

struct phases
grantrig_recorded(struct rig *r)
{
	struct phases p = { 0 };

	assert_int_equal(state_grant_each(r->st, phase_of, NULL, &p), 0);
	return p;
}
