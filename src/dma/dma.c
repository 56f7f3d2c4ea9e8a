// SPDX-License-Identifier: MIT
/*
 * The endpoint DMA engine and the DMA API.
 *
 * DMA engine: every access is translated page by page by the device's IOMMU
 * hardware (ops->dma_translate), never by looking at the domain in software,
 * so what a device can reach is exactly what the hardware tables say.
 *
 * DMA API: per DMA/DMA-FQ default domain, an IOVA allocator (sorted free
 * ranges, first fit from the top like Linux's) that never hands out reserved
 * regions, a record of live mappings (so a bad unmap is refused), and for
 * DMA-FQ a flush queue: unmapped IOVA is only reused after one IOTLB flush
 * covers it.
 */
#include <string.h>
#include "core/core.h"
#include "mem/mem_priv.h"

static const struct iu_lock_class dma_lock_class = { "iommu-dma", IU_RANK_DOMAIN - 5, false };

struct range {
	uint64_t start, last;		/* inclusive */
};

struct dma_domain {
	struct iu_mutex lock;
	struct range *free;		/* sorted, disjoint, not adjacent */
	size_t nfree, capfree;
	struct range *live;		/* live mappings as the caller gave them, by start */
	size_t nlive, caplive;
	struct range fq[IOMMU_DMA_FQ_DEPTH];	/* unmapped, awaiting a flush */
	unsigned int nfq;
};

static int range_insert(struct range **arr, size_t *n, size_t *cap, size_t at, struct range r)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct range *na = iu_realloc(*arr, nc * sizeof(*na));

		if (!na)
			return -ENOMEM;
		*arr = na;
		*cap = nc;
	}
	memmove(*arr + at + 1, *arr + at, (*n - at) * sizeof(**arr));
	(*arr)[at] = r;
	(*n)++;
	return 0;
}

static void range_remove(struct range *arr, size_t *n, size_t at)
{
	memmove(arr + at, arr + at + 1, (*n - at - 1) * sizeof(*arr));
	(*n)--;
}

/* Take [start, last] out of the free list (it may span several ranges). */
static int iova_reserve(struct dma_domain *dd, uint64_t start, uint64_t last)
{
	for (size_t i = 0; i < dd->nfree; i++) {
		struct range *r = &dd->free[i];

		if (r->last < start || r->start > last)
			continue;
		if (r->start >= start && r->last <= last) {
			range_remove(dd->free, &dd->nfree, i--);
		} else if (r->start < start && r->last > last) {
			struct range hi = { last + 1, r->last };

			r->last = start - 1;
			if (range_insert(&dd->free, &dd->nfree, &dd->capfree, i + 1, hi))
				return -ENOMEM;
			i++;
		} else if (r->start < start) {
			r->last = start - 1;
		} else {
			r->start = last + 1;
		}
	}
	return 0;
}

static int iova_alloc(struct dma_domain *dd, uint64_t size, uint64_t align, uint64_t *out)
{
	for (size_t i = dd->nfree; i-- > 0;) {
		struct range *r = &dd->free[i];
		uint64_t start;

		if (r->last - r->start + 1 < size)
			continue;
		start = (r->last - size + 1) & ~(align - 1);
		if (start < r->start)
			continue;
		if (iova_reserve(dd, start, start + size - 1))
			return -ENOMEM;
		*out = start;
		return 0;
	}
	return -ENOSPC;
}

static int iova_free(struct dma_domain *dd, uint64_t start, uint64_t size)
{
	struct range r = { start, start + size - 1 };
	size_t i = 0;

	while (i < dd->nfree && dd->free[i].start < r.start)
		i++;
	/* Coalesce with neighbours. */
	if (i > 0 && dd->free[i - 1].last + 1 == r.start) {
		dd->free[i - 1].last = r.last;
		if (i < dd->nfree && r.last + 1 == dd->free[i].start) {
			dd->free[i - 1].last = dd->free[i].last;
			range_remove(dd->free, &dd->nfree, i);
		}
		return 0;
	}
	if (i < dd->nfree && r.last + 1 == dd->free[i].start) {
		dd->free[i].start = r.start;
		return 0;
	}
	return range_insert(&dd->free, &dd->nfree, &dd->capfree, i, r);
}

static struct dma_domain *dma_domain_get(struct iommu_domain *d)
{
	struct dma_domain *dd;
	uint64_t lo, hi;

	if (d->core->dma)
		return d->core->dma;
	dd = iu_zalloc(sizeof(*dd));
	if (!dd)
		return NULL;
	iu_mutex_init(&dd->lock, &dma_lock_class);
	/* Leave IOVA 0 unused, so a NULL bus address is never valid. */
	lo = iu_max(d->aperture_start, d->pgsize_bitmap & -d->pgsize_bitmap);
	hi = d->aperture_end;
	if (lo > hi || range_insert(&dd->free, &dd->nfree, &dd->capfree, 0, (struct range){ lo, hi }))
		goto err;
	iu_mutex_lock(&d->core->lock);
	for (unsigned int i = 0; i < d->core->nresv; i++) {
		const struct iommu_resv_region *r = &d->core->resv[i];

		if (r->length && iova_reserve(dd, r->start, r->start + r->length - 1)) {
			iu_mutex_unlock(&d->core->lock);
			goto err;
		}
	}
	iu_mutex_unlock(&d->core->lock);
	d->core->dma = dd;
	return dd;
err:
	iu_free(dd->free);
	iu_mutex_destroy(&dd->lock);
	iu_free(dd);
	return NULL;
}

void dma_domain_free(struct iommu_domain *d)
{
	struct dma_domain *dd = d->core->dma;

	iu_free(dd->free);
	iu_free(dd->live);
	iu_mutex_destroy(&dd->lock);
	iu_free(dd);
	d->core->dma = NULL;
}

/* Flush the IOTLB once and recycle every queued IOVA. dd->lock held. */
static void fq_flush(struct iommu_domain *d, struct dma_domain *dd)
{
	if (!dd->nfq)
		return;
	if (d->ops->flush_iotlb_all)
		d->ops->flush_iotlb_all(d);
	CORE_STAT_ADD(d->core->ctx, iotlb_flush_all, 1);
	for (unsigned int i = 0; i < dd->nfq; i++)
		(void)iova_free(dd, dd->fq[i].start, dd->fq[i].last - dd->fq[i].start + 1);
	dd->nfq = 0;
}

/*
 * The domain the DMA API should use for @dev: returns with the group mutex
 * held (the domain cannot change meanwhile) and *gp set, or an error.
 */
static int dma_enter(struct iommu_dev *dev, struct iommu_group **gp, struct iommu_domain **dp)
{
	struct iommu_group *g = iommu_group_get(dev);

	if (!g)
		return -ENODEV;
	iu_mutex_lock(&g->mutex);
	if (!g->ndevs || !g->domain) {
		iu_mutex_unlock(&g->mutex);
		iommu_group_put(g);
		return -ENODEV;
	}
	if (g->domain != g->default_domain) {
		iu_mutex_unlock(&g->mutex);
		iommu_group_put(g);
		return -EPERM;
	}
	*gp = g;
	*dp = g->domain;
	return 0;
}

static void dma_exit(struct iommu_group *g)
{
	iu_mutex_unlock(&g->mutex);
	iommu_group_put(g);
}

static unsigned int dir_prot(enum iommu_dma_dir dir)
{
	return (dir & IOMMU_DMA_TO_DEVICE ? IOMMU_READ : 0) |
	       (dir & IOMMU_DMA_FROM_DEVICE ? IOMMU_WRITE : 0) | IOMMU_NOEXEC;
}

IOMMU_EXPORT int iommu_dma_map(struct iommu_dev *dev, uint64_t paddr, uint64_t size,
			       enum iommu_dma_dir dir, uint64_t *iova)
{
	struct iommu_group *g;
	struct iommu_domain *d;
	struct dma_domain *dd;
	uint64_t pg, off, len, base;
	size_t at;
	int ret;

	if (!dev || !size || !iova || dir < IOMMU_DMA_TO_DEVICE || dir > IOMMU_DMA_BIDIRECTIONAL ||
	    paddr + (size - 1) < paddr)
		return -EINVAL;
	if (!iommu_dev_is_present(dev))
		return -ENODEV;
	if (!iommu_dev_iommu(dev)) {
		*iova = paddr;		/* no IOMMU: bus address = physical */
		return 0;
	}
	ret = dma_enter(dev, &g, &d);
	if (ret)
		return ret;
	if (d->type == IOMMU_DOMAIN_IDENTITY) {
		*iova = paddr;
		goto out;
	}
	if (d->type != IOMMU_DOMAIN_DMA && d->type != IOMMU_DOMAIN_DMA_FQ) {
		ret = -EPERM;
		goto out;
	}
	dd = dma_domain_get(d);
	if (!dd) {
		ret = -ENOMEM;
		goto out;
	}
	pg = d->pgsize_bitmap & -d->pgsize_bitmap;
	off = paddr & (pg - 1);
	len = ALIGN_UP(off + size, pg);
	iu_mutex_lock(&dd->lock);
	ret = iova_alloc(dd, len, pg, &base);
	if (ret == -ENOSPC && dd->nfq) {
		fq_flush(d, dd);
		ret = iova_alloc(dd, len, pg, &base);
	}
	if (ret)
		goto out_unlock;
	ret = iommu_map(d, base, paddr - off, len, dir_prot(dir));
	if (ret) {
		(void)iova_free(dd, base, len);
		goto out_unlock;
	}
	for (at = 0; at < dd->nlive && dd->live[at].start < base + off; at++)
		;
	ret = range_insert(&dd->live, &dd->nlive, &dd->caplive, at,
			   (struct range){ base + off, base + off + size - 1 });
	if (ret) {
		iommu_unmap(d, base, len);
		(void)iova_free(dd, base, len);
		goto out_unlock;
	}
	*iova = base + off;
out_unlock:
	iu_mutex_unlock(&dd->lock);
out:
	dma_exit(g);
	return ret;
}

IOMMU_EXPORT int iommu_dma_unmap(struct iommu_dev *dev, uint64_t iova, uint64_t size)
{
	struct iommu_iotlb_gather gather;
	struct iommu_group *g;
	struct iommu_domain *d;
	struct dma_domain *dd;
	uint64_t pg, base, len;
	size_t lo = 0, hi;
	int ret;

	if (!dev || !size || iova + (size - 1) < iova)
		return -EINVAL;
	if (!iommu_dev_is_present(dev))
		return -ENODEV;
	if (!iommu_dev_iommu(dev))
		return 0;
	ret = dma_enter(dev, &g, &d);
	if (ret)
		return ret;
	if (d->type == IOMMU_DOMAIN_IDENTITY)
		goto out;
	dd = d->core->dma;
	if ((d->type != IOMMU_DOMAIN_DMA && d->type != IOMMU_DOMAIN_DMA_FQ) || !dd) {
		ret = -EINVAL;
		goto out;
	}
	pg = d->pgsize_bitmap & -d->pgsize_bitmap;
	base = iova & ~(pg - 1);
	len = ALIGN_UP((iova - base) + size, pg);
	iu_mutex_lock(&dd->lock);
	hi = dd->nlive;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (dd->live[mid].start < iova)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* Exactly what iommu_dma_map() returned and was given, nothing else. */
	if (lo == dd->nlive || dd->live[lo].start != iova || dd->live[lo].last != iova + size - 1) {
		ret = -EINVAL;
		goto out_unlock;
	}
	range_remove(dd->live, &dd->nlive, lo);
	if (d->type == IOMMU_DOMAIN_DMA) {
		/* Strict: the IOTLB forgets the mapping before the IOVA is reused. */
		iommu_unmap(d, base, len);
		ret = iova_free(dd, base, len);
	} else {
		iommu_iotlb_gather_init(&gather);
		domain_unmap_nosync(d, base, len, &gather);
		CORE_STAT_ADD(d->core->ctx, unmaps, 1);
		if (dd->nfq == IOMMU_DMA_FQ_DEPTH)
			fq_flush(d, dd);
		dd->fq[dd->nfq++] = (struct range){ base, base + len - 1 };
	}
out_unlock:
	iu_mutex_unlock(&dd->lock);
out:
	dma_exit(g);
	return ret;
}

IOMMU_EXPORT int iommu_dma_flush(struct iommu_dev *dev)
{
	struct iommu_group *g;
	struct iommu_domain *d;
	int ret;

	if (!dev)
		return -EINVAL;
	if (!iommu_dev_is_present(dev))
		return -ENODEV;
	if (!iommu_dev_iommu(dev))
		return 0;
	ret = dma_enter(dev, &g, &d);
	if (ret)
		return ret;
	if (d->core->dma) {
		iu_mutex_lock(&d->core->dma->lock);
		fq_flush(d, d->core->dma);
		iu_mutex_unlock(&d->core->dma->lock);
	}
	dma_exit(g);
	return 0;
}

/* ------------------------------------------------------------------ */
/* The DMA engine                                                     */

static int dma_access(struct iommu_dev *dev, uint64_t iova, void *buf, uint64_t len, bool write)
{
	struct iommu_ctx *ctx;
	struct iommu_mem *mem;
	struct iommu_device *iommu = NULL;
	uint32_t id = 0;
	uint64_t done = 0, last;
	unsigned int access = write ? IOMMU_WRITE : IOMMU_READ;

	if (!dev || !buf || !len || iu_add_overflows(iova, len - 1, &last))
		return -EINVAL;
	ctx = dev->ctx;
	mem = ctx->mem;
	if (!mem || !iommu_dev_is_present(dev))
		return -ENODEV;

	iu_mutex_lock(&ctx_core(ctx)->probe_lock);
	if (dev->iommu) {
		iommu = dev->iommu->iommu;
		iommu_device_get_ref(iommu);
		id = dev->iommu->nids ? dev->iommu->ids[0] : 0;
	}
	iu_mutex_unlock(&ctx_core(ctx)->probe_lock);

	while (done < len) {
		uint64_t a = iova + done, pa, chunk = IOMMU_MEM_PAGE_SIZE - (a & (IOMMU_MEM_PAGE_SIZE - 1));
		enum iommu_fault_reason reason = 0;
		void *host;

		chunk = iu_min(chunk, len - done);
		if (iommu) {
			if (iommu->ops->dma_translate(iommu, id, a, access, &pa, &reason)) {
				iommu_device_put_ref(iommu);
				core_report_fault(dev, a, access, reason ? reason : IOMMU_FAULT_TRANSLATION, id);
				return -EFAULT;
			}
		} else {
			pa = a;
		}
		host = mem_va_checked(mem, pa, chunk);
		if (!host) {
			if (iommu)
				iommu_device_put_ref(iommu);
			return -EFAULT;		/* decodes to no memory: a bus error */
		}
		if (write)
			memcpy(host, (const uint8_t *)buf + done, chunk);
		else
			memcpy((uint8_t *)buf + done, host, chunk);
		done += chunk;
	}
	if (iommu)
		iommu_device_put_ref(iommu);
	CORE_STAT_ADD(ctx, dma_ops, 1);
	CORE_STAT_ADD(ctx, dma_bytes, len);
	return 0;
}

IOMMU_EXPORT int iommu_dma_read(struct iommu_dev *dev, uint64_t iova, void *buf, uint64_t len)
{
	return dma_access(dev, iova, buf, len, false);
}

IOMMU_EXPORT int iommu_dma_write(struct iommu_dev *dev, uint64_t iova, const void *buf, uint64_t len)
{
	return dma_access(dev, iova, (void *)buf, len, true);
}
