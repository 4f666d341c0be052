/*
 * libpcap's and libnftables' calls from sniffer/capture.c, offline.c and
 * nftexec.c, for tests/unit/sysfail.h.  They do not fail with -1 and
 * errno: the errno armed is the negated code the call returns instead of
 * running (sysfail_arm("pcap_activate", 0, -PCAP_ERROR_PERM_DENIED)), and
 * the text libpcap would leave in the handle's error buffer (or in errbuf)
 * is "sysfail: CALL".  pcap_create and nft_ctx_new return NULL,
 * pcap_set_* PCAP_ERROR_ACTIVATED whatever is armed.
 */
#include "sysfail.h"

#include <errno.h>
#include <nftables/libnftables.h>
#include <pcap.h>
#include <stdio.h>

/* The failure's code, with libpcap's message in the handle. */
static int
pcap_failed(pcap_t *p, const char *call)
{
	snprintf(pcap_geterr(p), PCAP_ERRBUF_SIZE, "sysfail: %s", call);
	return -errno;
}

pcap_t *__real_pcap_create(const char *dev, char *errbuf);
pcap_t *__wrap_pcap_create(const char *dev, char *errbuf);
pcap_t *
__wrap_pcap_create(const char *dev, char *errbuf)
{
	if (!sysfail_hit("pcap_create"))
		return __real_pcap_create(dev, errbuf);
	snprintf(errbuf, PCAP_ERRBUF_SIZE, "sysfail: pcap_create");
	return NULL;
}

int __real_pcap_set_snaplen(pcap_t *p, int n);
int __wrap_pcap_set_snaplen(pcap_t *p, int n);
int
__wrap_pcap_set_snaplen(pcap_t *p, int n)
{
	return sysfail_hit("pcap_set_snaplen") ? PCAP_ERROR_ACTIVATED :
	    __real_pcap_set_snaplen(p, n);
}

int __real_pcap_set_immediate_mode(pcap_t *p, int on);
int __wrap_pcap_set_immediate_mode(pcap_t *p, int on);
int
__wrap_pcap_set_immediate_mode(pcap_t *p, int on)
{
	return sysfail_hit("pcap_set_immediate_mode") ? PCAP_ERROR_ACTIVATED :
	    __real_pcap_set_immediate_mode(p, on);
}

int __real_pcap_set_buffer_size(pcap_t *p, int n);
int __wrap_pcap_set_buffer_size(pcap_t *p, int n);
int
__wrap_pcap_set_buffer_size(pcap_t *p, int n)
{
	return sysfail_hit("pcap_set_buffer_size") ? PCAP_ERROR_ACTIVATED :
	    __real_pcap_set_buffer_size(p, n);
}

int __real_pcap_activate(pcap_t *p);
int __wrap_pcap_activate(pcap_t *p);
int
__wrap_pcap_activate(pcap_t *p)
{
	return sysfail_hit("pcap_activate") ? pcap_failed(p, "pcap_activate") :
	    __real_pcap_activate(p);
}

int __real_pcap_setnonblock(pcap_t *p, int on, char *errbuf);
int __wrap_pcap_setnonblock(pcap_t *p, int on, char *errbuf);
int
__wrap_pcap_setnonblock(pcap_t *p, int on, char *errbuf)
{
	return sysfail_hit("pcap_setnonblock") ?
	    pcap_failed(p, "pcap_setnonblock") :
	    __real_pcap_setnonblock(p, on, errbuf);
}

int __real_pcap_compile(pcap_t *p, struct bpf_program *f, const char *s,
    int optimize, bpf_u_int32 mask);
int __wrap_pcap_compile(pcap_t *p, struct bpf_program *f, const char *s,
    int optimize, bpf_u_int32 mask);
int
__wrap_pcap_compile(pcap_t *p, struct bpf_program *f, const char *s,
    int optimize, bpf_u_int32 mask)
{
	return sysfail_hit("pcap_compile") ? pcap_failed(p, "pcap_compile") :
	    __real_pcap_compile(p, f, s, optimize, mask);
}

int __real_pcap_setfilter(pcap_t *p, struct bpf_program *f);
int __wrap_pcap_setfilter(pcap_t *p, struct bpf_program *f);
int
__wrap_pcap_setfilter(pcap_t *p, struct bpf_program *f)
{
	return sysfail_hit("pcap_setfilter") ? pcap_failed(p, "pcap_setfilter") :
	    __real_pcap_setfilter(p, f);
}

struct nft_ctx *__real_nft_ctx_new(uint32_t flags);
struct nft_ctx *__wrap_nft_ctx_new(uint32_t flags);
struct nft_ctx *
__wrap_nft_ctx_new(uint32_t flags)
{
	return sysfail_hit("nft_ctx_new") ? NULL : __real_nft_ctx_new(flags);
}

int __real_nft_ctx_buffer_output(struct nft_ctx *ctx);
int __wrap_nft_ctx_buffer_output(struct nft_ctx *ctx);
int
__wrap_nft_ctx_buffer_output(struct nft_ctx *ctx)
{
	return sysfail_hit("nft_ctx_buffer_output") ? -errno :
	    __real_nft_ctx_buffer_output(ctx);
}

int __real_nft_ctx_buffer_error(struct nft_ctx *ctx);
int __wrap_nft_ctx_buffer_error(struct nft_ctx *ctx);
int
__wrap_nft_ctx_buffer_error(struct nft_ctx *ctx)
{
	return sysfail_hit("nft_ctx_buffer_error") ? -errno :
	    __real_nft_ctx_buffer_error(ctx);
}
