#include "metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"

#define P "spa_sniffer_"

/* Seconds: a local open takes milliseconds; a backend that waits for a
 * lock, or a loaded machine, seconds. */
static const double metrics_bounds[METRICS_BUCKETS] = {
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
};

uint64_t
metrics_frames(const struct metrics *m)
{
	uint64_t n = 0;

	for (int v = 0; v < VERDICT_COUNT; v++)
		n += m->verdicts[v];
	return n;
}

void
metrics_latency(struct metrics *m, int64_t knock_us, int64_t done_us)
{
	int64_t us = done_us - knock_us;
	double s;
	int b;

	if (knock_us <= 0 || us < 0 || us > 86400LL * 1000000)
		return;
	s = (double)us / 1e6;
	for (b = 0; b < METRICS_BUCKETS && s > metrics_bounds[b]; b++)
		continue;
	if (b < METRICS_BUCKETS)
		m->latency_le[b]++;
	m->latency_count++;
	m->latency_sum += s;
}

/* Appends to buf at *at; *at past len once anything did not fit. */
static void __attribute__((format(printf, 4, 5)))
metrics_put(char *buf, size_t len, size_t *at, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*at >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *at, len - *at, fmt, ap);
	va_end(ap);
	*at = n < 0 ? len : *at + (size_t)n;
}

static void
metrics_counter(char *buf, size_t len, size_t *at, const char *name,
    const char *help, uint64_t v)
{
	metrics_put(buf, len, at, "# HELP " P "%s %s\n# TYPE " P "%s counter\n"
	    P "%s %llu\n", name, help, name, name, (unsigned long long)v);
}

static void
metrics_histogram(const struct metrics *m, char *buf, size_t len,
    size_t *at)
{
	uint64_t cum = 0;

	metrics_put(buf, len, at, "# HELP " P "knock_open_seconds From an "
	    "accepted knock's capture time to the end of its grant's open "
	    "commands.\n# TYPE " P "knock_open_seconds histogram\n");
	for (int b = 0; b < METRICS_BUCKETS; b++) {
		cum += m->latency_le[b];
		metrics_put(buf, len, at, P "knock_open_seconds_bucket"
		    "{le=\"%g\"} %llu\n", metrics_bounds[b],
		    (unsigned long long)cum);
	}
	metrics_put(buf, len, at, P "knock_open_seconds_bucket{le=\"+Inf\"} "
	    "%llu\n" P "knock_open_seconds_sum %.6f\n"
	    P "knock_open_seconds_count %llu\n",
	    (unsigned long long)m->latency_count, m->latency_sum,
	    (unsigned long long)m->latency_count);
}

static void
metrics_cluster(const struct metrics *m, char *buf, size_t len, size_t *at)
{
	metrics_put(buf, len, at, "# HELP " P "cluster_up 1 while the "
	    "cluster's Redis answers.\n# TYPE " P "cluster_up gauge\n"
	    P "cluster_up %d\n", m->cluster_up ? 1 : 0);
	metrics_counter(buf, len, at, "cluster_claims_total", "Replay tags "
	    "this node claimed first in the cluster.", m->cluster_claimed);
	metrics_counter(buf, len, at, "cluster_replays_total", "Accepted "
	    "knocks whose tag another node had claimed.", m->cluster_taken);
	metrics_counter(buf, len, at, "cluster_refused_total", "Knocks "
	    "refused because Redis was down (on_redis_down = refuse).",
	    m->cluster_refused);
	metrics_counter(buf, len, at, "cluster_local_total", "Knocks decided "
	    "by this node alone because Redis was down (on_redis_down = "
	    "local).", m->cluster_local);
	metrics_counter(buf, len, at, "cluster_published_total", "Grant "
	    "messages this node published.", m->cluster_published);
	metrics_counter(buf, len, at, "cluster_applied_total", "Other nodes' "
	    "grants opened here.", m->cluster_applied);
	metrics_counter(buf, len, at, "cluster_dropped_total", "Cluster "
	    "messages dropped: bad MAC or shape, unknown user or action.",
	    m->cluster_dropped);
}

int
metrics_format(const struct metrics *m, char *buf, size_t len)
{
	size_t at = 0;

	metrics_counter(buf, len, &at, "frames_total", "Frames the capture "
	    "filter passed and the sniffer decided.", metrics_frames(m));
	metrics_put(buf, len, &at, "# HELP " P "verdicts_total Frames by "
	    "verdict.\n# TYPE " P "verdicts_total counter\n");
	for (int v = 0; v < VERDICT_COUNT; v++)
		metrics_put(buf, len, &at, P "verdicts_total{verdict=\"%s\"} "
		    "%llu\n", verdict_word((enum spa_verdict)v),
		    (unsigned long long)m->verdicts[v]);
	metrics_counter(buf, len, &at, "capture_dropped_total", "Frames the "
	    "kernel's capture ring had no room for.", m->dropped);
	metrics_put(buf, len, &at, "# HELP " P "grants_open Grants recorded "
	    "now, in any phase.\n# TYPE " P "grants_open gauge\n"
	    P "grants_open %llu\n", (unsigned long long)m->grants_open);
	metrics_counter(buf, len, &at, "grants_opened_total", "Grant opens "
	    "that completed.", m->opened);
	metrics_counter(buf, len, &at, "grants_closed_total", "Grants closed "
	    "and forgotten.", m->closed);
	metrics_counter(buf, len, &at, "grant_close_failures_total", "Grant "
	    "closes that failed (each is retried).", m->close_failed);
	metrics_counter(buf, len, &at, "commands_refused_total", "Commands "
	    "refused because the queue of those waiting to start was full.",
	    m->commands_refused);
	metrics_histogram(m, buf, len, &at);
	if (m->cluster)
		metrics_cluster(m, buf, len, &at);
	if (at >= len || at > INT_MAX)
		return SPA_ERR_NOSPACE;
	return (int)at;
}

int
metrics_write(const struct metrics *m, const char *path)
{
	char text[METRICS_TEXT_MAX], tmp[PATH_MAX];
	int n = metrics_format(m, text, sizeof(text)), fd, saved;
	ssize_t w = -1;

	if (n < 0)
		return n;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return SPA_ERR_SYSTEM;
	}
	/* No fsync: the file is rewritten every few seconds and a crash
	 * loses nothing the next write does not bring back; the rename
	 * alone keeps a reader from ever seeing half a file. */
	/* A fresh file, never one found there: the daemon runs as root, and
	 * a hard link planted under the temporary name would otherwise be
	 * truncated and made world-readable. */
	if (unlink(tmp) != 0 && errno != ENOENT)
		return SPA_ERR_SYSTEM;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0644);
	if (fd < 0)
		return SPA_ERR_SYSTEM;
	if (fchmod(fd, 0644) == 0)
		w = write(fd, text, (size_t)n);
	saved = errno;
	if (close(fd) != 0 && w == n) {
		saved = errno;
		w = -1;
	}
	if (w != n || rename(tmp, path) != 0) {
		if (w == n)
			saved = errno;
		(void)unlink(tmp);
		errno = w >= 0 && w != n ? EIO : saved;
		return SPA_ERR_SYSTEM;
	}
	return 0;
}

void
metrics_line(const struct metrics *m, char *buf, size_t len)
{
	size_t at = 0;

	metrics_put(buf, len, &at, "counters: frames=%llu",
	    (unsigned long long)metrics_frames(m));
	for (int v = 0; v < VERDICT_COUNT; v++)
		metrics_put(buf, len, &at, " %s=%llu",
		    verdict_word((enum spa_verdict)v),
		    (unsigned long long)m->verdicts[v]);
	metrics_put(buf, len, &at, " dropped=%llu grants-open=%llu opened=%llu "
	    "closed=%llu close-failures=%llu commands-refused=%llu "
	    "knocks-timed=%llu",
	    (unsigned long long)m->dropped,
	    (unsigned long long)m->grants_open, (unsigned long long)m->opened,
	    (unsigned long long)m->closed,
	    (unsigned long long)m->close_failed,
	    (unsigned long long)m->commands_refused,
	    (unsigned long long)m->latency_count);
	if (m->cluster)
		metrics_put(buf, len, &at, " cluster-up=%d cluster-claims=%llu "
		    "cluster-replays=%llu cluster-refused=%llu "
		    "cluster-local=%llu cluster-published=%llu "
		    "cluster-applied=%llu cluster-dropped=%llu",
		    m->cluster_up ? 1 : 0,
		    (unsigned long long)m->cluster_claimed,
		    (unsigned long long)m->cluster_taken,
		    (unsigned long long)m->cluster_refused,
		    (unsigned long long)m->cluster_local,
		    (unsigned long long)m->cluster_published,
		    (unsigned long long)m->cluster_applied,
		    (unsigned long long)m->cluster_dropped);
}
