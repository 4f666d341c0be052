/*
 * In-process nft commands (nftexec) and what they need around them: rules
 * files whose program is "libnftables" (firewall_load), commands that end
 * through the spawner like exec'd ones (spawner_submit_ended, cmdseq), and
 * rules/nft-set against a real kernel.
 *
 * The kernel tests run as root only, in a network namespace of their own
 * that this process enters first (unshare), so the host's firewall is
 * never touched; they are skipped otherwise.  The context nftexec keeps is
 * made after that, so its netlink socket belongs to the new namespace.
 */
#define _GNU_SOURCE     /* unshare */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmdseq.h"
#include "err.h"
#include "firewall.h"
#include "log.h"
#include "nftexec.h"
#include "spawn.h"
#include "template.h"
#include "testfile.h"

static int own_netns;   /* set up: we are root in a namespace of our own */

static const struct template_values grant4 = {
	.addr = "198.51.100.7", .proto = "tcp", .port = "22", .timeout = "5",
	.user = "alice", .request = "ssh", .family = "4",
};
static const struct template_values grant6 = {
	.addr = "2001:db8::7", .proto = "tcp", .port = "22", .timeout = "5",
	.user = "alice", .request = "ssh", .family = "6",
};
/* The same grant as grant4, opened again for longer. */
static const struct template_values grant4_longer = {
	.addr = "198.51.100.7", .proto = "tcp", .port = "22", .timeout = "100",
	.user = "alice", .request = "ssh", .family = "4",
};
static const struct template_values *ipv4_grant = &grant4;

static int
group_setup(void **state)
{
	struct stat before, after;
	(void)state;

	/* Proven by the namespace changing under us (PID 1's may be hidden
	 * from us in a container). */
	if (geteuid() == 0 && stat("/proc/self/ns/net", &before) == 0 &&
	    unshare(CLONE_NEWNET) == 0 &&
	    stat("/proc/self/ns/net", &after) == 0 &&
	    (before.st_dev != after.st_dev || before.st_ino != after.st_ino))
		own_netns = 1;
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	nftexec_free();
	return 0;
}

static void
require_own_netns(void)
{
	if (!own_netns) {
		print_message("needs root in a network namespace of its own\n");
		skip();
	}
}

static void
test_nftexec_is(void **state)
{
	(void)state;
	assert_true(nftexec_is("libnftables"));
	assert_false(nftexec_is("-libnftables"));
	assert_false(nftexec_is("libnftables2"));
	assert_false(nftexec_is("/usr/sbin/nft"));
	assert_false(nftexec_is(""));
}

/* What cannot be one nft input line never runs (no context is made). */
static void
test_nftexec_refused(void **state)
{
	char *none[] = { "libnftables", NULL };
	char *newline[] = { "libnftables", "list", "ruleset\nflush ruleset",
	    NULL };
	char *control[] = { "libnftables", "list\ttables", NULL };
	char *del[] = { "libnftables", "list", "tables\x7f", NULL };
	char *lng[] = { "libnftables", "list", NULL, NULL };
	char big[NFTEXEC_CMD_MAX], err[SPAWN_ERR_MAX];
	struct spawn_status st;
	(void)state;

	nftexec_run(none, &st, err, sizeof(err));
	assert_int_equal(st.outcome, SPAWN_FAILED);
	assert_int_equal(st.code, EINVAL);
	assert_non_null(strstr(err, "no command"));
	nftexec_run(newline, &st, err, sizeof(err));
	assert_int_equal(st.outcome, SPAWN_FAILED);
	assert_int_equal(st.code, EINVAL);
	assert_non_null(strstr(err, "control character"));
	nftexec_run(control, &st, err, sizeof(err));
	assert_int_equal(st.code, EINVAL);
	nftexec_run(del, &st, err, sizeof(err));
	assert_int_equal(st.code, EINVAL);
	/* "list " and the word, with the NUL: one byte too many. */
	memset(big, 'x', sizeof(big));
	big[NFTEXEC_CMD_MAX - 5] = '\0';
	lng[2] = big;
	nftexec_run(lng, &st, err, sizeof(err));
	assert_int_equal(st.outcome, SPAWN_FAILED);
	assert_int_equal(st.code, E2BIG);
	/* A small buffer still gets a NUL-terminated reason. */
	nftexec_run(none, &st, err, 8);
	assert_int_equal(strlen(err), 7);
}

/* nft's own refusal is an exit status 1 with nft's error text, as from
 * /usr/sbin/nft. */
static void
test_nftexec_syntax_error(void **state)
{
	char *bad[] = { "libnftables", "frobnicate", "the", "firewall", NULL };
	char *ok[] = { "libnftables", "list", "tables", NULL };
	char big[NFTEXEC_CMD_MAX], *lng[] = { "libnftables", "list", big, NULL };
	char err[SPAWN_ERR_MAX], first[SPAWN_ERR_MAX];
	struct spawn_status st;
	(void)state;

	nftexec_run(bad, &st, err, sizeof(err));
	assert_int_equal(st.outcome, SPAWN_EXITED);
	assert_int_equal(st.code, 1);
	assert_non_null(strstr(err, "Error: syntax error"));
	/* The error buffer is rewound: each command gets only its own. */
	snprintf(first, sizeof(first), "%s", err);
	nftexec_run(bad, &st, err, sizeof(err));
	assert_string_equal(err, first);
	/* The longest command that fits runs (and nft refuses it). */
	memset(big, 'x', sizeof(big));
	big[NFTEXEC_CMD_MAX - 6] = '\0';
	nftexec_run(lng, &st, err, sizeof(err));
	assert_int_equal(st.outcome, SPAWN_EXITED);
	assert_int_equal(st.code, 1);
	if (!own_netns)
		return;         /* a listing needs root */
	nftexec_run(ok, &st, err, sizeof(err));
	assert_int_equal(st.outcome, SPAWN_EXITED);
	assert_int_equal(st.code, 0);
	assert_string_equal(err, "");
}

/* ---- Rules files. ---- */

static void
test_nftset_loads(void **state)
{
	struct firewall *fw;
	const struct firewall_cmd *c;
	char err[FIREWALL_ERR_MAX], line[512], **argv;
	size_t n;
	(void)state;

	assert_int_equal(firewall_load("rules", "nft-set", &fw, err), 0);
	for (int family = 4; family <= 6; family += 2)
		for (int verb = 0; verb < FIREWALL_NVERBS; verb++) {
			c = firewall_commands(fw, (enum firewall_verb)verb,
			    family, &n);
			assert_true(n > 0);
			for (size_t i = 0; i < n; i++)
				assert_string_equal(c[i].tmpl.words[0],
				    NFTEXEC_PROGRAM);
		}
	/* Open: one transaction, nothing whose failure is expected (a failed
	 * transaction is slow). */
	c = firewall_commands(fw, FIREWALL_OPEN, 6, &n);
	assert_int_equal(n, 1);
	assert_false(c[0].may_fail);
	assert_int_equal(template_expand(&c[0].tmpl, &grant6, &argv), 0);
	assert_int_equal(template_argv_join(argv, line, sizeof(line)), 0);
	assert_string_equal(line, "libnftables add element ip6 spa allow6 { "
	    "2001:db8::7 . tcp . 22 timeout 5s }");
	template_argv_free(argv);
	firewall_free(fw);
}

/* The refusals that only an in-process command has. */
static void
test_nftset_refused(void **state)
{
	static const struct {
		const char *open, *want;
	} cases[] = {
		{ "libnftables add element ip spa s {{ {addr} comment "
		  "\"{user}\" }}", "may use only {addr} {proto} {port}" },
		{ "libnftables add element ip spa s {{ {request} }}",
		  "may use only {addr} {proto} {port}" },
		{ "libnftables", "needs an nft command after it" },
		{ "-libnftables", "needs an nft command after it" },
		{ "libnftablesx add table ip spa", "must be an absolute path" },
		{ "nft add table ip spa", "must be an absolute path" },
	};
	char dir[] = "/tmp/spa-nftset-XXXXXX", text[512], err[FIREWALL_ERR_MAX];
	struct firewall *fw;
	(void)state;

	assert_non_null(mkdtemp(dir));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "[ipv4]\nopen = %s\nclose = "
		    "/bin/true\n[ipv6]\nopen = /bin/true\nclose = /bin/true\n",
		    cases[i].open);
		testfile_write(dir, "bad", text, 0644);
		assert_int_equal(firewall_load(dir, "bad", &fw, err), SPA_ERR_CONFIG);
		assert_null(fw);
		if (strstr(err, ":2: open: ") == NULL ||
		    strstr(err, cases[i].want) == NULL)
			fail_msg("%s: got \"%s\"", cases[i].open, err);
	}
	/* setup and teardown keep their own rule, {family} and {knock_port}
	 * only. */
	testfile_write(dir, "bad", "[ipv4]\nsetup = libnftables add table ip "
	    "{addr}\nopen = /bin/true\nclose = /bin/true\n[ipv6]\nopen = "
	    "/bin/true\nclose = /bin/true\n", 0644);
	assert_int_equal(firewall_load(dir, "bad", &fw, err), SPA_ERR_CONFIG);
	assert_non_null(strstr(err, "may use only the {family}"));
	/* A '-' and blanks before the word, and placeholders it may use. */
	testfile_write(dir, "good", "[ipv4]\nopen = -  libnftables add "
	    "element ip spa s {{ {addr} . {proto} . {port} timeout {timeout}s "
	    "}}\nclose = libnftables delete table ip spa{family}\n[ipv6]\n"
	    "open = /bin/true\nclose = /bin/true\n", 0644);
	assert_int_equal(firewall_load(dir, "good", &fw, err), 0);
	firewall_free(fw);
	unlink(strcat(strcpy(text, dir), "/bad"));
	unlink(strcat(strcpy(text, dir), "/good"));
	rmdir(dir);
}

/* ---- Ended jobs in the spawner. ---- */

struct ended_calls {
	int n;
	struct spawn_status st;
	char err[SPAWN_ERR_MAX];
	struct spawner *resubmit;       /* submit one more from the callback */
};

static void
on_ended(void *cookie, const struct spawn_status *st, const char *err)
{
	struct ended_calls *c = cookie;

	c->n++;
	c->st = *st;
	snprintf(c->err, sizeof(c->err), "%s", err);
	if (c->resubmit != NULL) {
		struct spawner *sp = c->resubmit;

		c->resubmit = NULL;
		assert_int_equal(spawner_submit_ended(sp, st, "again",
		    on_ended, c), 0);
	}
}

static int
readable(const struct spawner *sp)
{
	struct pollfd pfd = { spawner_fd(sp), POLLIN, 0 };

	return poll(&pfd, 1, 0) == 1;
}

static void
test_spawner_submit_ended(void **state)
{
	struct spawn_status st = { SPAWN_EXITED, 3 };
	struct ended_calls c = { 0 };
	struct spawner *sp;
	char long_err[SPAWN_ERR_MAX + 100];
	(void)state;

	assert_int_equal(spawner_new(1, &sp), 0);
	assert_false(readable(sp));
	assert_int_equal(spawner_timeout_ms(sp, spawn_now_ms()), -1);
	c.resubmit = sp;
	assert_int_equal(spawner_submit_ended(sp, &st, "first", on_ended, &c),
	    0);
	/* Never from inside the submit; the loop is woken at once. */
	assert_int_equal(c.n, 0);
	assert_true(readable(sp));
	assert_int_equal(spawner_timeout_ms(sp, spawn_now_ms()), 0);
	assert_int_equal(spawner_running(sp) + spawner_queued(sp), 0);
	/* One callback a call: what a callback submits waits for the next. */
	assert_int_equal(spawner_poll(sp, spawn_now_ms()), 1);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.st.outcome, SPAWN_EXITED);
	assert_int_equal(c.st.code, 3);
	assert_string_equal(c.err, "first");
	assert_true(readable(sp));
	assert_int_equal(spawner_poll(sp, spawn_now_ms()), 1);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.err, "again");
	assert_false(readable(sp));
	assert_int_equal(spawner_poll(sp, spawn_now_ms()), 0);
	/* stderr is cut as a child's is. */
	memset(long_err, 'e', sizeof(long_err) - 1);
	long_err[sizeof(long_err) - 1] = '\0';
	assert_int_equal(spawner_submit_ended(sp, &st, long_err, on_ended,
	    &c), 0);
	assert_int_equal(spawner_poll(sp, spawn_now_ms()), 1);
	assert_int_equal(strlen(c.err), SPAWN_ERR_MAX - 1);
	/* Dropped by spawner_free, without a callback. */
	assert_int_equal(spawner_submit_ended(sp, &st, "", on_ended, &c), 0);
	spawner_free(sp);
	assert_int_equal(c.n, 3);
}

/* ---- rules/nft-set against the kernel, in our own namespace. ---- */

/* The commands of verb for both families (family 0) or one, expanded;
 * with strict, none of them may fail ('-' dropped). */
static void
nftset_words(enum firewall_verb verb, int family, int strict,
    struct cmdlist *l)
{
	static const struct template_values fam[2] = {
		{ .family = "4", .knock_port = "5001" },
		{ .family = "6", .knock_port = "5001" },
	};
	const struct firewall_cmd *c;
	struct firewall *fw;
	char err[FIREWALL_ERR_MAX], **argv;
	size_t n;

	assert_int_equal(firewall_load("rules", "nft-set", &fw, err), 0);
	for (int f = 4; f <= 6; f += 2) {
		const struct template_values *v = f == 4 ? ipv4_grant : &grant6;

		if (family != 0 && f != family)
			continue;
		if (verb == FIREWALL_SETUP || verb == FIREWALL_TEARDOWN)
			v = &fam[f == 6];
		c = firewall_commands(fw, verb, f, &n);
		for (size_t i = 0; i < n; i++) {
			assert_int_equal(template_expand(&c[i].tmpl, v, &argv),
			    0);
			assert_int_equal(cmdlist_append(l, argv,
			    c[i].may_fail && !strict), 0);
			template_argv_free(argv);
		}
	}
	firewall_free(fw);
}

static int
nftset_run(enum firewall_verb verb, int family, int strict)
{
	struct cmdlist l = { 0 };
	int ok, all_zero;

	nftset_words(verb, family, strict, &l);
	if (verb == FIREWALL_CHECK)
		ok = cmdseq_probe(l.words, &all_zero) == 0 ? all_zero : -1;
	else
		ok = cmdseq_run_sync(l.words, NULL) == 0;
	cmdlist_free(&l);
	return ok;
}

/* /usr/sbin/nft's listing of what, in our namespace (inherited). */
static void
nft_list(const char *what, char *out, size_t cap)
{
	char cmd[128];
	size_t got;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "/usr/sbin/nft list %s 2>&1", what);
	assert_non_null(p = popen(cmd, "r"));
	got = fread(out, 1, cap - 1, p);
	out[got] = '\0';
	pclose(p);
}

static int seq_calls, seq_ok;

static void
on_seq(void *cookie, int ok)
{
	(void)cookie;
	seq_calls++;
	seq_ok = ok;
}

/* cmdseq_start with in-process commands: the callback comes from
 * spawner_poll, never from inside cmdseq_start. */
static int
nftset_run_async(struct spawner *sp, enum firewall_verb verb, int family)
{
	struct cmdlist l = { 0 };

	nftset_words(verb, family, 1, &l);
	seq_calls = 0;
	assert_int_equal(cmdseq_start(sp, l.words, NULL, on_seq, NULL), 0);
	cmdlist_free(&l);
	assert_int_equal(seq_calls, 0);
	for (int i = 0; i < 100 && seq_calls == 0; i++) {
		struct pollfd pfd = { spawner_fd(sp), POLLIN, 0 };

		/* Nothing to wait for: each step is ready at once. */
		assert_int_equal(poll(&pfd, 1, 0), 1);
		spawner_poll(sp, spawn_now_ms());
	}
	assert_int_equal(seq_calls, 1);
	return seq_ok;
}

static void
test_nftset_kernel(void **state)
{
	char *missing[] = { "libnftables", "add", "element", "ip", "spa",
	    "nosuch", "{", "198.51.100.7", "}", NULL };
	char *missing_ok[] = { "-libnftables", "delete", "table", "ip",
	    "nosuch", NULL };
	char listing[4096], err[SPAWN_ERR_MAX];
	struct spawn_status st;
	struct spawner *sp;
	(void)state;

	require_own_netns();
	assert_int_equal(spawner_new(4, &sp), 0);
	/* Setup twice: it must be repeatable. */
	assert_int_equal(nftset_run(FIREWALL_SETUP, 0, 0), 1);
	assert_int_equal(nftset_run(FIREWALL_SETUP, 0, 0), 1);
	nft_list("chain ip spa input", listing, sizeof(listing));
	assert_non_null(strstr(listing, "@allow4"));
	assert_int_equal(nftset_run(FIREWALL_CHECK, 4, 0), 0);
	/* Open through the spawner, as the grant engine does. */
	assert_int_equal(nftset_run_async(sp, FIREWALL_OPEN, 4), 1);
	assert_int_equal(nftset_run_async(sp, FIREWALL_OPEN, 6), 1);
	assert_int_equal(nftset_run(FIREWALL_CHECK, 4, 0), 1);
	assert_int_equal(nftset_run(FIREWALL_CHECK, 6, 0), 1);
	nft_list("set ip spa allow4", listing, sizeof(listing));
	if (strstr(listing, "198.51.100.7 . tcp . 22 timeout 5s expires") ==
	    NULL)
		fail_msg("no element with its timeout in: %s", listing);
	nft_list("set ip6 spa allow6", listing, sizeof(listing));
	assert_non_null(strstr(listing, "2001:db8::7 . tcp . 22 timeout 5s"));
	/* Opened again for longer: still one element, with the new timeout
	 * ("add" alone would keep the old one). */
	ipv4_grant = &grant4_longer;
	assert_int_equal(nftset_run_async(sp, FIREWALL_OPEN, 4), 1);
	ipv4_grant = &grant4;
	nft_list("set ip spa allow4", listing, sizeof(listing));
	if (strstr(listing, "198.51.100.7 . tcp . 22 timeout 1m40s") == NULL)
		fail_msg("not opened again for 100 s: %s", listing);
	assert_null(strstr(strstr(listing, "198.51.100.7") + 1,
	    "198.51.100.7"));
	/* Close, and close again: the element may be gone (the kernel
	 * expired it), and still no command fails, '-' or not. */
	assert_int_equal(nftset_run_async(sp, FIREWALL_CLOSE, 4), 1);
	assert_int_equal(nftset_run(FIREWALL_CHECK, 4, 0), 0);
	assert_int_equal(nftset_run(FIREWALL_CLOSE, 4, 1), 1);
	assert_int_equal(nftset_run(FIREWALL_CHECK, 4, 0), 0);
	nft_list("set ip spa allow4", listing, sizeof(listing));
	assert_null(strstr(listing, "198.51.100.7"));
	/* A kernel refusal: exit 1, nft's text; '-' makes it expected. */
	nftexec_run(missing, &st, err, sizeof(err));
	assert_int_equal(st.outcome, SPAWN_EXITED);
	assert_int_equal(st.code, 1);
	assert_non_null(strstr(err, "Error:"));
	assert_int_equal(cmdseq_run_sync(missing, NULL), SPA_ERR_COMMAND);
	assert_int_equal(cmdseq_run_sync(missing_ok, NULL), 0);
	/* Teardown removes our tables, and only them. */
	assert_int_equal(nftset_run(FIREWALL_TEARDOWN, 0, 0), 1);
	nft_list("tables", listing, sizeof(listing));
	assert_null(strstr(listing, "spa"));
	assert_int_equal(nftset_run(FIREWALL_CHECK, 4, 0), 0);
	spawner_free(sp);
}

/* The kernel removes an element at its timeout by itself. */
static void
test_nftset_expiry(void **state)
{
	char *add[] = { "libnftables", "add", "element", "ip", "spa", "allow4",
	    "{", "192.0.2.9", ".", "tcp", ".", "22", "timeout", "1s", "}",
	    NULL };
	char *get[] = { "libnftables", "get", "element", "ip", "spa", "allow4",
	    "{", "192.0.2.9", ".", "tcp", ".", "22", "}", NULL };
	int all_zero;
	(void)state;

	require_own_netns();
	assert_int_equal(nftset_run(FIREWALL_SETUP, 4, 0), 1);
	assert_int_equal(cmdseq_run_sync(add, NULL), 0);
	assert_int_equal(cmdseq_probe(get, &all_zero), 0);
	assert_int_equal(all_zero, 1);
	usleep(1500 * 1000);
	assert_int_equal(cmdseq_probe(get, &all_zero), 0);
	assert_int_equal(all_zero, 0);
	assert_int_equal(nftset_run(FIREWALL_TEARDOWN, 4, 0), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nftexec_is),
		cmocka_unit_test(test_nftexec_refused),
		cmocka_unit_test(test_nftset_loads),
		cmocka_unit_test(test_nftset_refused),
		cmocka_unit_test(test_spawner_submit_ended),
		cmocka_unit_test(test_nftexec_syntax_error),
		cmocka_unit_test(test_nftset_kernel),
		cmocka_unit_test(test_nftset_expiry),
	};

	log_init("test_nftexec", 1, 0);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
