/*
 * Opening a capture (sniffer/capture.h): a file that is missing, not a
 * capture, or of a link type the decoder does not read is refused with a
 * message naming it; a good file gets the knock filter compiled; a live
 * capture on a device that does not exist is refused by name, and (as
 * root) one on lo works with the filter set.  Closing twice is harmless.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "err.h"
#include "testfile.h"

static char *const dir = testfile_dir;  /* testfile_dir_setup() */

/* An empty capture file of linktype. */
static void
empty_pcap(const char *path, int linktype)
{
	pcap_t *p = pcap_open_dead(linktype, 65535);
	pcap_dumper_t *d;

	assert_non_null(p);
	d = pcap_dump_open(p, path);
	assert_non_null(d);
	pcap_dump_close(d);
	pcap_close(p);
}

static void
test_capture_files(void **state)
{
	char path[128], err[512];
	struct capture c;

	(void)state;
	snprintf(path, sizeof(path), "%s/missing.pcap", dir);
	assert_int_equal(capture_open_file(path, 5001, NULL, &c, err,
	    sizeof(err)), SPA_ERR_CAPTURE);
	assert_non_null(strstr(err, "missing.pcap: cannot read capture: "));
	assert_null(c.pcap);

	snprintf(path, sizeof(path), "%s/text.pcap", dir);
	testfile_write(NULL, path, "not a capture file at all, just text\n",
	    0600);
	assert_int_equal(capture_open_file(path, 5001, NULL, &c, err,
	    sizeof(err)), SPA_ERR_CAPTURE);
	assert_non_null(strstr(err, "text.pcap: cannot read capture: "));

	snprintf(path, sizeof(path), "%s/wifi.pcap", dir);
	empty_pcap(path, DLT_IEEE802_11);
	assert_int_equal(capture_open_file(path, 5001, NULL, &c, err,
	    sizeof(err)), SPA_ERR_CAPTURE);
	assert_non_null(strstr(err, "wifi.pcap: unsupported link type "
	    "IEEE802_11 (105)"));
	assert_null(c.pcap);

	snprintf(path, sizeof(path), "%s/eth.pcap", dir);
	empty_pcap(path, DLT_EN10MB);
	assert_int_equal(capture_open_file(path, 5001, NULL, &c, err,
	    sizeof(err)), 0);
	assert_int_equal(c.linktype, DLT_EN10MB);
	assert_non_null(strstr(c.filter_text, "5001"));
	assert_string_equal(c.iface, "");
	capture_close(&c);
	capture_close(&c);
}

/* A link type libpcap has no name for: its number alone. */
static void
test_capture_unknown_link(void **state)
{
	/* The pcap file header, little-endian: version 2.4, snaplen 65535,
	 * link type 4000. */
	static const unsigned char header[24] = {
		0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0xff, 0xff, 0, 0, 0xa0, 0x0f, 0, 0,
	};
	char path[128], err[512];
	struct capture c;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/odd.pcap", dir);
	assert_non_null(f = fopen(path, "wb"));
	assert_int_equal(fwrite(header, 1, sizeof(header), f), sizeof(header));
	assert_int_equal(fclose(f), 0);
	assert_int_equal(capture_open_file(path, 5001, NULL, &c, err,
	    sizeof(err)), SPA_ERR_CAPTURE);
	assert_non_null(strstr(err, "odd.pcap: unsupported link type unknown "
	    "(4000)"));
	assert_null(c.pcap);
}

/* Port 0 makes no filter: the file is not opened for it. */
static void
test_capture_no_filter(void **state)
{
	char path[128], err[512];
	struct capture c;

	(void)state;
	snprintf(path, sizeof(path), "%s/port0.pcap", dir);
	empty_pcap(path, DLT_EN10MB);
	assert_int_equal(capture_open_file(path, 0, NULL, &c, err,
	    sizeof(err)), SPA_ERR_CAPTURE);
	assert_non_null(strstr(err, "port0.pcap: filter \"\": "));
	assert_null(c.pcap);
}

static void
test_capture_live(void **state)
{
	char err[512];
	struct capture c;

	(void)state;
	assert_int_equal(capture_open_live("spa-nosuch0", 5001, NULL, 1 << 20,
	    &c, err, sizeof(err)), SPA_ERR_CAPTURE);
	assert_non_null(strstr(err, "capture on spa-nosuch0: "));
	assert_null(c.pcap);
	if (geteuid() != 0) {
		print_message("a live capture on lo needs root\n");
		skip();
	}
	if (capture_open_live("lo", 5001, NULL, 1 << 20, &c, err,
	    sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_string_equal(c.iface, "lo");
	assert_non_null(strstr(c.filter_text, "dst port 5001"));
	assert_true(pcap_get_selectable_fd(c.pcap) >= 0);
	capture_close(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capture_files),
		cmocka_unit_test(test_capture_unknown_link),
		cmocka_unit_test(test_capture_no_filter),
		cmocka_unit_test(test_capture_live),
	};

	return cmocka_run_group_tests(tests, testfile_dir_setup, testfile_dir_teardown);
}
