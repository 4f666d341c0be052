/*
 * sniffer/capture.c and nftexec.c when libpcap or libnftables fails
 * (tests/unit/sysfail_pcap.c): the capture is not opened, its handle is
 * closed (c.pcap NULL) and the message names the interface or file and
 * carries libpcap's words; nft is not run, with why.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "err.h"
#include "nftexec.h"
#include "sysfail.h"

struct live_fault {
	const char *call;
	int code;               /* the negated return code armed */
	int needs_root;         /* fails after a real pcap_activate */
	const char *says;       /* the whole message, or its start */
	int whole;
};

static const struct live_fault live_faults[] = {
	{ "pcap_create", 0, 0, "capture on lo: sysfail: pcap_create", 1 },
	{ "pcap_set_snaplen", 0, 0, "capture on lo: ", 0 },
	{ "pcap_set_immediate_mode", 0, 0, "capture on lo: ", 0 },
	{ "pcap_set_buffer_size", 0, 0, "capture on lo: ", 0 },
	{ "pcap_activate", -PCAP_ERROR_PERM_DENIED, 0,
	    "capture on lo: sysfail: pcap_activate", 1 },
	{ "pcap_setnonblock", 1, 1, "capture on lo: sysfail: pcap_setnonblock",
	    1 },
	{ "pcap_compile", 1, 1, "lo: filter \"", 0 },
	{ "pcap_setfilter", 1, 1, "capture on lo: sysfail: pcap_setfilter",
	    1 },
};

static void
test_live_faults(void **state)
{
	int root = geteuid() == 0;

	(void)state;
	for (size_t i = 0; i < sizeof(live_faults) / sizeof(live_faults[0]);
	    i++) {
		const struct live_fault *f = &live_faults[i];
		char err[512] = "";
		struct capture c;
		int rc;

		if (f->needs_root && !root) {
			print_message("%s: not root, no live capture\n",
			    f->call);
			continue;
		}
		sysfail_arm(f->call, 0, f->code);
		rc = capture_open_live("lo", 5001, NULL, 1 << 20, &c, err,
		    sizeof(err));
		if (rc != SPA_ERR_CAPTURE || sysfail_failed(f->call) != 1 ||
		    c.pcap != NULL)
			fail_msg("%s: rc %d, failed %u: %s", f->call, rc,
			    sysfail_failed(f->call), err);
		sysfail_clear();
		if (f->whole ? strcmp(err, f->says) != 0 :
		    strncmp(err, f->says, strlen(f->says)) != 0)
			fail_msg("%s: \"%s\", not \"%s\"", f->call, err,
			    f->says);
	}
	if (!root)
		skip();
}

/* A filter that does not compile, on a file: named with its text. */
static void
test_file_filter_fails(void **state)
{
	char dir[] = "/tmp/test_sysfail_capture.XXXXXX", path[64], err[512];
	struct capture c;
	pcap_dumper_t *d;
	pcap_t *p;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/eth.pcap", dir);
	assert_non_null(p = pcap_open_dead(DLT_EN10MB, 65535));
	assert_non_null(d = pcap_dump_open(p, path));
	pcap_dump_close(d);
	pcap_close(p);
	sysfail_arm("pcap_compile", 0, 1);
	assert_int_equal(capture_open_file(path, 5001, NULL, &c, err,
	    sizeof(err)), SPA_ERR_CAPTURE);
	assert_int_equal(sysfail_failed("pcap_compile"), 1);
	sysfail_clear();
	assert_null(c.pcap);
	assert_memory_equal(err, path, strlen(path));
	assert_non_null(strstr(err, ": filter \"("));
	assert_non_null(strstr(err, "5001"));
	assert_non_null(strstr(err, "\": sysfail: pcap_compile"));
	unlink(path);
	rmdir(dir);
}

/* No context, or one that cannot buffer: nft is not run, with why; the
 * next command tries again. */
struct nft_fault {
	const char *call;
	const char *says;
};

static const struct nft_fault nft_faults[] = {
	{ "nft_ctx_new", "libnftables: cannot make an nftables context" },
	{ "nft_ctx_buffer_output",
	    "libnftables: cannot buffer the nftables context's output" },
	{ "nft_ctx_buffer_error",
	    "libnftables: cannot buffer the nftables context's output" },
};

static void
test_nft_faults(void **state)
{
	char *list[] = { "libnftables", "list", "tables", NULL };
	char *none[] = { NULL };
	char err[SPAWN_ERR_MAX];
	struct spawn_status st;

	(void)state;
	for (size_t i = 0; i < sizeof(nft_faults) / sizeof(nft_faults[0]);
	    i++) {
		sysfail_arm(nft_faults[i].call, 0, ENOMEM);
		nftexec_run(list, &st, err, sizeof(err));
		if (sysfail_failed(nft_faults[i].call) != 1) {
			/* No netfilter netlink socket here: failed before. */
			assert_non_null(strstr(err, "netlink socket"));
			print_message("no netfilter netlink socket here\n");
			sysfail_clear();
			skip();
		}
		sysfail_clear();
		assert_int_equal(st.outcome, SPAWN_FAILED);
		assert_int_equal(st.code, ENOMEM);
		assert_string_equal(err, nft_faults[i].says);
	}
	/* Not even a program name. */
	nftexec_run(none, &st, err, sizeof(err));
	assert_int_equal(st.outcome, SPAWN_FAILED);
	assert_int_equal(st.code, EINVAL);
	assert_string_equal(err, "libnftables: no command after the program");
	nftexec_free();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_live_faults),
		cmocka_unit_test(test_file_filter_fails),
		cmocka_unit_test(test_nft_faults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
