/*
 * sniffer.conf (doc/interface.md "Configuration"), parsed once with libinih into
 * typed fields.  Sections [sniffer], [user NAME], [action NAME], [cluster]; unknown
 * sections and keys are errors; every error reads "FILE:LINE: what is wrong".
 */
#ifndef SPA_CONF_H
#define SPA_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "addr.h"
#include "crypto.h"
#include "sign.h"
#include "template.h"

#define CONF_DEFAULT_PATH SPA_CONF_PATH  /* build/paths.h: SYSCONFDIR/spa/sniffer.conf */
#define CONF_ERR_MAX 512

struct conf_sniffer {
	char *interface;                /* default "any" */
	uint16_t port;                  /* default 5001 */
	bool has_address;               /* address = ... given */
	struct spa_addr address;
	struct spa_addr *public_addrs;  /* public_address = A [B ...] */
	size_t npublic;
	unsigned window;                /* seconds, default 60 */
	bool native, classic;           /* formats = native signed classic; */
	bool signed_fmt;                /* default native signed */
	char *firewall;                 /* backend name, default "iptables" */
	char *state;                    /* directory, default "/var/lib/spa";
	                                 * "" when given empty: memory only */
	bool state_given;               /* state = ... present in the file
	                                 * (offline runs use only such a one) */
	unsigned lockout_count;         /* lockout = N/SECONDS; 0: off */
	unsigned lockout_seconds;
	unsigned capture_buffer;        /* bytes of the kernel's capture ring,
	                                 * default CONF_CAPTURE_BUFFER */
	char *stats_file;               /* metrics file (a .prom name), ""
	                                 * (the default): none */
};

/* A knock is one small frame: 1.5 MiB holds about 8,000 of them, what a
 * flood of 150,000 frames/s brings while the sniffer waits 50 ms for a CPU
 * (tests/bench/load.sh); libpcap maps about 240 KiB more, so the ring
 * stays under 2 MB.  The range keeps a typo from asking for nothing or for
 * gigabytes. */
#define CONF_CAPTURE_BUFFER (1536u << 10)
#define CONF_CAPTURE_BUFFER_MIN (64u << 10)
#define CONF_CAPTURE_BUFFER_MAX (256u << 20)

struct conf_user {
	char *name;
	uint8_t secret[SPA_SECRET_LEN]; /* from key = or keyfile = */
	char **allow;                   /* action names */
	size_t nallow;
	bool nat;                       /* default no */
	bool classic;                   /* default no */
	uint8_t *allow_family;          /* per allow: 4 or 6 when the action
	                                 * forwards to a host of that family
	                                 * (a knock for the other can only be
	                                 * denied), else 0 */
	bool has_public;                /* public = : a signing user */
	uint8_t public_key[SIGN_PUBLIC_LEN];    /* Ed25519, checked valid */
	struct spa_net *from;           /* from = NET ...: where a knock may
	                                 * come from; nfrom 0: anywhere */
	size_t nfrom;
	int64_t expires;                /* expires = YYYY-MM-DD: the first
	                                 * second after that day (UTC), from
	                                 * which every knock is denied; 0:
	                                 * never */
	unsigned expires_line;          /* of expires = ; 0: none */
	unsigned line;                  /* of the section header */
};

enum conf_action_kind {
	CONF_ACTION_OPEN,               /* open = PROTO/PORT ... for timeout
	                                 * s: one grant, every pair */
	CONF_ACTION_RUN,                /* run = /abs/path args... */
	CONF_ACTION_FORWARD,            /* forward = PROTO/PORT INNER:PORT:
	                                 * on a gateway, ports[0] of this host
	                                 * to inner, for timeout s */
};

/* Pairs one open = may name: as many as a grant record holds. */
#define CONF_PORTS_MAX 8

struct conf_port {
	uint8_t proto;                  /* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t port;                  /* 1..65535 */
};

struct conf_action {
	char *name;                     /* a valid request (request_valid) */
	enum conf_action_kind kind;
	struct conf_port ports[CONF_PORTS_MAX]; /* open: each pair, in the
	                                 * order given, none twice; forward:
	                                 * the one this host receives on */
	size_t nports;
	struct spa_addr inner;          /* forward: the inner host, and */
	uint16_t inner_port;            /* its port */
	unsigned kind_line;             /* of open =, run = or forward = */
	unsigned timeout;               /* open: grant seconds (default 30);
	                                 * run: time limit (default 60) */
	struct template run;            /* run: argv template */
	char *run_as;                   /* run: user name, default "nobody" */
	uid_t run_uid;                  /* run: run_as's uid and primary gid, */
	gid_t run_gid;                  /* looked up once, at load time */
	unsigned line;
};

/* [cluster] (doc/cluster.md): the nodes that share one service address
 * share replay tags and grants through Redis. */
#define CONF_CLUSTER_NODE_MAX 32
#define CONF_CLUSTER_PASSWORD_MAX 512
#define CONF_CLUSTER_TIMEOUT_MS 500
#define CONF_CLUSTER_PREFIX_MAX 64

struct conf_cluster {
	bool on;                        /* the section is there */
	char *host;                     /* Redis by TCP: host name or address */
	uint16_t port;                  /* 0: host is a UNIX socket's path */
	char *socket;                   /* the UNIX socket's path, or NULL */
	char node[CONF_CLUSTER_NODE_MAX + 1];
	uint8_t key[SPA_SECRET_LEN];    /* HMAC key of cluster messages */
	char *password;                 /* from password_file; NULL: none */
	unsigned timeout_ms;            /* connect and command, default 500 */
	bool down_local;                /* on_redis_down = local (default
	                                 * refuse) */
	char prefix[CONF_CLUSTER_PREFIX_MAX + 1];       /* of every key,
	                                 * default "spa:" */
};

struct conf {
	char *path;
	struct conf_sniffer sniffer;
	struct conf_cluster cluster;
	struct conf_user *users;
	size_t nusers;
	struct conf_action *actions;
	size_t nactions;
};

/* Loads path.  Returns 0 and *out, or SPA_ERR_CONFIG with "FILE:LINE:
 * message" (or "FILE: message" when no line applies) in err, whatever
 * failed (the file, memory, a key file, a line).  Free with conf_free.
 * path must be a regular file of at most 16 MiB (a FIFO or a device is
 * refused at once, never read); one that holds an inline key = must be
 * owned by root or the effective uid and closed to group and others.  A
 * keyfile = must be a regular file of that same owner and mode, in a
 * directory that group and others may not write.  Two users may not share
 * a key.  No message ever quotes key material, wherever it was pasted. */
int conf_load(const char *path, struct conf **out, char err[CONF_ERR_MAX]);
/* Same, from text in memory; name stands for the file in messages.  No
 * file to check, but key files are read and checked as above. */
int conf_load_string(const char *name, const char *text, struct conf **out,
    char err[CONF_ERR_MAX]);
/* Wipes the secrets too. */
void conf_free(struct conf *c);
const struct conf_action *conf_find_action(const struct conf *c,
    const char *name);

#endif
