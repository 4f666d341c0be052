/*
 * The grant engine against a real spawner and a backend whose "rules" are
 * files (tests write its rules file and script): a grant's every phase, a
 * failed close that stays until it works, restart recovery after the
 * process died at any point, a close sequence of any length, and a state
 * that cannot be written (nothing opens).
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
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "testfile.h"
#include "err.h"
#include "grant.h"
#include "log.h"

static char dir[] = "/tmp/spa-grant-XXXXXX";

/* The backend: fw.sh VERB DIR ADDR PROTO PORT [WORDS...] logs the call,
 * fails when DIR/fail-VERB or DIR/fail-VERB-PORT exists, and keeps a rule
 * as a file. */
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

static void
write_file(const char *name, const char *text, mode_t mode)
{
	testfile_write(dir, name, text, mode);
}

/* A rules file "name" for the fw.sh backend; extra_close words are
 * appended as more close commands before the real one. */
static void
write_rules(const char *name, int extra_close)
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
	write_file(name, text, 0644);
}

static int
exists(const char *name)
{
	char path[192];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

static void
touch(const char *name, int on)
{
	char path[192];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (on)
		write_file(name, "", 0644);
	else
		unlink(path);
}

/* How many lines of the command log start with prefix. */
static int
log_count(const char *prefix)
{
	char path[192], line[256];
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

struct rig {
	struct state *st;
	struct spawner *sp;
	struct firewall *fw;
	struct grant_engine *e;
};

static void
rig_up(struct rig *r, const char *statedir, const char *rules)
{
	char err[512], sub[128];

	snprintf(sub, sizeof(sub), "%s/%s", dir, statedir);
	assert_int_equal(state_open(sub, &r->st, err), 0);
	assert_int_equal(spawner_new(4, &r->sp), 0);
	if (firewall_load(dir, rules, &r->fw, err) != 0)
		fail_msg("%s", err);
	assert_int_equal(grant_engine_new(r->st, r->sp, r->fw, dir, &r->e), 0);
}

/* As a kill -9 would leave it: nothing closed, the state as it is. */
static void
rig_down(struct rig *r)
{
	grant_engine_free(r->e);
	firewall_free(r->fw);
	spawner_free(r->sp);
	state_close(r->st);
}

/* Runs the spawner until no grant's commands run (at most 10 s). */
#define settle(r) assert_int_equal(settle_busy(r), 0)
static size_t
settle_busy(struct rig *r)
{
	int64_t until = spawn_now_ms() + 10000;

	while (grant_busy(r->e) > 0 && spawn_now_ms() < until) {
		struct pollfd pfd = { spawner_fd(r->sp), POLLIN, 0 };

		(void)poll(&pfd, 1, 10);
		spawner_poll(r->sp, spawn_now_ms());
	}
	return grant_busy(r->e);
}

static struct grantrec
knock(const char *addr, int64_t expiry)
{
	struct grantrec g = { .proto = IPPROTO_TCP, .port = 22,
	    .expiry = expiry, .user = "alice", .action = "ssh" };

	assert_int_equal(addr_parse(addr, &g.addr), 0);
	return g;
}

struct phases {
	int n;
	enum grant_phase phase;
	int64_t expiry;
};

static int
phase_of(void *ctx, const struct grantrec *r)
{
	struct phases *p = ctx;

	p->n++;
	p->phase = r->phase;
	p->expiry = r->expiry;
	return 0;
}

/* What the state says: how many rows, and the last one's phase. */
static struct phases
recorded(struct rig *r)
{
	struct phases p = { 0 };

	assert_int_equal(state_grant_each(r->st, phase_of, NULL, &p), 0);
	return p;
}

static void
test_grant_life(void **state)
{
	struct rig r;
	int64_t now = (int64_t)time(NULL);
	struct grantrec g = knock("198.51.100.7", now + 30);
	(void)state;

	write_rules("files", 0);
	rig_up(&r, "life", "files");
	assert_int_equal(grant_grant(r.e, &g, now), 0);
	assert_int_equal(recorded(&r).phase, GRANT_OPENING);   /* before */
	settle(&r);
	assert_true(exists("rule-198.51.100.7-tcp-22"));
	assert_int_equal(recorded(&r).phase, GRANT_OPEN);
	assert_int_equal(grant_next_ms(r.e, now), 30000);
	/* Extended: closed, then opened again, with the new expiry. */
	g.expiry = now + 60;
	assert_int_equal(grant_grant(r.e, &g, now + 1), 0);
	settle(&r);
	assert_int_equal(log_count("close"), 1);
	assert_int_equal(log_count("open"), 2);
	assert_true(exists("rule-198.51.100.7-tcp-22"));
	assert_int_equal(recorded(&r).expiry, now + 60);
	/* Not due yet; then due. */
	grant_expire(r.e, now + 59);
	assert_int_equal(grant_busy(r.e), 0);
	grant_expire(r.e, now + 60);
	assert_int_equal(grant_busy(r.e), 1);
	assert_int_equal(recorded(&r).phase, GRANT_CLOSING);
	settle(&r);
	assert_false(exists("rule-198.51.100.7-tcp-22"));
	assert_int_equal(recorded(&r).n, 0);
	assert_int_equal(grant_count(r.e), 0);
	assert_int_equal(grant_next_ms(r.e, now), -1);
	rig_down(&r);
}

/* The key of a grant includes the family (grantrec_same, and the state's
 * primary key): 198.51.100.7 (family 4, kept as ::ffff:198.51.100.7) and
 * the same 16 bytes as family 6 are not one grant.  Family 6 with a mapped
 * address is no grant at all (doc/protocol.md native step 5 refuses it):
 * asking for it opens nothing, and neither extends nor closes the
 * family-4 grant. */
static void
test_grant_family_in_key(void **state)
{
	struct rig r;
	int64_t now = (int64_t)time(NULL);
	struct grantrec v4 = knock("198.51.100.7", now + 30);
	struct grantrec v6 = knock("::ffff:198.51.100.7", now + 60);
	(void)state;

	assert_memory_equal(v4.addr.bytes, v6.addr.bytes, SPA_ADDR_LEN);
	assert_int_equal(v6.addr.family, 6);
	assert_false(grantrec_same(&v4, &v6));
	assert_true(grantrec_same(&v4, &v4));
	write_rules("files", 0);
	rig_up(&r, "family", "files");
	assert_int_equal(grant_grant(r.e, &v4, now), 0);
	settle(&r);
	assert_int_equal(grant_grant(r.e, &v6, now), SPA_ERR_STATE);
	settle(&r);
	assert_int_equal(grant_count(r.e), 1);
	assert_int_equal(recorded(&r).n, 1);
	assert_int_equal(recorded(&r).expiry, now + 30);
	assert_int_equal(log_count("open"), 1);
	assert_int_equal(log_count("close"), 0);
	assert_true(exists("rule-198.51.100.7-tcp-22"));
	rig_down(&r);
	touch("rule-198.51.100.7-tcp-22", 0);
}

/* A knock while its grant closes: open again after the close, never
 * alongside it. */
static void
test_grant_knock_while_closing(void **state)
{
	struct rig r;
	int64_t now = (int64_t)time(NULL);
	struct grantrec g = knock("2001:db8::7", now + 5);
	(void)state;

	write_rules("files", 0);
	rig_up(&r, "reopen", "files");
	assert_int_equal(grant_grant(r.e, &g, now), 0);
	settle(&r);
	grant_expire(r.e, now + 5);
	g.expiry = now + 50;
	assert_int_equal(grant_grant(r.e, &g, now + 5), 0);
	assert_int_equal(recorded(&r).phase, GRANT_REOPENING);
	settle(&r);
	assert_true(exists("rule-2001:db8::7-tcp-22"));
	assert_int_equal(recorded(&r).phase, GRANT_OPEN);
	assert_int_equal(recorded(&r).expiry, now + 50);
	rig_down(&r);
}

/* A close that fails stays recorded and is retried until it works. */
static void
test_grant_close_fails(void **state)
{
	struct rig r;
	int64_t now = (int64_t)time(NULL);
	struct grantrec g = knock("198.51.100.8", now + 1);
	(void)state;

	write_rules("files", 0);
	rig_up(&r, "closefail", "files");
	assert_int_equal(grant_grant(r.e, &g, now), 0);
	settle(&r);
	touch("fail-close", 1);
	grant_expire(r.e, now + 1);
	settle(&r);
	assert_true(exists("rule-198.51.100.8-tcp-22"));
	assert_int_equal(recorded(&r).n, 1);
	assert_int_equal(recorded(&r).phase, GRANT_CLOSE_FAILED);
	assert_int_equal(grant_count(r.e), 1);
	/* A retry is scheduled (perhaps due already on a slow machine). */
	assert_true(grant_next_ms(r.e, (int64_t)time(NULL)) >= 0);
	/* The retry that is due fails again, and waits longer. */
	grant_expire(r.e, now + 1000);
	settle(&r);
	assert_int_equal(log_count("close"), 2);
	assert_int_equal(recorded(&r).phase, GRANT_CLOSE_FAILED);
	touch("fail-close", 0);
	grant_expire(r.e, now + 2000);
	settle(&r);
	assert_false(exists("rule-198.51.100.8-tcp-22"));
	assert_int_equal(recorded(&r).n, 0);
	assert_int_equal(grant_count(r.e), 0);
	rig_down(&r);
}

/* A rule someone else removed: the close fails, the check says it is
 * gone, so the grant is closed rather than retried for ever. */
static void
test_grant_rule_already_gone(void **state)
{
	struct rig r;
	int64_t now = (int64_t)time(NULL);
	struct grantrec g = knock("198.51.100.9", now + 1);
	(void)state;

	write_rules("files", 0);
	rig_up(&r, "gone", "files");
	assert_int_equal(grant_grant(r.e, &g, now), 0);
	settle(&r);
	touch("rule-198.51.100.9-tcp-22", 0);
	grant_expire(r.e, now + 1);
	settle(&r);
	assert_int_equal(recorded(&r).n, 0);
	assert_int_equal(grant_count(r.e), 0);
	rig_down(&r);
}

/* An open that fails: what it opened is closed and nothing is granted. */
static void
test_grant_open_fails(void **state)
{
	struct rig r;
	int64_t now = (int64_t)time(NULL);
	struct grantrec g = knock("198.51.100.10", now + 30);
	(void)state;

	write_rules("files", 0);
	rig_up(&r, "openfail", "files");
	touch("fail-open", 1);
	assert_int_equal(grant_grant(r.e, &g, now), 0);
	settle(&r);
	touch("fail-open", 0);
	assert_int_equal(recorded(&r).n, 0);
	assert_int_equal(grant_count(r.e), 0);
	assert_int_equal(log_count("close"), 1);        /* the undo */
	rig_down(&r);
}

/* The process dies (no close ran) with one grant in its time, one
 * expired and one whose close had failed; a new one recovers: closes
 * all three with commands built from the rules file (a sequence of more
 * than 64 words), re-opens the one in its time with its expiry, and
 * retries the failed one. */
static void
test_grant_recover(void **state)
{
	struct rig r;
	int64_t now = (int64_t)time(NULL);
	struct grantrec live = knock("198.51.100.20", now + 100);
	struct grantrec old = knock("198.51.100.21", now + 2);
	struct grantrec stuck = knock("198.51.100.22", now + 1);
	(void)state;

	write_rules("long", 4);
	rig_up(&r, "recover", "long");
	assert_int_equal(grant_grant(r.e, &live, now), 0);
	assert_int_equal(grant_grant(r.e, &old, now), 0);
	assert_int_equal(grant_grant(r.e, &stuck, now), 0);
	settle(&r);
	touch("fail-close", 1);
	grant_expire(r.e, now + 1);
	settle(&r);
	touch("fail-close", 0);
	rig_down(&r);           /* killed */
	touch("log", 0);

	rig_up(&r, "recover", "long");
	assert_int_equal(grant_recover(r.e, now + 10), 0);
	assert_int_equal(log_count("note"), 3 * 4);
	assert_int_equal(log_count("close"), 3);
	assert_false(exists("rule-198.51.100.20-tcp-22"));
	assert_false(exists("rule-198.51.100.21-tcp-22"));
	assert_false(exists("rule-198.51.100.22-tcp-22"));
	assert_int_equal(grant_count(r.e), 1);
	grant_resume(r.e, now + 10);
	settle(&r);
	assert_true(exists("rule-198.51.100.20-tcp-22"));
	assert_int_equal(recorded(&r).n, 1);
	assert_int_equal(recorded(&r).expiry, now + 100);
	assert_int_equal(recorded(&r).phase, GRANT_OPEN);
	rig_down(&r);
}

/* Killed while the open commands ran (row "opening", rule there or not):
 * the recovery close may fail without consequence; the grant re-opens. */
static void
test_grant_recover_opening(void **state)
{
	struct rig r;
	int64_t now = (int64_t)time(NULL);
	struct grantrec g = knock("198.51.100.30", now + 100);
	(void)state;

	write_rules("files", 0);
	rig_up(&r, "opening", "files");
	g.phase = GRANT_OPENING;
	snprintf(g.backend, sizeof(g.backend), "files");
	assert_int_equal(state_grant_put(r.st, &g), 0);        /* no rule */
	rig_down(&r);
	rig_up(&r, "opening", "files");
	assert_int_equal(grant_recover(r.e, now), 0);
	grant_resume(r.e, now);
	settle(&r);
	assert_true(exists("rule-198.51.100.30-tcp-22"));
	assert_int_equal(recorded(&r).phase, GRANT_OPEN);
	rig_down(&r);
}

/* Shutdown closes everything; a close that fails stays for next time. */
static void
test_grant_close_all(void **state)
{
	struct rig r;
	int64_t now = (int64_t)time(NULL);
	struct grantrec a = knock("198.51.100.40", now + 100);
	struct grantrec b = knock("2001:db8::40", now + 100);
	(void)state;

	write_rules("files", 0);
	rig_up(&r, "closeall", "files");
	assert_int_equal(grant_grant(r.e, &a, now), 0);
	assert_int_equal(grant_grant(r.e, &b, now), 0);
	settle(&r);
	assert_int_equal(grant_close_all(r.e, spawn_now_ms() + 1000), 0);
	assert_false(exists("rule-198.51.100.40-tcp-22"));
	assert_false(exists("rule-2001:db8::40-tcp-22"));
	assert_int_equal(recorded(&r).n, 0);
	assert_int_equal(grant_grant(r.e, &a, now), 0);
	settle(&r);
	touch("fail-close", 1);
	assert_int_equal(grant_close_all(r.e, spawn_now_ms() + 1000), 1);
	touch("fail-close", 0);
	assert_int_equal(recorded(&r).phase, GRANT_CLOSE_FAILED);
	rig_down(&r);
}

/* g with tcp/443 and udp/51820 after its tcp/22. */
static struct grantrec
three_pairs(struct grantrec g)
{
	g.more[0] = (struct grant_port){ IPPROTO_TCP, 443 };
	g.more[1] = (struct grant_port){ IPPROTO_UDP, 51820 };
	g.nmore = 2;
	return g;
}

/* One grant of three pairs: each pair's open and close run, one expiry;
 * an open that fails at the second pair closes the first and never opens
 * the third; a close that fails for one pair is retried for it alone. */
static void
test_grant_pairs(void **state)
{
	struct rig r;
	int64_t now = (int64_t)time(NULL);
	struct grantrec g = three_pairs(knock("198.51.100.60", now + 30));
	(void)state;

	write_rules("files", 0);
	rig_up(&r, "pairs", "files");
	assert_int_equal(grant_grant(r.e, &g, now), 0);
	settle(&r);
	assert_true(exists("rule-198.51.100.60-tcp-22"));
	assert_true(exists("rule-198.51.100.60-tcp-443"));
	assert_true(exists("rule-198.51.100.60-udp-51820"));
	assert_int_equal(recorded(&r).phase, GRANT_OPEN);
	assert_int_equal(recorded(&r).n, 1);
	assert_int_equal(grant_count(r.e), 1);
	/* The close of tcp/443 fails: the other two close, it stays. */
	touch("fail-close-443", 1);
	grant_expire(r.e, now + 30);
	settle(&r);
	assert_false(exists("rule-198.51.100.60-tcp-22"));
	assert_true(exists("rule-198.51.100.60-tcp-443"));
	assert_false(exists("rule-198.51.100.60-udp-51820"));
	assert_int_equal(recorded(&r).phase, GRANT_CLOSE_FAILED);
	assert_int_equal(log_count("close"), 3);
	touch("fail-close-443", 0);
	grant_expire(r.e, now + 1000);
	settle(&r);
	assert_false(exists("rule-198.51.100.60-tcp-443"));
	assert_int_equal(log_count("close"), 4);        /* tcp/443 alone */
	assert_int_equal(recorded(&r).n, 0);
	assert_int_equal(grant_count(r.e), 0);

	/* The open of tcp/443 fails: tcp/22 is closed again, udp/51820
	 * never opened; nothing is granted. */
	touch("log", 0);
	touch("fail-open-443", 1);
	assert_int_equal(grant_grant(r.e, &g, now), 0);
	settle(&r);
	touch("fail-open-443", 0);
	assert_int_equal(log_count("open"), 2);
	assert_int_equal(log_count("open 198.51.100.60 udp"), 0);
	assert_false(exists("rule-198.51.100.60-tcp-22"));
	assert_false(exists("rule-198.51.100.60-tcp-443"));
	assert_int_equal(recorded(&r).n, 0);
	assert_int_equal(grant_count(r.e), 0);

	/* Killed with it open: the next start closes every pair, and
	 * re-opens every pair in its time. */
	assert_int_equal(grant_grant(r.e, &g, now), 0);
	settle(&r);
	rig_down(&r);
	touch("log", 0);
	rig_up(&r, "pairs", "files");
	assert_int_equal(grant_recover(r.e, now + 1), 0);
	assert_int_equal(log_count("close"), 3);
	assert_false(exists("rule-198.51.100.60-udp-51820"));
	grant_resume(r.e, now + 1);
	settle(&r);
	assert_true(exists("rule-198.51.100.60-tcp-22"));
	assert_true(exists("rule-198.51.100.60-tcp-443"));
	assert_true(exists("rule-198.51.100.60-udp-51820"));
	assert_int_equal(grant_close_all(r.e, spawn_now_ms() + 1000), 0);
	assert_false(exists("rule-198.51.100.60-tcp-443"));
	assert_int_equal(recorded(&r).n, 0);
	rig_down(&r);
}

/* A grant of tcp/22 alone and one of tcp/22 tcp/443 for the same address
 * are two grants (grantrec_same, and the state's key). */
static void
test_grant_pairs_key(void **state)
{
	int64_t now = (int64_t)time(NULL);
	struct grantrec one = knock("198.51.100.61", now + 30);
	struct grantrec three = three_pairs(one);
	struct grantrec other = three;
	(void)state;

	other.more[1].port = 51821;
	assert_false(grantrec_same(&one, &three));
	assert_false(grantrec_same(&three, &other));
	assert_true(grantrec_same(&three, &three));
	assert_int_equal(grantrec_npairs(&three), 3);
	assert_int_equal(grantrec_pair(&three, 2).port, 51820);
	assert_int_equal(grantrec_pair(&three, 0).port, 22);
}

/* A forward grant runs the backend's forward_open and forward_close,
 * with the inner host, never its open, close or check. */
static void
test_grant_forward(void **state)
{
	char text[1024];
	struct rig r;
	int64_t now = (int64_t)time(NULL);
	struct grantrec g = knock("198.51.100.70", now + 5);
	(void)state;

	snprintf(text, sizeof(text), "[ipv4]\nopen = /bin/false\n"
	    "close = /bin/false\ncheck = /bin/false\n"
	    "forward_open = %s/fw.sh open %s {addr} to-{inner_addr} {inner_port}\n"
	    "forward_close = %s/fw.sh close %s {addr} to-{inner_addr} {inner_port}\n"
	    "[ipv6]\nopen = /bin/false\nclose = /bin/false\n", dir, dir, dir,
	    dir);
	write_file("fwd", text, 0644);
	rig_up(&r, "forward", "fwd");
	assert_int_equal(addr_parse("192.0.2.10", &g.inner), 0);
	g.inner_port = 22;
	assert_int_equal(grant_grant(r.e, &g, now), 0);
	settle(&r);
	assert_true(exists("rule-198.51.100.70-to-192.0.2.10-22"));
	assert_int_equal(recorded(&r).phase, GRANT_OPEN);
	grant_expire(r.e, now + 5);
	settle(&r);
	assert_false(exists("rule-198.51.100.70-to-192.0.2.10-22"));
	assert_int_equal(recorded(&r).n, 0);
	assert_int_equal(log_count("open"), 1);
	assert_int_equal(log_count("close"), 1);
	rig_down(&r);
}

/* The state cannot record the grant: nothing opens (fail closed). */
static void
test_grant_state_unwritable(void **state)
{
	char db[128];
	struct rig r;
	sqlite3 *other;
	int64_t now = (int64_t)time(NULL);
	struct grantrec g = knock("198.51.100.50", now + 100);
	(void)state;

	write_rules("files", 0);
	rig_up(&r, "locked", "files");
	state_set_busy_ms(r.st, 20);
	snprintf(db, sizeof(db), "%s/locked/state.db", dir);
	assert_int_equal(sqlite3_open(db, &other), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "BEGIN EXCLUSIVE", NULL, NULL,
	    NULL), SQLITE_OK);
	assert_int_equal(grant_grant(r.e, &g, now), SPA_ERR_STATE);
	settle(&r);
	assert_false(exists("rule-198.51.100.50-tcp-22"));
	assert_int_equal(grant_count(r.e), 0);
	sqlite3_close(other);
	rig_down(&r);
}

static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	write_file("fw.sh", fw_script, 0755);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	return testfile_remove_tree(dir);
}

static int
fresh_log(void **state)
{
	(void)state;
	touch("log", 0);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_grant_life, fresh_log),
		cmocka_unit_test_setup(test_grant_family_in_key, fresh_log),
		cmocka_unit_test_setup(test_grant_knock_while_closing, fresh_log),
		cmocka_unit_test_setup(test_grant_close_fails, fresh_log),
		cmocka_unit_test_setup(test_grant_rule_already_gone, fresh_log),
		cmocka_unit_test_setup(test_grant_open_fails, fresh_log),
		cmocka_unit_test_setup(test_grant_recover, fresh_log),
		cmocka_unit_test_setup(test_grant_recover_opening, fresh_log),
		cmocka_unit_test_setup(test_grant_close_all, fresh_log),
		cmocka_unit_test_setup(test_grant_state_unwritable, fresh_log),
		cmocka_unit_test_setup(test_grant_pairs, fresh_log),
		cmocka_unit_test_setup(test_grant_pairs_key, fresh_log),
		cmocka_unit_test_setup(test_grant_forward, fresh_log),
	};

	log_init("test_grant", 1, 0);
	return cmocka_run_group_tests(tests, setup, teardown);
}
