/*
 * What a grant is, and nothing more: who asked (user, action), for which
 * address, proto and port, through which firewall backend, until when, and
 * where in its life it stands.  This is what the state database stores and
 * what the grant engine's verbs carry; the commands that open and close a
 * grant are never stored: they are built from the backend's rules file at
 * the moment they run (doc/grants.md).
 */
#ifndef SPA_GRANTREC_H
#define SPA_GRANTREC_H

#include <stdint.h>

#include "addr.h"
#include "request.h"

#define GRANTREC_USER_MAX 32            /* as conf.c's names */
#define GRANTREC_PAIRS_MAX 8            /* as CONF_PORTS_MAX */
#define GRANTREC_TEXT_MAX 256           /* grantrec_text's bytes */
#define GRANTREC_BACKEND_MAX 32         /* as FIREWALL_NAME_MAX */

/* A grant's life (doc/grants.md draws it). */
enum grant_phase {
	GRANT_OPENING,          /* its open commands run (or were running) */
	GRANT_OPEN,             /* open until its expiry */
	GRANT_CLOSING,          /* its close commands run */
	GRANT_REOPENING,        /* closing, and a knock asked for it again:
	                         * opened once the close has ended */
	GRANT_CLOSE_FAILED,     /* a close failed: retried until it works */
	GRANT_NPHASES
};

struct grant_port {
	uint8_t proto;                          /* IPPROTO_TCP or _UDP */
	uint16_t port;                          /* 1..65535 */
};

/* A grant opens one or more proto/port pairs for addr, all with one
 * expiry: proto/port is the first (the only one of a grant recorded
 * before several could be), more[] the others (open = tcp/22 tcp/443). */
struct grantrec {
	struct spa_addr addr;                   /* family 4 or 6 */
	uint8_t proto;                          /* IPPROTO_TCP or _UDP */
	uint16_t port;                          /* 1..65535 */
	struct grant_port more[GRANTREC_PAIRS_MAX - 1];
	uint8_t nmore;                          /* pairs in more[] */
	struct spa_addr inner;                  /* a forward (one pair): the
	                                         * inner host, addr's family;
	                                         * family 0 and all zero: not
	                                         * a forward */
	uint16_t inner_port;                    /* its port; 0: none */
	char user[GRANTREC_USER_MAX + 1];       /* "" when not known */
	char action[SPA_REQUEST_MAX + 1];       /* "" when not known */
	char backend[GRANTREC_BACKEND_MAX + 1]; /* "" : the configured one */
	int64_t expiry;                         /* Unix seconds */
	enum grant_phase phase;
};

/* 1 when every field holds a value the engine may turn into a command
 * argument: a record read back from disk is checked before any use. */
int grantrec_valid(const struct grantrec *r);
/* 1 when two records name the same grant (family, address, every pair
 * in order, the inner host of a forward). */
int grantrec_same(const struct grantrec *a, const struct grantrec *b);
/* How many pairs r opens (1 + nmore), and pair i of them (0: proto and
 * port). */
unsigned grantrec_npairs(const struct grantrec *r);
struct grant_port grantrec_pair(const struct grantrec *r, unsigned i);
/* The pairs after the first, "tcp/443,udp/51820" ("" for none), and a
 * forward's inner host, "192.0.2.10:22" or "[2001:db8::10]:22" ("" for
 * none): one word each, for status lines.  Return buf. */
const char *grantrec_more_text(const struct grantrec *r,
    char buf[GRANTREC_TEXT_MAX]);
const char *grantrec_inner_text(const struct grantrec *r,
    char buf[GRANTREC_TEXT_MAX]);
/* "ADDR tcp/22 tcp/443", "ADDR tcp/22 -> INNER:PORT" for a forward
 * ([INNER]:PORT for IPv6), for logs; returns buf. */
const char *grantrec_text(const struct grantrec *r,
    char buf[GRANTREC_TEXT_MAX]);
/* "opening", "open", ...; "?" when out of range. */
const char *grant_phase_name(enum grant_phase p);
/* "tcp" or "udp". */
const char *grantrec_proto_name(const struct grantrec *r);

#endif
