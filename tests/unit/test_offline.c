/*
 * sniffer -r through offline_run, on the recorded captures: an accepted
 * knock whose replay tag cannot be written is refused (its line says so,
 * and no command line follows), and is accepted once the state is
 * writable again; doc/protocol.md step 9.
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

#include <sqlite3.h>

#include "actions.h"
#include "commit.h"
#include "conf.h"
#include "err.h"
#include "firewall.h"
#include "offline.h"
#include "testfile.h"

static const char conf_text[] =
    "[sniffer]\nport = 5001\nstate =\n"
    "[user alice]\nkey = PqWEZ75TM7+WCsf/2VOMNCtRUkVSdO16abhFlF5WIV0=\n"
    "allow = ssh\n"
    "[action ssh]\nopen = tcp/22\n";

/* Runs the capture file path as sniffer -r -n would; returns what it
 * printed (free it). */
static char *
run_offline_path(const struct conf *c, const struct firewall *fw,
    struct replay_cache *rc, struct state *st, const char *path)
{
	struct actions_dry_run dry = { c, fw };
	struct server *s;
	char err[512], *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	assert_int_equal(server_new(c, rc, NULL, &s, err, sizeof(err)), 0);
	if (offline_run(&(struct offline_run){ .server = s, .replay = rc,
	    .state = st, .path = path, .port = 5001,
	    .dry_run = actions_print_dry_run, .ctx = &dry, .out = out }, err,
	    sizeof(err)) != 0)
		fail_msg("%s", err);
	fclose(out);
	server_free(s);
	return text;
}

/* The same for pcaps/NAME.pcap. */
static char *
run_offline(const struct conf *c, const struct firewall *fw,
    struct replay_cache *rc, struct state *st, const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "pcaps/%s.pcap", name);
	return run_offline_path(c, fw, rc, st, path);
}

static void
test_offline_unwritable_tag_refuses(void **state)
{
	char dir[] = "/tmp/spa-offline-XXXXXX", err[512], db[64], *text;
	struct replay_cache *rc;
	struct firewall *fw;
	struct conf *c;
	struct state *st;
	sqlite3 *other;
	(void)state;

	assert_non_null(mkdtemp(dir));
	snprintf(db, sizeof(db), "%s/state.db", dir);
	assert_int_equal(conf_load_string("test.conf", conf_text, &c, err), 0);
	assert_int_equal(firewall_load("rules", "iptables", &fw, err), 0);
	assert_int_equal(state_open(dir, &st, err), 0);
	state_set_busy_ms(st, 20);
	assert_int_equal(replay_new(&rc), 0);
	assert_int_equal(sqlite3_open(db, &other), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "BEGIN EXCLUSIVE", NULL, NULL,
	    NULL), SQLITE_OK);
	text = run_offline(c, fw, rc, st, "native-v4-accepted");
	assert_non_null(strstr(text, "verdict=accepted"));
	assert_non_null(strstr(text, COMMIT_REFUSED_FIELD "\n"));
	assert_null(strstr(text, "run:"));
	free(text);
	assert_int_equal(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(other);
	/* Writable again: a fresh run (new memory cache) acts on it. */
	replay_free(rc);
	assert_int_equal(replay_new(&rc), 0);
	text = run_offline(c, fw, rc, st, "native-v4-accepted");
	assert_null(strstr(text, "refused="));
	assert_non_null(strstr(text, "run: /usr/sbin/iptables"));
	free(text);
	/* ... and only once: the tag is on disk now. */
	replay_free(rc);
	assert_int_equal(replay_new(&rc), 0);
	assert_true(state_replay_load(st, rc, 0) >= 1);
	text = run_offline(c, fw, rc, st, "native-v4-accepted");
	assert_non_null(strstr(text, "verdict=replay"));
	free(text);
	replay_free(rc);
	state_close(st);
	firewall_free(fw);
	conf_free(c);
	unlink(db);
	assert_int_equal(testfile_remove_tree(dir), 0);
}

/* A file that cannot be read, and one cut inside its first frame: an
 * error naming the file (and the frame), no line. */
static void
test_offline_bad_files(void **state)
{
	char dir[] = "/tmp/spa-offline-XXXXXX", err[512], path[64], buf[4096];
	char *text = NULL;
	size_t len = 0, n;
	struct replay_cache *rc;
	struct server *s;
	struct conf *c;
	FILE *in, *cut, *out;
	struct offline_run r;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(conf_load_string("test.conf", conf_text, &c, err), 0);
	assert_int_equal(replay_new(&rc), 0);
	assert_int_equal(server_new(c, rc, NULL, &s, err, sizeof(err)), 0);
	assert_non_null(out = open_memstream(&text, &len));
	r = (struct offline_run){ .server = s, .replay = rc, .path = path,
	    .port = 5001, .out = out };

	snprintf(path, sizeof(path), "%s/missing.pcap", dir);
	assert_int_equal(offline_run(&r, err, sizeof(err)), SPA_ERR_CAPTURE);
	assert_non_null(strstr(err, "missing.pcap: cannot read capture: "));

	/* The header and the first frame but its last 10 bytes. */
	assert_non_null(in = fopen("pcaps/native-v4-accepted.pcap", "rb"));
	n = fread(buf, 1, sizeof(buf), in);
	fclose(in);
	assert_true(n > 24 + 16 + 10);
	snprintf(path, sizeof(path), "%s/cut.pcap", dir);
	assert_non_null(cut = fopen(path, "wb"));
	assert_int_equal(fwrite(buf, 1, 24 + 16 + 20, cut), 24 + 16 + 20);
	assert_int_equal(fclose(cut), 0);
	assert_int_equal(offline_run(&r, err, sizeof(err)), SPA_ERR_CAPTURE);
	assert_non_null(strstr(err, "cut.pcap: frame 1: "));
	assert_non_null(strstr(err, "truncated"));

	fclose(out);
	assert_string_equal(text, "");
	free(text);
	server_free(s);
	replay_free(rc);
	conf_free(c);
	unlink(path);
	rmdir(dir);
}

/* Little-endian fields, as the recorded files and pcapng here are. */
static uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static void
put32(FILE *f, uint32_t v)
{
	const unsigned char b[4] = { v & 0xff, v >> 8 & 0xff, v >> 16 & 0xff,
	    v >> 24 };

	assert_int_equal(fwrite(b, 1, 4, f), 4);
}

/* The frames of the pcap file from (little-endian, microseconds) as a
 * pcapng file to: a section header, one interface of the same link type
 * and snap length, and an enhanced packet block per frame. */
static void
pcap_to_pcapng(const char *from, const char *to)
{
	static const unsigned char pad[4];
	unsigned char buf[65536];
	size_t n, at = 24;
	FILE *in, *out;

	assert_non_null(in = fopen(from, "rb"));
	n = fread(buf, 1, sizeof(buf), in);
	fclose(in);
	assert_true(n >= 24 && le32(buf) == 0xa1b2c3d4);
	assert_non_null(out = fopen(to, "wb"));
	/* Section header: byte-order magic, version 1.0, length unknown. */
	put32(out, 0x0a0d0d0a);
	put32(out, 28);
	put32(out, 0x1a2b3c4d);
	put32(out, 1);
	put32(out, 0xffffffff);
	put32(out, 0xffffffff);
	put32(out, 28);
	/* Interface: link type (16 bits), reserved, snap length. */
	put32(out, 1);
	put32(out, 20);
	put32(out, le32(buf + 20) & 0xffff);
	put32(out, le32(buf + 16));
	put32(out, 20);
	while (at + 16 <= n) {
		uint64_t t = (uint64_t)le32(buf + at) * 1000000 +
		    le32(buf + at + 4);
		uint32_t caplen = le32(buf + at + 8), padded;

		assert_true(at + 16 + caplen <= n);
		padded = (caplen + 3) & ~3u;
		put32(out, 6);
		put32(out, 32 + padded);
		put32(out, 0);
		put32(out, (uint32_t)(t >> 32));
		put32(out, (uint32_t)t);
		put32(out, caplen);
		put32(out, le32(buf + at + 12));
		assert_int_equal(fwrite(buf + at + 16, 1, caplen, out), caplen);
		assert_int_equal(fwrite(pad, 1, padded - caplen, out),
		    padded - caplen);
		put32(out, 32 + padded);
		at += 16 + caplen;
	}
	assert_int_equal(fclose(out), 0);
}

/* A pcapng file reads as the pcap file it was made from: the same lines,
 * the same times. */
static void
test_offline_pcapng(void **state)
{
	char dir[] = "/tmp/spa-offline-XXXXXX", err[512], path[64];
	char *from_pcap, *from_pcapng;
	struct replay_cache *rc;
	struct firewall *fw;
	struct conf *c;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/accepted.pcapng", dir);
	pcap_to_pcapng("pcaps/native-v4-accepted.pcap", path);
	assert_int_equal(conf_load_string("test.conf", conf_text, &c, err), 0);
	assert_int_equal(firewall_load("rules", "iptables", &fw, err), 0);
	assert_int_equal(replay_new(&rc), 0);
	from_pcap = run_offline(c, fw, rc, NULL, "native-v4-accepted");
	replay_free(rc);
	assert_int_equal(replay_new(&rc), 0);
	from_pcapng = run_offline_path(c, fw, rc, NULL, path);
	assert_non_null(strstr(from_pcap, "verdict=accepted"));
	assert_string_equal(from_pcapng, from_pcap);
	free(from_pcap);
	free(from_pcapng);
	replay_free(rc);
	firewall_free(fw);
	conf_free(c);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_offline_unwritable_tag_refuses),
		cmocka_unit_test(test_offline_bad_files),
		cmocka_unit_test(test_offline_pcapng),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
