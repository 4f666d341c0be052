#include "harden.h"

#include <sys/prctl.h>
#include <sys/resource.h>

#include "err.h"

int
harden_process(void)
{
	const struct rlimit none = { 0, 0 };
	int rc = 0;

	if (setrlimit(RLIMIT_CORE, &none) != 0)
		rc = SPA_ERR_SYSTEM;
	/* Not dumpable: no core even if a limit is raised again, and
	 * /proc/PID/mem is closed to same-user processes. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		rc = SPA_ERR_SYSTEM;
	return rc;
}
