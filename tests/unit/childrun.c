#include "childrun.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "kidrun.h"

struct childrun_fn {
	int (*fn)(void);
};

static int
childrun_call(const void *arg)
{
	return ((const struct childrun_fn *)arg)->fn();
}

void
childrun_verdict(int code, const char *skip_why)
{
	if (code == 77) {
		print_message("%s\n", skip_why);
		skip();
	}
	assert_int_equal(code, 0);
}

void
childrun(int (*fn)(void), const char *skip_why)
{
	struct childrun_fn box = { fn };

	childrun_verdict(kidrun_ending(childrun_call, &box, exit), skip_why);
}
