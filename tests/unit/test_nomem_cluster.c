/*
 * cluster_new (sniffer/cluster.c) when an allocation fails, with Redis
 * reached by a UNIX socket and a password (test_nomem_sniffer.c has it
 * by TCP): SPA_ERR_NOMEM and no node, at each allocation, until none
 * fails; then the node has what it was given (it says so, unstarted).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "cluster.h"
#include "conf.h"
#include "err.h"
#include "nomem.h"

static void
test_cluster_new_socket(void **state)
{
	const struct cluster_hooks hooks = { 0 };
	struct conf_cluster cc;
	struct cluster *cl = NULL;
	unsigned long n;
	int rc = -1;

	(void)state;
	memset(&cc, 0, sizeof(cc));
	cc.socket = (char *)"/run/redis/redis.sock";
	cc.password = (char *)"sesame";
	cc.timeout_ms = 100;
	cc.down_local = true;
	snprintf(cc.node, sizeof(cc.node), "gw-1");
	snprintf(cc.prefix, sizeof(cc.prefix), "spa:");
	for (n = 0; n < NOMEM_MAX; n++) {
		cl = (struct cluster *)1;
		nomem_fail_after(n);
		rc = cluster_new(&cc, &hooks, &cl);
		if (!nomem_off())
			break;
		assert_int_equal(rc, SPA_ERR_NOMEM);
		assert_null(cl);
	}
	assert_int_equal(rc, 0);
	/* The node, its socket's path and its password. */
	assert_int_equal(n, 3);
	assert_true(cluster_down_local(cl));
	assert_int_equal(cluster_fd(cl), -1);
	cluster_free(cl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cluster_new_socket),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
