/*
 * Internal to pipeline: the worker side of snapshot reading. A worker registers
 * with RCU, reads the current snapshot once per record, and announces a quiescent
 * state after each record (see snapshot.c).
 */
#ifndef PW_PIPELINE_INTERNAL_H
#define PW_PIPELINE_INTERNAL_H

#include "pipeline/pipeline.h"

/* The current snapshot; valid until the calling worker's next quiescent state. */
const pw_snapshot *pw_snapshot_read(pw_snapshot_cell *cell);
/* Announces that the calling worker holds nothing from any snapshot. */
void pw_snapshot_quiescent(pw_snapshot_cell *cell);

#endif
