/*
 * The rig of test_warden.c and test_warden_paths.c: a warden
 * (sniffer/warden.h) over a real state directory and a real spawner, with
 * a backend (fw.sh in the test's directory) whose commands only log a line
 * (cmdlog.h); grant messages as the packet side sends them; the warden's
 * loop run until the log shows a command; what the state database holds.
 */
#ifndef SPA_TEST_WARDENRIG_H
#define SPA_TEST_WARDENRIG_H

#include <stdint.h>
#include <time.h>

#include "conf.h"
#include "firewall.h"
#include "privmsg.h"
#include "verify.h"
#include "warden.h"

struct rig {
	struct conf *c;
	struct firewall *fw;
	struct warden_options o;        /* o.rules_dir: the test's directory */
	struct warden *w;
	char state[128];
};

#define WARDENRIG_ALICE_KEY "PqWEZ75TM7+WCsf/2VOMNCtRUkVSdO16abhFlF5WIV0="

/* wardenrig_backend: the forward_open and forward_close verbs too
 * (logged as fopen and fclose). */
#define WARDENRIG_FORWARDS 1
/* wardenrig_backend: a verb exits 1 when the file dir/VERB exists; check
 * says the rule is there when dir/present exists. */
#define WARDENRIG_FAULTS 2

/* Writes dir/fw.sh (fw.sh VERB DIR WORDS... logs "VERB WORDS..."; check
 * says the rule is not there) and the rules file dir/fake, whose every
 * verb of both families goes to fw.sh; flags: WARDENRIG_*. */
void wardenrig_backend(const char *dir, int flags);

/* Group setups of the warden tests: testfile_dir made
 * (tests/unit/testfile.h) and the backend of wardenrig_backend written
 * there, without flags or with WARDENRIG_FORWARDS; the teardown is
 * testfile_dir_teardown. */
int wardenrig_setup(void **state);
int wardenrig_setup_forwards(void **state);
/* Per test: testfile_dir's command log emptied (cmdlog_fresh). */
int wardenrig_fresh_log(void **state);

/* warden_start's status at now over the state directory state, with the
 * rules file dir/fake, for one user alice who may ask for ssh (tcp/22,
 * 30 s).  Whatever it returns, wardenrig_free frees what is left. */
int wardenrig_start_alice(struct rig *r, const char *dir, const char *state,
    int64_t now);

/* Frees the firewall and the configuration (the warden is stopped). */
void wardenrig_free(struct rig *r);

/* Stops the warden, then frees the firewall and the configuration. */
void rig_down(struct rig *r);

/* The index of the user, of the action called name in c (failing the
 * running test when there is none). */
uint32_t wardenrig_user_index(const struct conf *c, const char *name);
uint32_t wardenrig_action_index(const struct conf *c, const char *name);

/* A grant message, as the child sends it, passed through the decoder
 * (warden_grant takes only what decodes): a random tag. */
struct privmsg_grant wardenrig_msg(const struct rig *r, const char *user,
    const char *action, const char *addr, int64_t tag_expiry);

/* Alice's ssh, as wardenrig_msg, with a tag kept for the native replay
 * extra and 30 s. */
#define wardenrig_alice_ssh(r, addr) wardenrig_msg(r, "alice", "ssh", addr, \
	(int64_t)time(NULL) + VERIFY_NATIVE_REPLAY_EXTRA + 30)

/* Runs the warden's loop for ms milliseconds, or until the command log
 * has n lines starting with prefix (prefix NULL: the whole time), telling
 * warden_tick the time is at (0: the clock's).  Returns how many such
 * lines there are. */
int run_loop_at(struct rig *r, const char *prefix, int n, int ms,
    int64_t at);

#define run_loop(r, prefix, n, ms) run_loop_at(r, prefix, n, ms, 0)
/* Until n lines start with prefix, at most 10 s. */
#define wait_for(r, prefix, n) \
	assert_int_equal(run_loop(r, prefix, n, 10000), n)
/* Long enough for a command submitted by mistake to have run. */
#define linger(r) (void)run_loop(r, NULL, 0, 300)

/* The expiry the state database holds for tag, or -1 when none. */
int64_t recorded_expiry(const struct rig *r, const uint8_t tag[SPA_MAC_LEN]);

/* Rows of the grant table. */
int recorded_grants(const struct rig *r);

/* The phase the state records for the only grant, or -1 when none. */
int recorded_phase(const struct rig *r);

#endif
