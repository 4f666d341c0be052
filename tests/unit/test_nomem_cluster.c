/*
 * cluster_new (sniffer/cluster.c) when an allocation fails, with Redis
 * reached by TCP, or by a UNIX socket: SPA_ERR_NOMEM and no node (no
 * connection is tried by cluster_new), at each allocation, until none
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

/* cluster_new(cc), with node gw-1, prefix spa: and a password, each
 * allocation failing in turn: SPA_ERR_NOMEM and no node each time, until
 * one is made; *failed: how many failed. */
static struct cluster *
new_failing(struct conf_cluster *cc, unsigned long *failed)
{
	const struct cluster_hooks hooks = { 0 };
	struct cluster *cl = NULL;
	unsigned long n;
	int rc = -1;

	cc->password = (char *)"sesame";
	cc->timeout_ms = 100;
	snprintf(cc->node, sizeof(cc->node), "gw-1");
	snprintf(cc->prefix, sizeof(cc->prefix), "spa:");
	for (n = 0; n < NOMEM_MAX; n++) {
		cl = (struct cluster *)1;
		nomem_fail_after(n);
		rc = cluster_new(cc, &hooks, &cl);
		if (!nomem_off())
			break;
		assert_int_equal(rc, SPA_ERR_NOMEM);
		assert_null(cl);
	}
	assert_int_equal(rc, 0);
	*failed = n;
	return cl;
}

static void
test_cluster_new_tcp(void **state)
{
	struct conf_cluster cc = { .host = (char *)"192.0.2.7", .port = 6379 };
	struct cluster *cl;
	unsigned long n;

	(void)state;
	cl = new_failing(&cc, &n);
	assert_true(n >= 3);
	cluster_free(cl);
}

static void
test_cluster_new_socket(void **state)
{
	struct conf_cluster cc = { .socket = (char *)"/run/redis/redis.sock",
	    .down_local = true };
	struct cluster *cl;
	unsigned long n;

	(void)state;
	cl = new_failing(&cc, &n);
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
		cmocka_unit_test(test_cluster_new_tcp),
		cmocka_unit_test(test_cluster_new_socket),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
