/*
 * The capture child's decisions (sniffer/watch.h), on a pcap file written
 * here with frames stamped now: an accepted knock becomes one grant
 * message with indices (never names) and one log line, "refused=..." when
 * the parent could not commit it; a native knock of a signing user is
 * forged and always logged; junk is counted, and logged only with -v;
 * rejects are rate-limited; a lockout is said once, and what the source
 * sends then is not decided; the periodic stats line and the counters the
 * child sends; a capture file cut short ends the dispatch with an error.
 * The log lines are read from the child's log socket (log_to_socket).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "conf.h"
#include "err.h"
#include "key.h"
#include "knockframe.h"
#include "log.h"
#include "replay.h"
#include "segment.h"
#include "userkey.h"
#include "watch.h"
#include "wire_native.h"

static const char conf_text[] =
    "[sniffer]\nport = 5001\nstate =\nwindow = 60\n"
    "[user alice]\nkey = PqWEZ75TM7+WCsf/2VOMNCtRUkVSdO16abhFlF5WIV0=\n"
    "allow = ssh\n"
    "[user erin]\nkey = RgSmeolA53k0vigF4OiTK8E+81MwqS4G8QiCmnXnkA4=\n"
    "public = P9s/UbGMmbj6FJA8WaQl+l66rJuMBKX4UT9xMMeY+io=\nallow = ssh\n"
    "[action ssh]\nopen = tcp/22\n";

/* The same with a lockout after 2 rejects a minute. */
static const char conf_lockout[] =
    "[sniffer]\nport = 5001\nstate =\nwindow = 60\nlockout = 2/60\n"
    "[user alice]\nkey = PqWEZ75TM7+WCsf/2VOMNCtRUkVSdO16abhFlF5WIV0=\n"
    "allow = ssh\n[action ssh]\nopen = tcp/22\n";

static const char *fixture_conf = conf_text;     /* fixture_open's */

struct grants {
	int n;
	struct privmsg_grant last;
	enum privmsg_result answer;
};

static enum privmsg_result
accept_cb(void *ctx, const struct privmsg_grant *m)
{
	struct grants *g = ctx;

	g->n++;
	g->last = *m;
	return g->answer;
}

/* Writes the frames (raw IP) to path, stamped now. */
static void
write_pcap(const char *path, uint8_t frames[][SEGMENT_MAX], const size_t *lens,
    size_t n)
{
	pcap_t *p = pcap_open_dead(DLT_RAW, 65535);
	pcap_dumper_t *d;

	assert_non_null(p);
	d = pcap_dump_open(p, path);
	assert_non_null(d);
	for (size_t i = 0; i < n; i++) {
		struct pcap_pkthdr h = { .caplen = (bpf_u_int32)lens[i],
		    .len = (bpf_u_int32)lens[i] };

		gettimeofday(&h.ts, NULL);
		pcap_dump((u_char *)d, &h, frames[i]);
	}
	pcap_dump_close(d);
	pcap_close(p);
}

/* The log lines waiting on the socket, joined with newlines. */
static char *
log_lines(int fd)
{
	static char text[16384];
	char buf[LOG_LINE_MAX + 1];
	size_t at = 0;
	ssize_t n;

	text[0] = '\0';
	while ((n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT)) > 0) {
		buf[n] = '\0';
		at += (size_t)snprintf(text + at, sizeof(text) - at, "%s\n", buf);
		if (at >= sizeof(text))
			break;
	}
	return text;
}

struct fixture {
	char dir[32], path[64];
	struct conf *conf;
	struct replay_cache *replay;
	struct capture cap;
	struct watch w;
	struct grants g;
	int log[2];
};

static void
fixture_open(struct fixture *f, uint8_t frames[][SEGMENT_MAX],
    const size_t *lens, size_t n, int verbose)
{
	char err[CONF_ERR_MAX];

	memset(f, 0, sizeof(*f));
	strcpy(f->dir, "/tmp/spa-watch-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/k.pcap", f->dir);
	write_pcap(f->path, frames, lens, n);
	if (conf_load_string("watch.conf", fixture_conf, &f->conf, err) != 0)
		fail_msg("%s", err);
	assert_int_equal(replay_new(&f->replay), 0);
	if (capture_open_file(f->path, 5001, NULL, &f->cap, err,
	    sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, f->log), 0);
	log_init("spa-test", 1, verbose);
	log_to_socket(f->log[0]);
	f->g.answer = PRIVMSG_DONE;
	if (watch_init(&f->w, f->conf, f->replay, NULL, &f->cap, accept_cb,
	    &f->g, err, sizeof(err)) != 0)
		fail_msg("%s", err);
}

static void
fixture_close(struct fixture *f)
{
	log_to_socket(-1);
	close(f->log[0]);
	close(f->log[1]);
	watch_free(&f->w);
	capture_close(&f->cap);
	replay_free(f->replay);
	conf_free(f->conf);
	unlink(f->path);
	rmdir(f->dir);
}

static void
test_accepted_and_refused(void **state)
{
	uint8_t frames[2][SEGMENT_MAX];
	size_t lens[2];
	uint64_t now = (uint64_t)time(NULL);
	struct privmsg_counts c;
	struct fixture f;
	char *text;

	(void)state;
	lens[0] = knock_frame("PqWEZ75TM7+WCsf/2VOMNCtRUkVSdO16abhFlF5WIV0=",
	    now, 1, frames[0]);
	lens[1] = knock_frame("PqWEZ75TM7+WCsf/2VOMNCtRUkVSdO16abhFlF5WIV0=",
	    now, 2, frames[1]);
	fixture_open(&f, frames, lens, 2, 0);
	f.g.answer = PRIVMSG_DONE;
	assert_int_equal(watch_dispatch(&f.w), 0);
	assert_int_equal(f.g.n, 2);
	assert_int_equal(f.g.last.type, PRIVMSG_GRANT);
	assert_int_equal(f.g.last.user, 0);     /* alice, by index */
	assert_int_equal(f.g.last.action, 0);
	assert_int_equal(f.g.last.family, 4);
	assert_true(f.g.last.knock_us > 0);
	assert_true(f.g.last.tag_expiry > (int64_t)now);
	text = log_lines(f.log[1]);
	/* two lines, each accepted; the first one priority info (6) */
	assert_non_null(strstr(text, "6"));
	assert_non_null(strstr(text, "accepted"));
	assert_non_null(strstr(text, "user=alice"));
	assert_null(strstr(text, "refused="));
	watch_counts(&f.w, &c);
	assert_int_equal(c.type, PRIVMSG_COUNTS);
	assert_int_equal(c.nverdicts, VERDICT_COUNT);
	assert_int_equal(c.verdicts[VERDICT_ACCEPTED], 2);
	/* Nothing but accepted knocks: no stats line, even after a minute. */
	watch_stats(&f.w, (int64_t)now + 61);
	assert_string_equal(log_lines(f.log[1]), "");
	fixture_close(&f);

	/* The parent could not commit: the line says so, as a warning. */
	lens[0] = knock_frame("PqWEZ75TM7+WCsf/2VOMNCtRUkVSdO16abhFlF5WIV0=",
	    now, 3, frames[0]);
	fixture_open(&f, frames, lens, 1, 0);
	f.g.answer = PRIVMSG_REFUSED;
	assert_int_equal(watch_dispatch(&f.w), 0);
	assert_int_equal(f.g.n, 1);
	text = log_lines(f.log[1]);
	assert_int_equal(text[0], '4');
	assert_non_null(strstr(text, " refused=state-unwritable\n"));
	fixture_close(&f);
}

/* erin signs: her shared secret alone is a forgery, logged every time
 * (never rate-limited), and never asked of the parent. */
static void
test_forged_always_logged(void **state)
{
	enum { N = 30 };
	uint8_t frames[N][SEGMENT_MAX];
	size_t lens[N];
	uint64_t now = (uint64_t)time(NULL);
	struct fixture f;
	char *text, *p;
	int lines = 0;

	(void)state;
	for (int i = 0; i < N; i++)
		lens[i] = knock_frame("RgSmeolA53k0vigF4OiTK8E+81MwqS4G8QiCmnXnkA4=",
		    now, (uint8_t)(i + 1), frames[i]);
	fixture_open(&f, frames, lens, N, 0);
	assert_int_equal(watch_dispatch(&f.w), 0);
	assert_int_equal(f.g.n, 0);
	text = log_lines(f.log[1]);
	for (p = text; (p = strstr(p, "without its signing key")) != NULL; p++)
		lines++;
	assert_int_equal(lines, N);
	assert_non_null(strstr(text, "user erin"));
	fixture_close(&f);
}

/* Rejected knocks (stale here) are logged at most 20 per 10 s; the
 * others are counted, and the stats line says how many were suppressed.
 * Junk (not a knock) is counted and logged only with -v. */
static void
test_rejects_limited_and_stats(void **state)
{
	enum { N = 30 };
	uint8_t frames[N + 1][SEGMENT_MAX];
	size_t lens[N + 1];
	uint64_t old = (uint64_t)time(NULL) - 100;
	struct privmsg_counts c;
	struct fixture f;
	char *text, *p;
	int lines = 0;

	(void)state;
	for (int i = 0; i < N; i++)
		lens[i] = knock_frame("PqWEZ75TM7+WCsf/2VOMNCtRUkVSdO16abhFlF5WIV0=",
		    old, (uint8_t)(i + 1), frames[i]);
	/* one junk frame: a knock cut to 100 bytes of payload */
	lens[N] = lens[0] - 15;
	memcpy(frames[N], frames[0], lens[N]);
	frames[N][3] = (uint8_t)lens[N];        /* IPv4 total length */
	frames[N][2] = (uint8_t)(lens[N] >> 8);
	fixture_open(&f, frames, lens, N + 1, 1);
	assert_int_equal(watch_dispatch(&f.w), 0);
	assert_int_equal(f.g.n, 0);
	text = log_lines(f.log[1]);
	for (p = text; (p = strstr(p, "stale")) != NULL; p++)
		lines++;
	if (lines != 20)
		fail_msg("%d stale lines in:\n%s", lines, text);
	/* the junk frame, with -v: one debug line (priority 7) */
	assert_non_null(strstr(text, " len=100\n"));
	assert_non_null(strstr(text, "\n7"));
	watch_counts(&f.w, &c);
	assert_int_equal(c.verdicts[VERDICT_STALE], N);
	assert_int_equal(c.suppressed, N - 20);
	/* Not yet a minute: no stats line; then one. */
	watch_stats(&f.w, (int64_t)time(NULL));
	assert_string_equal(log_lines(f.log[1]), "");
	watch_stats(&f.w, (int64_t)time(NULL) + 61);
	text = log_lines(f.log[1]);
	assert_non_null(strstr(text, "stats: "));
	assert_non_null(strstr(text, "suppressed-lines=10"));
	fixture_close(&f);
}

/* lockout = 2/60: the second stale knock from 198.51.100.1 locks it
 * out, said once as a warning; what it sends then is not decided, and
 * with -v a debug line says the source is locked out. */
static void
test_lockout_said_once(void **state)
{
	enum { N = 4 };
	uint8_t frames[N][SEGMENT_MAX];
	size_t lens[N];
	uint64_t old = (uint64_t)time(NULL) - 100;
	struct privmsg_counts c;
	struct fixture f;
	char *text, *p;
	int lines = 0;

	(void)state;
	for (int i = 0; i < N; i++)
		lens[i] = knock_frame("PqWEZ75TM7+WCsf/2VOMNCtRUkVSdO16abhFlF5WIV0=",
		    old, (uint8_t)(i + 1), frames[i]);
	fixture_conf = conf_lockout;
	fixture_open(&f, frames, lens, N, 1);
	fixture_conf = conf_text;
	assert_int_equal(watch_dispatch(&f.w), 0);
	text = log_lines(f.log[1]);
	for (p = text; (p = strstr(p, "lockout: ignoring")) != NULL; p++)
		lines++;
	if (lines != 1)
		fail_msg("%d lockout lines in:\n%s", lines, text);
	assert_non_null(strstr(text, "\n4lockout: ignoring 198.51.100.1 for "
	    "60 s after 2 bad-mac, replay or stale verdicts\n"));
	assert_non_null(strstr(text, " (source locked out)\n"));
	watch_counts(&f.w, &c);
	assert_int_equal(c.verdicts[VERDICT_STALE], 2);
	assert_int_equal(c.verdicts[VERDICT_NOT_SPA], 2);
	assert_int_equal(f.g.n, 0);
	fixture_close(&f);
}

/* A capture file cut in the middle of a frame: the dispatch fails and
 * says why (the child then exits CHILD_EXIT_CAPTURE). */
static void
test_truncated_capture(void **state)
{
	uint8_t frames[1][SEGMENT_MAX];
	size_t lens[1];
	struct fixture f;
	char *text;
	FILE *fp;
	long size;

	(void)state;
	lens[0] = knock_frame("PqWEZ75TM7+WCsf/2VOMNCtRUkVSdO16abhFlF5WIV0=",
	    (uint64_t)time(NULL), 1, frames[0]);
	fixture_open(&f, frames, lens, 1, 0);
	capture_close(&f.cap);
	fp = fopen(f.path, "r+");
	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	size = ftell(fp);
	assert_int_equal(ftruncate(fileno(fp), size - 20), 0);
	fclose(fp);
	{
		char err[256];

		if (capture_open_file(f.path, 5001, NULL, &f.cap, err,
		    sizeof(err)) != 0)
			fail_msg("%s", err);
	}
	f.w.cap = &f.cap;
	assert_int_equal(watch_dispatch(&f.w), SPA_ERR_CAPTURE);
	text = log_lines(f.log[1]);
	assert_non_null(strstr(text, "capture: "));
	assert_int_equal(f.g.n, 0);
	fixture_close(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepted_and_refused),
		cmocka_unit_test(test_forged_always_logged),
		cmocka_unit_test(test_rejects_limited_and_stats),
		cmocka_unit_test(test_truncated_capture),
		cmocka_unit_test(test_lockout_said_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
