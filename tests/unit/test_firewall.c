/*
 * firewall: every real rules/ file loads and expands as the sniffer would
 * run it; broken files are refused with "FILE:LINE: message".  Runs from
 * the top of the tree (tests/run-unit), where rules/ is.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actions.h"
#include "err.h"
#include "firewall.h"
#include "template.h"

static const char *const backends[] = { "iptables", "nft", "ufw", "ipset" };

static const struct template_values grant4 = {
	.addr = "198.51.100.7", .proto = "tcp", .port = "22", .timeout = "5",
	.user = "alice", .request = "ssh", .family = "4",
	.inner_addr = "192.0.2.10", .inner_port = "2222",
};
static const struct template_values grant6 = {
	.addr = "2001:db8::7", .proto = "tcp", .port = "22", .timeout = "5",
	.user = "alice", .request = "ssh", .family = "6",
	.inner_addr = "2001:db8:1::10", .inner_port = "2222",
};
/* setup and teardown: no grant, the sniffer's own port. */
static const struct template_values setup4 = {
	.family = "4", .knock_port = "62201",
};
static const struct template_values setup6 = {
	.family = "6", .knock_port = "62201",
};

/* Command i of verb/family of fw, expanded with v and joined. */
static void
joined(const struct firewall *fw, enum firewall_verb verb, int family,
    size_t i, const struct template_values *v, char *out, size_t cap)
{
	const struct firewall_cmd *c;
	char **argv;
	size_t n;

	c = firewall_commands(fw, verb, family, &n);
	assert_true(i < n);
	assert_int_equal(template_expand(&c[i].tmpl, v, &argv), 0);
	assert_int_equal(template_argv_join(argv, out, cap), 0);
	template_argv_free(argv);
}

/* Every command of fw expands with the values its verb has at run time. */
static void
check_expands(const struct firewall *fw, int family)
{
	const struct template_values *v = family == 4 ? &grant4 : &grant6;
	const struct template_values *s = family == 4 ? &setup4 : &setup6;
	const struct firewall_cmd *c;
	char **argv;
	size_t n;

	for (int verb = 0; verb < FIREWALL_NVERBS; verb++) {
		c = firewall_commands(fw, (enum firewall_verb)verb, family, &n);
		for (size_t i = 0; i < n; i++) {
			assert_int_equal(c[i].tmpl.words[0][0], '/');
			assert_int_equal(template_expand(&c[i].tmpl,
			    verb == FIREWALL_SETUP || verb == FIREWALL_TEARDOWN ?
			    s : v, &argv), 0);
			template_argv_free(argv);
		}
	}
}

static void
test_real_backends_load(void **state)
{
	struct firewall *fw;
	char err[FIREWALL_ERR_MAX], path[64];
	size_t n;
	(void)state;

	for (size_t b = 0; b < sizeof(backends) / sizeof(*backends); b++) {
		if (firewall_load("rules", backends[b], &fw, err) != 0)
			fail_msg("%s", err);
		snprintf(path, sizeof(path), "rules/%s", backends[b]);
		assert_string_equal(firewall_path(fw), path);
		for (int family = 4; family <= 6; family += 2) {
			assert_non_null(firewall_commands(fw, FIREWALL_OPEN,
			    family, &n));
			assert_true(n >= 1);
			assert_non_null(firewall_commands(fw, FIREWALL_CLOSE,
			    family, &n));
			assert_true(n >= 1);
			check_expands(fw, family);
		}
		firewall_free(fw);
	}
}

static void
test_iptables_commands(void **state)
{
	struct firewall *fw;
	const struct firewall_cmd *c;
	char err[FIREWALL_ERR_MAX], line[512];
	size_t n;
	(void)state;

	assert_int_equal(firewall_load("rules", "iptables", &fw, err), 0);
	joined(fw, FIREWALL_OPEN, 4, 0, &grant4, line, sizeof(line));
	assert_string_equal(line, "/usr/sbin/iptables -w 5 -I SPA -s "
	    "198.51.100.7 -p tcp --dport 22 -j ACCEPT");
	joined(fw, FIREWALL_CLOSE, 6, 0, &grant6, line, sizeof(line));
	assert_string_equal(line, "/usr/sbin/ip6tables -w 5 -D SPA -s "
	    "2001:db8::7 -p tcp --dport 22 -j ACCEPT");
	c = firewall_commands(fw, FIREWALL_SETUP, 4, &n);
	assert_int_equal(n, 14);
	assert_true(c[0].may_fail && c[1].may_fail);
	assert_false(c[2].may_fail || c[3].may_fail || c[4].may_fail ||
	    c[5].may_fail);
	/* SPA-FWD in FORWARD, SPA in the nat table's PREROUTING */
	assert_true(c[6].may_fail && c[7].may_fail && c[10].may_fail &&
	    c[11].may_fail);
	assert_false(c[8].may_fail || c[9].may_fail || c[12].may_fail ||
	    c[13].may_fail);
	/* A forward: the accept first, then the DNAT; closed in that order,
	 * the DNAT's delete allowed to fail. */
	joined(fw, FIREWALL_FORWARD_OPEN, 4, 0, &grant4, line, sizeof(line));
	assert_string_equal(line, "/usr/sbin/iptables -w 5 -I SPA-FWD -s "
	    "198.51.100.7 -d 192.0.2.10 -p tcp --dport 2222 -j ACCEPT");
	joined(fw, FIREWALL_FORWARD_OPEN, 4, 1, &grant4, line, sizeof(line));
	assert_string_equal(line, "/usr/sbin/iptables -w 5 -t nat -I SPA -s "
	    "198.51.100.7 -p tcp --dport 22 -j DNAT --to-destination "
	    "192.0.2.10:2222");
	joined(fw, FIREWALL_FORWARD_OPEN, 6, 1, &grant6, line, sizeof(line));
	assert_string_equal(line, "/usr/sbin/ip6tables -w 5 -t nat -I SPA -s "
	    "2001:db8::7 -p tcp --dport 22 -j DNAT --to-destination "
	    "[2001:db8:1::10]:2222");
	c = firewall_commands(fw, FIREWALL_FORWARD_CLOSE, 6, &n);
	assert_int_equal(n, 2);
	assert_false(c[0].may_fail);
	assert_true(c[1].may_fail);
	assert_true(firewall_can_forward(fw, 4) && firewall_can_forward(fw, 6));
	c = firewall_commands(fw, FIREWALL_SETUP, 4, &n);
	/* the knock port's drops end SPA; grants are inserted above them */
	joined(fw, FIREWALL_SETUP, 6, 3, &setup6, line, sizeof(line));
	assert_string_equal(line, "/usr/sbin/ip6tables -w 5 -A SPA -p tcp "
	    "--dport 62201 -j DROP");
	joined(fw, FIREWALL_SETUP, 4, 4, &setup4, line, sizeof(line));
	assert_string_equal(line, "/usr/sbin/iptables -w 5 -A SPA -p udp "
	    "--dport 62201 -j DROP");
	/* the '-' is a mark, not part of the program */
	assert_string_equal(c[0].tmpl.words[0], "/usr/sbin/iptables");
	assert_true(c[0].line > 1 && c[1].line == c[0].line + 1);
	firewall_commands(fw, FIREWALL_TEARDOWN, 6, &n);
	assert_int_equal(n, 9);
	firewall_commands(fw, FIREWALL_CHECK, 4, &n);
	assert_int_equal(n, 1);
	firewall_free(fw);
}

/* nft reads the set expression from separate argv words: each brace and
 * each '.' is a word of its own, the placeholders fill whole words. */
static void
test_nft_commands(void **state)
{
	struct firewall *fw;
	const struct firewall_cmd *c;
	char err[FIREWALL_ERR_MAX], line[512], **argv;
	size_t n;
	(void)state;

	assert_int_equal(firewall_load("rules", "nft", &fw, err), 0);
	/* One exec per open: no failing "delete" before the "add". */
	c = firewall_commands(fw, FIREWALL_OPEN, 4, &n);
	assert_int_equal(n, 1);
	assert_false(c[0].may_fail);
	assert_int_equal(template_expand(&c[0].tmpl, &grant4, &argv), 0);
	assert_string_equal(argv[6], "{");
	assert_string_equal(argv[7], "198.51.100.7");
	assert_string_equal(argv[9], "tcp");
	assert_string_equal(argv[11], "22");
	assert_string_equal(argv[13], "5s");
	assert_string_equal(argv[14], "}");
	assert_null(argv[15]);
	template_argv_free(argv);
	joined(fw, FIREWALL_OPEN, 6, 0, &grant6, line, sizeof(line));
	assert_string_equal(line, "/usr/sbin/nft add element ip6 spa allow6 "
	    "{ 2001:db8::7 . tcp . 22 timeout 5s }");
	/* ';' written against a word survives inih's inline comments */
	joined(fw, FIREWALL_SETUP, 4, 1, &setup4, line, sizeof(line));
	assert_string_equal(line, "/usr/sbin/nft add set ip spa allow4 { type "
	    "ipv4_addr . inet_proto . inet_service; flags timeout; }");
	c = firewall_commands(fw, FIREWALL_CLOSE, 4, &n);
	assert_true(n == 1 && c[0].may_fail);
	firewall_free(fw);
}

static void
test_ipset_and_ufw_commands(void **state)
{
	struct firewall *fw;
	char err[FIREWALL_ERR_MAX], line[512];
	size_t n;
	(void)state;

	assert_int_equal(firewall_load("rules", "ipset", &fw, err), 0);
	joined(fw, FIREWALL_OPEN, 6, 0, &grant6, line, sizeof(line));
	assert_string_equal(line, "/usr/sbin/ipset -exist add spa6 "
	    "2001:db8::7,tcp:22 timeout 5");
	firewall_free(fw);
	assert_int_equal(firewall_load("rules", "ufw", &fw, err), 0);
	joined(fw, FIREWALL_OPEN, 4, 0, &grant4, line, sizeof(line));
	assert_string_equal(line, "/usr/sbin/ufw prepend allow proto tcp from "
	    "198.51.100.7 to any port 22 comment spa");
	firewall_commands(fw, FIREWALL_SETUP, 4, &n);
	assert_int_equal(n, 2);
	joined(fw, FIREWALL_SETUP, 6, 1, &setup6, line, sizeof(line));
	assert_string_equal(line, "/usr/sbin/ufw prepend deny proto udp from "
	    "::/0 to any port 62201 comment spa-knock");
	joined(fw, FIREWALL_TEARDOWN, 4, 0, &setup4, line, sizeof(line));
	assert_string_equal(line, "/usr/sbin/ufw delete deny proto tcp from "
	    "0.0.0.0/0 to any port 62201 comment spa-knock");
	firewall_commands(fw, FIREWALL_CHECK, 6, &n);
	assert_int_equal(n, 0);
	firewall_free(fw);
}

/* Whether some setup command of family expands, with knock_port 62201, to
 * a drop of proto to that port (tcp or udp named, or both in a set). */
static int
drops_knock_port(const struct firewall *fw, int family, const char *proto)
{
	const struct firewall_cmd *c;
	char **argv, line[512];
	size_t n;
	int found = 0;

	c = firewall_commands(fw, FIREWALL_SETUP, family, &n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(template_expand(&c[i].tmpl, family == 4 ?
		    &setup4 : &setup6, &argv), 0);
		assert_int_equal(template_argv_join(argv, line, sizeof(line)),
		    0);
		template_argv_free(argv);
		/* the port comes from the configuration, never the default */
		assert_null(strstr(line, "5001"));
		if (strstr(line, " 62201") != NULL && strstr(line, proto) &&
		    (strstr(line, " DROP") || strstr(line, " drop") ||
		    strstr(line, " deny ")))
			found = 1;
	}
	return found;
}

/* Every backend's setup drops tcp and udp to the knock port, for both
 * families, from {knock_port}: without it the kernel answers each knock
 * (a RST, or ICMP port unreachable) and a scan finds the server. */
static void
test_knock_port_silent(void **state)
{
	static const char *const all[] = { "iptables", "nft", "nft-set", "ufw",
	    "ipset" };
	struct template_values no_port[2] = { setup4, setup6 };
	const struct firewall_cmd *c;
	struct firewall *fw;
	char err[FIREWALL_ERR_MAX], **argv;
	size_t n, unexpanded;
	(void)state;

	no_port[0].knock_port = no_port[1].knock_port = NULL;
	for (size_t b = 0; b < sizeof(all) / sizeof(*all); b++) {
		if (firewall_load("rules", all[b], &fw, err) != 0)
			fail_msg("%s", err);
		for (int f = 4; f <= 6; f += 2) {
			if (!drops_knock_port(fw, f, " tcp") ||
			    !drops_knock_port(fw, f, "udp"))
				fail_msg("rules/%s [ipv%d]: setup does not "
				    "drop tcp and udp to {knock_port}", all[b],
				    f);
			unexpanded = 0;
			c = firewall_commands(fw, FIREWALL_SETUP, f, &n);
			for (size_t i = 0; i < n; i++) {
				if (template_expand(&c[i].tmpl,
				    &no_port[f == 6], &argv) != 0)
					unexpanded++;
				template_argv_free(argv);
			}
			assert_true(unexpanded >= 1);
		}
		firewall_free(fw);
	}
}

/* A temporary rules directory and the path of its one file, "fw". */
static char tmpdir[64];

static int
tmpdir_make(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/spa-test-firewall.XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
tmpdir_remove(void **state)
{
	char path[128];
	(void)state;

	snprintf(path, sizeof(path), "%s/fw", tmpdir);
	unlink(path);
	return rmdir(tmpdir);
}

/* Loads len bytes as tmpdir/fw: the error, or "" when it loaded. */
static const char *
load_bytes(const char *text, size_t len, struct firewall **out)
{
	static char err[FIREWALL_ERR_MAX];
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/fw", tmpdir);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	if (firewall_load(tmpdir, "fw", out, err) == 0)
		return "";
	assert_null(*out);
	return err;
}

static const char *
load_text(const char *text, struct firewall **out)
{
	return load_bytes(text, strlen(text), out);
}

/* text must be refused with "tmpdir/fw" followed by want. */
static void
assert_refused(const char *text, const char *want)
{
	struct firewall *fw;
	char full[FIREWALL_ERR_MAX + 64];
	const char *err = load_text(text, &fw);

	snprintf(full, sizeof(full), "%s/fw%s", tmpdir, want);
	if (strcmp(err, full) != 0)
		fail_msg("for %s\n got: %s\nwant: %s", text, err, full);
}

#define BOTH_OK "[ipv4]\nopen = /bin/true\nclose = /bin/true\n" \
	"[ipv6]\nopen = /bin/true\nclose = /bin/true\n"

static void
test_broken_files(void **state)
{
	(void)state;
	assert_refused("[ipv4]\nopne = /bin/true\n", ":2: unknown key 'opne' "
	    "in [ipv4]; known: setup, open, close, check, teardown, "
	    "forward_open, forward_close");
	assert_refused("[ipv4]\nopen = /bin/true {inner_addr}\n", ":2: open "
	    "may not use {inner_addr} or {inner_port}: only forward_open and "
	    "forward_close do");
	assert_refused("[ipv4]\nforward_open = /bin/true {knock_port}\n",
	    ":2: forward_open may not use {knock_port}: only setup and "
	    "teardown do");
	assert_refused("[ipv4]\nopen = /bin/true\nclose = /bin/true\n"
	    "forward_open = /bin/true {inner_addr}\n[ipv6]\nopen = /bin/true\n"
	    "close = /bin/true\n", ":1: [ipv4] has forward_open but no "
	    "forward_close: give both or neither");
	assert_refused("# c\n[ipv5]\n", ":2: unknown section [ipv5]; a rules "
	    "file has [ipv4] and [ipv6]");
	assert_refused("\nopen = /bin/true\n", ":2: 'open' comes before any "
	    "section; put it under [ipv4] or [ipv6]");
	assert_refused("[ipv4]\n[ipv6]\n[ipv4]\n", ":3: [ipv4] appears twice "
	    "(first on line 1); merge the two");
	assert_refused("[ipv4\n", ":1: section header without ']'");
	assert_refused("[ipv4] x\n", ":1: only a comment may follow ']'");
	assert_refused("[ipv4]\njunk\n", ":2: expected 'key = value', "
	    "'[section]' or a comment");
	assert_refused("[ipv4]\nopen = iptables -A\n", ":2: open: the program "
	    "'iptables' must be an absolute path (starting with '/')");
	assert_refused("[ipv4]\nopen =\n", ":2: open: empty command");
	assert_refused("[ipv4]\nclose = -\n", ":2: close: empty command");
	assert_refused("[ipv4]\nsetup = /sbin/x -s {addr}\n", ":2: setup may "
	    "use only the {family} and {knock_port} placeholders: it runs "
	    "when there is no grant");
	assert_refused("[ipv4]\nteardown = /sbin/x {port}\n", ":2: teardown "
	    "may use only the {family} and {knock_port} placeholders: it runs "
	    "when there is no grant");
	assert_refused("[ipv4]\nopen = /sbin/x --dport {knock_port}\n", ":2: "
	    "open may not use {knock_port}: only setup and teardown do");
	assert_refused("[ipv6]\ncheck = -/sbin/x {knock_port}\n", ":2: check "
	    "may not use {knock_port}: only setup and teardown do");
	assert_refused("[ipv4]\nclose = libnftables delete {knock_port}\n",
	    ":2: close may not use {knock_port}: only setup and teardown do");
	assert_refused("[ipv4]\nclose = libnftables x {knock_port} {user}\n",
	    ":2: close: a libnftables command may use only {addr} {proto} "
	    "{port} {timeout} {family}: nft would read a name as its own "
	    "syntax");
	assert_refused("[ipv4]\nopen = /bin/true\n" "[ipv6]\nopen = /bin/true\n"
	    "close = /bin/true\n", ":1: [ipv4] needs at least one open and "
	    "one close command");
	assert_refused("[ipv4]\nopen = /bin/true\nclose = /bin/true\n",
	    ": no [ipv6] section: a rules file gives commands for IPv4 and "
	    "IPv6");
	assert_refused("", ": no [ipv4] section: a rules file gives commands "
	    "for IPv4 and IPv6");
}

static void
test_unknown_placeholder(void **state)
{
	struct firewall *fw;
	char want[128];
	const char *err;
	(void)state;

	err = load_text("[ipv4]\n\nopen = /sbin/x -s {address}\n", &fw);
	snprintf(want, sizeof(want), "%s/fw:3: open: unknown placeholder "
	    "'{address}'", tmpdir);
	assert_memory_equal(err, want, strlen(want));
	err = load_text("[ipv6]\nclose = /sbin/x {addr\n", &fw);
	snprintf(want, sizeof(want), "%s/fw:2: close: unbalanced '{'", tmpdir);
	assert_memory_equal(err, want, strlen(want));
}

static void
test_long_line_and_nul(void **state)
{
	static const char nul[] = "[ipv4]\nopen = /bin/t\0rue\n";
	struct firewall *fw;
	char text[400], want[128];
	(void)state;

	snprintf(text, sizeof(text), "[ipv4]\nopen = /bin/%0240d\n", 0);
	assert_refused(text, ":2: line too long (252 characters, at most 198)");
	/* The earlier line's error wins, inih's as well as ours. */
	snprintf(text, sizeof(text), "[ipv4]\nopen ; = 1\nopen = /bin/%0240d\n",
	    0);
	assert_refused(text, ":2: cannot parse this line: expected 'key = "
	    "value', '[section]' or a comment");
	snprintf(want, sizeof(want), "%s/fw:2: NUL byte in line: not a text "
	    "file?", tmpdir);
	assert_string_equal(load_bytes(nul, sizeof(nul) - 1, &fw), want);
}

/* Comments, indentation, a byte order mark and CRLF are all fine. */
static void
test_accepted_forms(void **state)
{
	struct firewall *fw;
	const struct firewall_cmd *c;
	size_t n;
	(void)state;

	assert_string_equal(load_text("\xef\xbb\xbf# rules\r\n"
	    "[ipv4]   ; the first family\r\n"
	    "  open = /sbin/x {addr} # a comment\r\n"
	    "open = /sbin/y {{literal}} ; another\r\n"
	    "\tclose: -/sbin/z {port}#kept\r\n"
	    "[ipv6]\nopen = /bin/true\nclose = /bin/true\n", &fw), "");
	c = firewall_commands(fw, FIREWALL_OPEN, 4, &n);
	assert_int_equal(n, 2);
	assert_int_equal(c[0].tmpl.nwords, 2);
	assert_string_equal(c[1].tmpl.words[1], "{{literal}}");
	assert_int_equal(c[1].line, 4);
	c = firewall_commands(fw, FIREWALL_CLOSE, 4, &n);
	assert_true(n == 1 && c[0].may_fail);
	assert_string_equal(c[0].tmpl.words[1], "{port}#kept");
	firewall_free(fw);
	assert_string_equal(load_text(BOTH_OK, &fw), "");
	firewall_free(fw);
}

/* The values the warden gives setup and teardown. */
static void
test_setup_values(void **state)
{
	struct firewall *fw;
	struct action_values v;
	char line[512];
	(void)state;

	actions_setup_values(6, 62201, &v);
	assert_string_equal(v.v.family, "6");
	assert_string_equal(v.v.knock_port, "62201");
	assert_null(v.v.addr);
	assert_null(v.v.port);
	assert_null(v.v.user);
	actions_setup_values(4, 65535, &v);
	assert_string_equal(v.v.family, "4");
	assert_string_equal(v.v.knock_port, "65535");
	actions_setup_values(4, 1, &v);
	assert_string_equal(v.v.knock_port, "1");
	assert_string_equal(load_text("[ipv4]\nsetup = /sbin/x "
	    "--dport={knock_port} {family}\nopen = /bin/true\nclose = "
	    "/bin/true\n[ipv6]\nopen = /bin/true\nclose = /bin/true\n", &fw),
	    "");
	joined(fw, FIREWALL_SETUP, 4, 0, &v.v, line, sizeof(line));
	assert_string_equal(line, "/sbin/x --dport=1 4");
	firewall_free(fw);
}

static void
test_names_refused(void **state)
{
	const char *bad[] = {
		"", "../etc/passwd", "a/b", "/etc/passwd", "Iptables",
		"ipt.ables", "x y", "abcdefghijklmnopqrstuvwxyz0123456",
	};
	struct firewall *fw;
	char err[FIREWALL_ERR_MAX];
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		assert_false(firewall_name_valid(bad[i]));
		assert_int_equal(firewall_load("rules", bad[i], &fw, err),
		    SPA_ERR_CONFIG);
		assert_null(fw);
		assert_non_null(strstr(err, ": not a firewall backend name"));
	}
	assert_int_equal(firewall_load("rules", "../rules/nft", &fw, err),
	    SPA_ERR_CONFIG);
	assert_string_equal(err, "../rules/nft: not a firewall backend name: "
	    "1 to 32 of a-z, 0-9, '_' and '-'");
	assert_true(firewall_name_valid("my_fw-2"));
	assert_true(firewall_name_valid("abcdefghijklmnopqrstuvwxyz012345"));
	assert_int_equal(firewall_load("rules", "no-such-backend", &fw, err),
	    SPA_ERR_CONFIG);
	assert_string_equal(err, "rules/no-such-backend: cannot open: No such "
	    "file or directory");
}

static void
test_accessors(void **state)
{
	struct firewall *fw;
	char err[FIREWALL_ERR_MAX];
	size_t n = 99;
	(void)state;

	assert_int_equal(firewall_load("rules/", "iptables", &fw, err), 0);
	assert_string_equal(firewall_path(fw), "rules/iptables");
	assert_null(firewall_commands(fw, FIREWALL_OPEN, 5, &n));
	assert_int_equal(n, 0);
	assert_null(firewall_commands(fw, FIREWALL_NVERBS, 4, &n));
	assert_null(firewall_commands(fw, (enum firewall_verb)-1, 4, &n));
	firewall_free(fw);
	firewall_free(NULL);
	assert_string_equal(firewall_verb_name(FIREWALL_SETUP), "setup");
	assert_string_equal(firewall_verb_name(FIREWALL_TEARDOWN), "teardown");
	assert_null(firewall_verb_name(FIREWALL_NVERBS));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_backends_load),
		cmocka_unit_test(test_iptables_commands),
		cmocka_unit_test(test_nft_commands),
		cmocka_unit_test(test_knock_port_silent),
		cmocka_unit_test(test_ipset_and_ufw_commands),
		cmocka_unit_test(test_broken_files),
		cmocka_unit_test(test_unknown_placeholder),
		cmocka_unit_test(test_long_line_and_nul),
		cmocka_unit_test(test_accepted_forms),
		cmocka_unit_test(test_setup_values),
		cmocka_unit_test(test_names_refused),
		cmocka_unit_test(test_accessors),
	};

	return cmocka_run_group_tests(tests, tmpdir_make, tmpdir_remove);
}
