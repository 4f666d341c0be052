#include "ownaddr.h"

#include <errno.h>
#include <ifaddrs.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "sockaddr.h"

/* Messages read per ownaddr_update at most: the rest waits for the next
 * call (the descriptor stays readable), so a burst cannot hold the loop. */
#define OWNADDR_DRAIN_MAX 64

struct ownaddr {
	char *iface;                    /* NULL: every interface */
	int fd;                         /* NETLINK_ROUTE, or -1: the timer */
	struct spa_addr *addrs;
	size_t n;
	bool stale;                     /* the last reading failed */
	unsigned long generation;       /* readings that succeeded */
	bool given;                     /* ownaddr_new_list: never read */
	int64_t read_at;                /* CLOCK_MONOTONIC seconds */
};

static int64_t
ownaddr_clock(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec;
}

/* A socket told of every IPv4 and IPv6 address added or removed, on any
 * interface; -1 when the kernel refuses one. */
static int
ownaddr_netlink_open(void)
{
	struct sockaddr_nl sa = {
		.nl_family = AF_NETLINK,
		.nl_groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR,
	};
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    NETLINK_ROUTE);

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* name is iface, or one of its IPv4 labels ("eth0:1" for "eth0"). */
static bool
ownaddr_name_matches(const char *iface, const char *name)
{
	size_t len;

	if (iface == NULL)
		return true;
	if (name == NULL)
		return false;
	len = strlen(iface);
	return strncmp(name, iface, len) == 0 &&
	    (name[len] == '\0' || name[len] == ':');
}

/* An interface address as a spa_addr; false when it is not IPv4 or IPv6.
 * getifaddrs gives no length: the family's own structure is whole. */
static bool
ownaddr_convert(const struct sockaddr *sa, struct spa_addr *out)
{
	if (sa == NULL)
		return false;
	return sockaddr_to_addr(sa, sa->sa_family == AF_INET ?
	    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6), out,
	    NULL) == 0;
}

/* Reads the addresses anew.  On failure the previous ones stay and the
 * reading is marked stale, for the next ownaddr_update to retry. */
static int
ownaddr_read(struct ownaddr *o)
{
	struct ifaddrs *list;
	struct spa_addr *addrs;
	size_t n = 0;

	o->read_at = ownaddr_clock();
	o->stale = true;
	if (getifaddrs(&list) != 0)
		return SPA_ERR_SYSTEM;
	for (const struct ifaddrs *ifa = list; ifa != NULL; ifa = ifa->ifa_next)
		n++;
	if ((addrs = calloc(n + 1, sizeof(*addrs))) == NULL) {
		freeifaddrs(list);
		return SPA_ERR_NOMEM;
	}
	n = 0;
	for (const struct ifaddrs *ifa = list; ifa != NULL; ifa = ifa->ifa_next)
		if (ownaddr_name_matches(o->iface, ifa->ifa_name) &&
		    ownaddr_convert(ifa->ifa_addr, &addrs[n]))
			n++;
	freeifaddrs(list);
	free(o->addrs);
	o->addrs = addrs;
	o->n = n;
	o->stale = false;
	o->generation++;
	return 0;
}

int
ownaddr_new(const char *iface, struct ownaddr **out)
{
	struct ownaddr *o = calloc(1, sizeof(*o));
	int rc;

	*out = NULL;
	if (o == NULL)
		return SPA_ERR_NOMEM;
	o->fd = -1;
	if (iface != NULL && strcmp(iface, "any") != 0 &&
	    (o->iface = strdup(iface)) == NULL) {
		free(o);
		return SPA_ERR_NOMEM;
	}
	/* Subscribe first, then read: a change in between is not missed. */
	o->fd = ownaddr_netlink_open();
	if ((rc = ownaddr_read(o)) != 0) {
		ownaddr_free(o);
		return rc;
	}
	*out = o;
	return 0;
}

void
ownaddr_free(struct ownaddr *o)
{
	if (o == NULL)
		return;
	if (o->fd >= 0)
		close(o->fd);
	free(o->addrs);
	free(o->iface);
	free(o);
}

int
ownaddr_fd(const struct ownaddr *o)
{
	return o->fd;
}

/* Reads what the socket holds; true when the kernel said anything, or
 * messages were lost (ENOBUFS) or left unread: the addresses may have
 * changed.  What the kernel sends is not parsed: any address event on any
 * interface means one more getifaddrs, and such events are rare. */
static bool
ownaddr_drain(int fd)
{
	uint8_t buf[8192];
	bool heard = false;

	for (int i = 0; i < OWNADDR_DRAIN_MAX; i++) {
		struct sockaddr_nl from;
		socklen_t len = sizeof(from);
		ssize_t r = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
		    (struct sockaddr *)&from, &len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return heard || errno != EAGAIN;
		/* Only the kernel (port id 0) tells of addresses. */
		if (len >= sizeof(from) && from.nl_pid == 0)
			heard = true;
	}
	return true;
}

int
ownaddr_update(struct ownaddr *o)
{
	bool reread = o->stale;

	if (o->given)
		return 0;
	if (o->fd >= 0)
		reread = ownaddr_drain(o->fd) || reread;
	else if (ownaddr_clock() - o->read_at >= OWNADDR_REREAD_SECONDS)
		reread = true;  /* no netlink: the timer stands in for it */
	return reread ? ownaddr_read(o) : 0;
}

bool
ownaddr_contains(const struct ownaddr *o, const struct spa_addr *a)
{
	for (size_t i = 0; i < o->n; i++)
		if (addr_equal(&o->addrs[i], a))
			return true;
	return false;
}

size_t
ownaddr_count(const struct ownaddr *o)
{
	return o->n;
}

int
ownaddr_new_list(const struct spa_addr *a, size_t n, struct ownaddr **out)
{
	struct ownaddr *o = calloc(1, sizeof(*o));
	int rc;

	*out = NULL;
	if (o == NULL)
		return SPA_ERR_NOMEM;
	o->fd = -1;
	o->given = true;
	if ((rc = ownaddr_set(o, a, n)) != 0) {
		free(o);
		return rc;
	}
	*out = o;
	return 0;
}

int
ownaddr_set(struct ownaddr *o, const struct spa_addr *a, size_t n)
{
	struct spa_addr *copy = calloc(n + 1, sizeof(*copy));

	if (copy == NULL)
		return SPA_ERR_NOMEM;
	if (n > 0)
		memcpy(copy, a, n * sizeof(*copy));
	free(o->addrs);
	o->addrs = copy;
	o->n = n;
	o->generation++;
	return 0;
}

const struct spa_addr *
ownaddr_list(const struct ownaddr *o, size_t *n)
{
	*n = o->n;
	return o->addrs;
}

unsigned long
ownaddr_generation(const struct ownaddr *o)
{
	return o->generation;
}
