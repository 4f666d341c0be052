/*
 * sniffer: the SPA server (doc/interface.md "sniffer").  This file is the
 * command line only: it loads the configuration and hands over to the
 * check (-t), offline (-r) or live mode.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "actions.h"
#include "conf.h"
#include "firewall.h"
#include "harden.h"
#include "live.h"
#include "log.h"
#include "metrics.h"
#include "offline.h"
#include "precheck.h"
#include "privsep.h"
#include "replay.h"
#include "server.h"
#include "state.h"
#include "statuscli.h"

#ifndef SPA_VERSION
#define SPA_VERSION "dev"
#endif

struct options {
	const char *config;
	const char *interface;
	const char *pcap_file;
	const char *rules_dir;
	int foreground, verbose, dry_run, check, status, json;
};

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: sniffer [-c CONFIG] [-i IFACE] [-f] [-v]     live capture\n"
	    "       sniffer [-c CONFIG] -r FILE.pcap [-n]        offline verdicts\n"
	    "       sniffer [-c CONFIG] -t                       check the configuration\n"
	    "       sniffer [-c CONFIG] -S [-j]                  the running daemon's status\n");
}

static void
help(void)
{
	usage(stdout);
	printf("\n"
	    "  -c CONFIG   configuration file (default %s)\n"
	    "  -i IFACE    capture on IFACE instead of the configured interface\n"
	    "  -f          log to stderr instead of syslog\n"
	    "  -v          more detail in the log\n"
	    "  -r FILE     read a pcap file: one verdict line per frame\n"
	    "  -n          dry run: print the commands instead of running them\n"
	    "  -t          check what a start needs (configuration, rules, programs,\n"
	    "              state directory, interface), then exit\n"
	    "  -R DIR      firewall rules directory (default %s)\n"
	    "  -S          status: open grants and counters of the running daemon\n"
	    "  -j          with -S: as JSON\n"
	    "  --version   print the version\n"
	    "Exit status: 0 ok, 64 usage, 66 capture file unreadable, 69 capture or\n"
	    "firewall setup failed, 71 system error, 73 state directory unusable,\n"
	    "74 capture failed while running, 78 configuration error.\n",
	    CONF_DEFAULT_PATH, SPA_RULES_DIR);
}

static void
parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "c:i:fvr:ntR:Sjh", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c': o->config = optarg; break;
		case 'i': o->interface = optarg; break;
		case 'f': o->foreground = 1; break;
		case 'v': o->verbose = 1; break;
		case 'r': o->pcap_file = optarg; break;
		case 'n': o->dry_run = 1; break;
		case 't': o->check = 1; break;
		case 'R': o->rules_dir = optarg; break;
		case 'S': o->status = 1; break;
		case 'j': o->json = 1; break;
		case 'h': help(); exit(0);
		case 'V': printf("sniffer %s\n", SPA_VERSION); exit(0);
		default: usage(stderr); exit(EX_USAGE);
		}
	}
	if (o->json && !o->status) {
		fprintf(stderr, "sniffer: -j goes with -S\n");
		usage(stderr);
		exit(EX_USAGE);
	}
	if (optind != argc) {
		fprintf(stderr, "sniffer: unexpected argument \"%s\"\n",
		    argv[optind]);
		usage(stderr);
		exit(EX_USAGE);
	}
}

/* Loads the configuration and the firewall backend it names. */
static void
load_all(const struct options *o, struct conf **c, struct firewall **fw)
{
	char err[CONF_ERR_MAX];

	if (conf_load(o->config, c, err) != 0) {
		fprintf(stderr, "%s\n", err);
		exit(EX_CONFIG);
	}
	if (firewall_load(o->rules_dir, (*c)->sniffer.firewall, fw, err) != 0) {
		fprintf(stderr, "%s: firewall = %s: %s\n", o->config,
		    (*c)->sniffer.firewall, err);
		exit(EX_CONFIG);
	}
	if (actions_check_backend(*c, *fw, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		exit(EX_CONFIG);
	}
}

static int
offline_state_open(const struct conf *c, struct replay_cache *replay,
    struct state **st)
{
	char err[STATE_ERR_MAX];

	if (state_open(c->sniffer.state, st, err) != 0) {
		fprintf(stderr, "sniffer: %s\n", err);
		return -1;
	}
	/* Every tag is loaded (each frame is judged at its own capture
	 * time); a cache that cannot be loaded would let replays through. */
	if (state_replay_load(*st, replay, INT64_MIN + 1) < 0) {
		fprintf(stderr, "sniffer: state %s: cannot load the replay "
		    "cache: %s\n", c->sniffer.state, state_error(*st));
		state_close(*st);
		*st = NULL;
		return -1;
	}
	return 0;
}

/* stats_file after a whole capture: its frames and verdicts (an offline
 * run opens no grant).  0, or -1 (said). */
static int
offline_metrics(const struct conf *c, const struct server *s)
{
	struct metrics m = { 0 };

	if (c->sniffer.stats_file[0] == '\0')
		return 0;
	for (int v = 0; v < VERDICT_COUNT; v++)
		m.verdicts[v] = server_count(s, (enum spa_verdict)v);
	if (metrics_write(&m, c->sniffer.stats_file) != 0) {
		fprintf(stderr, "sniffer: stats_file %s: %s\n",
		    c->sniffer.stats_file, strerror(errno));
		return -1;
	}
	return 0;
}

static int
run_offline(const struct options *o, const struct conf *c,
    const struct firewall *fw)
{
	char err[512];
	struct actions_dry_run dry = { .conf = c, .firewall = fw };
	struct replay_cache *replay;
	struct state *st = NULL;
	struct server *s;
	int rc;

	if (replay_new(&replay) != 0)
		fatal(EX_OSERR, "out of memory");
	/* Memory only, unless the configuration names a state directory:
	 * then a replay across runs is seen, as live. */
	if (c->sniffer.state_given && offline_state_open(c, replay, &st) != 0) {
		replay_free(replay);
		return EX_CANTCREAT;
	}
	if (server_new(c, replay, NULL, &s, err, sizeof(err)) != 0)
		fatal(EX_SOFTWARE, "%s", err);
	rc = offline_run(&(struct offline_run){ .server = s, .replay = replay,
	    .state = st, .path = o->pcap_file, .port = c->sniffer.port,
	    .dst = c->sniffer.has_address ? &c->sniffer.address : NULL,
	    .dry_run = o->dry_run ? actions_print_dry_run : NULL, .ctx = &dry,
	    .out = stdout }, err, sizeof(err));
	if (rc != 0)
		fprintf(stderr, "sniffer: %s\n", err);
	else if (offline_metrics(c, s) != 0)
		rc = 1;
	server_free(s);
	state_close(st);
	replay_free(replay);
	return rc == 0 ? 0 : rc == 1 ? EX_CANTCREAT : EX_NOINPUT;
}

int
main(int argc, char **argv)
{
	struct options o = { .config = CONF_DEFAULT_PATH };
	struct firewall *fw = NULL;
	struct conf *c = NULL;
	int rc = 0;

	(void)harden_process();
	umask(077);     /* state, logs of commands: ours alone */
	parse_args(argc, argv, &o);
	if (o.rules_dir == NULL)
		o.rules_dir = getenv("SPA_RULES_DIR") ? getenv("SPA_RULES_DIR") :
		    SPA_RULES_DIR;
	log_init("sniffer", o.foreground || o.check || o.pcap_file || o.status,
	    o.verbose);
	if (o.status) {
		char err[CONF_ERR_MAX];

		if (conf_load(o.config, &c, err) != 0) {
			fprintf(stderr, "%s\n", err);
			return EX_CONFIG;
		}
		rc = statuscli_run(c, o.json, stdout);
		conf_free(c);
		return rc;
	}
	load_all(&o, &c, &fw);
	if (o.pcap_file != NULL)
		rc = run_offline(&o, c, fw);
	else if (o.check)
		rc = precheck_run(&(struct precheck){ .conf = c, .fw = fw,
		    .interface = o.interface, .empty_dir = SPA_EMPTY_DIR,
		    .root = geteuid() == 0, .out = stderr }, NULL) == 0 ? 0 :
		    EX_CONFIG;
	else {
		struct live_options lo = { .config_path = o.config,
		    .rules_dir = o.rules_dir, .interface = o.interface,
		    .dry_run = o.dry_run };

		return live_run(c, fw, &lo);    /* owns c and fw */
	}
	firewall_free(fw);
	conf_free(c);
	return rc;
}
