#define _GNU_SOURCE
#include "fakeredis.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FR_RULES 32
#define FR_REPLY_MAX 4096
#define FR_KEYS 12
#define FR_ARG_MAX 512
#define FR_PUSH_MAX (1280 * 1024)       /* more than cluster.c's 1 MiB */
#define FR_CONNS 8
#define FR_IN_MAX 16384

struct fr_rule {
	char cmd[24];
	enum fakeredis_action action;
	int used;
	size_t len;
	char reply[FR_REPLY_MAX];
};

struct fr_key {
	char cmd[24];
	unsigned count, argc;
	size_t len;
	unsigned char arg[FR_ARG_MAX];
};

/* Shared with the child. */
struct fr_shared {
	pthread_mutex_t mu;
	struct fr_rule rules[FR_RULES];
	size_t nrules;
	struct fr_key keys[FR_KEYS];
	int reader_waiting;             /* a blocking read is out */
	int drop;                       /* close its connection */
	int close_after;                /* ... once the push is written */
	size_t push_len, push_at;
	unsigned char push[FR_PUSH_MAX];
};

struct fakeredis {
	struct fr_shared *sh;
	pid_t pid;
	unsigned port;
	char path[108];
};

/* ---- the child ---- */

struct fr_conn {
	int fd;
	size_t in_len, out_len, out_at;
	char in[FR_IN_MAX];
	char out[FR_REPLY_MAX];
};

static struct fr_key *
fr_key(struct fr_shared *sh, const char *cmd, int make)
{
	for (size_t i = 0; i < FR_KEYS; i++) {
		if (strcmp(sh->keys[i].cmd, cmd) == 0)
			return &sh->keys[i];
		if (sh->keys[i].cmd[0] == '\0') {
			if (!make)
				return NULL;
			snprintf(sh->keys[i].cmd, sizeof(sh->keys[i].cmd), "%s",
			    cmd);
			return &sh->keys[i];
		}
	}
	return NULL;
}

/* One whole command at the start of c->in: its length, 0 when not whole
 * yet, -1 when it is not RESP. */
static long
fr_parse(const struct fr_conn *c, char *name, size_t name_cap,
    unsigned *argc, const char **last, size_t *last_len)
{
	const char *p = c->in, *end = c->in + c->in_len, *nl;
	long n;

	if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
		return 0;
	if (*p != '*' || (n = strtol(p + 1, NULL, 10)) < 1 || n > 1000)
		return -1;
	*argc = (unsigned)n;
	p = nl + 1;
	for (long i = 0; i < n; i++) {
		long len;

		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			return 0;
		if (*p != '$' || (len = strtol(p + 1, NULL, 10)) < 0 ||
		    len > FR_IN_MAX)
			return -1;
		p = nl + 1;
		if (end - p < len + 2)
			return 0;
		if (i == 0)
			snprintf(name, name_cap, "%.*s", (int)len, p);
		*last = p;
		*last_len = (size_t)len;
		p += len + 2;
	}
	for (char *s = name; *s; s++)
		if (*s >= 'a' && *s <= 'z')
			*s = (char)(*s - 'a' + 'A');
	return p - c->in;
}

static void
fr_out(struct fr_conn *c, const char *bytes, size_t len)
{
	if (len > sizeof(c->out) - c->out_len)
		len = sizeof(c->out) - c->out_len;
	memcpy(c->out + c->out_len, bytes, len);
	c->out_len += len;
}

/* Answers one command; 0, or -1 to close the connection.  *reader: this
 * connection now waits for a push. */
static int
fr_answer(struct fr_shared *sh, struct fr_conn *c, const char *name,
    unsigned argc, const char *last, size_t last_len, int *reader)
{
	char cmd[24];
	struct fr_key *k;
	struct fr_rule *rule = NULL;
	const char *dflt = "-ERR unknown command\r\n";
	int rc = 0;

	snprintf(cmd, sizeof(cmd), "%s%s", name, strcmp(name, "XREADGROUP") ==
	    0 && last_len == 1 && last[0] == '>' ? ">" : "");
	pthread_mutex_lock(&sh->mu);
	if ((k = fr_key(sh, cmd, 1)) != NULL) {
		k->count++;
		k->argc = argc;
		k->len = last_len < FR_ARG_MAX ? last_len : FR_ARG_MAX;
		memcpy(k->arg, last, k->len);
	}
	for (size_t i = 0; i < sh->nrules && rule == NULL; i++)
		if (!sh->rules[i].used && strcmp(sh->rules[i].cmd, cmd) == 0) {
			rule = &sh->rules[i];
			rule->used = 1;
		}
	if (rule != NULL) {
		if (rule->action == FAKEREDIS_REPLY)
			fr_out(c, rule->reply, rule->len);
		rc = rule->action == FAKEREDIS_CLOSE ? -1 : 0;
	} else if (strcmp(cmd, "XREADGROUP>") == 0) {
		*reader = 1;
		sh->reader_waiting = 1;
	} else {
		if (strcmp(cmd, "AUTH") == 0 || strcmp(cmd, "XGROUP") == 0 ||
		    strcmp(cmd, "SET") == 0)
			dflt = "+OK\r\n";
		else if (strcmp(cmd, "XADD") == 0)
			dflt = "$3\r\n1-1\r\n";
		else if (strcmp(cmd, "XACK") == 0)
			dflt = ":1\r\n";
		else if (strcmp(cmd, "XREADGROUP") == 0)
			dflt = "*-1\r\n";
		fr_out(c, dflt, strlen(dflt));
	}
	pthread_mutex_unlock(&sh->mu);
	return rc;
}

static void
fr_close(struct fr_conn *c)
{
	close(c->fd);
	c->fd = -1;
}

/* Reads what came on c and answers every whole command. */
static void
fr_read(struct fr_shared *sh, struct fr_conn *c, int *reader)
{
	ssize_t n = read(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len);
	long used;
	char name[16];
	unsigned argc;
	const char *last;
	size_t last_len;

	if (n <= 0) {
		fr_close(c);
		return;
	}
	c->in_len += (size_t)n;
	while ((used = fr_parse(c, name, sizeof(name), &argc, &last,
	    &last_len)) != 0) {
		if (used < 0 || fr_answer(sh, c, name, argc, last, last_len,
		    reader) != 0) {
			fr_close(c);
			return;
		}
		memmove(c->in, c->in + used, c->in_len - (size_t)used);
		c->in_len -= (size_t)used;
	}
	if (c->in_len == sizeof(c->in))
		fr_close(c);
}

/* The child's loop: never returns. */
static void
fr_serve(struct fr_shared *sh, int lfd)
{
	static struct fr_conn conns[FR_CONNS];
	int reader = -1;

	for (size_t i = 0; i < FR_CONNS; i++)
		conns[i].fd = -1;
	for (;;) {
		struct pollfd p[FR_CONNS + 1];
		size_t push_left;

		pthread_mutex_lock(&sh->mu);
		if (reader >= 0 && conns[reader].fd >= 0 && sh->drop) {
			fr_close(&conns[reader]);
			sh->drop = 0;
			sh->reader_waiting = 0;
		}
		push_left = sh->push_len - sh->push_at;
		pthread_mutex_unlock(&sh->mu);
		p[0] = (struct pollfd){ .fd = lfd, .events = POLLIN };
		for (size_t i = 0; i < FR_CONNS; i++) {
			p[i + 1] = (struct pollfd){ .fd = conns[i].fd,
			    .events = POLLIN };
			if (conns[i].out_len > conns[i].out_at ||
			    ((int)i == reader && push_left > 0))
				p[i + 1].events |= POLLOUT;
		}
		if (poll(p, FR_CONNS + 1, 5) < 0)
			continue;
		if (p[0].revents & POLLIN) {
			int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);

			for (size_t i = 0; fd >= 0 && i < FR_CONNS; i++)
				if (conns[i].fd < 0) {
					memset(&conns[i], 0, offsetof(struct fr_conn,
					    in));
					conns[i].fd = fd;
					fd = -1;
				}
			if (fd >= 0)
				close(fd);
		}
		for (size_t i = 0; i < FR_CONNS; i++) {
			struct fr_conn *c = &conns[i];
			int now_reader = 0;

			if (c->fd < 0)
				continue;
			if (p[i + 1].revents & POLLOUT &&
			    c->out_len > c->out_at) {
				ssize_t n = write(c->fd, c->out + c->out_at,
				    c->out_len - c->out_at);

				if (n > 0 && (c->out_at += (size_t)n) == c->out_len)
					c->out_at = c->out_len = 0;
			} else if (p[i + 1].revents & POLLOUT &&
			    (int)i == reader) {
				ssize_t n;

				pthread_mutex_lock(&sh->mu);
				n = write(c->fd, sh->push + sh->push_at,
				    sh->push_len - sh->push_at);
				if (n > 0 && (sh->push_at += (size_t)n) ==
				    sh->push_len) {
					sh->push_at = sh->push_len = 0;
					sh->reader_waiting = 0;
					reader = -1;
					if (sh->close_after) {
						sh->close_after = 0;
						shutdown(c->fd, SHUT_RDWR);
						fr_close(c);
						pthread_mutex_unlock(&sh->mu);
						continue;
					}
				}
				pthread_mutex_unlock(&sh->mu);
			}
			if (p[i + 1].revents & (POLLIN | POLLHUP | POLLERR))
				fr_read(sh, c, &now_reader);
			if (now_reader)
				reader = (int)i;
			if (c->fd < 0 && (int)i == reader) {
				pthread_mutex_lock(&sh->mu);
				sh->reader_waiting = 0;
				sh->push_at = sh->push_len = 0;
				pthread_mutex_unlock(&sh->mu);
				reader = -1;
			}
		}
	}
}

/* ---- the test's side ---- */

static int
fr_listen(struct fakeredis *f, const char *path)
{
	int fd;

	if (path != NULL) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };

		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
		snprintf(f->path, sizeof(f->path), "%s", path);
		unlink(path);
		if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
			return -1;
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
		    listen(fd, 16) != 0) {
			close(fd);
			return -1;
		}
	} else {
		struct sockaddr_in sin = { .sin_family = AF_INET };
		socklen_t len = sizeof(sin);

		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
			return -1;
		if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
		    listen(fd, 16) != 0 ||
		    getsockname(fd, (struct sockaddr *)&sin, &len) != 0) {
			close(fd);
			return -1;
		}
		f->port = ntohs(sin.sin_port);
	}
	return fd;
}

struct fakeredis *
fakeredis_start(const char *path)
{
	struct fakeredis *f = calloc(1, sizeof(*f));
	pthread_mutexattr_t ma;
	int lfd;

	assert_non_null(f);
	f->sh = mmap(NULL, sizeof(*f->sh), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(f->sh != MAP_FAILED);
	memset(f->sh, 0, sizeof(*f->sh));
	assert_int_equal(pthread_mutexattr_init(&ma), 0);
	assert_int_equal(pthread_mutexattr_setpshared(&ma,
	    PTHREAD_PROCESS_SHARED), 0);
	assert_int_equal(pthread_mutex_init(&f->sh->mu, &ma), 0);
	pthread_mutexattr_destroy(&ma);
	if ((lfd = fr_listen(f, path)) < 0)
		fail_msg("fakeredis: cannot listen: %s", strerror(errno));
	fflush(NULL);
	if ((f->pid = fork()) < 0)
		fail_msg("fakeredis: fork: %s", strerror(errno));
	if (f->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		signal(SIGPIPE, SIG_IGN);
		fr_serve(f->sh, lfd);
	}
	close(lfd);
	return f;
}

void
fakeredis_stop(struct fakeredis *f)
{
	if (f == NULL)
		return;
	kill(f->pid, SIGKILL);
	waitpid(f->pid, NULL, 0);
	if (f->path[0] != '\0')
		unlink(f->path);
	munmap(f->sh, sizeof(*f->sh));
	free(f);
}

unsigned
fakeredis_port(const struct fakeredis *f)
{
	return f->port;
}

static void
fr_rule(struct fakeredis *f, const char *cmd, enum fakeredis_action action,
    const void *reply, size_t len)
{
	struct fr_rule *r;

	pthread_mutex_lock(&f->sh->mu);
	assert_true(f->sh->nrules < FR_RULES);
	r = &f->sh->rules[f->sh->nrules++];
	snprintf(r->cmd, sizeof(r->cmd), "%s", cmd);
	r->action = action;
	r->used = 0;
	r->len = len;
	assert_true(r->len <= sizeof(r->reply));
	if (r->len > 0)
		memcpy(r->reply, reply, r->len);
	pthread_mutex_unlock(&f->sh->mu);
}

void
fakeredis_rule(struct fakeredis *f, const char *cmd,
    enum fakeredis_action action, const char *reply)
{
	fr_rule(f, cmd, action, reply, reply != NULL ? strlen(reply) : 0);
}

void
fakeredis_rule_bytes(struct fakeredis *f, const char *cmd, const void *reply,
    size_t len)
{
	fr_rule(f, cmd, FAKEREDIS_REPLY, reply, len);
}

static void
fr_sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = ms * 1000000L };

	nanosleep(&ts, NULL);
}

/* Waits up to 2 s for a blocking read, then hands the child the push (or
 * the drop) for it. */
static int
fr_with_reader(struct fakeredis *f, const void *bytes, size_t len, int drop,
    int close_after)
{
	for (int i = 0; i < 400; i++) {
		int done = 0;

		pthread_mutex_lock(&f->sh->mu);
		if (f->sh->reader_waiting && f->sh->push_len == 0 &&
		    !f->sh->drop) {
			if (drop)
				f->sh->drop = 1;
			else {
				memcpy(f->sh->push, bytes, len);
				f->sh->close_after = close_after;
				f->sh->push_at = 0;
				f->sh->push_len = len;
			}
			done = 1;
		}
		pthread_mutex_unlock(&f->sh->mu);
		if (done)
			return 0;
		fr_sleep_ms(5);
	}
	return -1;
}

int
fakeredis_push(struct fakeredis *f, const void *bytes, size_t len)
{
	if (len == 0 || len > FR_PUSH_MAX)
		return -1;
	return fr_with_reader(f, bytes, len, 0, 0);
}

int
fakeredis_push_close(struct fakeredis *f, const void *bytes, size_t len)
{
	if (len == 0 || len > FR_PUSH_MAX ||
	    fr_with_reader(f, bytes, len, 0, 1) != 0)
		return -1;
	/* Closed before the node reads: what it sends next finds it so. */
	for (int i = 0; i < 400; i++) {
		int done;

		pthread_mutex_lock(&f->sh->mu);
		done = !f->sh->close_after;
		pthread_mutex_unlock(&f->sh->mu);
		if (done)
			return 0;
		fr_sleep_ms(5);
	}
	return -1;
}

int
fakeredis_drop(struct fakeredis *f)
{
	return fr_with_reader(f, NULL, 0, 1, 0);
}

unsigned
fakeredis_count(struct fakeredis *f, const char *cmd)
{
	const struct fr_key *k;
	unsigned n;

	pthread_mutex_lock(&f->sh->mu);
	k = fr_key(f->sh, cmd, 0);
	n = k != NULL ? k->count : 0;
	pthread_mutex_unlock(&f->sh->mu);
	return n;
}

int
fakeredis_wait(struct fakeredis *f, const char *cmd, unsigned n, int ms)
{
	for (int waited = 0; waited <= ms; waited += 5) {
		if (fakeredis_count(f, cmd) >= n)
			return 0;
		fr_sleep_ms(5);
	}
	return -1;
}

unsigned
fakeredis_last(struct fakeredis *f, const char *cmd, void *buf, size_t cap,
    size_t *len)
{
	const struct fr_key *k;
	unsigned argc = 0;

	*len = 0;
	pthread_mutex_lock(&f->sh->mu);
	if ((k = fr_key(f->sh, cmd, 0)) != NULL && k->count > 0) {
		argc = k->argc;
		*len = k->len < cap ? k->len : cap;
		memcpy(buf, k->arg, *len);
	}
	pthread_mutex_unlock(&f->sh->mu);
	return argc;
}
