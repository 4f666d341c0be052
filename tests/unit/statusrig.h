/*
 * The status client's tests (test_statuscli.c, test_statuscli_paths.c,
 * test_nomem_status.c): a fake server that answers one report on a unix
 * socket, and statuscli_run with its output and stderr caught.
 */
#ifndef SPA_TEST_STATUSRIG_H
#define SPA_TEST_STATUSRIG_H

#include <stddef.h>
#include <sys/types.h>

#include "conf.h"

/* The status socket's path in testfile_dir (tests/unit/testfile.h), as
 * statusrig_setup names it. */
extern char statusrig_sock[];

/* A cmocka setup: testfile_dir_setup, and statusrig_sock named there
 * (nothing bound). */
int statusrig_setup(void **state);

/* A configuration with one user and action whose state is state_dir. */
struct conf *statusrig_conf(const char *state_dir);

/* A socket bound at path (replacing what was there); listening when
 * listen_too. */
int statusrig_bound(const char *path, int listen_too);

/* A server child on path: accepts one connection, sends report, exits
 * (its coverage counts written first). */
pid_t statusrig_serve_once(const char *path, const char *report);

/* Waits for the child pid. */
void statusrig_reap(pid_t pid);

/* statuscli_run's output (into text, len bytes) and status, its stderr
 * caught in a file: the start of it in err. */
void statusrig_query_into(const struct conf *c, int json, int *rc,
    char *text, size_t len, char *err, size_t errlen);

/* As statusrig_query_into, the output in a static buffer of 256 KiB,
 * overwritten by the next call. */
char *statusrig_query(const struct conf *c, int json, int *rc, char *err,
    size_t errlen);

#endif
