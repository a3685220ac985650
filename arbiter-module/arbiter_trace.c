// SPDX-License-Identifier: GPL-2.0
/* Instantiates the pcr_arbiter tracepoints (pcr_arbiter_trace.h). */
#define CREATE_TRACE_POINTS
#include "pcr_arbiter_trace.h"
