/*
 * The checks' tests (test_precheck.c, test_precheck_paths.c,
 * test_sysfail_precheck.c): a configuration written and loaded in
 * testfile_dir (tests/unit/testfile.h), and the lines the checks print
 * caught in precheckrig_out.
 */
#ifndef SPA_TEST_PRECHECKRIG_H
#define SPA_TEST_PRECHECKRIG_H

#include <stdio.h>

#include "conf.h"
#include "firewall.h"

extern char precheckrig_out[8192];

/* Writes testfile_dir/s.conf: interface = iface (line 2), state =
 * state_dir (line 3), user alice (lines 4-6) and user_lines after them
 * (line 7 on), action ssh; loads it (*c) and the backend testfile_dir/
 * backend (*fw).  The running test fails when either does not load. */
void precheckrig_load(const char *iface, const char *state_dir,
    const char *user_lines, const char *backend, struct conf **c,
    struct firewall **fw);

/* precheckrig_out emptied, and a stream that writes into it. */
FILE *precheckrig_open(void);

/* Fails the running test unless precheckrig_out holds prefix followed by
 * rest. */
void precheckrig_has(const char *prefix, const char *rest);

/* Skips the running test, saying why, when not root: the checks as root
 * (.root = 1) also look at the chroot directory, which must be root's,
 * and only root can make one. */
void precheckrig_need_root(void);

#endif
