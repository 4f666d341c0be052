/*
 * knock's builder for fixed inputs (knock/payload.c, knock/segment.c) against
 * tests/vectors/native.txt and classic.txt: the payload, and the whole
 * IPv4/IPv6 + TCP datagram around it with its checksums recomputed here
 * independently of libnet.  Also the profile reader, the pcap writer and
 * the kernel's source-address choice.
 *
 * With arguments, this binary is instead the decoder the shell tests use
 * (`test_knock decode ...`, see decode_main): it runs common/'s verifier on
 * a payload that tcpdump extracted from a `knock -w` file, so that check
 * needs no build rule of its own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "err.h"
#include "segment.h"
#include "hex.h"
#include "key.h"
#include "payload.h"
#include "pcapout.h"
#include "profile.h"
#include "srcaddr.h"
#include "vectors.h"
#include "verify.h"

#define TEST_SEQ 0x01020304u
#define TEST_IP_ID 0x4242
#define TEST_SPORT 40000

/* ---- vectors: payloads ------------------------------------------------ */

static void
input_native(const struct vec_block *b, uint8_t secret[32],
    struct payload_input *in)
{
	memset(in, 0, sizeof(*in));
	in->format = PAYLOAD_NATIVE;
	assert_int_equal(key_decode(vec_need(b, "secret"), secret, NULL), 0);
	in->secret = secret;
	assert_int_equal(addr_parse(vec_need(b, "server"), &in->dst), 0);
	assert_int_equal(addr_parse(vec_need(b, "allow"), &in->allow), 0);
	/* The native payload does not depend on the IP source; the frame
	 * tests use allow as source, as knock does by default. */
	in->src = in->allow.family == in->dst.family ? in->allow : in->dst;
	in->dport = (uint16_t)atoi(vec_need(b, "port"));
	in->sport = TEST_SPORT;
	in->request = vec_need(b, "request");
	in->time = strtoll(vec_need(b, "time"), NULL, 10);
	vec_hex(b, "nonce", in->nonce, sizeof(in->nonce), sizeof(in->nonce));
}

static void
input_classic(const struct vec_block *b, uint8_t secret[32],
    struct payload_input *in)
{
	memset(in, 0, sizeof(*in));
	in->format = PAYLOAD_CLASSIC;
	assert_int_equal(key_decode(vec_need(b, "secret"), secret, NULL), 0);
	in->secret = secret;
	assert_int_equal(addr_parse(vec_need(b, "dst"), &in->dst), 0);
	assert_int_equal(addr_parse(vec_need(b, "src"), &in->src), 0);
	in->dport = (uint16_t)atoi(vec_need(b, "dport"));
	in->sport = (uint16_t)atoi(vec_need(b, "sport"));
	in->request = vec_need(b, "request");
	in->time = strtoll(vec_need(b, "time"), NULL, 10);
}

typedef void (*input_fn)(const struct vec_block *, uint8_t[32],
    struct payload_input *);

/* Every block of file through payload_build; returns how many there were. */
static size_t
check_payloads(const char *file, input_fn input, size_t want_len)
{
	struct vec_file f;
	uint8_t secret[32], want[PAYLOAD_MAX], got[PAYLOAD_MAX];
	struct payload_input in;
	size_t len = 0, n;

	vec_load(file, &f);
	for (n = 0; n < f.nblocks; n++) {
		input(&f.blocks[n], secret, &in);
		vec_hex(&f.blocks[n], "packet", want, sizeof(want), want_len);
		assert_int_equal(payload_build(&in, got, &len), 0);
		assert_int_equal(len, want_len);
		assert_memory_equal(got, want, want_len);
		assert_memory_equal(payload_tag(in.format, got),
		    want + want_len - SPA_MAC_LEN, SPA_MAC_LEN);
	}
	vec_free(&f);
	return n;
}

static void
test_native_payloads(void **state)
{
	(void)state;
	assert_int_equal(check_payloads("native.txt", input_native, NATIVE_LEN), 5);
}

static void
test_classic_payloads(void **state)
{
	(void)state;
	assert_int_equal(check_payloads("classic.txt", input_classic,
	    CLASSIC_LEN), 3);
}

/* ---- vectors: whole frames -------------------------------------------- */

static uint32_t
sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len % 2)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

/* The one's-complement sum folded to 16 bits: 0xffff when a checksum in
 * the data is right (RFC 1071). */
static uint16_t
fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Checks the IP header; returns its length and the pseudo-header sum. */
static size_t
check_ip(const struct payload_input *in, const uint8_t *f, size_t len,
    size_t plen, uint32_t *pseudo)
{
	size_t tcp_len = 20 + plen;

	if (in->dst.family == 4) {
		assert_int_equal(len, 20 + tcp_len);
		assert_int_equal(f[0], 0x45);
		assert_int_equal(get16(f + 2), len);
		assert_int_equal(get16(f + 4), TEST_IP_ID);
		assert_int_equal(get16(f + 6), 0x4000);         /* DF */
		assert_int_equal(f[8], 64);
		assert_int_equal(f[9], 6);
		assert_int_equal(fold(sum16(f, 20, 0)), 0xffff);
		assert_memory_equal(f + 12, in->src.bytes + 12, 4);
		assert_memory_equal(f + 16, in->dst.bytes + 12, 4);
		*pseudo = sum16(f + 12, 8, 6 + (uint32_t)tcp_len);
		return 20;
	}
	assert_int_equal(len, 40 + tcp_len);
	assert_memory_equal(f, "\x60\0\0\0", 4);
	assert_int_equal(get16(f + 4), tcp_len);
	assert_int_equal(f[6], 6);
	assert_int_equal(f[7], 64);
	assert_memory_equal(f + 8, in->src.bytes, 16);
	assert_memory_equal(f + 24, in->dst.bytes, 16);
	*pseudo = sum16(f + 8, 32, 6 + (uint32_t)tcp_len);
	return 40;
}

/* The datagram around payload, whose tail must be the vector's bytes. */
static void
check_frame(const struct payload_input *in, const uint8_t *payload,
    const uint8_t *want, size_t plen)
{
	struct segment_input fi = {
		.src = in->src, .dst = in->dst, .sport = in->sport,
		.dport = in->dport, .seq = TEST_SEQ, .ip_id = TEST_IP_ID,
		.flags = 0x02,
	};
	uint8_t f[SEGMENT_MAX];
	char err[SEGMENT_ERR_MAX];
	uint32_t pseudo = 0;
	size_t len = 0, ip;

	assert_int_equal(segment_build(&fi, payload, plen, f, &len, err), 0);
	ip = check_ip(in, f, len, plen, &pseudo);
	assert_int_equal(get16(f + ip), in->sport);
	assert_int_equal(get16(f + ip + 2), in->dport);
	assert_memory_equal(f + ip + 4, "\x01\x02\x03\x04\0\0\0\0", 8);
	assert_int_equal(f[ip + 12], 0x50);                     /* 5 words */
	assert_int_equal(f[ip + 13], 0x02);                     /* SYN */
	assert_int_equal(get16(f + ip + 14), 65535);
	assert_int_equal(get16(f + ip + 18), 0);
	assert_int_equal(fold(sum16(f + ip, 20 + plen, pseudo)), 0xffff);
	assert_memory_equal(f + ip + 20, want, plen);
}

static size_t
check_frames(const char *file, input_fn input, size_t want_len)
{
	struct vec_file f;
	uint8_t secret[32], want[PAYLOAD_MAX], got[PAYLOAD_MAX];
	struct payload_input in;
	size_t len, n, v6 = 0;

	vec_load(file, &f);
	for (n = 0; n < f.nblocks; n++) {
		input(&f.blocks[n], secret, &in);
		vec_hex(&f.blocks[n], "packet", want, sizeof(want), want_len);
		assert_int_equal(payload_build(&in, got, &len), 0);
		check_frame(&in, got, want, want_len);
		v6 += in.dst.family == 6;
	}
	vec_free(&f);
	assert_true(v6 > 0 && v6 < n);  /* both families were covered */
	return n;
}

static void
test_native_frames(void **state)
{
	(void)state;
	assert_int_equal(check_frames("native.txt", input_native, NATIVE_LEN), 5);
}

static void
test_classic_frames(void **state)
{
	(void)state;
	assert_int_equal(check_frames("classic.txt", input_classic,
	    CLASSIC_LEN), 3);
}

static void
test_build_errors(void **state)
{
	uint8_t secret[32] = { 1 }, out[PAYLOAD_MAX];
	struct payload_input in = { .secret = secret, .request = "has space",
	    .time = 1764237000 };
	struct segment_input fi = { .sport = 1, .dport = 2, .ip_id = 1 };
	uint8_t frame[SEGMENT_MAX];
	char err[SEGMENT_ERR_MAX];
	size_t len = 99;

	(void)state;
	assert_int_equal(addr_parse("198.51.100.2", &in.dst), 0);
	in.src = in.allow = in.dst;
	assert_int_equal(payload_build(&in, out, &len), SPA_ERR_REQUEST);
	assert_int_equal(len, 0);
	in.request = "012345678901234567890123456789012";     /* 33 */
	assert_int_equal(payload_build(&in, out, &len), SPA_ERR_REQUEST);
	in.format = PAYLOAD_CLASSIC;
	assert_int_equal(payload_build(&in, out, &len), SPA_ERR_REQUEST);
	in.format = PAYLOAD_NATIVE;
	in.request = "ssh";
	in.time = -1;
	assert_int_equal(payload_build(&in, out, &len), SPA_ERR_INVALID);
	assert_int_equal(addr_parse("198.51.100.1", &fi.src), 0);
	assert_int_equal(addr_parse("2001:db8::2", &fi.dst), 0);
	assert_int_equal(segment_build(&fi, out, 35, frame, &len, err),
	    SPA_ERR_INVALID);
	assert_non_null(strstr(err, "famil"));
}

/* ---- profiles --------------------------------------------------------- */

#define KEY_B64 "PqWEZ75TM7+WCsf/2VOMNCtRUkVSdO16abhFlF5WIV0="

struct tmp {
	char dir[64];
	char path[128];
};

static void
tmp_file(struct tmp *t, const char *text, mode_t mode)
{
	FILE *f;

	strcpy(t->dir, "/tmp/test_knock.XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->path, sizeof(t->path), "%s/knock.conf", t->dir);
	assert_non_null(f = fopen(t->path, "w"));
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(t->path, mode), 0);
}

static void
tmp_remove(struct tmp *t)
{
	unlink(t->path);
	rmdir(t->dir);
}

static int
load(const char *text, mode_t mode, const char *name, struct profile *p,
    char err[PROFILE_ERR_MAX])
{
	struct tmp t;
	int rc;

	tmp_file(&t, text, mode);
	rc = profile_load(t.path, name, p, err);
	tmp_remove(&t);
	return rc;
}

static void
test_profile_fields(void **state)
{
	char err[PROFILE_ERR_MAX];
	struct profile p;
	uint8_t key[32];
	struct spa_addr a;

	(void)state;
	assert_int_equal(load("[other]\nport = 9\n\n[home]\n"
	    "address = 2001:db8::2\nport = 62201\nsource = 2001:db8::1\n"
	    "allow = 203.0.113.7\nkey = " KEY_B64 "\nrequest = ssh\n"
	    "format = classic\n", 0600, "home", &p, err), 0);
	assert_int_equal(p.have, PROFILE_ADDRESS | PROFILE_PORT |
	    PROFILE_SOURCE | PROFILE_ALLOW | PROFILE_KEY | PROFILE_REQUEST |
	    PROFILE_FORMAT);
	assert_string_equal(p.address, "2001:db8::2");
	assert_int_equal(addr_parse("203.0.113.7", &a), 0);
	assert_true(addr_equal(&p.allow, &a));
	assert_int_equal(p.port, 62201);
	assert_int_equal(p.format, PAYLOAD_CLASSIC);
	assert_string_equal(p.request, "ssh");
	assert_int_equal(key_decode(KEY_B64, key, NULL), 0);
	assert_memory_equal(p.key, key, 32);
	profile_wipe(&p);
	assert_false(p.have & PROFILE_KEY);
	assert_memory_equal(p.key, (uint8_t[32]){ 0 }, 32);
}

static void
test_profile_keyfile_paths(void **state)
{
	char err[PROFILE_ERR_MAX], want[PROFILE_PATH_MAX];
	struct profile p;
	struct tmp t;

	(void)state;
	tmp_file(&t, "[a]\nkeyfile = keys/a.key\n[b]\nkeyfile = /etc/b.key\n"
	    "[c]\nkeyfile = ~/c.key\n", 0644);
	assert_int_equal(profile_load(t.path, "a", &p, err), 0);
	snprintf(want, sizeof(want), "%s/keys/a.key", t.dir);
	assert_string_equal(p.keyfile, want);
	assert_int_equal(profile_load(t.path, "b", &p, err), 0);
	assert_string_equal(p.keyfile, "/etc/b.key");
	setenv("HOME", "/home/test", 1);
	assert_int_equal(profile_load(t.path, "c", &p, err), 0);
	assert_string_equal(p.keyfile, "/home/test/c.key");
	assert_int_equal(p.have, PROFILE_KEYFILE);
	tmp_remove(&t);
}

static void
test_profile_errors(void **state)
{
	char err[PROFILE_ERR_MAX];
	struct profile p;

	(void)state;
	assert_int_equal(load("[a]\nport = 1\n", 0600, "b", &p, err),
	    SPA_ERR_NOT_FOUND);
	assert_non_null(strstr(err, "no [b] section"));
	assert_int_equal(load("[a]\nport = 1\nhost = x\n", 0600, "a", &p, err),
	    SPA_ERR_CONFIG);
	assert_non_null(strstr(err, "knock.conf:3: unknown key 'host'"));
	assert_int_equal(load("[a]\nport = 65536\n", 0600, "a", &p, err),
	    SPA_ERR_CONFIG);
	assert_non_null(strstr(err, ":2: port: expected a port 1..65535"));
	assert_int_equal(load("[a]\naddress = 192.0.2.300\n", 0600, "a", &p,
	    err), SPA_ERR_CONFIG);
	assert_int_equal(load("[a]\naddress = a host\n", 0600, "a", &p, err),
	    SPA_ERR_CONFIG);
	assert_int_equal(load("[a]\naddress = lab.example\n", 0600, "a", &p,
	    err), 0);
	assert_string_equal(p.address, "lab.example");
	assert_int_equal(load("[a]\nformat = paper\n", 0600, "a", &p, err),
	    SPA_ERR_CONFIG);
	assert_int_equal(load("[a]\nrequest = a b\n", 0600, "a", &p, err),
	    SPA_ERR_CONFIG);
	assert_int_equal(load("[a]\nkey = c2VjcmV0\n", 0600, "a", &p, err),
	    SPA_ERR_CONFIG);
	assert_null(strstr(err, "c2VjcmV0"));   /* a key is never echoed */
	assert_int_equal(load("[a]\nnot a pair\n", 0600, "a", &p, err),
	    SPA_ERR_CONFIG);
	assert_non_null(strstr(err, ":2: not an INI line"));
	assert_int_equal(profile_load("/nonexistent/knock.conf", "a", &p, err),
	    SPA_ERR_SYSTEM);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(profile_load("/tmp", "a", &p, err), SPA_ERR_SYSTEM);
	assert_int_equal(errno, EISDIR);
}

/* Profiles are read by inilines.h: a line too long for inih is an error
 * at its line, and an indented line is a key, not a continuation. */
static void
test_profile_lines(void **state)
{
	char err[PROFILE_ERR_MAX], text[300];
	struct profile p;

	(void)state;
	snprintf(text, sizeof(text), "[a]\nrequest = %0199d\n", 0);
	assert_int_equal(load(text, 0600, "a", &p, err), SPA_ERR_CONFIG);
	assert_non_null(strstr(err, "knock.conf:2: line too long (209 "
	    "characters, at most 198)"));
	assert_int_equal(load("[a]\nport = 9\n  request = ssh\r\n", 0600,
	    "a", &p, err), 0);
	assert_int_equal(p.port, 9);
	assert_string_equal(p.request, "ssh");
}

static void
test_profile_mode(void **state)
{
	char err[PROFILE_ERR_MAX];
	struct profile p;

	(void)state;
	/* A key = line anywhere makes an open file a leak. */
	assert_int_equal(load("[a]\nport = 1\n[b]\nkey = " KEY_B64 "\n", 0640,
	    "a", &p, err), SPA_ERR_KEY_MODE);
	assert_non_null(strstr(err, "chmod 600"));
	assert_int_equal(p.have, 0);
	assert_int_equal(load("[a]\nkey = " KEY_B64 "\n", 0604, "a", &p, err),
	    SPA_ERR_KEY_MODE);
	assert_int_equal(load("[a]\nkey = " KEY_B64 "\n", 0400, "a", &p, err),
	    0);
	assert_int_equal(load("[a]\nkeyfile = k\n", 0644, "a", &p, err),
	    0);
}

static void
test_profile_default_path(void **state)
{
	char path[PROFILE_PATH_MAX];

	(void)state;
	setenv("HOME", "/home/test", 1);
	assert_int_equal(profile_default_path(path), 0);
	assert_string_equal(path, "/home/test/.config/spa/knock.conf");
	unsetenv("HOME");
	assert_int_equal(profile_default_path(path), SPA_ERR_INVALID);
}

/* ---- pcap file and source address ------------------------------------- */

static void
test_pcap_roundtrip(void **state)
{
	const uint8_t frame[] = { 0x45, 0, 0, 20, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
	    11, 12, 13, 14, 15, 16 };
	struct timeval ts = { .tv_sec = 1764237000, .tv_usec = 123456 };
	char err[PCAPOUT_ERR_MAX], ebuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	struct tmp t;
	pcap_t *p;

	(void)state;
	tmp_file(&t, "", 0600);
	assert_int_equal(pcapout_write(t.path, frame, sizeof(frame), &ts, err), 0);
	assert_non_null(p = pcap_open_offline(t.path, ebuf));
	assert_int_equal(pcap_datalink(p), DLT_RAW);
	assert_int_equal(pcap_next_ex(p, &h, &data), 1);
	assert_int_equal(h->caplen, sizeof(frame));
	assert_int_equal(h->len, sizeof(frame));
	assert_int_equal(h->ts.tv_sec, ts.tv_sec);
	assert_int_equal(h->ts.tv_usec, ts.tv_usec);
	assert_memory_equal(data, frame, sizeof(frame));
	assert_int_equal(pcap_next_ex(p, &h, &data), PCAP_ERROR_BREAK);
	pcap_close(p);
	tmp_remove(&t);
	assert_int_equal(pcapout_write("/nonexistent/x.pcap", frame,
	    sizeof(frame), &ts, err), SPA_ERR_WRITE);
	assert_non_null(strstr(err, "/nonexistent/x.pcap"));
}

static void
test_srcaddr_loopback(void **state)
{
	struct spa_addr dst, src;

	(void)state;
	assert_int_equal(addr_parse("127.0.0.1", &dst), 0);
	assert_int_equal(srcaddr_lookup(&dst, 5001, &src), 0);
	assert_true(addr_equal(&src, &dst));
	/* ::1 exists unless IPv6 is off; only its answer is checked. */
	assert_int_equal(addr_parse("::1", &dst), 0);
	if (srcaddr_lookup(&dst, 5001, &src) == 0)
		assert_true(addr_equal(&src, &dst));
}

/* ---- decoder for the shell tests -------------------------------------- */

static const char decode_usage[] =
    "usage: test_knock decode KEYFILE SRC SPORT DST DPORT TIME REQUEST HEX\n";

/* The packet as tcpdump showed it: addresses, ports, payload. */
static int
decode_packet(char **argv, struct spa_packet *pkt, uint8_t *buf, size_t cap)
{
	if (addr_parse(argv[1], &pkt->src) != 0 ||
	    addr_parse(argv[3], &pkt->dst) != 0 ||
	    hex_decode(argv[7], buf, cap, &pkt->len) != 0)
		return -1;
	pkt->sport = (uint16_t)atoi(argv[2]);
	pkt->dport = (uint16_t)atoi(argv[4]);
	pkt->payload = buf;
	return 0;
}

/* Prints the verdict of common/'s verifier for one user who may run only
 * REQUEST, NAT allowed (so a spoofed allow still decodes), both formats. */
static int
decode_main(int argc, char **argv)
{
	const char *requests[1];
	struct verifier_user u = { .name = "test", .requests = requests,
	    .nrequests = 1, .nat = true, .classic = true };
	struct verifier_options opt = { .window = 60, .native = true,
	    .classic = true };
	struct spa_decision d;
	struct spa_packet pkt;
	struct verifier *v = NULL;
	struct replay_cache *rc = NULL;
	uint8_t payload[256];
	char allow[SPA_ADDRSTRLEN];

	if (argc != 10 || key_load_file(argv[2], u.secret) != 0 ||
	    decode_packet(argv + 2, &pkt, payload, sizeof(payload)) != 0) {
		fputs(decode_usage, stderr);
		return 2;
	}
	requests[0] = argv[8];
	if (verifier_new(&u, 1, &opt, &v) != 0 || replay_new(&rc) != 0)
		return 2;
	verifier_decide(v, rc, &pkt, strtoll(argv[7], NULL, 10), &d);
	printf("verdict=%s request=%s allow=%s\n", verdict_word(d.verdict),
	    d.request, d.verdict == VERDICT_ACCEPTED ?
	    addr_format(&d.allow, allow) : "-");
	crypto_wipe(u.secret, sizeof(u.secret));
	replay_free(rc);
	verifier_free(v);
	return 0;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_native_payloads),
		cmocka_unit_test(test_classic_payloads),
		cmocka_unit_test(test_native_frames),
		cmocka_unit_test(test_classic_frames),
		cmocka_unit_test(test_build_errors),
		cmocka_unit_test(test_profile_fields),
		cmocka_unit_test(test_profile_keyfile_paths),
		cmocka_unit_test(test_profile_errors),
		cmocka_unit_test(test_profile_lines),
		cmocka_unit_test(test_profile_mode),
		cmocka_unit_test(test_profile_default_path),
		cmocka_unit_test(test_pcap_roundtrip),
		cmocka_unit_test(test_srcaddr_loopback),
	};

	if (argc > 1 && strcmp(argv[1], "decode") == 0)
		return decode_main(argc, argv);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
