/* SPDX-License-Identifier: MIT */
/*
 * libiommu - physical memory model.
 *
 * A machine's RAM: one contiguous range of physical addresses [base, base+size)
 * backed by host memory that is committed only when touched, so a model can
 * have many GiB of "RAM" at no cost. Page tables, queues and DMA buffers live
 * here and are referenced by physical address, as on hardware.
 *
 * Pages are handed out by a page allocator in naturally aligned power-of-two
 * blocks from 4 KiB up, zero-filled. Every block allocated is counted, so tests
 * can prove that nothing leaks.
 *
 * Thread safety: allocation and freeing are serialised internally; reads and
 * writes of memory are not (as on hardware, concurrent writers race).
 */
#ifndef IOMMU_MEM_H
#define IOMMU_MEM_H

#include "iommu/common.h"

#ifdef __cplusplus
extern "C" {
#endif

struct iommu_mem;

#define IOMMU_MEM_PAGE_SIZE	4096u
#define IOMMU_MEM_MAX_SIZE	(1ull << 40)	/* 1 TiB of modelled RAM at most */

/**
 * iommu_mem_new() - create a RAM model.
 * @base: first physical address; 4 KiB aligned.
 * @size: bytes; a non-zero multiple of 4 KiB, at most IOMMU_MEM_MAX_SIZE,
 *	  and base + size must not exceed 2^52.
 * @out: receives the new model; the caller owns it (iommu_mem_free()).
 *
 * Return: 0, -EINVAL for a bad argument, -ENOMEM.
 */
IOMMU_EXPORT int iommu_mem_new(uint64_t base, uint64_t size, struct iommu_mem **out);

/** iommu_mem_free() - destroy a model; NULL is a no-op. Outstanding pages go with it. */
IOMMU_EXPORT void iommu_mem_free(struct iommu_mem *mem);

/** iommu_mem_base() / iommu_mem_size() - the RAM range. */
IOMMU_EXPORT uint64_t iommu_mem_base(const struct iommu_mem *mem);
IOMMU_EXPORT uint64_t iommu_mem_size(const struct iommu_mem *mem);

/**
 * iommu_mem_alloc() - allocate a zeroed, naturally aligned block.
 * @size: a power of two, at least IOMMU_MEM_PAGE_SIZE and at most 1 GiB.
 * @pa: receives the block's physical address.
 *
 * Return: 0, -EINVAL for a bad size or NULL pointer, -ENOMEM when RAM is full.
 */
IOMMU_EXPORT int iommu_mem_alloc(struct iommu_mem *mem, uint64_t size, uint64_t *pa);

/**
 * iommu_mem_release() - return a block obtained from iommu_mem_alloc().
 * @pa, @size: exactly as allocated.
 *
 * Return: 0, -EINVAL if [pa, pa+size) is not a block currently allocated with
 * that size (double frees are caught).
 */
IOMMU_EXPORT int iommu_mem_release(struct iommu_mem *mem, uint64_t pa, uint64_t size);

/** iommu_mem_pages_in_use() - 4 KiB pages currently allocated. */
IOMMU_EXPORT uint64_t iommu_mem_pages_in_use(const struct iommu_mem *mem);

/**
 * iommu_mem_ptr() - host address of [pa, pa+len), for the models.
 *
 * Return: the pointer, or NULL when any byte of the range is outside RAM or
 * len is 0.
 */
IOMMU_EXPORT void *iommu_mem_ptr(const struct iommu_mem *mem, uint64_t pa, uint64_t len);

/**
 * iommu_mem_read() / iommu_mem_write() - copy between RAM and a buffer.
 *
 * Return: 0, -EFAULT if any byte is outside RAM, -EINVAL for NULL arguments.
 */
IOMMU_EXPORT int iommu_mem_read(const struct iommu_mem *mem, uint64_t pa, void *buf, uint64_t len);
IOMMU_EXPORT int iommu_mem_write(struct iommu_mem *mem, uint64_t pa, const void *buf, uint64_t len);

#ifdef __cplusplus
}
#endif
#endif
