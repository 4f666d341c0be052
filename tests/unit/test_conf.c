/* common/conf.c: typed fields from sniffer.conf, FILE:LINE: on every error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "testfile.h"
#include "addr.h"
#include "conf.h"
#include "err.h"
#include "key.h"
#include "crypto.h"

/* Bytes 0x00..0x1f; the first 16; 0x00..0x2f. */
#define KEY32 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#define KEY16 "AAECAwQFBgcICQoLDA0ODw=="
#define KEY48 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4v"
#define KEY_OTHER "PqWEZ75TM7+WCsf/2VOMNCtRUkVSdO16abhFlF5WIV0="
#define KEY_THIRD "Z5OLITqourkxo91uCSxGkb/RohkNQf+wTuroT5IeBUU="
/* Ed25519 public keys: erin's, from the signed vectors; the identity
 * point (small order: it would take anyone's signature); not a point. */
#define PUB_ERIN "P9s/UbGMmbj6FJA8WaQl+l66rJuMBKX4UT9xMMeY+io="
#define PUB_SMALL "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
#define PUB_NOT_POINT "AgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="

/* doc/interface.md's example, with a real key and its comments. */
static const char interface_example[] =
	"[sniffer]\n"
	"interface = any              # pcap device\n"
	"port = 5001                  # the closed TCP port that carries SPA packets\n"
	"address =                    # optional: only packets to this destination\n"
	"public_address =             # optional: more addresses the MAC may bind (server behind NAT)\n"
	"window = 60                  # seconds of clock difference tolerated\n"
	"formats = native signed      # which formats are accepted (classic: opt-in)\n"
	"firewall = iptables          # a backend file from rules/: iptables, ufw, nft, ...\n"
	"state = /var/lib/spa         # replay cache and open grants survive restarts here\n"
	"\n"
	"[user alice]\n"
	"key = " KEY32 "   # or keyfile = PATH\n"
	"allow = ssh                  # action names this user may request\n"
	"nat = no                     # yes: the allowed address may differ from the packet source\n"
	"classic = yes                # accept this user's classic-format packets\n"
	"\n"
	"[action ssh]\n"
	"open = tcp/22                # open this proto/port for the allowed address ...\n"
	"timeout = 30                 # ... for this many seconds\n"
	"# or: run = /path/to/program {addr} {user}   with   run_as = nobody\n";

static struct conf *
load_ok(const char *name, const char *text)
{
	struct conf *c = NULL;
	char err[CONF_ERR_MAX] = "";

	if (conf_load_string(name, text, &c, err) != 0)
		fail_msg("conf_load_string: %s", err);
	assert_non_null(c);
	return c;
}

/* Loading fails with exactly prefix at the start and want somewhere. */
static void
expect_error(const char *text, const char *prefix, const char *want)
{
	struct conf *c = (struct conf *)1;
	char err[CONF_ERR_MAX] = "";

	if (conf_load_string("t.conf", text, &c, err) != SPA_ERR_CONFIG)
		fail_msg("accepted:\n%s", text);
	assert_null(c);
	if (strncmp(err, prefix, strlen(prefix)) != 0 ||
	    strstr(err + strlen(prefix), want) == NULL)
		fail_msg("for:\n%s\ngot:  %s\nwant: %s ...%s", text, err, prefix,
		    want);
}

static void
test_interface_example(void **state)
{
	static const uint8_t secret[32] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
	    11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26,
	    27, 28, 29, 30, 31 };
	struct conf *c = load_ok("/etc/spa/sniffer.conf", interface_example);
	const struct conf_action *a;

	(void)state;
	assert_string_equal(c->path, "/etc/spa/sniffer.conf");
	assert_string_equal(c->sniffer.interface, "any");
	assert_int_equal(c->sniffer.port, 5001);
	assert_false(c->sniffer.has_address);
	assert_int_equal(c->sniffer.npublic, 0);
	assert_int_equal(c->sniffer.window, 60);
	assert_true(c->sniffer.native);
	assert_true(c->sniffer.signed_fmt);
	assert_false(c->sniffer.classic);
	assert_string_equal(c->sniffer.firewall, "iptables");
	assert_string_equal(c->sniffer.state, "/var/lib/spa");
	assert_int_equal(c->sniffer.lockout_count, 0);
	assert_int_equal(c->nusers, 1);
	assert_string_equal(c->users[0].name, "alice");
	assert_memory_equal(c->users[0].secret, secret, 32);
	assert_int_equal(c->users[0].nallow, 1);
	assert_string_equal(c->users[0].allow[0], "ssh");
	assert_false(c->users[0].nat);
	assert_true(c->users[0].classic);
	assert_int_equal(c->users[0].line, 11);
	assert_int_equal(c->nactions, 1);
	a = conf_find_action(c, "ssh");
	assert_ptr_equal(a, &c->actions[0]);
	assert_int_equal(a->kind, CONF_ACTION_OPEN);
	assert_int_equal(a->nports, 1);
	assert_int_equal(a->ports[0].proto, IPPROTO_TCP);
	assert_int_equal(a->ports[0].port, 22);
	assert_int_equal(a->timeout, 30);
	assert_null(a->run_as);
	assert_null(a->run.words);
	assert_int_equal(a->line, 17);
	assert_null(conf_find_action(c, "ftp"));
	assert_null(conf_find_action(c, "SSH"));
	conf_free(c);
}

static void
test_defaults(void **state)
{
	struct conf *c = load_ok("t.conf", "");

	(void)state;
	assert_string_equal(c->sniffer.interface, "any");
	assert_int_equal(c->sniffer.port, 5001);
	assert_false(c->sniffer.has_address);
	assert_null(c->sniffer.public_addrs);
	assert_int_equal(c->sniffer.window, 60);
	/* doc/interface.md: formats = native signed; classic is opt-in. */
	assert_true(c->sniffer.native);
	assert_true(c->sniffer.signed_fmt);
	assert_false(c->sniffer.classic);
	assert_string_equal(c->sniffer.firewall, "iptables");
	assert_string_equal(c->sniffer.state, "/var/lib/spa");
	assert_int_equal(c->sniffer.lockout_count, 0);
	assert_int_equal(c->sniffer.lockout_seconds, 0);
	assert_int_equal(c->sniffer.capture_buffer, 1536 << 10);
	assert_string_equal(c->sniffer.stats_file, "");
	assert_int_equal(c->nusers, 0);
	assert_int_equal(c->nactions, 0);
	conf_free(c);
	conf_free(NULL);
}

static void
test_sniffer_values(void **state)
{
	struct conf *c = load_ok("t.conf",
	    "; a comment\n"
	    "[sniffer]   # the daemon\n"
	    "  interface = eth0\n"
	    "\tport=62201\n"
	    "address = 2001:db8::1   ; inih comment\n"
	    "public_address = 192.0.2.1   2001:db8::2 # two\n"
	    "window = 86400\n"
	    "formats = classic\n"
	    "firewall = nft\n"
	    "state =    # memory only\n"
	    "lockout = 5/300\n"
	    "capture_buffer = 4M\n");
	struct spa_addr v4, v6;

	(void)state;
	assert_string_equal(c->sniffer.interface, "eth0");
	assert_int_equal(c->sniffer.port, 62201);
	assert_true(c->sniffer.has_address);
	assert_int_equal(addr_parse("2001:db8::1", &v6), 0);
	assert_true(addr_equal(&c->sniffer.address, &v6));
	assert_int_equal(c->sniffer.npublic, 2);
	assert_int_equal(addr_parse("192.0.2.1", &v4), 0);
	assert_int_equal(addr_parse("2001:db8::2", &v6), 0);
	assert_true(addr_equal(&c->sniffer.public_addrs[0], &v4));
	assert_true(addr_equal(&c->sniffer.public_addrs[1], &v6));
	assert_int_equal(c->sniffer.window, 86400);
	assert_false(c->sniffer.native);
	assert_true(c->sniffer.classic);
	assert_string_equal(c->sniffer.firewall, "nft");
	assert_string_equal(c->sniffer.state, "");
	assert_int_equal(c->sniffer.lockout_count, 5);
	assert_int_equal(c->sniffer.lockout_seconds, 300);
	assert_int_equal(c->sniffer.capture_buffer, 4 << 20);
	conf_free(c);
	c = load_ok("t.conf", "[sniffer]\ncapture_buffer = 65536\n");
	assert_int_equal(c->sniffer.capture_buffer, 64 << 10);
	conf_free(c);
	c = load_ok("t.conf", "[sniffer]\ncapture_buffer = 256K\n");
	assert_int_equal(c->sniffer.capture_buffer, 256 << 10);
	conf_free(c);
}

/* stats_file: a .prom name, relative to the file's directory; empty: off. */
static void
test_stats_file(void **state)
{
	struct conf *c;

	(void)state;
	c = load_ok("/etc/spa/sniffer.conf",
	    "[sniffer]\nstats_file = /var/lib/node/spa.prom\n");
	assert_string_equal(c->sniffer.stats_file, "/var/lib/node/spa.prom");
	conf_free(c);
	c = load_ok("/etc/spa/sniffer.conf", "[sniffer]\nstats_file = m.prom\n");
	assert_string_equal(c->sniffer.stats_file, "/etc/spa/m.prom");
	conf_free(c);
	c = load_ok("t.conf", "[sniffer]\nstats_file =\n");
	assert_string_equal(c->sniffer.stats_file, "");
	conf_free(c);
}

/* formats: any of native, signed and classic, in any order. */
static void
test_formats(void **state)
{
	static const struct {
		const char *text;
		bool native, signed_fmt, classic;
	} cases[] = {
		{ "native", true, false, false },
		{ "classic", false, false, true },
		{ "native classic", true, false, true },
		{ "classic   native signed", true, true, true },
		{ "native signed", true, true, false },
		{ "signed classic", false, true, true },
		{ "native native", true, false, false },
	};
	char text[128];
	struct conf *c;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "[sniffer]\nformats = %s\n",
		    cases[i].text);
		c = load_ok("t.conf", text);
		assert_int_equal(c->sniffer.native, cases[i].native);
		assert_int_equal(c->sniffer.signed_fmt, cases[i].signed_fmt);
		assert_int_equal(c->sniffer.classic, cases[i].classic);
		conf_free(c);
	}
}

/* A signing user, and formats = signed alone once there is one. */
static void
test_signing_user(void **state)
{
	struct conf *c;
	uint8_t want[32];

	(void)state;
	c = load_ok("t.conf", "[sniffer]\nformats = signed\n[user erin]\n"
	    "key = " KEY32 "\npublic = " PUB_ERIN "\n[user a]\nkey = "
	    KEY_OTHER "\n");
	assert_true(c->users[0].has_public);
	assert_false(c->users[1].has_public);
	assert_int_equal(key_decode(PUB_ERIN, want, NULL), 0);
	assert_memory_equal(c->users[0].public_key, want, 32);
	assert_true(c->sniffer.signed_fmt);
	assert_false(c->sniffer.native);
	conf_free(c);
}

/* Relative paths are relative to the configuration's directory. */
static void
test_relative_state(void **state)
{
	struct conf *c;

	(void)state;
	c = load_ok("/etc/spa/sniffer.conf", "[sniffer]\nstate = cache\n");
	assert_string_equal(c->sniffer.state, "/etc/spa/cache");
	conf_free(c);
	c = load_ok("sniffer.conf", "[sniffer]\nstate = cache\n");
	assert_string_equal(c->sniffer.state, "cache");
	conf_free(c);
	c = load_ok("/sniffer.conf", "[sniffer]\nstate = /srv/spa\n");
	assert_string_equal(c->sniffer.state, "/srv/spa");
	conf_free(c);
}

static void
test_users_and_actions(void **state)
{
	struct conf *c = load_ok("t.conf",
	    "[user bob]\r\n"
	    "key=" KEY_OTHER "\r\n"
	    "allow = backup  ssh ssh\r\n"
	    "nat = yes\r\n"
	    "[user carol.d-1]\n"
	    "key = " KEY32 "\n"
	    "[action backup]\n"
	    "run = /usr/local/sbin/spa-backup --from={addr} {user}  # comment\n"
	    "[action ssh]\n"
	    "timeout = 600\n"
	    "open = udp/60001\n"
	    "[action wake]\n"
	    "run = /bin/true\n"
	    "run_as = daemon\n"
	    "timeout = 5\n");
	const struct conf_action *a;
	const struct passwd *pw;

	(void)state;
	assert_int_equal(c->nusers, 2);
	assert_string_equal(c->users[0].name, "bob");
	assert_int_equal(c->users[0].secret[0], 0x3e);
	assert_int_equal(c->users[0].secret[31], 0x5d);
	assert_int_equal(c->users[0].nallow, 3);
	assert_string_equal(c->users[0].allow[0], "backup");
	assert_string_equal(c->users[0].allow[2], "ssh");
	assert_true(c->users[0].nat);
	assert_false(c->users[0].classic);
	assert_string_equal(c->users[1].name, "carol.d-1");
	assert_int_equal(c->users[1].nallow, 0);
	assert_int_equal(c->users[1].line, 5);
	a = conf_find_action(c, "backup");
	assert_non_null(a);
	assert_int_equal(a->kind, CONF_ACTION_RUN);
	assert_int_equal(a->timeout, 60);
	assert_string_equal(a->run_as, "nobody");
	assert_non_null(pw = getpwnam("nobody"));
	assert_int_equal(a->run_uid, pw->pw_uid);
	assert_int_equal(a->run_gid, pw->pw_gid);
	assert_int_equal(a->run.nwords, 3);
	assert_string_equal(a->run.words[0], "/usr/local/sbin/spa-backup");
	assert_string_equal(a->run.words[1], "--from={addr}");
	assert_string_equal(a->run.words[2], "{user}");
	assert_null(a->run.words[3]);
	a = conf_find_action(c, "ssh");
	assert_int_equal(a->kind, CONF_ACTION_OPEN);
	assert_int_equal(a->nports, 1);
	assert_int_equal(a->ports[0].proto, IPPROTO_UDP);
	assert_int_equal(a->ports[0].port, 60001);
	assert_int_equal(a->timeout, 600);
	a = conf_find_action(c, "wake");
	assert_string_equal(a->run_as, "daemon");
	assert_non_null(pw = getpwnam("daemon"));
	assert_int_equal(a->run_uid, pw->pw_uid);
	assert_int_equal(a->run_gid, pw->pw_gid);
	assert_int_equal(a->timeout, 5);
	conf_free(c);
}

/* from = networks of both families; expires = the first second after
 * the day, UTC (leap days, the century rule). */
/* forward = PROTO/PORT INNER:PORT, IPv4 or bracketed IPv6; a user's
 * allow records the family a forward serves. */
static void
test_forward(void **state)
{
	struct conf *c = load_ok("t.conf", "[user a]\nkey = " KEY32 "\n"
	    "allow = ssh fwd fwd6\n[action ssh]\nopen = tcp/22\n"
	    "[action fwd]\nforward = tcp/2222 192.0.2.10:22\ntimeout = 9\n"
	    "[action fwd6]\nforward =  udp/53   [2001:db8::10]:5353 \n");
	const struct conf_action *a = conf_find_action(c, "fwd");
	char buf[SPA_ADDRSTRLEN];

	(void)state;
	assert_int_equal(a->kind, CONF_ACTION_FORWARD);
	assert_int_equal(a->nports, 1);
	assert_int_equal(a->ports[0].proto, IPPROTO_TCP);
	assert_int_equal(a->ports[0].port, 2222);
	assert_string_equal(addr_format(&a->inner, buf), "192.0.2.10");
	assert_int_equal(a->inner.family, 4);
	assert_int_equal(a->inner_port, 22);
	assert_int_equal(a->timeout, 9);
	assert_int_equal(a->kind_line, 7);
	a = conf_find_action(c, "fwd6");
	assert_int_equal(a->ports[0].proto, IPPROTO_UDP);
	assert_string_equal(addr_format(&a->inner, buf), "2001:db8::10");
	assert_int_equal(a->inner_port, 5353);
	assert_int_equal(a->timeout, 30);
	assert_int_equal(c->users[0].allow_family[0], 0);
	assert_int_equal(c->users[0].allow_family[1], 4);
	assert_int_equal(c->users[0].allow_family[2], 6);
	conf_free(c);
}

/* open = several pairs, in order: one grant opens them all. */
static void
test_open_pairs(void **state)
{
	struct conf *c = load_ok("t.conf", "[action web]\n"
	    "open = tcp/22 tcp/443  udp/51820 udp/22\n");
	const struct conf_action *a = &c->actions[0];

	(void)state;
	assert_int_equal(a->kind, CONF_ACTION_OPEN);
	assert_int_equal(a->nports, 4);
	assert_int_equal(a->ports[1].proto, IPPROTO_TCP);
	assert_int_equal(a->ports[1].port, 443);
	assert_int_equal(a->ports[2].proto, IPPROTO_UDP);
	assert_int_equal(a->ports[2].port, 51820);
	assert_int_equal(a->ports[3].proto, IPPROTO_UDP);
	assert_int_equal(a->ports[3].port, 22);
	conf_free(c);
}

static void
test_from_expires(void **state)
{
	struct conf *c = load_ok("t.conf", "[user a]\nkey = " KEY32 "\n"
	    "from = 192.0.2.0/24 2001:db8::/32 198.51.100.7\n"
	    "expires = 2027-06-30\n"
	    "[user b]\nkey = " KEY_OTHER "\nexpires = 2000-02-29\n"
	    "[user c]\nkey = " KEY_THIRD "\nexpires = 1970-01-01\n");
	struct spa_addr a;

	(void)state;
	assert_int_equal(c->users[0].nfrom, 3);
	assert_int_equal(c->users[0].from[0].prefix, 24);
	assert_int_equal(c->users[0].from[1].prefix, 32);
	assert_int_equal(c->users[0].from[2].prefix, 32);
	assert_int_equal(addr_parse("198.51.100.7", &a), 0);
	assert_true(addr_in_net(&a, &c->users[0].from[2]));
	assert_int_equal(c->users[0].expires, 1814400000);  /* 2027-07-01 */
	assert_int_equal(c->users[0].expires_line, 4);
	assert_int_equal(c->users[1].expires, 951868800);   /* 2000-03-01 */
	assert_int_equal(c->users[2].expires, 86400);
	assert_int_equal(c->users[1].nfrom, 0);
	conf_free(c);
	c = load_ok("t.conf", "[user a]\nkey = " KEY32 "\n");
	assert_int_equal(c->users[0].expires, 0);
	assert_null(c->users[0].from);
	conf_free(c);
	expect_error("[user a]\nkey=" KEY32 "\nexpires = 2100-02-29\n",
	    "t.conf:3: ", "not '2100-02-29'");
}

static void
test_odd_but_valid(void **state)
{
	struct conf *c;

	(void)state;
	/* A byte order mark, a "key: value" line, printable action names. */
	c = load_ok("t.conf", "\xef\xbb\xbf[action a/b;c]\nopen: tcp/1\n"
	    "[action ~!]\nopen = tcp/65535\n[action   x   ]   ; c\n"
	    "open = tcp/2\n");
	assert_int_equal(c->nactions, 3);
	assert_string_equal(c->actions[0].name, "a/b;c");
	assert_string_equal(c->actions[1].name, "~!");
	assert_int_equal(c->actions[1].ports[0].port, 65535);
	assert_string_equal(c->actions[2].name, "x");
	conf_free(c);
	/* Indented lines are keys, not inih continuations. */
	c = load_ok("t.conf", "[sniffer]\nport = 1\n    window = 2\n");
	assert_int_equal(c->sniffer.port, 1);
	assert_int_equal(c->sniffer.window, 2);
	conf_free(c);
	/* A value may hold '#' when no blank comes before it. */
	c = load_ok("t.conf", "[action a]\nrun = /bin/echo x#y\n");
	assert_string_equal(c->actions[0].run.words[1], "x#y");
	conf_free(c);
}

/* The longest line inih can take is 198 characters, without its end. */
static void
test_line_length(void **state)
{
	char text[400], err[CONF_ERR_MAX];
	struct conf *c;
	size_t n;

	(void)state;
	strcpy(text, "[action a]\nrun = /bin/echo ");
	n = strlen("run = /bin/echo ");
	memset(text + strlen(text), 'x', 198 - n);
	strcpy(text + strlen("[action a]\n") + 198, "\n");
	c = load_ok("t.conf", text);
	assert_int_equal(strlen(c->actions[0].run.words[1]), 198 - n);
	conf_free(c);
	strcpy(text + strlen("[action a]\n") + 198, "y\n");
	assert_int_equal(conf_load_string("t.conf", text, &c, err),
	    SPA_ERR_CONFIG);
	assert_string_equal(err,
	    "t.conf:2: line too long (199 characters, at most 198)");
	memset(text, 'z', 350);
	text[350] = '\0';
	assert_int_equal(conf_load_string("t.conf", text, &c, err),
	    SPA_ERR_CONFIG);
	assert_string_equal(err,
	    "t.conf:1: line too long (350 characters, at most 198)");
}

struct bad {
	const char *text;
	const char *prefix;
	const char *want;
};

static const struct bad bad_sections[] = {
	{ "port = 1\n", "t.conf:1: ", "'port' comes before any section" },
	{ "\n[bogus]\n", "t.conf:2: ", "unknown section '[bogus]'; use" },
	{ "[User a]\n", "t.conf:1: ", "unknown section '[User]'" },
	{ "[user]\n", "t.conf:1: ", "[user] needs a name: [user NAME]" },
	{ "[action ]\n", "t.conf:1: ", "[action] needs a name" },
	{ "[sniffer x]\n", "t.conf:1: ", "[sniffer] takes no name" },
	{ "[user a b]\n", "t.conf:1: ", "one name, no spaces" },
	{ "[sniffer\n", "t.conf:1: ", "section header without ']'" },
	{ "[sniffer] port = 1\n", "t.conf:1: ", "only a comment may follow" },
	{ "[sniffer]\n\n[sniffer]\n", "t.conf:3: ",
	    "[sniffer] appears twice (first on line 1); merge" },
	{ "[sniffer]\nfoo = 1\n", "t.conf:2: ", "unknown key 'foo' in "
	    "[sniffer]; known: interface, port, address, public_address, "
	    "window, formats, firewall, state, lockout, capture_buffer, "
	    "stats_file" },
	{ "[sniffer]\nstats_file = /var/lib/spa.txt\n", "t.conf:2: ",
	    "stats_file must be a file name ending in .prom (node_exporter's "
	    "textfile collector reads no other), not '/var/lib/spa.txt'" },
	{ "[sniffer]\nstats_file = /var/lib/.prom\n", "t.conf:2: ",
	    "not '/var/lib/.prom'" },
	{ "[sniffer]\nstats_file = dir/\n", "t.conf:2: ", "not 'dir/'" },
	{ "[sniffer]\ncapture_buffer = 63K\n", "t.conf:2: ",
	    "capture_buffer must be a size from 64K to 256M (bytes, or with K "
	    "or M), not '63K'" },
	{ "[sniffer]\ncapture_buffer = 257M\n", "t.conf:2: ", "not '257M'" },
	{ "[sniffer]\ncapture_buffer = 1G\n", "t.conf:2: ", "not '1G'" },
	{ "[sniffer]\ncapture_buffer = M\n", "t.conf:2: ", "not 'M'" },
	{ "[sniffer]\ncapture_buffer = 4294967296\n", "t.conf:2: ",
	    "not '4294967296'" },
	{ "[user a]\nkey=" KEY32 "\nopen = tcp/1\n", "t.conf:3: ",
	    "unknown key 'open' in [user]; known: key, keyfile, allow" },
	{ "[action a]\nopen = tcp/1\nkey = x\n", "t.conf:3: ",
	    "unknown key 'key' in [action]; known: open, run, timeout, run_as" },
	{ "[sniffer]\nport = 1\nwindow = 2\nport = 2\n", "t.conf:4: ",
	    "'port' given twice in this section (first on line 2)" },
	{ "[sniffer]\nnat\n", "t.conf:2: ", "'nat' needs a value: write "
	    "'nat = VALUE'" },
	{ "[sniffer]\n!! ??\n", "t.conf:2: ", "expected 'key = value', "
	    "'[section]' or a comment" },
	{ "[sniffer]\n = 5\n", "t.conf:2: ", "a key name is one word" },
	{ "[sniffer]\nmy port = 5\n", "t.conf:2: ", "a key name is one word" },
	/* inih's own refusal: its ';' comment hides the '='. */
	{ "[sniffer]\nport ; = 5\nwindow = 0\n", "t.conf:2: ",
	    "cannot parse this line" },
	/* The first error wins. */
	{ "[sniffer]\nport = 0\nwindow = 0\n", "t.conf:2: ", "port must" },
};

static const struct bad bad_sniffer[] = {
	{ "[sniffer]\nport = 0\n", "t.conf:2: ",
	    "port must be a number from 1 to 65535, not '0'" },
	{ "[sniffer]\nport = 65536\n", "t.conf:2: ", "not '65536'" },
	{ "[sniffer]\nport = 99999999999999999999999\n", "t.conf:2: ",
	    "port must be a number from 1 to 65535" },
	{ "[sniffer]\nport = -1\n", "t.conf:2: ", "not '-1'" },
	{ "[sniffer]\nport = 22 23\n", "t.conf:2: ", "not '22 23'" },
	{ "[sniffer]\nport =\n", "t.conf:2: ", "not ''" },
	{ "[sniffer]\ninterface =\n", "t.conf:2: ",
	    "interface must be one pcap device name" },
	{ "[sniffer]\ninterface = eth0 eth1\n", "t.conf:2: ",
	    "not 'eth0 eth1'" },
	{ "[sniffer]\naddress = 192.0.2\n", "t.conf:2: ",
	    "address must be one IPv4 or IPv6 address, or empty; '192.0.2' "
	    "is not" },
	{ "[sniffer]\naddress = 192.0.2.1 192.0.2.2\n", "t.conf:2: ",
	    "address must be one" },
	{ "[sniffer]\npublic_address = 192.0.2.1 nope\n", "t.conf:2: ",
	    "public_address takes IPv4 or IPv6 addresses separated by spaces; "
	    "'nope' is not one" },
	{ "[sniffer]\nwindow = 0\n", "t.conf:2: ",
	    "window must be a number of seconds from 1 to 86400, not '0'" },
	{ "[sniffer]\nwindow = 86401\n", "t.conf:2: ", "not '86401'" },
	{ "[sniffer]\nwindow = 1m\n", "t.conf:2: ", "not '1m'" },
	{ "[sniffer]\nformats = native paper\n", "t.conf:2: ",
	    "formats takes native, signed and classic, not 'paper'" },
	{ "[sniffer]\nformats =\n", "t.conf:2: ",
	    "formats needs at least one of native, signed and classic" },
	{ "[sniffer]\nformats = signed\n", "t.conf:2: ",
	    "formats = signed accepts only signing users' knocks, and no user "
	    "has public =" },
	{ "[sniffer]\nfirewall = IPTables\n", "t.conf:2: ",
	    "firewall must name a backend in rules/" },
	{ "[sniffer]\nfirewall = ../x\n", "t.conf:2: ", "not '../x'" },
	{ "[sniffer]\nfirewall =\n", "t.conf:2: ", "firewall must" },
	{ "[sniffer]\nlockout = 5\n", "t.conf:2: ",
	    "lockout must be ATTEMPTS/SECONDS, both positive (such as 5/60), "
	    "or empty, not '5'" },
	{ "[sniffer]\nlockout = 0/60\n", "t.conf:2: ", "not '0/60'" },
	{ "[sniffer]\nlockout = 5/0\n", "t.conf:2: ", "not '5/0'" },
	{ "[sniffer]\nlockout = 5/\n", "t.conf:2: ", "lockout must" },
	{ "[sniffer]\nlockout = /60\n", "t.conf:2: ", "lockout must" },
	{ "[sniffer]\nlockout = 5/60/2\n", "t.conf:2: ", "lockout must" },
	{ "[sniffer]\nlockout = 4294967296/1\n", "t.conf:2: ",
	    "lockout must" },
};

static const struct bad bad_users[] = {
	{ "[user a]\nkey = " KEY32 "\npublic = " PUB_SMALL "\n", "t.conf:3: ",
	    "public is not a valid Ed25519 public key (not a point of the "
	    "curve, or one of small order" },
	{ "[user a]\nkey = " KEY32 "\npublic = " PUB_NOT_POINT "\n",
	    "t.conf:3: ", "public is not a valid Ed25519 public key" },
	{ "[user a]\nkey = " KEY32 "\npublic = " KEY16 "\n", "t.conf:3: ",
	    "public must be 32 bytes in base64 (44 characters), as knock "
	    "--keygen --sign prints it; this one is not 32 bytes" },
	{ "[sniffer]\nformats = native\n[user a]\nkey = " KEY32
	    "\npublic = " PUB_ERIN "\n", "t.conf:5: ", "user a has a public "
	    "key, but formats does not name signed: every knock of this user "
	    "would be refused" },
	{ "[user -x]\n", "t.conf:1: ", "user name '-x' must be 1 to 32 of" },
	{ "[user al!ce]\n", "t.conf:1: ", "user name 'al!ce'" },
	{ "[user abcdefghijabcdefghijabcdefghijabc]\n", "t.conf:1: ",
	    "user name 'abcdefghijabcdefghijabcdefghijabc' must be" },
	{ "[user a]\nkey=" KEY32 "\n[user b]\nkey=" KEY_OTHER "\n\n[user a]\n",
	    "t.conf:6: ", "[user a] appears twice (first on line 1)" },
	{ "[user a]\nnat = yes\n[action x]\nopen = tcp/1\n", "t.conf:1: ",
	    "[user a] has no key: add key = BASE64 or keyfile = PATH" },
	{ "[user a]\nnat = yes\n", "t.conf:1: ", "[user a] has no key" },
	{ "[user a]\n[bogus]\n", "t.conf:1: ", "[user a] has no key" },
	{ "[user a]\nkey = " KEY16 "\n", "t.conf:2: ",
	    "key must be exactly 32 bytes (44 base64 characters), this one "
	    "decodes to 16" },
	{ "[user a]\nkey = " KEY48 "\n", "t.conf:2: ",
	    "this one decodes to 48" },
	{ "[user a]\nkey = RgSmeolA53k0vigF4OiTK8E+81MwqS4G8QiCmnXnkA4e8lgvDZ"
	    "phV6KwYtDaT+ocDXI0M0BFk+bcPGohK8+C7Q==\n", "t.conf:2: ",
	    "this one decodes to 64: a client's signing key, whose seed the "
	    "server must never hold; knock --public -k FILE prints" },
	{ "[user a]\nkey = AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n",
	    "t.conf:2: ", "key is not valid base64: it must be 44 characters "
	    "of A-Z a-z 0-9 + / ending in '=' (this one has 43)" },
	{ "[user a]\nkey = AAECAwQFBgcICQoLDA0ODx.REhMUFRYXGBkaGxwdHh8=\n",
	    "t.conf:2: ", "key is not valid base64" },
	{ "[user a]\nkey =\n", "t.conf:2: ",
	    "key is not valid base64: it must be 44 characters" },
	{ "[user a]\nkey = " KEY32 "\nkeyfile = a.key\n", "t.conf:3: ",
	    "give key or keyfile, not both (key is on line 2)" },
	{ "[user a]\nkeyfile = a.key\nkey = " KEY32 "\n", "t.conf:2: ",
	    "cannot read key file 'a.key'" },
	{ "[user a]\nkeyfile =\n", "t.conf:2: ", "keyfile needs a path" },
	{ "[user a]\nkey=" KEY32 "\nkey=" KEY32 "\n", "t.conf:3: ",
	    "'key' given twice" },
	{ "[user a]\nkey=" KEY32 "\nnat = maybe\n", "t.conf:3: ",
	    "nat must be yes or no, not 'maybe'" },
	{ "[user a]\nkey=" KEY32 "\nclassic = 1\n", "t.conf:3: ",
	    "classic must be yes or no, not '1'" },
	{ "[user a]\nkey=" KEY32 "\nclassic = Yes\n", "t.conf:3: ",
	    "classic must be yes or no" },
	{ "[user a]\nkey=" KEY32 "\nallow = ssh ftp\n[action ssh]\n"
	    "open = tcp/22\n", "t.conf:3: ",
	    "allow names 'ftp', but there is no [action ftp]" },
	{ "[user a]\nkey=" KEY32 "\n[user b]\nkey=" KEY_OTHER "\n\nallow = x\n",
	    "t.conf:6: ", "allow names 'x'" },
	{ "[user a]\nkey=" KEY32 "\nfrom = 192.0.2.1/24\n", "t.conf:3: ",
	    "from takes networks such as 192.0.2.0/24 or 2001:db8::/32 (or "
	    "single addresses), separated by spaces, with no bits set past the "
	    "prefix; '192.0.2.1/24' is not one" },
	{ "[user a]\nkey=" KEY32 "\nfrom = 192.0.2.0/24, 2001:db8::/32\n",
	    "t.conf:3: ", "'192.0.2.0/24,' is not one" },
	{ "[user a]\nkey=" KEY32 "\nfrom =\n", "t.conf:3: ",
	    "from needs at least one network" },
	{ "[user a]\nkey=" KEY32 "\nexpires = 2027-02-29\n", "t.conf:3: ",
	    "expires must be a date YYYY-MM-DD (the last day of access, UTC) "
	    "such as 2027-06-30, not '2027-02-29'" },
	{ "[user a]\nkey=" KEY32 "\nexpires = 2027-6-30\n", "t.conf:3: ",
	    "not '2027-6-30'" },
	{ "[user a]\nkey=" KEY32 "\nexpires = 2027-06-31\n", "t.conf:3: ",
	    "not '2027-06-31'" },
	{ "[user a]\nkey=" KEY32 "\nexpires = 2027-13-01\n", "t.conf:3: ",
	    "not '2027-13-01'" },
	{ "[user a]\nkey=" KEY32 "\nexpires = 1969-12-31\n", "t.conf:3: ",
	    "not '1969-12-31'" },
	{ "[user a]\nkey=" KEY32 "\nexpires = 2027-06-30T12:00\n",
	    "t.conf:3: ", "not '2027-06-30T12:00'" },
	{ "[user a]\nkey=" KEY32 "\nexpires =\n", "t.conf:3: ",
	    "expires must be a date" },
	/* One key for two users: every knock would be the first one's. */
	{ "[user alice]\nkey = " KEY32 "\n[user carol]\nkey = " KEY_OTHER
	    "\n[user bob]\nallow =\nkey = " KEY32 "\n", "t.conf:7: ",
	    "user bob has the same key as user alice (line 2): every knock "
	    "would go to alice" },
};

static const struct bad bad_actions[] = {
	{ "[action abcdefghijabcdefghijabcdefghijabc]\n", "t.conf:1: ",
	    "action name 'abcdefghijabcdefghijabcdefghijabc' must be a valid "
	    "request: 1 to 32 printable ASCII characters" },
	{ "[action \xc3\xa9]\n", "t.conf:1: ", "action name '?" "?' must be" },
	{ "[action a]\nopen = tcp/1\n[action a]\n", "t.conf:3: ",
	    "[action a] appears twice (first on line 1)" },
	{ "[action a]\ntimeout = 5\n", "t.conf:1: ",
	    "[action a] needs open = PROTO/PORT, run = /PATH ARGS... or "
	    "forward = PROTO/PORT INNER:PORT" },
	{ "[action a]\n", "t.conf:1: ", "[action a] needs open" },
	{ "[action a]\n[action b]\nopen = tcp/1\n", "t.conf:1: ",
	    "[action a] needs open" },
	{ "[action a]\nopen = tcp/22\nrun = /bin/true\n", "t.conf:3: ",
	    "an action has one of open, run and forward (open is on line 2)" },
	{ "[action a]\nrun = /bin/true\nopen = tcp/22\n", "t.conf:3: ",
	    "(run is on line 2)" },
	{ "[action a]\nforward = tcp/22 192.0.2.10:22\nopen = tcp/22\n",
	    "t.conf:3: ", "(forward is on line 2)" },
	{ "[action a]\nforward = tcp/22 192.0.2.10\n", "t.conf:2: ",
	    "forward must be PROTO/PORT INNER:PORT, such as 'tcp/22 "
	    "192.0.2.10:22' or 'tcp/2222 [2001:db8::10]:22' (the inner host an "
	    "address a grant can mean, IPv6 in brackets), not 'tcp/22 "
	    "192.0.2.10'" },
	{ "[action a]\nforward = tcp/22 2001:db8::10:22\n", "t.conf:2: ",
	    "forward must be" },
	{ "[action a]\nforward = tcp/22 [192.0.2.10]:22\n", "t.conf:2: ",
	    "forward must be" },
	{ "[action a]\nforward = tcp/22 127.0.0.1:22\n", "t.conf:2: ",
	    "forward must be" },
	{ "[action a]\nforward = tcp/22 192.0.2.10:0\n", "t.conf:2: ",
	    "forward must be" },
	{ "[action a]\nforward = tcp/22\n", "t.conf:2: ", "forward must be" },
	{ "[action a]\nforward = tcp/22 tcp/443 192.0.2.10:22\n", "t.conf:2: ",
	    "forward must be" },
	{ "[action a]\nforward = tcp/22 192.0.2.10:22 x\n", "t.conf:2: ",
	    "forward must be" },
	{ "[action a]\nforward = icmp/1 192.0.2.10:22\n", "t.conf:2: ",
	    "forward must be" },
	{ "[action a]\nopen = tcp/0\n", "t.conf:2: ",
	    "open takes tcp/PORT and udp/PORT pairs with PORT from 1 to 65535, "
	    "separated by spaces (such as tcp/22 udp/51820), not 'tcp/0'" },
	{ "[action a]\nopen = tcp/65536\n", "t.conf:2: ", "not 'tcp/65536'" },
	{ "[action a]\nopen = icmp/1\n", "t.conf:2: ", "not 'icmp/1'" },
	{ "[action a]\nopen = TCP/22\n", "t.conf:2: ", "not 'TCP/22'" },
	{ "[action a]\nopen = tcp/\n", "t.conf:2: ", "not 'tcp/'" },
	{ "[action a]\nopen = 22\n", "t.conf:2: ", "not '22'" },
	{ "[action a]\nopen = tcp/22 udp/53 tcp/22\n", "t.conf:2: ",
	    "open names tcp/22 twice" },
	{ "[action a]\nopen = tcp/22,tcp/443\n", "t.conf:2: ",
	    "not 'tcp/22,tcp/443'" },
	{ "[action a]\nopen =\n", "t.conf:2: ", "open needs a pair such as "
	    "tcp/22" },
	{ "[action a]\nopen = tcp/1 tcp/2 tcp/3 tcp/4 tcp/5 tcp/6 tcp/7 tcp/8 "
	    "tcp/9\n", "t.conf:2: ", "open takes at most 8 pairs" },
	{ "[action a]\nrun = backup.sh {addr}\n", "t.conf:2: ",
	    "run: the program 'backup.sh' must be an absolute path" },
	{ "[action a]\nrun = /bin/backup {host}\n", "t.conf:2: ",
	    "run: unknown placeholder '{host}'" },
	{ "[action a]\nrun = /bin/backup {addr\n", "t.conf:2: ",
	    "run: unbalanced '{'" },
	{ "[action a]\nrun =   # nothing\n", "t.conf:2: ",
	    "run: empty command" },
	{ "[action a]\nopen = tcp/1\ntimeout = 0\n", "t.conf:3: ",
	    "timeout must be a number of seconds from 1 to 86400, not '0'" },
	{ "[action a]\nopen = tcp/1\ntimeout = 1h\n", "t.conf:3: ",
	    "not '1h'" },
	{ "[action a]\nrun_as = root\nopen = tcp/1\n", "t.conf:2: ",
	    "run_as only applies to run actions; remove it" },
	{ "[action a]\nrun = /bin/true\nrun_as = -x\n", "t.conf:3: ",
	    "run_as must be a user name (1 to 32 of A-Z a-z 0-9 . _ -), "
	    "not '-x'" },
	{ "[action a]\nrun = /bin/true\nrun_as =\n", "t.conf:3: ",
	    "run_as must be a user name" },
	/* Resolved once, at load: a knock never waits for a user look-up. */
	{ "[action a]\nrun = /bin/true\nrun_as = no-such-user-spa\n",
	    "t.conf:3: ", "run_as user no-such-user-spa does not exist" },
	{ "[action a]\nrun_as = no-such-user-spa\nrun = /bin/true\n"
	    "timeout = 5\n", "t.conf:2: ", "run_as user no-such-user-spa does "
	    "not exist" },
};

static void
run_table(const struct bad *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		expect_error(t[i].text, t[i].prefix, t[i].want);
}

#define RUN_TABLE(t) run_table((t), sizeof(t) / sizeof((t)[0]))

static void
test_bad_sections(void **state)
{
	(void)state;
	RUN_TABLE(bad_sections);
}

static void
test_bad_sniffer(void **state)
{
	(void)state;
	RUN_TABLE(bad_sniffer);
}

static void
test_bad_users(void **state)
{
	(void)state;
	RUN_TABLE(bad_users);
}

static void
test_bad_actions(void **state)
{
	(void)state;
	RUN_TABLE(bad_actions);
}

/* No error message repeats key material, whatever the mistake. */
static void
test_no_key_in_messages(void **state)
{
	static const struct bad texts[] = {
		{ "[user a]\nkey = " KEY16 "\n", "t.conf:2: ", "decodes" },
		{ "[user a]\nkey = " KEY48 "\n", "t.conf:2: ", "decodes" },
		{ "[user a]\nkey = " KEY32 "x\n", "t.conf:2: ", "base64" },
		{ "[user a]\nkey " KEY32 "\n", "t.conf:2: ", "key name" },
		{ "[user a]\nkey" KEY32 "\n", "t.conf:2: ", "key name" },
		{ "[user a]\n" KEY32 "\n", "t.conf:2: ", "key name" },
		{ "[user a]\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n",
		    "t.conf:2: ", "expected 'key = value'" },
		{ "[user a]\nkey = " KEY32 "\nkey = " KEY32 "\n", "t.conf:3: ",
		    "given twice" },
		{ "[user a]\nkey = " KEY_OTHER "\nallow = ssh " KEY32 "\n",
		    "t.conf:3: ", "allow takes action names, and this one looks "
		    "like a key (not shown): a key goes in key = or in a key "
		    "file" },
		{ "[user a]\nkeyfile = " KEY32 "\n", "t.conf:2: ", "keyfile "
		    "takes the path of a key file, not the key itself (not "
		    "shown)" },
		{ "[sniffer]\ninterface = " KEY32 "\n", "t.conf:2: ",
		    "interface must be one pcap device name such as eth0 or "
		    "any, not '[not shown: looks like a key]'" },
		{ "[action a]\nrun = /bin/echo {x} " KEY32 "\n", "t.conf:2: ",
		    "run: not a valid command (part of it looks like a key, so "
		    "it is not shown)" },
	};
	char err[CONF_ERR_MAX];
	struct conf *c;

	(void)state;
	RUN_TABLE(texts);
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		assert_int_equal(conf_load_string("t.conf", texts[i].text, &c,
		    err), SPA_ERR_CONFIG);
		if (strstr(err, "AAECAwQFBgcICQoL") != NULL)
			fail_msg("key material in: %s", err);
	}
}

/* 1 when err holds 12 or more consecutive characters of key. */
static int
quotes_key(const char *err, const char *key)
{
	char window[13];

	for (size_t i = 0; i + 12 <= strlen(key); i++) {
		memcpy(window, key + i, 12);
		window[12] = '\0';
		if (strstr(err, window) != NULL)
			return 1;
	}
	return 0;
}

/* A key pasted where it does not belong is refused without being quoted
 * back, whichever key and wherever it lands. */
static void
test_key_pasted_elsewhere(void **state)
{
	static const char *const keys[] = { KEY32, KEY_OTHER, KEY_THIRD };
	static const char *const places[] = {
		"[sniffer]\ninterface = %s\n",
		"[sniffer]\ninterface = eth0 %s\n",
		"[sniffer]\nport = %s\n",
		"[sniffer]\naddress = %s\n",
		"[sniffer]\npublic_address = 192.0.2.1 %s\n",
		"[sniffer]\nwindow = %s\n",
		"[sniffer]\nformats = native %s\n",
		"[sniffer]\nfirewall = %s\n",
		"[sniffer]\nlockout = %s\n",
		"[sniffer]\nlockout = 5/%s\n",
		"[sniffer]\nkye = %s\n",
		"[sniffer]\n%s = 1\n",
		"[user %s]\n",
		"[%s]\n",
		"[user a]\nkey = " KEY16 "\nallow = %s\n",
		"[user a]\nkey = " KEY16 "%s\n",
		"[user a]\nkeyfile = %s\n",
		"[user a]\nkeyfile = dir/%s\n",
		"[user a]\nkey = " KEY48 "\nnat = %s\n",
		"[user a]\nkey = %s\nclassic = %s\n",
		"[user a]\nkey = %s\nallow = ssh %s\n[action ssh]\nopen = tcp/1\n",
		"[user a]\nkey = %s\n[user b]\nkey = %s\n",
		"[user a]\nkey = %s\nkey = %s\n",
		"[action %s]\n",
		"[action a]\nopen = %s\n",
		"[action a]\nopen = tcp/%s\n",
		"[action a]\nrun = %s\n",
		"[action a]\nrun = /bin/echo {%s}\n",
		"[action a]\nrun = /bin/echo {bad} %s\n",
		"[action a]\nrun = /bin/echo {bad} %s "
		    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
		"[action a]\nrun = /bin/echo %s\nrun_as = %s\n",
		"[action a]\nopen = tcp/1\ntimeout = %s\n",
	};
	char text[512], err[CONF_ERR_MAX];
	struct conf *c;
	int failed = 0;

	(void)state;
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		for (size_t i = 0; i < sizeof(places) / sizeof(places[0]); i++) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
			snprintf(text, sizeof(text), places[i], keys[k],
			    keys[k]);
#pragma GCC diagnostic pop
			if (conf_load_string("t.conf", text, &c, err) !=
			    SPA_ERR_CONFIG) {
				print_error("accepted:\n%s", text);
				failed++;
			} else if (quotes_key(err, keys[k])) {
				print_error("key material in: %s\n", err);
				failed++;
			}
		}
	}
	assert_int_equal(failed, 0);
}

/* ---- real files ---- */

static char tmpdir[64];

static int
setup_dir(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/test_conf.XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown_dir(void **state)
{
	(void)state;
	return testfile_remove_tree(tmpdir);
}

static void
write_file(const char *name, const char *text, mode_t mode)
{
	testfile_write(tmpdir, name, text, mode);
}

static int
chown_file(const char *name, uid_t uid)
{
	char path[sizeof(tmpdir) + 128];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	return chown(path, uid, (gid_t)-1);
}

static int
load_file(const char *name, struct conf **c, char err[CONF_ERR_MAX])
{
	char path[sizeof(tmpdir) + 128];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	return conf_load(path, c, err);
}

static void
test_file_keyfile(void **state)
{
	char err[CONF_ERR_MAX];
	struct conf *c;

	(void)state;
	write_file("alice.key", KEY_OTHER "\n", 0600);
	write_file("a.conf", "[user alice]\nkeyfile = alice.key\nallow = ssh\n"
	    "[action ssh]\nopen = tcp/22\n", 0644);
	assert_int_equal(load_file("a.conf", &c, err), 0);
	assert_int_equal(c->users[0].secret[0], 0x3e);
	assert_int_equal(c->users[0].secret[31], 0x5d);
	conf_free(c);
}

static void
expect_file_error(const char *conf, const char *line, const char *want)
{
	char err[CONF_ERR_MAX], prefix[128];
	struct conf *c = (struct conf *)1;

	assert_int_equal(load_file(conf, &c, err), SPA_ERR_CONFIG);
	assert_null(c);
	snprintf(prefix, sizeof(prefix), "%s/%s:%s", tmpdir, conf, line);
	if (strncmp(err, prefix, strlen(prefix)) != 0 ||
	    strstr(err, want) == NULL)
		fail_msg("got:  %s\nwant: %s...%s", err, prefix, want);
}

static void
test_file_errors(void **state)
{
	char want[256];

	(void)state;
	write_file("open.key", KEY32 "\n", 0644);
	write_file("b.conf", "[user b]\nkeyfile = open.key\n", 0644);
	snprintf(want, sizeof(want), "key file '%s/open.key' may be read or "
	    "written by group or others (mode 0644): chmod 600 it", tmpdir);
	expect_file_error("b.conf", "2: ", want);
	write_file("c.conf", "\n[user c]\nkeyfile = missing.key\n", 0644);
	snprintf(want, sizeof(want), "cannot read key file '%s/missing.key': "
	    "No such file or directory", tmpdir);
	expect_file_error("c.conf", "3: ", want);
	write_file("short.key", KEY16 "\n", 0600);
	write_file("d.conf", "[user d]\nkeyfile = short.key\n", 0644);
	expect_file_error("d.conf", "2: ", "short.key' must hold one 32-byte "
	    "key in base64 (44 characters)");
	expect_file_error("none.conf", " ", "cannot open: No such file or "
	    "directory");
	write_file("good.key", KEY32 "\n", 0600);
	write_file("e.conf", "[user e]\nkeyfile = good.key\nkey = " KEY32
	    "\n", 0600);
	expect_file_error("e.conf", "3: ", "give key or keyfile, not both "
	    "(keyfile is on line 2)");
}

/* A NUL byte inside a file is refused, not taken for the line's end. */
static void
test_file_nul(void **state)
{
	static const char text[] = "[sniffer]\nport = 1\0 2\n";
	char path[256], err[CONF_ERR_MAX];
	struct conf *c;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/nul.conf", tmpdir);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, sizeof(text) - 1, f),
	    sizeof(text) - 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(conf_load(path, &c, err), SPA_ERR_CONFIG);
	assert_non_null(strstr(err, "nul.conf:2: NUL byte in line"));
}

/* Only a regular file of at most 16 MiB is read: a FIFO would block the
 * reader, /dev/zero would never end.  SIGALRM ends a test that hangs. */
static void
test_file_not_regular(void **state)
{
	char path[256], err[CONF_ERR_MAX];
	struct conf *c = (struct conf *)1;
	FILE *f;

	(void)state;
	alarm(getenv("SPA_WRAP") != NULL ? 300 : 10);  /* memcheck: slow */
	snprintf(path, sizeof(path), "%s/fifo.conf", tmpdir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(conf_load(path, &c, err), SPA_ERR_CONFIG);
	assert_null(c);
	if (strstr(err, "fifo.conf: is a FIFO, not a regular file") == NULL)
		fail_msg("got: %s", err);
	unlink(path);
	assert_int_equal(conf_load("/dev/zero", &c, err), SPA_ERR_CONFIG);
	assert_string_equal(err, "/dev/zero: is a character device, not a "
	    "regular file");
	assert_int_equal(conf_load(tmpdir, &c, err), SPA_ERR_CONFIG);
	assert_non_null(strstr(err, ": is a directory, not a regular file"));
	/* 16 MiB of comments is still read; one byte more is not. */
	snprintf(path, sizeof(path), "%s/big.conf", tmpdir);
	f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 0; i < 16 * 1024 * 1024 / 64; i++)
		fprintf(f, "# %61s\n", "");
	assert_int_equal(fclose(f), 0);
	assert_int_equal(conf_load(path, &c, err), 0);
	conf_free(c);
	f = fopen(path, "a");
	assert_non_null(f);
	fputc('\n', f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(conf_load(path, &c, err), SPA_ERR_CONFIG);
	if (strstr(err, "big.conf: is larger than 16 MiB (16777217 bytes)") ==
	    NULL)
		fail_msg("got: %s", err);
	unlink(path);
	alarm(0);
}

/* A file with inline keys must be private to its owner: root or us. */
static void
test_file_inline_key_mode(void **state)
{
	static const char text[] = "[user a]\nkey = " KEY32 "\n";
	static const mode_t open_modes[] = { 0644, 0640, 0604, 0620, 0602,
	    0660, 0610 };
	char err[CONF_ERR_MAX], want[512];
	struct conf *c;

	(void)state;
	write_file("k.conf", text, 0600);
	assert_int_equal(load_file("k.conf", &c, err), 0);
	conf_free(c);
	write_file("k.conf", text, 0400);
	assert_int_equal(load_file("k.conf", &c, err), 0);
	conf_free(c);
	for (size_t i = 0; i < sizeof(open_modes) / sizeof(open_modes[0]);
	    i++) {
		write_file("k.conf", text, open_modes[i]);
		snprintf(want, sizeof(want), "%s/k.conf: holds inline keys "
		    "(line 2) but group or others may read or write it (mode "
		    "0%o): chmod 600 %s/k.conf", tmpdir,
		    (unsigned)open_modes[i], tmpdir);
		assert_int_equal(load_file("k.conf", &c, err), SPA_ERR_CONFIG);
		assert_string_equal(err, want);
		assert_false(quotes_key(err, KEY32));
	}
	/* The first key line is named, and the refusal comes first. */
	write_file("k.conf", "[sniffer]\nport = 1\n[user a]\nkey = " KEY16
	    "\n[user b]\nkey = " KEY32 "\n", 0644);
	assert_int_equal(load_file("k.conf", &c, err), SPA_ERR_CONFIG);
	assert_non_null(strstr(err, "holds inline keys (line 4)"));
	/* Without inline keys, the mode is the administrator's choice. */
	write_file("k.conf", "[sniffer]\nport = 1\n", 0644);
	assert_int_equal(load_file("k.conf", &c, err), 0);
	conf_free(c);
	/* Owned by someone else (only root can make such a file here). */
	if (geteuid() != 0)
		return;
	write_file("k.conf", text, 0600);
	assert_int_equal(chown_file("k.conf", 65534), 0);
	snprintf(want, sizeof(want), "%s/k.conf: holds inline keys (line 2) "
	    "but is owned by uid 65534, not by root or by uid 0 that runs "
	    "sniffer: chown root %s/k.conf", tmpdir, tmpdir);
	assert_int_equal(load_file("k.conf", &c, err), SPA_ERR_CONFIG);
	assert_string_equal(err, want);
}

/* A key file that is a block device (root makes one with mknod; a /tmp
 * mounted nodev cannot open it): refused, naming what it is. */
static void
test_file_keyfile_block_device(void **state)
{
	char err[CONF_ERR_MAX], path[256];
	struct conf *c;
	int fd = -1;

	(void)state;
	snprintf(path, sizeof(path), "%s/blk.key", tmpdir);
	if (geteuid() != 0 || mknod(path, S_IFBLK | 0600, makedev(7, 200)) != 0 ||
	    (fd = open(path, O_RDONLY | O_NONBLOCK)) < 0) {
		print_message("no block device to open here (not root, or "
		    "/tmp mounted nodev)\n");
		skip();
	}
	close(fd);
	write_file("b.conf", "[user a]\nkeyfile = blk.key\n", 0644);
	assert_int_equal(load_file("b.conf", &c, err), SPA_ERR_CONFIG);
	if (strstr(err, "b.conf:2: key file '") == NULL ||
	    strstr(err, "blk.key' is a block device, not a regular file") ==
	    NULL)
		fail_msg("%s", err);
}

/* A key file: private, owned by root or us, in a directory that only its
 * owner may write (else anyone could swap the key). */
static void
test_file_keyfile_place(void **state)
{
	static const mode_t open_dirs[] = { 0720, 0702, 0770, 0777, 01777,
	    0730 };
	char err[CONF_ERR_MAX], want[512], path[256];
	struct conf *c;

	(void)state;
	snprintf(path, sizeof(path), "%s/shared", tmpdir);
	assert_int_equal(mkdir(path, 0700), 0);
	write_file("shared/a.key", KEY32 "\n", 0600);
	write_file("s.conf", "[user a]\nkeyfile = shared/a.key\n", 0644);
	assert_int_equal(load_file("s.conf", &c, err), 0);
	conf_free(c);
	for (size_t i = 0; i < sizeof(open_dirs) / sizeof(open_dirs[0]); i++) {
		mode_t m = open_dirs[i];

		assert_int_equal(chmod(path, m), 0);
		snprintf(want, sizeof(want), "%s/s.conf:2: key file "
		    "'%s/shared/a.key' is in a directory that group or others "
		    "may write ('%s/shared', mode 0%o): move the key to a "
		    "private directory such as /etc/spa", tmpdir, tmpdir,
		    tmpdir, (unsigned)m);
		assert_int_equal(load_file("s.conf", &c, err), SPA_ERR_CONFIG);
		assert_string_equal(err, want);
	}
	assert_int_equal(chmod(path, 0755), 0);
	assert_int_equal(load_file("s.conf", &c, err), 0);
	conf_free(c);
	/* /tmp: sticky, but anyone may create files there. */
	snprintf(path, sizeof(path), "/tmp/test_conf_key.%d", (int)getpid());
	unlink(path);
	write_file("t.conf", "", 0644);
	{
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		fputs(KEY32 "\n", f);
		fclose(f);
		assert_int_equal(chmod(path, 0600), 0);
	}
	snprintf(want, sizeof(want), "[user a]\nkeyfile = %s\n", path);
	write_file("t.conf", want, 0644);
	assert_int_equal(load_file("t.conf", &c, err), SPA_ERR_CONFIG);
	assert_non_null(strstr(err, "t.conf:2: key file '/tmp/test_conf_key."));
	assert_non_null(strstr(err, "is in a directory that group or others "
	    "may write ('/tmp', mode 01777)"));
	unlink(path);
	/* Readable or writable by group or others. */
	write_file("shared/a.key", KEY32 "\n", 0620);
	assert_int_equal(load_file("s.conf", &c, err), SPA_ERR_CONFIG);
	assert_non_null(strstr(err, "a.key' may be read or written by group "
	    "or others (mode 0620): chmod 600 it"));
	/* Owned by another user. */
	if (geteuid() != 0)
		return;
	write_file("shared/a.key", KEY32 "\n", 0600);
	assert_int_equal(chown_file("shared/a.key", 65534), 0);
	snprintf(want, sizeof(want), "%s/s.conf:2: key file "
	    "'%s/shared/a.key' is owned by uid 65534, not by root or by uid 0 "
	    "that runs sniffer: chown it to root", tmpdir, tmpdir);
	assert_int_equal(load_file("s.conf", &c, err), SPA_ERR_CONFIG);
	assert_string_equal(err, want);
}

/* Every .conf in doc/examples loads, with the key files it names. */
static void
test_examples(void **state)
{
	static const char *const keys[] = { "alice.key", "bob.key",
	    "backup.key" };
	static const char *const secrets[] = { KEY32, KEY_OTHER, KEY_THIRD };
	char err[CONF_ERR_MAX], path[64], *text;
	struct conf *c;
	glob_t g;
	FILE *f;
	long n;

	(void)state;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		write_file(keys[i], secrets[i], 0600);
	assert_int_equal(glob("doc/examples/*.conf", 0, NULL, &g), 0);
	assert_true(g.gl_pathc >= 2);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		f = fopen(g.gl_pathv[i], "r");
		assert_non_null(f);
		assert_int_equal(fseek(f, 0, SEEK_END), 0);
		n = ftell(f);
		rewind(f);
		text = calloc(1, (size_t)n + 1);
		assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
		fclose(f);
		snprintf(path, sizeof(path), "example-%zu.conf", i);
		write_file(path, text, 0644);
		free(text);
		if (load_file(path, &c, err) != 0)
			fail_msg("%s: %s", g.gl_pathv[i], err);
		assert_true(c->nusers >= 1);
		assert_true(c->nactions >= 1);
		conf_free(c);
	}
	globfree(&g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_interface_example),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_sniffer_values),
		cmocka_unit_test(test_stats_file),
		cmocka_unit_test(test_relative_state),
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_signing_user),
		cmocka_unit_test(test_users_and_actions),
		cmocka_unit_test(test_odd_but_valid),
		cmocka_unit_test(test_from_expires),
		cmocka_unit_test(test_open_pairs),
		cmocka_unit_test(test_forward),
		cmocka_unit_test(test_line_length),
		cmocka_unit_test(test_bad_sections),
		cmocka_unit_test(test_bad_sniffer),
		cmocka_unit_test(test_bad_users),
		cmocka_unit_test(test_bad_actions),
		cmocka_unit_test(test_no_key_in_messages),
		cmocka_unit_test(test_key_pasted_elsewhere),
		cmocka_unit_test(test_file_keyfile),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_file_nul),
		cmocka_unit_test(test_file_not_regular),
		cmocka_unit_test(test_file_inline_key_mode),
		cmocka_unit_test(test_file_keyfile_place),
		cmocka_unit_test(test_file_keyfile_block_device),
		cmocka_unit_test(test_examples),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
