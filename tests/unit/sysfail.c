/* The table of armed failures of tests/unit/sysfail.h. */
#include "sysfail.h"
#include "testfile.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define SYSFAIL_SLOTS 16

struct sysfail_slot {
	char call[32];          /* "" when free */
	unsigned skip;          /* calls still to succeed */
	int all;                /* fail every call */
	int armed;              /* still to fail (once mode) */
	int err;
	unsigned failed;
};

static struct sysfail_slot sysfail_slots[SYSFAIL_SLOTS];

static struct sysfail_slot *
sysfail_find(const char *call, int make)
{
	struct sysfail_slot *free_slot = NULL;

	for (size_t i = 0; i < SYSFAIL_SLOTS; i++) {
		struct sysfail_slot *s = &sysfail_slots[i];

		if (strcmp(s->call, call) == 0)
			return s;
		if (s->call[0] == '\0' && free_slot == NULL)
			free_slot = s;
	}
	if (!make)
		return NULL;
	if (free_slot == NULL) {
		/* A test arming more than the table holds is a test bug. */
		fprintf(stderr, "sysfail: more than %d calls armed\n",
		    SYSFAIL_SLOTS);
		return NULL;
	}
	snprintf(free_slot->call, sizeof(free_slot->call), "%s", call);
	return free_slot;
}

static void
sysfail_set(const char *call, unsigned skip, int all, int err)
{
	struct sysfail_slot *s = sysfail_find(call, 1);

	if (s == NULL)
		return;
	s->skip = skip;
	s->all = all;
	s->armed = 1;
	s->err = err;
	s->failed = 0;
}

void
sysfail_arm(const char *call, unsigned skip, int err)
{
	sysfail_set(call, skip, 0, err);
}

void
sysfail_arm_all(const char *call, int err)
{
	sysfail_set(call, 0, 1, err);
}

unsigned
sysfail_failed(const char *call)
{
	struct sysfail_slot *s = sysfail_find(call, 0);

	return s != NULL ? s->failed : 0;
}

void
sysfail_clear(void)
{
	memset(sysfail_slots, 0, sizeof(sysfail_slots));
}

int
sysfail_dir_teardown(void **state)
{
	sysfail_clear();
	return testfile_dir_teardown(state);
}

int
sysfail_hit(const char *call)
{
	struct sysfail_slot *s = sysfail_find(call, 0);

	if (s == NULL || !s->armed)
		return 0;
	if (s->skip > 0) {
		s->skip--;
		return 0;
	}
	if (!s->all)
		s->armed = 0;
	s->failed++;
	errno = s->err;
	return 1;
}
