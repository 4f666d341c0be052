/*
 * The sniffer's counters as one value (doc/interface.md "Metrics"): frames
 * by verdict and the capture's drops (counted by whoever decides frames:
 * the capture child, which sends them over the channel, or this process),
 * the grant engine's opens, closes and failed closes, and how long a knock
 * took to open.  Written as the Prometheus text format for node_exporter's
 * textfile collector, logged as one line on SIGUSR1, shown by sniffer -S.
 */
#ifndef SPA_METRICS_H
#define SPA_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "verify.h"

#define METRICS_BUCKETS 11      /* latency upper bounds, +Inf apart */
#define METRICS_TEXT_MAX 8192   /* the whole exposition fits */

struct metrics {
	uint64_t verdicts[VERDICT_COUNT];       /* frames decided, by verdict */
	uint64_t dropped;               /* frames the capture ring dropped */
	uint64_t grants_open;           /* grants there are now */
	uint64_t opened, closed, close_failed;
	uint64_t commands_refused;      /* the full command queue refused */
	/* Knock to open: from the frame's capture time (the kernel's
	 * timestamp) to the end of the grant's open commands. */
	uint64_t latency_le[METRICS_BUCKETS];   /* per bucket, not cumulative */
	uint64_t latency_count;
	double latency_sum;             /* seconds */
	/* With a [cluster] (doc/cluster.md; cluster.h says what each is). */
	int cluster;                    /* 0: none, nothing below shown */
	int cluster_up;
	uint64_t cluster_claimed, cluster_taken, cluster_refused;
	uint64_t cluster_local, cluster_published, cluster_applied;
	uint64_t cluster_dropped;
};

/* Frames decided: the sum of the verdicts. */
uint64_t metrics_frames(const struct metrics *m);
/* One open's latency (Unix microseconds both); a negative one (clocks
 * apart) or one over a day is not a knock's and is left out. */
void metrics_latency(struct metrics *m, int64_t knock_us, int64_t done_us);
/* The Prometheus text exposition into buf.  Its length, or
 * SPA_ERR_NOSPACE. */
int metrics_format(const struct metrics *m, char *buf, size_t len);
/* Replaces path atomically: path.tmp in the same directory (mode 0644,
 * for the collector's user), then rename.  0, or SPA_ERR_NOSPACE or
 * SPA_ERR_SYSTEM with errno set. */
int metrics_write(const struct metrics *m, const char *path);
/* The counters as one log line ("counters: frames=... accepted=..."). */
void metrics_line(const struct metrics *m, char *buf, size_t len);

#endif
