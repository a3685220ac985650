// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* /run/pcrwatch (run_dir.h). */
#include <errno.h>
#include <sys/stat.h>

#include "run_dir.h"

int pcrw_run_dir_make(void)
{
	if (mkdir(PCRW_RUN_DIR, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}
