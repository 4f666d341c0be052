/*
 * In-process nft commands (nftexec.h).  One context for the daemon's life:
 * made at the first command, which is the backend's setup at start, in
 * the privileged process.  Its error and output streams are buffered: the
 * error text becomes the command's "stderr", the output (of get or list)
 * is dropped, as an exec'd command's stdout on /dev/null would be.
 */
/* _GNU_SOURCE, as libnftables.h itself defines it: before any header. */
#define _GNU_SOURCE
#include "nftexec.h"

#include <errno.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>

static struct nft_ctx *nftexec_ctx;

int
nftexec_is(const char *program)
{
	return strcmp(program, NFTEXEC_PROGRAM) == 0;
}

/* Sets *st to "not run" with code, and err to why. */
static void
nftexec_not_run(struct spawn_status *st, int code, char *err, size_t errlen,
    const char *why)
{
	*st = (struct spawn_status){ SPAWN_FAILED, code };
	snprintf(err, errlen, "%s: %s", NFTEXEC_PROGRAM, why);
}

/* argv[1]... joined by single spaces into cmd.  0, or an errno with *why:
 * nft reads a newline (or any control byte) as the end of a command, so a
 * word holding one is refused rather than let it start another. */
static int
nftexec_join(char *const argv[], char cmd[NFTEXEC_CMD_MAX], const char **why)
{
	size_t used = 0, len;

	cmd[0] = '\0';
	if (argv[0] == NULL || argv[1] == NULL) {
		*why = "no command after the program";
		return EINVAL;
	}
	for (size_t i = 1; argv[i] != NULL; i++) {
		len = strlen(argv[i]);
		for (size_t k = 0; k < len; k++)
			if ((unsigned char)argv[i][k] < 0x20 ||
			    argv[i][k] == 0x7f) {
				*why = "a word holds a control character";
				return EINVAL;
			}
		if (used + (i > 1) + len + 1 > NFTEXEC_CMD_MAX) {
			*why = "the command is too long";
			return E2BIG;
		}
		if (i > 1)
			cmd[used++] = ' ';
		memcpy(cmd + used, argv[i], len + 1);
		used += len;
	}
	return 0;
}

/* Makes the context.  0, or an errno with *why.  nft_ctx_new opens a
 * netlink socket and exits the process when it cannot, so we first make
 * sure that one can be opened. */
static int
nftexec_open(const char **why)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	int saved;

	if (fd < 0) {
		saved = errno;
		*why = "cannot open a netfilter netlink socket";
		return saved;
	}
	close(fd);
	if ((nftexec_ctx = nft_ctx_new(NFT_CTX_DEFAULT)) == NULL) {
		*why = "cannot make an nftables context";
		return ENOMEM;
	}
	if (nft_ctx_buffer_output(nftexec_ctx) != 0 ||
	    nft_ctx_buffer_error(nftexec_ctx) != 0) {
		nftexec_free();
		*why = "cannot buffer the nftables context's output";
		return ENOMEM;
	}
	return 0;
}

void
nftexec_run(char *const argv[], struct spawn_status *st, char *err,
    size_t errlen)
{
	char cmd[NFTEXEC_CMD_MAX];
	const char *why = NULL;
	int rc;

	err[0] = '\0';
	if ((rc = nftexec_join(argv, cmd, &why)) != 0 ||
	    (nftexec_ctx == NULL && (rc = nftexec_open(&why)) != 0)) {
		nftexec_not_run(st, rc, err, errlen, why);
		return;
	}
	rc = nft_run_cmd_from_buffer(nftexec_ctx, cmd);
	/* Each get also rewinds its buffer for the next command. */
	snprintf(err, errlen, "%s", nft_ctx_get_error_buffer(nftexec_ctx));
	(void)nft_ctx_get_output_buffer(nftexec_ctx);
	*st = (struct spawn_status){ SPAWN_EXITED, rc == 0 ? 0 : 1 };
}

void
nftexec_free(void)
{
	if (nftexec_ctx != NULL)
		nft_ctx_free(nftexec_ctx);
	nftexec_ctx = NULL;
}
