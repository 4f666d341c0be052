/*
 * The parent's end of the privilege-separation channel (sniffer/privsep.h)
 * over socket pairs standing for the child: its addresses go in chunks of
 * PRIVMSG_ADDRS_CHUNK, flagged "more" but the last, and only when they
 * changed; a grant, counters, junk and an ended channel are told apart;
 * the child's log lines are relayed as ours with their priority, control
 * bytes made '?', empty datagrams skipped and a rate limit; and how a
 * child ended is said: exit status, SIGSYS (seccomp), another signal,
 * lost, not running.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "addr.h"
#include "err.h"
#include "log.h"
#include "ownaddr.h"
#include "privmsg.h"
#include "privsep.h"

static void
test_send_addrs_in_chunks(void **state)
{
	struct spa_addr a[70];
	struct privmsg_addrs m;
	struct capchild k = { .pid = 1 };
	struct ownaddr *own;
	uint8_t buf[PRIVMSG_MAX + 1];
	int sv[2], more = 1;
	size_t got = 0, chunks = 0;

	(void)state;
	for (size_t i = 0; i < 70; i++) {
		char text[32];

		snprintf(text, sizeof(text), "198.51.100.%zu", i + 1);
		assert_int_equal(addr_parse(text, &a[i]), 0);
	}
	assert_int_equal(ownaddr_new_list(a, 70, &own), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	k.channel = sv[0];
	k.addrs_sent = ownaddr_generation(own);
	privsep_send_addrs(&k, own);            /* unchanged: nothing */
	assert_true(recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT) < 0);

	k.addrs_sent = ownaddr_generation(own) - 1;
	privsep_send_addrs(&k, own);
	while (more) {
		ssize_t n = recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT);

		assert_true(n > 0);
		assert_int_equal(privmsg_addrs_decode(buf, (size_t)n, &m), 0);
		for (uint32_t i = 0; i < m.count; i++)
			assert_true(addr_equal(&m.addr[i], &a[got + i]));
		got += m.count;
		more = (int)m.more;
		chunks++;
	}
	assert_int_equal(got, 70);
	assert_int_equal(chunks, 3);
	assert_int_equal(k.addrs_sent, ownaddr_generation(own));
	/* No child: nothing sent. */
	k.pid = 0;
	k.addrs_sent = 0;
	privsep_send_addrs(&k, own);
	assert_true(recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT) < 0);
	close(sv[0]);
	close(sv[1]);
	ownaddr_free(own);
}

static void
test_receive_kinds(void **state)
{
	struct privmsg_grant g = { .type = PRIVMSG_GRANT, .family = 4 }, got;
	struct privmsg_counts c = { .type = PRIVMSG_COUNTS, .nverdicts = 3 };
	struct privmsg_counts cgot;
	struct privmsg_answer ans;
	struct capchild k = { .pid = 1 };
	int sv[2], lg[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, lg), 0);
	log_init("spa-test", 1, 0);
	log_to_socket(lg[0]);
	k.channel = sv[0];
	assert_int_equal(privsep_receive(&k, &got, &cgot), 0);  /* nothing */
	g.addr[10] = g.addr[11] = 0xff;
	g.addr[12] = 198;
	g.tag[0] = 1;                           /* a tag of zeros is none */
	assert_int_equal(send(sv[1], &g, sizeof(g), 0), (ssize_t)sizeof(g));
	assert_int_equal(privsep_receive(&k, &got, &cgot), 1);
	assert_int_equal(got.family, 4);
	privsep_answer(&k, PRIVMSG_REFUSED);
	assert_int_equal(recv(sv[1], &ans, sizeof(ans), 0), (ssize_t)sizeof(ans));
	assert_int_equal(ans.type, PRIVMSG_ANSWER);
	assert_int_equal(ans.result, PRIVMSG_REFUSED);

	c.verdicts[1] = 7;
	assert_int_equal(send(sv[1], &c, sizeof(c), 0), (ssize_t)sizeof(c));
	assert_int_equal(privsep_receive(&k, &got, &cgot), 2);
	assert_int_equal(cgot.verdicts[1], 7);

	/* a grant one byte short, then one with a bad family: logged */
	assert_int_equal(send(sv[1], &g, sizeof(g) - 1, 0), (ssize_t)sizeof(g) - 1);
	assert_int_equal(privsep_receive(&k, &got, &cgot),
	    SPA_ERR_INVALID);
	g.family = 5;
	assert_int_equal(send(sv[1], &g, sizeof(g), 0), (ssize_t)sizeof(g));
	assert_int_equal(privsep_receive(&k, &got, &cgot),
	    SPA_ERR_INVALID);
	{
		char line[LOG_LINE_MAX + 1];
		ssize_t n = recv(lg[1], line, sizeof(line) - 1, MSG_DONTWAIT);

		assert_true(n > 0);
		line[n] = '\0';
		assert_non_null(strstr(line, "not the size of a grant"));
		n = recv(lg[1], line, sizeof(line) - 1, MSG_DONTWAIT);
		assert_true(n > 0);
		line[n] = '\0';
		assert_non_null(strstr(line, "a field out of range"));
	}
	/* the child's end closed: -2 */
	close(sv[1]);
	assert_int_equal(privsep_receive(&k, &got, &cgot),
	    SPA_ERR_TRUNCATED);
	privsep_answer(&k, PRIVMSG_DONE);       /* nobody there: no signal */
	log_to_socket(-1);
	close(sv[0]);
	close(lg[0]);
	close(lg[1]);
}

/* The child's lines become ours; k->log is the child's log socket. */
static void
test_relay_logs(void **state)
{
	struct log_limit lim = { .interval = 10, .burst = 4 };
	struct capchild k = { .pid = 1 };
	char line[LOG_LINE_MAX + 1];
	int child[2], ours[2];
	ssize_t n;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, child), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, ours), 0);
	k.log = child[0];
	log_init("spa-test", 1, 1);
	log_to_socket(ours[0]);
	assert_int_equal(send(child[1], "6hello\nverdict=accepted fake", 28, 0), 28);
	assert_int_equal(send(child[1], "7", 1, 0), 1);         /* empty: skipped */
	assert_int_equal(send(child[1], "7debug line\x1b", 12, 0), 12);
	assert_int_equal(send(child[1], "4a warning", 10, 0), 10);
	assert_int_equal(send(child[1], "3an error", 9, 0), 9);
	assert_int_equal(send(child[1], "6over the limit", 15, 0), 15);
	privsep_relay_logs(&k, &lim, 100);
	assert_int_equal(lim.suppressed, 1);
	/* A notice is relayed as info; DEL is a control byte too. */
	lim = (struct log_limit){ .interval = 10, .burst = 4 };
	assert_int_equal(send(child[1], "5a notice\x7f", 10, 0), 10);
	privsep_relay_logs(&k, &lim, 200);
	n = recv(ours[1], line, sizeof(line) - 1, MSG_DONTWAIT);
	assert_int_equal(n, 28);
	line[n] = '\0';
	assert_string_equal(line, "6hello?verdict=accepted fake");
	n = recv(ours[1], line, sizeof(line) - 1, MSG_DONTWAIT);
	line[n > 0 ? n : 0] = '\0';
	assert_string_equal(line, "7debug line?");
	n = recv(ours[1], line, sizeof(line) - 1, MSG_DONTWAIT);
	line[n > 0 ? n : 0] = '\0';
	assert_string_equal(line, "4a warning");
	n = recv(ours[1], line, sizeof(line) - 1, MSG_DONTWAIT);
	line[n > 0 ? n : 0] = '\0';
	assert_string_equal(line, "4an error");
	n = recv(ours[1], line, sizeof(line) - 1, MSG_DONTWAIT);
	line[n > 0 ? n : 0] = '\0';
	assert_string_equal(line, "6a notice?");
	assert_true(recv(ours[1], line, sizeof(line), MSG_DONTWAIT) < 0);
	assert_int_equal(lim.suppressed, 0);

	/* At most 64 lines a call: the 65th waits for the next one. */
	lim = (struct log_limit){ .interval = 10, .burst = 100 };
	for (int i = 0; i < 65; i++)
		assert_int_equal(send(child[1], "6line", 5, 0), 5);
	privsep_relay_logs(&k, &lim, 300);
	for (int i = 0; i < 64; i++)
		assert_int_equal(recv(ours[1], line, sizeof(line),
		    MSG_DONTWAIT), 5);
	assert_true(recv(ours[1], line, sizeof(line), MSG_DONTWAIT) < 0);
	privsep_relay_logs(&k, &lim, 300);
	assert_int_equal(recv(ours[1], line, sizeof(line), MSG_DONTWAIT), 5);
	assert_true(recv(ours[1], line, sizeof(line), MSG_DONTWAIT) < 0);
	log_to_socket(-1);
	close(child[0]);
	close(child[1]);
	close(ours[0]);
	close(ours[1]);
}

static pid_t
child_that(int how)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		if (how == 0)
			_exit(74);
		if (how == 1) {
			signal(SIGSYS, SIG_DFL);        /* not cmocka's */
			raise(SIGSYS);
		}
		pause();
		_exit(0);
	}
	return pid;
}

static void
test_reap_says_how(void **state)
{
	struct capchild k = { 0 };
	char why[128], line[128];

	(void)state;
	k.pidfd = k.channel = k.log = -1;
	assert_int_equal(privsep_reap(&k, 0, why, sizeof(why)), -1);
	assert_string_equal(why, "not running");

	k.pid = child_that(0);
	privsep_reap(&k, 0, why, sizeof(why));
	assert_string_equal(why, "exit status 74");

	k = (struct capchild){ .pidfd = -1, .channel = -1, .log = -1 };
	k.pid = child_that(1);
	privsep_reap(&k, 0, why, sizeof(why));
	assert_string_equal(why, "killed by SIGSYS: a system call outside its "
	    "seccomp filter");

	k = (struct capchild){ .pidfd = -1, .channel = -1, .log = -1 };
	k.pid = child_that(2);
	privsep_reap(&k, 1, why, sizeof(why));
	assert_string_equal(why, "killed by signal 9 (SIGKILL)");

	/* A signal without a name of its own (a real-time one). */
	k = (struct capchild){ .pidfd = -1, .channel = -1, .log = -1 };
	k.pid = child_that(2);
	assert_int_equal(kill(k.pid, SIGRTMIN + 1), 0);
	privsep_reap(&k, 0, why, sizeof(why));
	snprintf(line, sizeof(line), "killed by signal %d (SIG?)",
	    SIGRTMIN + 1);
	assert_string_equal(why, line);

	/* Not our child (already reaped): lost. */
	k = (struct capchild){ .pidfd = -1, .channel = -1, .log = -1 };
	k.pid = child_that(0);
	{
		int status;

		assert_int_equal(waitpid(k.pid, &status, 0), k.pid);
	}
	privsep_reap(&k, 0, why, sizeof(why));
	assert_string_equal(why, "lost (No child processes)");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_send_addrs_in_chunks),
		cmocka_unit_test(test_receive_kinds),
		cmocka_unit_test(test_relay_logs),
		cmocka_unit_test(test_reap_says_how),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
