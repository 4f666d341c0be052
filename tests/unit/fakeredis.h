/*
 * A fake Redis for the tests of sniffer/cluster.c: a child process that
 * listens on a UNIX socket (or on 127.0.0.1), reads RESP commands and
 * answers each with the bytes the test chose, so that every reply Redis
 * could send (an error, a wrong type, bytes that do not parse, a
 * connection closed mid-exchange, nothing at all) reaches the code.  The
 * rules and the counts live in memory shared with the child.
 *
 * A command is known by its name, upper case ("SET", "XADD"), except the
 * blocking read, "XREADGROUP>" (its last argument is ">"); "XREADGROUP" is
 * the read of the pending list.  Without a rule it answers as Redis would:
 * AUTH, XGROUP, SET: +OK; XADD: an ID; XACK: :1; XREADGROUP: nil;
 * XREADGROUP>: nothing until the test pushes a reply (fakeredis_push).
 */
#ifndef SPA_TEST_FAKEREDIS_H
#define SPA_TEST_FAKEREDIS_H

#include <stddef.h>

struct fakeredis;

enum fakeredis_action {
	FAKEREDIS_REPLY,        /* answer with the rule's bytes */
	FAKEREDIS_CLOSE,        /* close the connection, no answer */
	FAKEREDIS_SILENT,       /* no answer */
};

/* Listening on path (a UNIX socket), or on 127.0.0.1 at a free port when
 * path is NULL.  Fails the running cmocka test on failure. */
struct fakeredis *fakeredis_start(const char *path);
/* Kills the child (every connection closes), frees f. */
void fakeredis_stop(struct fakeredis *f);
/* The port, listening on 127.0.0.1. */
unsigned fakeredis_port(const struct fakeredis *f);

/* The next command named cmd not yet matched by an earlier rule is
 * answered by action (with reply, raw RESP bytes, for FAKEREDIS_REPLY).
 * Rules are used once each, in the order given. */
void fakeredis_rule(struct fakeredis *f, const char *cmd,
    enum fakeredis_action action, const char *reply);
/* The same with reply's len bytes (binary). */
void fakeredis_rule_bytes(struct fakeredis *f, const char *cmd,
    const void *reply, size_t len);
/* Sends len bytes on the connection whose blocking read (XREADGROUP>) is
 * out, waiting up to 2 s for one; 0 or -1. */
int fakeredis_push(struct fakeredis *f, const void *bytes, size_t len);
/* The same, then closes that connection, and returns once it is closed:
 * what the node sends next finds it so. */
int fakeredis_push_close(struct fakeredis *f, const void *bytes, size_t len);
/* Closes the connection whose blocking read is out (waiting as above); 0
 * or -1. */
int fakeredis_drop(struct fakeredis *f);

/* How many commands named cmd came. */
unsigned fakeredis_count(struct fakeredis *f, const char *cmd);
/* Waits up to ms for the n-th command named cmd; 0 or -1. */
int fakeredis_wait(struct fakeredis *f, const char *cmd, unsigned n, int ms);
/* The last command named cmd: its number of arguments (name included),
 * its last argument copied to buf (at most cap bytes) and its length in
 * *len.  0 when none came. */
unsigned fakeredis_last(struct fakeredis *f, const char *cmd, void *buf,
    size_t cap, size_t *len);

#endif
