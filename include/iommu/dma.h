/* SPDX-License-Identifier: MIT */
/*
 * libiommu - DMA: the endpoint's DMA engine and the DMA API drivers use.
 *
 * The DMA engine models what a device does on the bus: it reads or writes
 * memory at an IOVA, carrying its requester/stream ID. The access goes through
 * the device's IOMMU hardware (its driver's dma_translate), page by page; an
 * access that is not mapped, or mapped without the needed permission, faults:
 * the fault is counted, reported to the core (iommu_ctx_set_fault_cb) and the
 * access stops there. A device no IOMMU translates reaches physical memory
 * directly (as on a machine without an IOMMU).
 *
 * The DMA API gives a driver bus addresses for its buffers: on a DMA or
 * DMA-FQ default domain it allocates IOVA and maps; on an identity domain the
 * bus address is the physical address. Strict domains invalidate the IOTLB at
 * every unmap; DMA-FQ domains queue freed IOVA and invalidate in batches
 * (iommu_dma_flush() forces it), so a stale IOTLB entry can briefly outlive
 * its unmap, exactly the trade-off of lazy mode.
 *
 * Thread safety: callers hold a reference to @dev; the DMA API serialises
 * per domain.
 */
#ifndef IOMMU_DMA_H
#define IOMMU_DMA_H

#include "iommu/iommu.h"

#ifdef __cplusplus
extern "C" {
#endif

enum iommu_dma_dir {
	IOMMU_DMA_TO_DEVICE = 1,	/* the device reads */
	IOMMU_DMA_FROM_DEVICE = 2,	/* the device writes */
	IOMMU_DMA_BIDIRECTIONAL = 3,
};

/**
 * iommu_dma_read() / iommu_dma_write() - the device at @dev reads (writes)
 * @len bytes at bus address @iova.
 *
 * Return: 0; -EINVAL (NULL, len 0, range wraps); -ENODEV (device not present,
 * or the context has no RAM model); -EFAULT (an IOMMU fault: the access
 * stopped at the faulting page; or the target lies outside RAM).
 */
IOMMU_EXPORT int iommu_dma_read(struct iommu_dev *dev, uint64_t iova, void *buf, uint64_t len);
IOMMU_EXPORT int iommu_dma_write(struct iommu_dev *dev, uint64_t iova, const void *buf, uint64_t len);

/**
 * iommu_dma_map() - make [paddr, paddr + size) reachable by @dev for @dir.
 * @iova: receives the bus address (same offset within the page as @paddr).
 *
 * Return: 0; -EINVAL (NULL, size 0, bad @dir, range wraps); -ENODEV (device
 * not in the IOMMU layer while firmware says it is translated, or gone);
 * -EPERM (the group's domain is not the default DMA domain: it is owned);
 * -ENOSPC (IOVA space exhausted); -ENOMEM.
 */
IOMMU_EXPORT int iommu_dma_map(struct iommu_dev *dev, uint64_t paddr, uint64_t size,
			       enum iommu_dma_dir dir, uint64_t *iova);

/**
 * iommu_dma_unmap() - undo iommu_dma_map() with the same @iova and @size.
 * Return: 0, -EINVAL (not a mapping made by iommu_dma_map), -ENODEV.
 */
IOMMU_EXPORT int iommu_dma_unmap(struct iommu_dev *dev, uint64_t iova, uint64_t size);

/**
 * iommu_dma_flush() - DMA-FQ: invalidate now and free every queued IOVA of
 * @dev's domain (a no-op for strict domains). Return: 0, -EINVAL, -ENODEV.
 */
IOMMU_EXPORT int iommu_dma_flush(struct iommu_dev *dev);

/* Entries a DMA-FQ domain queues before it invalidates by itself. */
#define IOMMU_DMA_FQ_DEPTH	256

#ifdef __cplusplus
}
#endif
#endif
