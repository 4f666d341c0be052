#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "precheckrig.h"
#include "testfile.h"

char precheckrig_out[8192];

void
precheckrig_load(const char *iface, const char *state_dir,
    const char *user_lines, const char *backend, struct conf **c,
    struct firewall **fw)
{
	char text[1024], err[CONF_ERR_MAX];

	snprintf(text, sizeof(text), "[sniffer]\ninterface = %s\n"
	    "state = %s\n[user alice]\n"
	    "key = PqWEZ75TM7+WCsf/2VOMNCtRUkVSdO16abhFlF5WIV0=\n"
	    "allow = ssh\n%s[action ssh]\nopen = tcp/22\n", iface, state_dir,
	    user_lines);
	testfile_write(testfile_dir, "s.conf", text, 0600);
	if (conf_load(testfile_at("s.conf"), c, err) != 0)
		fail_msg("%s", err);
	if (firewall_load(testfile_dir, backend, fw, err) != 0)
		fail_msg("%s", err);
}

FILE *
precheckrig_open(void)
{
	FILE *out;

	memset(precheckrig_out, 0, sizeof(precheckrig_out));
	out = fmemopen(precheckrig_out, sizeof(precheckrig_out) - 1, "w");
	assert_non_null(out);
	return out;
}

void
precheckrig_has(const char *prefix, const char *rest)
{
	char want[512];

	snprintf(want, sizeof(want), "%s%s", prefix, rest);
	if (strstr(precheckrig_out, want) == NULL)
		fail_msg("want \"%s\" in:\n%s", want, precheckrig_out);
}

void
precheckrig_need_root(void)
{
	if (geteuid() != 0) {
		print_message("not root: the checks as root need a root-owned "
		    "chroot directory\n");
		skip();
	}
}
