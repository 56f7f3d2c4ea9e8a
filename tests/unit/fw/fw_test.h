/* SPDX-License-Identifier: MIT */
/* Helpers shared by the firmware front-end tests. */
#ifndef FW_TEST_H
#define FW_TEST_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "iommu/topo.h"

/* A file of the test data (IOMMU_TEST_DATA, set by meson). */
static inline const char *data_path(const char *rel)
{
	static char buf[4096];
	const char *d = getenv("IOMMU_TEST_DATA");

	snprintf(buf, sizeof(buf), "%s/%s", d ? d : "tests/data", rel);
	return buf;
}

/* Did the topology report a diagnostic with this code? */
static inline bool has_code(const struct iommu_topo *t, const char *code)
{
	for (size_t i = 0; i < iommu_topo_diag_count(t); i++)
		if (!strcmp(iommu_topo_diag(t, i)->code, code))
			return true;
	return false;
}

/* Print every diagnostic (to see why a test failed). */
static inline void dump_diags(const struct iommu_topo *t)
{
	for (size_t i = 0; i < iommu_topo_diag_count(t); i++)
		printf("  diag %s %s %s\n", iommu_topo_diag(t, i)->code, iommu_topo_diag(t, i)->where,
		       iommu_topo_diag(t, i)->message);
}

#endif
