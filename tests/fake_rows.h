/*
 * Snapshots made by hand for unit tests (tests only). A real snapshot's rows point at the
 * state's resolvers; a hand-made one (no chunks) owns one allocation per row's resolver,
 * which pt_snapshot_free() frees with its rows. Used by tests/test_output.c and
 * tests/test_rows.c.
 */
#ifndef PT_FAKE_ROWS_H
#define PT_FAKE_ROWS_H

#include <stdint.h>
#include <stdlib.h>

#include "state.h"

/** The resolver of hand-made row @p row, to fill in: allocated (zeroed) on first use. */
static inline struct pt_resolver *row_resolver(struct pt_row *row)
{
	if (row->resolver == NULL) {
		row->resolver = calloc(1, sizeof(struct pt_resolver));
	}
	return (struct pt_resolver *)(uintptr_t)row->resolver;
}

#endif /* PT_FAKE_ROWS_H */
