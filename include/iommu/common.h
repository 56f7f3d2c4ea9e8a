/* SPDX-License-Identifier: MIT */
/*
 * libiommu - common definitions shared by every public header.
 *
 * Conventions (every header follows them):
 *  - Every function returns 0 or a negative errno (or a documented value);
 *    pointer-returning functions say how they fail.
 *  - Handles are opaque; the caller owns what it created and releases it with
 *    the matching _free()/_put(); passing NULL to those is a no-op.
 *  - Unknown flags and out-of-range values are rejected with -EINVAL before
 *    any state changes.
 *
 * ABI status: unstable (0.x). Thread safety is stated per header.
 */
#ifndef IOMMU_COMMON_H
#define IOMMU_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define IOMMU_EXPORT __attribute__((visibility("default")))
#else
#define IOMMU_EXPORT
#endif

/* Access permissions, shared by domains, page tables and the DMA engine. */
#define IOMMU_READ	(1u << 0)
#define IOMMU_WRITE	(1u << 1)
#define IOMMU_NOEXEC	(1u << 2)	/* instruction fetch forbidden */
#define IOMMU_PRIV	(1u << 3)	/* privileged-only access */
#define IOMMU_CACHE	(1u << 4)	/* coherent / cacheable memory */
#define IOMMU_MMIO	(1u << 5)	/* device memory attributes */
#define IOMMU_PROT_MASK	0x3fu

/*
 * Returned by a driver's probe (and by the core on its behalf) when a supplier
 * such as the device's IOMMU is not ready yet; the probe is retried whenever
 * another driver binds. Same value as Linux's EPROBE_DEFER.
 */
#define IOMMU_EPROBE_DEFER	517

/** iommu_strerror() - text for a negative errno returned by this library. */
IOMMU_EXPORT const char *iommu_strerror(int err);

#ifdef __cplusplus
}
#endif
#endif
