#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>

#include <sqlite3.h>

#include "addr.h"
#include "staterig.h"

void
staterig_raw_sql(const char *db, const char *sql)
{
	sqlite3 *h;
	char *msg = NULL;

	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	if (sqlite3_exec(h, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
	sqlite3_close(h);
}

int
staterig_collect(void *ctx, const struct grantrec *r)
{
	struct seen *s = ctx;

	s->n++;
	s->last = *r;
	return 0;
}

struct grantrec
staterig_sample_grant(void)
{
	struct grantrec r = { .proto = IPPROTO_TCP, .port = 22, .expiry = 100,
	    .user = "alice", .action = "ssh", .backend = "iptables",
	    .phase = GRANT_OPEN };

	assert_int_equal(addr_parse("2001:db8::7", &r.addr), 0);
	return r;
}
