/*
 * libpcap is loaded with dlopen when a file is asked for, not linked: on
 * Debian 12 it brings eight libraries (D-Bus, systemd, libcap, gcrypt,
 * gpg-error, three compressors), and mapping and relocating the nine cost
 * every sending knock about 1 ms of 4.4 (medians of 300 runs) for a writer
 * that only -w uses.  The file is still written by libpcap's dump API.
 */
#include "pcapout.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include <pcap/pcap.h>

#include "err.h"

#define PCAPOUT_SNAPLEN 65535

/* The library's file name (its soname), given by the build; a plain
 * "libpcap.so" needs the development package's symlink at run time. */
#ifndef PCAPOUT_SONAME
#define PCAPOUT_SONAME "libpcap.so"
#endif

/* The functions used, typed by pcap.h's own declarations. */
struct pcapout_lib {
	__typeof__(pcap_open_dead) *open_dead;
	__typeof__(pcap_dump_open) *dump_open;
	__typeof__(pcap_dump) *dump;
	__typeof__(pcap_dump_flush) *dump_flush;
	__typeof__(pcap_dump_close) *dump_close;
	__typeof__(pcap_close) *close;
	__typeof__(pcap_geterr) *geterr;
};

/* Stores symbol name of h into *fn (a function pointer); dlsym's object
 * pointer is copied, as POSIX allows, not cast.  Returns 0 or
 * SPA_ERR_UNAVAILABLE. */
static int
pcapout_sym(void *h, const char *name, void *fn)
{
	void *sym = dlsym(h, name);

	if (sym == NULL)
		return SPA_ERR_UNAVAILABLE;
	memcpy(fn, &sym, sizeof(sym));
	return 0;
}

/* Loads libpcap once per process; it stays loaded until exit.  Returns
 * the functions, or NULL with the loader's message in err. */
static const struct pcapout_lib *
pcapout_load(char err[PCAPOUT_ERR_MAX])
{
	static struct pcapout_lib lib;
	static int loaded;
	const char *msg;
	void *h;

	if (loaded)
		return &lib;
	h = dlopen(PCAPOUT_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL ||
	    pcapout_sym(h, "pcap_open_dead", &lib.open_dead) != 0 ||
	    pcapout_sym(h, "pcap_dump_open", &lib.dump_open) != 0 ||
	    pcapout_sym(h, "pcap_dump", &lib.dump) != 0 ||
	    pcapout_sym(h, "pcap_dump_flush", &lib.dump_flush) != 0 ||
	    pcapout_sym(h, "pcap_dump_close", &lib.dump_close) != 0 ||
	    pcapout_sym(h, "pcap_close", &lib.close) != 0 ||
	    pcapout_sym(h, "pcap_geterr", &lib.geterr) != 0) {
		msg = dlerror();
		snprintf(err, PCAPOUT_ERR_MAX, "cannot load libpcap (%s): %s",
		    PCAPOUT_SONAME, msg != NULL ? msg : "a function is missing");
		if (h != NULL)
			dlclose(h);
		return NULL;
	}
	loaded = 1;
	return &lib;
}

int
pcapout_write(const char *path, const uint8_t *frame, size_t len,
    const struct timeval *ts, char err[PCAPOUT_ERR_MAX])
{
	const struct pcapout_lib *lib = pcapout_load(err);
	struct pcap_pkthdr hdr;
	pcap_dumper_t *d;
	pcap_t *p;
	int rc = 0;

	if (lib == NULL)
		return SPA_ERR_UNAVAILABLE;
	p = lib->open_dead(DLT_RAW, PCAPOUT_SNAPLEN);
	if (p == NULL) {
		snprintf(err, PCAPOUT_ERR_MAX, "pcap_open_dead failed");
		return SPA_ERR_WRITE;
	}
	d = lib->dump_open(p, path);
	if (d == NULL) {
		snprintf(err, PCAPOUT_ERR_MAX, "%s", lib->geterr(p));
		lib->close(p);
		return SPA_ERR_WRITE;
	}
	memset(&hdr, 0, sizeof(hdr));
	hdr.ts = *ts;
	hdr.caplen = hdr.len = (bpf_u_int32)len;
	lib->dump((u_char *)d, &hdr, frame);
	/* pcap_dump reports nothing: a short write shows at flush time. */
	if (lib->dump_flush(d) != 0) {
		snprintf(err, PCAPOUT_ERR_MAX, "%s: write failed", path);
		rc = SPA_ERR_WRITE;
	}
	lib->dump_close(d);
	lib->close(p);
	return rc;
}
