// SPDX-License-Identifier: MIT
#include <string.h>
#include "util.h"

IOMMU_EXPORT const char *iommu_strerror(int err)
{
	if (err > 0)
		err = -err;
	switch (err) {
	case 0: return "success";
	case -IOMMU_EPROBE_DEFER: return "probe deferred: a supplier is not ready";
	default: return strerror(-err);
	}
}
