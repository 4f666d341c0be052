/*
 * The rig of test_grant.c and test_grant_paths.c: a grant engine
 * (sniffer/grant.h) over a real state, a real spawner and a backend whose
 * "rules" are files.  grantrig_setup names the test's directory, where
 * the backend's script (fw.sh), its rules files and its command log
 * (cmdlog.h) are.
 */
#ifndef SPA_TEST_GRANTRIG_H
#define SPA_TEST_GRANTRIG_H

#include <stddef.h>
#include <stdint.h>

#include "grant.h"

/* Uses dir (kept, not copied) from now on and writes dir/fw.sh: fw.sh
 * VERB DIR ADDR PROTO PORT [WORDS...] logs the call, fails when
 * DIR/fail-VERB or DIR/fail-VERB-PORT exists, and keeps a rule as a
 * file. */
void grantrig_setup(const char *dir);

/* A cmocka setup: testfile_dir_setup (tests/unit/testfile.h), then
 * grantrig_setup(testfile_dir).  0 or -1. */
int grantrig_dir_setup(void **state);

/* grantrig_dir_setup, and the rules file "files" (grantrig_rules). */
int grantrig_files_setup(void **state);

/* A rules file "name" for the fw.sh backend; extra_close words are
 * appended as more close commands before the real one. */
void grantrig_rules(const char *name, int extra_close);

/* Whether dir/name exists; creates (on) or removes it. */
int grantrig_exists(const char *name);
void grantrig_touch(const char *name, int on);

struct rig {
	struct state *st;
	struct spawner *sp;
	struct firewall *fw;
	struct grant_engine *e;
};

/* An engine over the state dir/statedir with the rules file rules. */
void grantrig_up(struct rig *r, const char *statedir, const char *rules);

/* As a kill -9 would leave it: nothing closed, the state as it is. */
void grantrig_down(struct rig *r);

/* Runs the spawner until no grant's commands run (at most 10 s); how many
 * still run. */
size_t grantrig_settle_busy(struct rig *r);
#define settle(r) assert_int_equal(grantrig_settle_busy(r), 0)

/* Alice's ssh (tcp/22) from addr until expiry. */
struct grantrec grantrig_knock(const char *addr, int64_t expiry);

struct phases {
	int n;
	enum grant_phase phase;
	int64_t expiry;
};

/* What the state says: how many rows, and the last one's phase. */
struct phases grantrig_recorded(struct rig *r);

#endif
