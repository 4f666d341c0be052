/*
 * Every rules/ backend for real: setup (twice, it must be repeatable),
 * open, check, close, teardown, for an IPv4 and an IPv6 documentation
 * address, with the commands expanded by template_expand and run by
 * spawn_run_sync exactly as the sniffer runs them; the firewall's own
 * listing, read through a pipe, shows each step.
 *
 * Root only, and only inside the network namespace named by SPA_TEST_NETNS
 * (tests/root/rules_backends.sh makes one): each test first proves that
 * this process is in that namespace and that it is not PID 1's, and skips
 * otherwise, so the host's own firewall is never touched.  ufw also edits
 * files in /etc/ufw: it runs only when SPA_TEST_UFW_PRIVATE says the
 * script bind-mounted private copies over them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "firewall.h"
#include "spawn.h"
#include "template.h"

#define ARGV_MAX 8
#define LISTING_MAX 65536

static const struct template_values grant[2] = {
	{ .addr = "198.51.100.7", .proto = "tcp", .port = "22",
	    .timeout = "5", .user = "alice", .request = "ssh", .family = "4" },
	{ .addr = "2001:db8::7", .proto = "tcp", .port = "22",
	    .timeout = "5", .user = "alice", .request = "ssh", .family = "6" },
};
static const struct template_values family_values[2] = {
	{ .family = "4", .knock_port = "5001" },
	{ .family = "6", .knock_port = "5001" },
};

/* What each backend looks like from outside, per family ([0] IPv4). */
struct backend {
	const char *name;
	char *list[2][ARGV_MAX];        /* prints the grants */
	const char *grant_line[2];      /* in that listing while open */
	char *hook[2][ARGV_MAX];        /* prints where setup hooks in */
	const char *hook_line[2];       /* exactly once there after setup */
	int kernel_expires;             /* grants carry a kernel timeout */
};

static const struct backend iptables = {
	"iptables",
	{ { "/usr/sbin/iptables", "-w", "5", "-S", "SPA" },
	  { "/usr/sbin/ip6tables", "-w", "5", "-S", "SPA" } },
	{ "-A SPA -s 198.51.100.7/32 -p tcp -m tcp --dport 22 -j ACCEPT",
	  "-A SPA -s 2001:db8::7/128 -p tcp -m tcp --dport 22 -j ACCEPT" },
	{ { "/usr/sbin/iptables", "-w", "5", "-S", "INPUT" },
	  { "/usr/sbin/ip6tables", "-w", "5", "-S", "INPUT" } },
	{ "-A INPUT -j SPA", "-A INPUT -j SPA" },
	0,
};

static const struct backend nft = {
	"nft",
	{ { "/usr/sbin/nft", "list", "set", "ip", "spa", "allow4" },
	  { "/usr/sbin/nft", "list", "set", "ip6", "spa", "allow6" } },
	{ "198.51.100.7 . tcp . 22", "2001:db8::7 . tcp . 22" },
	{ { "/usr/sbin/nft", "list", "chain", "ip", "spa", "input" },
	  { "/usr/sbin/nft", "list", "chain", "ip6", "spa", "input" } },
	{ "@allow4", "@allow6" },
	1,
};

static const struct backend ipset = {
	"ipset",
	{ { "/usr/sbin/ipset", "list", "spa4" },
	  { "/usr/sbin/ipset", "list", "spa6" } },
	{ "198.51.100.7,tcp:22", "2001:db8::7,tcp:22" },
	{ { "/usr/sbin/iptables", "-w", "5", "-S", "INPUT" },
	  { "/usr/sbin/ip6tables", "-w", "5", "-S", "INPUT" } },
	{ "--match-set spa4 src,dst", "--match-set spa6 src,dst" },
	1,
};

/* ufw's setup adds rules to its own chains (the knock port's deny):
 * there is no hook of ours to look for. */
static const struct backend ufw = {
	"ufw",
	{ { "/usr/sbin/iptables", "-w", "5", "-S", "ufw-user-input" },
	  { "/usr/sbin/ip6tables", "-w", "5", "-S", "ufw6-user-input" } },
	{ "-A ufw-user-input -s 198.51.100.7/32 -p tcp -m tcp --dport 22 "
	  "-j ACCEPT", "-A ufw6-user-input -s 2001:db8::7/128 -p tcp -m tcp "
	  "--dport 22 -j ACCEPT" },
	{ { NULL }, { NULL } },
	{ NULL, NULL },
	0,
};

/* Inside the namespace SPA_TEST_NETNS, as root, and not in PID 1's. */
static void
require_test_netns(void)
{
	const char *ns = getenv("SPA_TEST_NETNS");
	struct stat named, self, init;
	char path[PATH_MAX];

	if (geteuid() != 0 || ns == NULL || strchr(ns, '/') != NULL) {
		print_message("not root in SPA_TEST_NETNS: see "
		    "tests/root/rules_backends.sh\n");
		skip();
	}
	/* PID 1's namespace may be hidden from us (a container): then the
	 * named one is all there is to compare with. */
	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	if (stat(path, &named) != 0 || stat("/proc/self/ns/net", &self) != 0 ||
	    named.st_dev != self.st_dev || named.st_ino != self.st_ino ||
	    (stat("/proc/1/ns/net", &init) == 0 &&
	    init.st_dev == self.st_dev && init.st_ino == self.st_ino)) {
		print_message("not inside network namespace %s\n", ns);
		skip();
	}
}

static const char *
rules_dir(void)
{
	static char dir[PATH_MAX];
	const char *top = getenv("SPA_TOP");

	snprintf(dir, sizeof(dir), "%s/rules", top != NULL ? top : ".");
	return dir;
}

/* Runs argv with stdout into out[LISTING_MAX]; returns its exit status
 * (-1 if it did not exit).  Only the test reads listings: spawn keeps
 * stderr alone, and only its first kilobyte. */
static int
listing(char *const argv[], char *out)
{
	char *const env[] = { SPAWN_PATH, NULL };
	int p[2], status;
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	assert_true((pid = fork()) >= 0);
	if (pid == 0) {
		dup2(p[1], 1);
		dup2(open("/dev/null", O_WRONLY), 2);
		close(p[0]);
		execve(argv[0], argv, env);
		_exit(127);
	}
	close(p[1]);
	while (len < LISTING_MAX - 1 &&
	    (n = read(p[0], out + len, LISTING_MAX - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int
count_of(const char *text, const char *needle)
{
	int n = 0;

	for (const char *s = text; (s = strstr(s, needle)) != NULL; s++)
		n++;
	return n;
}

/* Runs the commands of verb for family, as the sniffer does.  A command
 * without '-' must succeed, unless tolerate.  Returns the number that
 * failed. */
static int
run_verb(const struct firewall *fw, enum firewall_verb verb, int family,
    const struct template_values *v, int tolerate)
{
	const struct firewall_cmd *c;
	struct spawn_status st;
	const struct spawn_opts o = { .limit_ms = 20000 };
	char err[SPAWN_ERR_MAX], text[512], line[512], **argv;
	int failed = 0;
	size_t n;

	c = firewall_commands(fw, verb, family, &n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(template_expand(&c[i].tmpl, v, &argv), 0);
		assert_int_equal(template_argv_join(argv, line, sizeof(line)),
		    0);
		assert_int_equal(spawn_run_sync(argv, &o, &st, err,
		    sizeof(err)), 0);
		template_argv_free(argv);
		if (spawn_succeeded(&st))
			continue;
		failed++;
		spawn_status_str(&st, text, sizeof(text));
		if (!c[i].may_fail && !tolerate)
			fail_msg("%s:%u: %s: %s: %s", firewall_path(fw),
			    c[i].line, line, text, err);
	}
	return failed;
}

/* The hook made by setup is there exactly once (or, with want 0, gone). */
static void
assert_hook(const struct backend *b, int f, int want, char *buf)
{
	if (b->hook_line[f] == NULL)
		return;
	listing(b->hook[f], buf);
	if (count_of(buf, b->hook_line[f]) != want)
		fail_msg("%s: '%s' %d times in:\n%s", b->name,
		    b->hook_line[f], count_of(buf, b->hook_line[f]), buf);
}

static void
assert_granted(const struct backend *b, int f, int want, char *buf)
{
	int rc = listing(b->list[f], buf);

	if (want && (rc != 0 || strstr(buf, b->grant_line[f]) == NULL))
		fail_msg("%s: no '%s' (exit %d) in:\n%s", b->name,
		    b->grant_line[f], rc, buf);
	if (!want && strstr(buf, b->grant_line[f]) != NULL)
		fail_msg("%s: '%s' still in:\n%s", b->name, b->grant_line[f],
		    buf);
}

/* One family's whole life: setup twice, open, check, close, check,
 * teardown; then the listing itself fails where setup made a table. */
static void
cycle(const struct firewall *fw, const struct backend *b, int f, char *buf)
{
	size_t nchecks;

	firewall_commands(fw, FIREWALL_CHECK, f ? 6 : 4, &nchecks);
	run_verb(fw, FIREWALL_SETUP, f ? 6 : 4, &family_values[f], 0);
	run_verb(fw, FIREWALL_SETUP, f ? 6 : 4, &family_values[f], 0);
	assert_hook(b, f, 1, buf);
	assert_granted(b, f, 0, buf);
	run_verb(fw, FIREWALL_OPEN, f ? 6 : 4, &grant[f], 0);
	assert_granted(b, f, 1, buf);
	if (nchecks > 0)
		assert_int_equal(run_verb(fw, FIREWALL_CHECK, f ? 6 : 4,
		    &grant[f], 0), 0);
	run_verb(fw, FIREWALL_CLOSE, f ? 6 : 4, &grant[f], 0);
	assert_granted(b, f, 0, buf);
	if (nchecks > 0)
		assert_int_equal(run_verb(fw, FIREWALL_CHECK, f ? 6 : 4,
		    &grant[f], 1), (int)nchecks);
	run_verb(fw, FIREWALL_TEARDOWN, f ? 6 : 4, &family_values[f], 0);
	assert_hook(b, f, 0, buf);
	if (b->hook_line[f] != NULL)
		assert_int_not_equal(listing(b->list[f], buf), 0);
}

/* Grants with a kernel timeout vanish by themselves: the daemon may die. */
static void
kernel_expiry(const struct firewall *fw, const struct backend *b, char *buf)
{
	struct template_values v[2] = { grant[0], grant[1] };

	for (int f = 0; f < 2; f++) {
		v[f].timeout = "1";
		run_verb(fw, FIREWALL_SETUP, f ? 6 : 4, &family_values[f], 0);
		run_verb(fw, FIREWALL_OPEN, f ? 6 : 4, &v[f], 0);
		assert_granted(b, f, 1, buf);
	}
	sleep(2);
	for (int f = 0; f < 2; f++) {
		assert_granted(b, f, 0, buf);
		run_verb(fw, FIREWALL_CLOSE, f ? 6 : 4, &v[f], 0);
		run_verb(fw, FIREWALL_TEARDOWN, f ? 6 : 4, &family_values[f],
		    0);
	}
}

static void
live(const struct backend *b)
{
	struct firewall *fw;
	char err[FIREWALL_ERR_MAX], *buf;

	require_test_netns();
	if (firewall_load(rules_dir(), b->name, &fw, err) != 0)
		fail_msg("%s", err);
	assert_non_null(buf = malloc(LISTING_MAX));
	for (int f = 0; f < 2; f++)
		cycle(fw, b, f, buf);
	if (b->kernel_expires)
		kernel_expiry(fw, b, buf);
	free(buf);
	firewall_free(fw);
}

static void
test_live_iptables(void **state)
{
	(void)state;
	live(&iptables);
}

static void
test_live_nft(void **state)
{
	(void)state;
	live(&nft);
}

static void
test_live_ipset(void **state)
{
	(void)state;
	live(&ipset);
}

static void
test_live_ufw(void **state)
{
	const char *priv = getenv("SPA_TEST_UFW_PRIVATE");
	(void)state;

	if (priv == NULL || strcmp(priv, "1") != 0 ||
	    access("/usr/sbin/ufw", X_OK) != 0) {
		print_message("ufw: not installed, or /etc/ufw not private\n");
		skip();
	}
	live(&ufw);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_live_iptables),
		cmocka_unit_test(test_live_nft),
		cmocka_unit_test(test_live_ipset),
		cmocka_unit_test(test_live_ufw),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
