/*
 * make bench: a bounded sender of junk frames for the live bench
 * (tests/bench/live.sh), through an AF_PACKET socket on one interface of a
 * test namespace.  Every frame is an IPv4 TCP SYN or UDP datagram between
 * two documentation addresses, with a payload of random bytes (or random
 * base64 characters, -a) and correct checksums; a pool of frames differing
 * in payload, source port, sequence number and IP id is cycled through.
 *
 *   bench_junk -i IFACE -m DSTMAC -s SRC -d DST -p tcp|udp -P DPORT
 *              -l PAYLOAD_LEN -n COUNT -t SECONDS [-r PPS] [-a]
 *
 * -r PPS paces one frame every 1/PPS s; without it (or 0) frames go out as
 * fast as sendmmsg takes them.  It stops after COUNT frames or SECONDS,
 * whichever comes first, and prints "sent N SECONDS RATE" on stdout.
 * Exit 0, 64 usage (including an address outside 192.0.2.0/24,
 * 198.51.100.0/24, 203.0.113.0/24), 71 a system error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define JUNK_POOL 1024
#define JUNK_BATCH 64
#define JUNK_COUNT_MAX 20000000UL
#define JUNK_SECONDS_MAX 60.0
#define JUNK_PAYLOAD_MAX 1400
#define JUNK_FRAME_MAX (14 + 20 + 20 + JUNK_PAYLOAD_MAX)

struct junk_opts {
	const char *iface;
	uint8_t dmac[6];
	uint32_t src, dst;      /* network order */
	int tcp;
	uint16_t dport;
	size_t len;
	unsigned long count;
	double seconds, rate;
	int base64;
};

static uint8_t pool[JUNK_POOL][JUNK_FRAME_MAX];
static size_t pool_len;
static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t
rng_next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
usage(const char *why)
{
	fprintf(stderr, "bench_junk: %s\nusage: bench_junk -i IFACE -m DSTMAC "
	    "-s SRC -d DST -p tcp|udp -P DPORT -l PAYLOAD_LEN -n COUNT "
	    "-t SECONDS [-r PPS] [-a]\n", why);
	exit(64);
}

/* 1 when a (network order) is in one of the three IPv4 documentation
 * networks, the only ones this sender writes to. */
static int
doc_addr(uint32_t a)
{
	uint32_t net = ntohl(a) & 0xffffff00U;

	return net == 0xc0000200U || net == 0xc6336400U || net == 0xcb007100U;
}

static void
parse_addr(const char *s, uint32_t *a)
{
	struct in_addr in;

	if (inet_pton(AF_INET, s, &in) != 1 || !doc_addr(in.s_addr))
		usage("addresses must be IPv4 documentation addresses");
	*a = in.s_addr;
}

static void
parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x", &b[0], &b[1], &b[2], &b[3],
	    &b[4], &b[5]) != 6)
		usage("bad -m");
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
}

static double
parse_num(const char *s, double max)
{
	char *end;
	double v = strtod(s, &end);

	if (*s == '\0' || *end != '\0' || !(v >= 0) || v > max)
		usage("a number out of range");
	return v;
}

static void
parse_opts(int argc, char **argv, struct junk_opts *o)
{
	int c, have = 0;

	memset(o, 0, sizeof(*o));
	while ((c = getopt(argc, argv, "i:m:s:d:p:P:l:n:t:r:a")) != -1) {
		switch (c) {
		case 'i': o->iface = optarg; break;
		case 'm': parse_mac(optarg, o->dmac); break;
		case 's': parse_addr(optarg, &o->src); break;
		case 'd': parse_addr(optarg, &o->dst); break;
		case 'p':
			if (strcmp(optarg, "tcp") != 0 && strcmp(optarg, "udp"))
				usage("-p is tcp or udp");
			o->tcp = optarg[0] == 't';
			break;
		case 'P': o->dport = (uint16_t)parse_num(optarg, 65535); break;
		case 'l': o->len = (size_t)parse_num(optarg, JUNK_PAYLOAD_MAX); break;
		case 'n': o->count = (unsigned long)parse_num(optarg,
		    JUNK_COUNT_MAX); break;
		case 't': o->seconds = parse_num(optarg, JUNK_SECONDS_MAX); break;
		case 'r': o->rate = parse_num(optarg, 1e7); break;
		case 'a': o->base64 = 1; break;
		default: usage("unknown option");
		}
		have |= c == 'i' ? 1 : c == 'm' ? 2 : c == 's' ? 4 : c == 'd' ?
		    8 : c == 'P' ? 16 : c == 'n' ? 32 : c == 't' ? 64 :
		    c == 'p' ? 128 : 0;
	}
	if (have != 255 || optind != argc)
		usage("-i, -m, -s, -d, -p, -P, -n and -t are needed");
}

static uint32_t
sum16(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t
fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Frame i of the pool into f; returns its length. */
static size_t
frame_build(const struct junk_opts *o, const uint8_t smac[6], uint8_t *f)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t l4 = o->tcp ? 20 : 8, iplen = 20 + l4 + o->len;
	uint8_t *ip = f + 14, *th = ip + 20, *pay = th + l4;
	uint32_t s;

	memcpy(f, o->dmac, 6);
	memcpy(f + 6, smac, 6);
	put16(f + 12, ETHERTYPE_IP);
	memset(ip, 0, 20 + l4);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)iplen);
	put16(ip + 4, (uint16_t)rng_next());
	ip[8] = 64;
	ip[9] = o->tcp ? 6 : 17;
	memcpy(ip + 12, &o->src, 4);
	memcpy(ip + 16, &o->dst, 4);
	put16(ip + 10, fold(sum16(ip, 20, 0)));
	put16(th, (uint16_t)(1024 + rng_next() % 64000));
	put16(th + 2, o->dport);
	for (size_t i = 0; i < o->len; i++)
		pay[i] = o->base64 ? (uint8_t)b64[rng_next() % 64] :
		    (uint8_t)rng_next();
	if (o->tcp) {
		uint32_t seq = (uint32_t)rng_next();

		memcpy(th + 4, &seq, 4);
		th[12] = 5 << 4;
		th[13] = 0x02;          /* SYN, as a knock is */
		put16(th + 14, 64240);
	} else
		put16(th + 4, (uint16_t)(l4 + o->len));
	/* The pseudo-header: addresses, protocol, length. */
	s = sum16(ip + 12, 8, 0) + ip[9] + (uint32_t)(l4 + o->len);
	put16(th + (o->tcp ? 16 : 6), fold(sum16(th, l4 + o->len, s)));
	return 14 + iplen;
}

/* An AF_PACKET socket bound to iface, sending only (protocol 0), and the
 * interface's MAC into smac.  The descriptor, or -1 (said on stderr). */
static int
sock_open(const char *iface, uint8_t smac[6])
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	struct ifreq ifr;
	int fd, one = 1;

	if ((fd = socket(AF_PACKET, SOCK_RAW, 0)) < 0) {
		perror("bench_junk: socket(AF_PACKET)");
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", iface);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) != 0 ||
	    (sll.sll_ifindex = (int)if_nametoindex(iface)) == 0) {
		perror("bench_junk: interface");
		close(fd);
		return -1;
	}
	memcpy(smac, ifr.ifr_hwaddr.sa_data, 6);
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) != 0) {
		perror("bench_junk: bind");
		close(fd);
		return -1;
	}
	/* Straight to the driver when the kernel allows it. */
	(void)setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	return fd;
}

/* Frames as fast as they go, batches of JUNK_BATCH; the number sent. */
static unsigned long
send_flood(int fd, const struct junk_opts *o, double end)
{
	struct mmsghdr m[JUNK_BATCH];
	struct iovec v[JUNK_BATCH];
	unsigned long sent = 0;
	size_t next = 0;

	while (sent < o->count && now_s() < end) {
		unsigned int n = 0;
		int r;

		while (n < JUNK_BATCH && sent + n < o->count) {
			v[n] = (struct iovec){ pool[next], pool_len };
			memset(&m[n], 0, sizeof(m[n]));
			m[n].msg_hdr.msg_iov = &v[n];
			m[n].msg_hdr.msg_iovlen = 1;
			next = (next + 1) % JUNK_POOL;
			n++;
		}
		r = sendmmsg(fd, m, n, 0);
		if (r > 0)
			sent += (unsigned long)r;
		else if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR) {
			perror("bench_junk: sendmmsg");
			break;
		}
	}
	return sent;
}

/* One frame every 1/rate s from t0 on; the number sent. */
static unsigned long
send_paced(int fd, const struct junk_opts *o, double t0, double end)
{
	unsigned long sent = 0;

	while (sent < o->count) {
		double at = t0 + (double)sent / o->rate;
		struct timespec ts = { (time_t)at,
		    (long)((at - (double)(time_t)at) * 1e9) };

		if (at >= end)
			break;
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
		    NULL) == EINTR)
			;
		if (send(fd, pool[sent % JUNK_POOL], pool_len, 0) < 0 &&
		    errno != ENOBUFS && errno != EAGAIN) {
			perror("bench_junk: send");
			break;
		}
		sent++;
	}
	return sent;
}

int
main(int argc, char **argv)
{
	struct junk_opts o;
	uint8_t smac[6];
	unsigned long sent;
	double t0, t;
	int fd;

	parse_opts(argc, argv, &o);
	rng ^= (uint64_t)getpid() << 32 ^ (uint64_t)time(NULL);
	if ((fd = sock_open(o.iface, smac)) < 0)
		return 71;
	for (size_t i = 0; i < JUNK_POOL; i++)
		pool_len = frame_build(&o, smac, pool[i]);
	t0 = now_s();
	sent = o.rate > 0 ? send_paced(fd, &o, t0, t0 + o.seconds) :
	    send_flood(fd, &o, t0 + o.seconds);
	t = now_s() - t0;
	close(fd);
	printf("sent %lu %.3f %.0f\n", sent, t, t > 0 ? (double)sent / t : 0);
	return 0;
}
