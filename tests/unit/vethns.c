#define _GNU_SOURCE                     /* unshare(2) */
#include "vethns.h"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

int
vethns_ip(const char *arg, ...)
{
	char *argv[12] = { (char *)(uintptr_t)"ip" };
	size_t n = 1;
	va_list ap;
	int status;
	pid_t pid;

	va_start(ap, arg);
	for (; arg != NULL && n < 11; arg = va_arg(ap, const char *))
		argv[n++] = (char *)(uintptr_t)arg;     /* execvp's type */
	va_end(ap);
	argv[n] = NULL;
	fflush(NULL);
	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		execvp("ip", argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int
vethns_new(void)
{
	if (geteuid() != 0 || unshare(CLONE_NEWNET) != 0 ||
	    vethns_ip("link", "add", "v0", "type", "veth", "peer", "name", "v1",
	    NULL) != 0)
		return 77;
	if (vethns_ip("link", "set", "v0", "up", NULL) != 0 ||
	    vethns_ip("link", "set", "v1", "up", NULL) != 0)
		return 2;
	return 0;
}

int
vethns_send(const uint8_t *frame, size_t len)
{
	struct sockaddr_ll to = { .sll_family = AF_PACKET,
	    .sll_protocol = htons(ETH_P_IP), .sll_halen = 6,
	    .sll_addr = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
	int fd = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP));
	ssize_t sent;

	if (fd < 0)
		return -1;
	to.sll_ifindex = (int)if_nametoindex("v1");
	sent = sendto(fd, frame, len, 0, (struct sockaddr *)&to, sizeof(to));
	close(fd);
	return sent == (ssize_t)len ? 0 : -1;
}
