/*
 * nftexec (sniffer/nftexec.h) where no netfilter netlink socket can be
 * opened (refused by a seccomp filter in a child: as in a container
 * without it): the command is not run, with why, instead of libnftables
 * ending the process (nft_ctx_new exits when it cannot open one).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <linux/netlink.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "childrun.h"
#include "nftexec.h"
#include "spawn.h"

static int
child(void)
{
	char *list[] = { "libnftables", "list", "tables", NULL };
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	char err[SPAWN_ERR_MAX];
	struct spawn_status st;

	if (ctx == NULL ||
	    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPROTONOSUPPORT),
	    SCMP_SYS(socket), 2, SCMP_A0(SCMP_CMP_EQ, AF_NETLINK),
	    SCMP_A2(SCMP_CMP_EQ, NETLINK_NETFILTER)) != 0 ||
	    seccomp_load(ctx) != 0)
		return 77;
	seccomp_release(ctx);
	nftexec_run(list, &st, err, sizeof(err));
	if (st.outcome != SPAWN_FAILED || st.code != EPROTONOSUPPORT)
		return 10;
	if (strstr(err, "cannot open a netfilter netlink socket") == NULL) {
		printf("err: %s\n", err);
		return 11;
	}
	/* and again: still no context, still said */
	nftexec_run(list, &st, err, sizeof(err));
	if (st.outcome != SPAWN_FAILED)
		return 12;
	nftexec_free();
	return 0;
}

static void
test_no_netfilter_socket(void **state)
{
	(void)state;
	childrun(child, "no seccomp filter here");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_netfilter_socket),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
