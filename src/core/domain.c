// SPDX-License-Identifier: MIT
/*
 * Domains: allocation through a group, attach/detach/replace of whole groups
 * (all or nothing), default domains by policy, DMA ownership, and the
 * map/unmap path with page-size splitting and IOTLB gathering.
 */
#include <string.h>
#include "core.h"

static const struct iu_lock_class domain_lock_class = { "iommu-domain", IU_RANK_DOMAIN, false };

bool domain_is_paging(const struct iommu_domain *d)
{
	return d->type == IOMMU_DOMAIN_UNMANAGED || d->type == IOMMU_DOMAIN_DMA ||
	       d->type == IOMMU_DOMAIN_DMA_FQ;
}

IOMMU_EXPORT const char *iommu_domain_type_name(enum iommu_domain_type type)
{
	switch (type) {
	case IOMMU_DOMAIN_BLOCKED: return "blocked";
	case IOMMU_DOMAIN_IDENTITY: return "identity";
	case IOMMU_DOMAIN_UNMANAGED: return "unmanaged";
	case IOMMU_DOMAIN_DMA: return "dma";
	case IOMMU_DOMAIN_DMA_FQ: return "dma-fq";
	}
	return "unknown";
}

static struct iommu_dev *group_first_dev(struct iommu_group *g)
{
	struct dev_iommu *di = iu_list_first(&g->devices, struct dev_iommu, group_node);

	return di ? di->dev : NULL;
}

/* Allocate through the group: the driver only ever sees its first device. Mutex held. */
int domain_alloc_type(struct iommu_group *g, enum iommu_domain_type type, struct iommu_domain **out)
{
	struct iommu_device *iommu = g->iommu;
	struct iommu_dev *rep;
	struct iommu_domain *d = NULL;
	struct iommu_domain_core *c;
	int ret;

	iu_assert_held(&g->mutex);
	rep = group_first_dev(g);
	if (!rep || iommu->dead)
		return -ENODEV;
	c = iu_zalloc(sizeof(*c));
	if (!c)
		return -ENOMEM;
	ret = iommu->ops->domain_alloc(iommu, rep, type, &d);
	if (ret) {
		iu_free(c);
		return ret;
	}
	if (!d || !d->ops || (type != IOMMU_DOMAIN_BLOCKED && type != IOMMU_DOMAIN_IDENTITY &&
			      (!d->ops->map_pages || !d->ops->unmap_pages || !d->pgsize_bitmap))) {
		if (d && d->ops && d->ops->free)
			d->ops->free(d);
		iu_free(c);
		return -EIO;		/* a driver bug: refuse the domain */
	}
	d->type = type;
	d->core = c;
	c->ctx = g->ctx;
	c->iommu = iommu;
	iommu_device_get_ref(iommu);
	iu_mutex_init(&c->lock, &domain_lock_class);
	CORE_STAT_ADD(g->ctx, domains_live, 1);
	*out = d;
	return 0;
}

void domain_release(struct iommu_domain *d)
{
	struct iommu_domain_core *c;

	if (!d)
		return;
	c = d->core;
	if (c->dma)
		dma_domain_free(d);
	iu_free(c->resv);
	iu_mutex_destroy(&c->lock);
	core_stat_add(c->ctx, offsetof(struct iommu_stats, domains_live), (uint64_t)-1);
	iommu_device_put_ref(c->iommu);
	iu_free(c);
	d->core = NULL;
	d->ops->free(d);
}

/* ------------------------------------------------------------------ */
/* Reserved regions                                                   */

static int dev_resv(struct iommu_dev *dev, struct iommu_resv_region *out, unsigned int max)
{
	struct iommu_device *iommu = dev->iommu->iommu;

	if (!iommu->ops->get_resv_regions)
		return 0;
	return iommu->ops->get_resv_regions(iommu, dev, out, max);
}

static bool resv_blocks_mapping(const struct iommu_resv_region *r)
{
	return r->type != IOMMU_RESV_DIRECT;
}

/* Is any page of [start, start+len) mapped in @d? */
static bool domain_range_mapped(struct iommu_domain *d, uint64_t start, uint64_t len)
{
	uint64_t pg = d->pgsize_bitmap & -d->pgsize_bitmap, pa;

	/* A domain with nothing mapped (a fresh default domain) has nothing in the way. */
	if (!__atomic_load_n(&d->core->mapped, __ATOMIC_RELAXED))
		return false;
	if (len / pg > 65536)
		len = 65536 * pg;	/* bounded probe of huge windows */
	for (uint64_t a = start & ~(pg - 1); a < start + len; a += pg)
		if (!d->ops->iova_to_phys(d, a, &pa))
			return true;
	return false;
}

/*
 * The reserved regions @d must honour once @g is attached, i.e. its current
 * set plus the group's. Returns a new array in *out. Group mutex held.
 */
static int collect_resv(struct iommu_group *g, struct iommu_domain *d,
			struct iommu_resv_region **out, unsigned int *nout)
{
	struct iommu_domain_core *c = d->core;
	struct iommu_resv_region *arr, buf[16];
	unsigned int n = 0, cap = c->nresv + 16;
	struct dev_iommu *di;

	arr = iu_calloc(cap, sizeof(*arr));
	if (!arr)
		return -ENOMEM;
	if (c->nresv)
		memcpy(arr, c->resv, c->nresv * sizeof(*arr));
	n = c->nresv;
	iu_list_for_each(di, &g->devices, group_node) {
		int k = dev_resv(di->dev, buf, ARRAY_SIZE(buf));

		for (int i = 0; i < k && i < (int)ARRAY_SIZE(buf); i++) {
			bool dup = false;

			for (unsigned int j = 0; j < n; j++)
				dup |= arr[j].start == buf[i].start && arr[j].length == buf[i].length;
			if (dup)
				continue;
			if (n == cap) {
				struct iommu_resv_region *na = iu_realloc(arr, 2 * cap * sizeof(*arr));

				if (!na) {
					iu_free(arr);
					return -ENOMEM;
				}
				arr = na;
				cap *= 2;
			}
			arr[n++] = buf[i];
		}
	}
	*out = arr;
	*nout = n;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Switching a group's domain                                         */

/*
 * Point every device of @g at @new, all or nothing. Group mutex held.
 * Reserved regions of the group are checked against @new's mappings first.
 */
static int group_set_domain(struct iommu_group *g, struct iommu_domain *new)
{
	struct iommu_domain *old = g->domain;
	struct iommu_resv_region *resv = NULL;
	unsigned int nresv = 0;
	struct dev_iommu *di, *undo;
	int ret;

	iu_assert_held(&g->mutex);
	if (old == new)
		return 0;
	if (domain_is_paging(new)) {
		ret = collect_resv(g, new, &resv, &nresv);
		if (ret)
			return ret;
		for (unsigned int i = new->core->nresv; i < nresv; i++) {
			if (resv_blocks_mapping(&resv[i]) &&
			    domain_range_mapped(new, resv[i].start, resv[i].length)) {
				iu_free(resv);
				return -EADDRINUSE;
			}
		}
	}
	iu_list_for_each(di, &g->devices, group_node) {
		ret = new->ops->attach_dev(new, di->dev, di->priv);
		if (ret)
			goto err_undo;
	}
	if (resv) {
		iu_mutex_lock(&new->core->lock);
		iu_free(new->core->resv);
		new->core->resv = resv;
		new->core->nresv = nresv;
		iu_mutex_unlock(&new->core->lock);
	}
	iu_mutex_lock(&new->core->lock);
	new->core->attached++;
	iu_mutex_unlock(&new->core->lock);
	if (old) {
		iu_mutex_lock(&old->core->lock);
		old->core->attached--;
		iu_mutex_unlock(&old->core->lock);
	}
	g->domain = new;
	return 0;

err_undo:
	iu_list_for_each(undo, &g->devices, group_node) {
		if (undo == di)
			break;
		if (old)
			old->ops->attach_dev(old, undo->dev, undo->priv);
	}
	iu_free(resv);
	return ret;
}

int group_attach_dev(struct iommu_group *g, struct iommu_dev *dev)
{
	struct iommu_domain *d = g->domain;

	iu_assert_held(&g->mutex);
	if (!d)
		return 0;
	return d->ops->attach_dev(d, dev, dev->iommu->priv);
}

void group_free_domains(struct iommu_group *g)
{
	iu_assert_held(&g->mutex);
	if (g->domain && !g->domain->core->core_owned) {
		/* A user domain stays the user's; it is just no longer attached. */
		iu_mutex_lock(&g->domain->core->lock);
		g->domain->core->attached--;
		iu_mutex_unlock(&g->domain->core->lock);
	}
	g->domain = NULL;
	domain_release(g->default_domain);
	g->default_domain = NULL;
	domain_release(g->blocking_domain);
	g->blocking_domain = NULL;
	g->owner = NULL;
	g->owner_cnt = 0;
}

static enum iommu_domain_type group_default_type(struct iommu_group *g)
{
	enum iommu_domain_type want = 0;
	struct dev_iommu *di;

	if (g->type_override)
		return g->type_override;
	iu_list_for_each(di, &g->devices, group_node) {
		enum iommu_domain_type t = 0;

		if (g->iommu->ops->def_domain_type)
			t = g->iommu->ops->def_domain_type(di->dev);
		if (!t)
			continue;
		if (want && t != want) {
			base_event(g->ctx, IOMMU_EV_NOTE, di->dev,
				   "devices of the group need different default domains; using the global default", 0);
			want = 0;
			break;
		}
		want = t;
	}
	if (!want) {
		iu_mutex_lock(&ctx_core(g->ctx)->lock);
		want = ctx_core(g->ctx)->default_type;
		iu_mutex_unlock(&ctx_core(g->ctx)->lock);
	}
	return want;
}

static int alloc_default(struct iommu_group *g, enum iommu_domain_type type, struct iommu_domain **out)
{
	int ret = domain_alloc_type(g, type, out);

	/* Lazy invalidation is an optimisation: fall back to strict. */
	if (ret == -EOPNOTSUPP && type == IOMMU_DOMAIN_DMA_FQ)
		ret = domain_alloc_type(g, IOMMU_DOMAIN_DMA, out);
	if (!ret)
		(*out)->core->core_owned = true;
	return ret;
}

int group_setup_default_domain(struct iommu_group *g)
{
	struct iommu_domain *d;
	int ret;

	iu_assert_held(&g->mutex);
	ret = alloc_default(g, group_default_type(g), &d);
	if (ret)
		return ret;
	ret = group_set_domain(g, d);
	if (ret) {
		domain_release(d);
		return ret;
	}
	g->default_domain = d;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Public domain API                                                  */

IOMMU_EXPORT int iommu_group_set_default_domain_type(struct iommu_group *g,
						     enum iommu_domain_type type)
{
	struct iommu_domain *d, *old;
	int ret;

	if (!g || (type != IOMMU_DOMAIN_DMA && type != IOMMU_DOMAIN_DMA_FQ &&
		   type != IOMMU_DOMAIN_IDENTITY))
		return -EINVAL;
	iu_mutex_lock(&g->mutex);
	if (!g->ndevs) {
		ret = -ENODEV;
		goto out;
	}
	if (g->owner_cnt || g->dma_users || g->domain != g->default_domain) {
		ret = -EBUSY;
		goto out;
	}
	ret = domain_alloc_type(g, type, &d);
	if (ret)
		goto out;
	d->core->core_owned = true;
	ret = group_set_domain(g, d);
	if (ret) {
		domain_release(d);
		goto out;
	}
	old = g->default_domain;
	g->default_domain = d;
	g->type_override = type;
	domain_release(old);
out:
	iu_mutex_unlock(&g->mutex);
	return ret;
}

IOMMU_EXPORT struct iommu_domain *iommu_group_default_domain(struct iommu_group *g)
{
	struct iommu_domain *d;

	if (!g)
		return NULL;
	iu_mutex_lock(&g->mutex);
	d = g->default_domain;
	iu_mutex_unlock(&g->mutex);
	return d;
}

IOMMU_EXPORT struct iommu_domain *iommu_group_domain(struct iommu_group *g)
{
	struct iommu_domain *d;

	if (!g)
		return NULL;
	iu_mutex_lock(&g->mutex);
	d = g->domain;
	iu_mutex_unlock(&g->mutex);
	return d;
}

IOMMU_EXPORT int iommu_paging_domain_alloc(struct iommu_group *g, struct iommu_domain **out)
{
	int ret;

	if (!g || !out)
		return -EINVAL;
	iu_mutex_lock(&g->mutex);
	ret = domain_alloc_type(g, IOMMU_DOMAIN_UNMANAGED, out);
	iu_mutex_unlock(&g->mutex);
	return ret;
}

IOMMU_EXPORT int iommu_paging_domain_alloc_dev(struct iommu_dev *dev, struct iommu_domain **out)
{
	struct iommu_group *g;
	int ret;

	if (!dev || !out)
		return -EINVAL;
	/* Device lock -> group reference -> (device lock dropped) -> group mutex. */
	g = iommu_group_get(dev);
	if (!g)
		return -ENODEV;
	ret = iommu_paging_domain_alloc(g, out);
	iommu_group_put(g);
	return ret;
}

IOMMU_EXPORT int iommu_domain_free(struct iommu_domain *d)
{
	bool busy;

	if (!d)
		return 0;
	if (!d->core || d->core->core_owned)
		return -EINVAL;
	iu_mutex_lock(&d->core->lock);
	busy = d->core->attached > 0;
	iu_mutex_unlock(&d->core->lock);
	if (busy)
		return -EBUSY;
	domain_release(d);
	return 0;
}

IOMMU_EXPORT enum iommu_domain_type iommu_domain_type(const struct iommu_domain *d)
{
	return d ? d->type : 0;
}

IOMMU_EXPORT uint64_t iommu_domain_pgsize_bitmap(const struct iommu_domain *d)
{
	return d && domain_is_paging(d) ? d->pgsize_bitmap : 0;
}

IOMMU_EXPORT struct iommu_device *iommu_domain_iommu(const struct iommu_domain *d)
{
	return d && d->core ? d->core->iommu : NULL;
}

static int check_user_domain(struct iommu_domain *d, struct iommu_group *g)
{
	if (!d || !g || !d->core || d->core->core_owned)
		return -EINVAL;
	if (d->core->iommu != g->iommu)
		return -EINVAL;
	if (d->type != IOMMU_DOMAIN_UNMANAGED && d->type != IOMMU_DOMAIN_IDENTITY)
		return -EINVAL;
	return 0;
}

IOMMU_EXPORT int iommu_attach_group(struct iommu_domain *d, struct iommu_group *g)
{
	int ret = check_user_domain(d, g);

	if (ret)
		return ret;
	iu_mutex_lock(&g->mutex);
	if (!g->ndevs)
		ret = -ENODEV;
	else if (g->iommu->dead)
		ret = -ENODEV;
	else if (g->domain != g->default_domain && g->domain != g->blocking_domain)
		ret = -EBUSY;
	else
		ret = group_set_domain(g, d);
	iu_mutex_unlock(&g->mutex);
	return ret;
}

IOMMU_EXPORT int iommu_detach_group(struct iommu_domain *d, struct iommu_group *g)
{
	int ret;

	if (!d || !g)
		return -EINVAL;
	iu_mutex_lock(&g->mutex);
	if (g->domain != d || d == g->default_domain || d == g->blocking_domain)
		ret = -EINVAL;
	else
		ret = group_set_domain(g, g->owner_cnt ? g->blocking_domain : g->default_domain);
	iu_mutex_unlock(&g->mutex);
	return ret;
}

IOMMU_EXPORT int iommu_group_replace_domain(struct iommu_group *g, struct iommu_domain *d)
{
	int ret = check_user_domain(d, g);

	if (ret)
		return ret;
	iu_mutex_lock(&g->mutex);
	if (!g->owner_cnt)
		ret = -EPERM;
	else
		ret = group_set_domain(g, d);
	iu_mutex_unlock(&g->mutex);
	return ret;
}

/* ------------------------------------------------------------------ */
/* DMA ownership                                                      */

IOMMU_EXPORT int iommu_group_claim_dma_owner(struct iommu_group *g, const void *owner)
{
	int ret = 0;

	if (!g || !owner)
		return -EINVAL;
	iu_mutex_lock(&g->mutex);
	if (!g->ndevs) {
		ret = -ENODEV;
		goto out;
	}
	if (g->owner_cnt) {
		if (g->owner != owner)
			ret = -EBUSY;
		else
			g->owner_cnt++;
		goto out;
	}
	if (g->dma_users || g->domain != g->default_domain) {
		ret = -EBUSY;
		goto out;
	}
	if (!g->blocking_domain) {
		ret = domain_alloc_type(g, IOMMU_DOMAIN_BLOCKED, &g->blocking_domain);
		if (ret)
			goto out;
		g->blocking_domain->core->core_owned = true;
	}
	ret = group_set_domain(g, g->blocking_domain);
	if (ret)
		goto out;
	g->owner = owner;
	g->owner_cnt = 1;
out:
	iu_mutex_unlock(&g->mutex);
	return ret;
}

IOMMU_EXPORT int iommu_group_release_dma_owner(struct iommu_group *g, const void *owner)
{
	int ret = 0;

	if (!g || !owner)
		return -EINVAL;
	iu_mutex_lock(&g->mutex);
	if (!g->owner_cnt || g->owner != owner) {
		ret = -EINVAL;
		goto out;
	}
	if (--g->owner_cnt)
		goto out;
	g->owner = NULL;
	/* Back to the default domain; a user domain still attached is dropped. */
	if (g->default_domain)
		ret = group_set_domain(g, g->default_domain);
out:
	iu_mutex_unlock(&g->mutex);
	return ret;
}

IOMMU_EXPORT bool iommu_group_dma_owner_claimed(struct iommu_group *g)
{
	bool owned;

	if (!g)
		return false;
	iu_mutex_lock(&g->mutex);
	owned = g->owner_cnt > 0;
	iu_mutex_unlock(&g->mutex);
	return owned;
}

/* ------------------------------------------------------------------ */
/* Mapping                                                            */

/*
 * The page size to use at @iova (and @paddr) for @size bytes, and how many
 * pages of it until a larger size could take over (as Linux's iommu_pgsize).
 */
static uint64_t pick_pgsize(uint64_t bitmap, uint64_t iova, uint64_t paddr, uint64_t size,
			    uint64_t *count)
{
	uint64_t addr_merge = iova | paddr;
	uint64_t sizes = bitmap, pgsize, larger, offset;

	/* Sizes no bigger than what is left ... */
	sizes &= size >= (1ull << 63) ? ~0ull : (2 * (1ull << (63 - __builtin_clzll(size)))) - 1;
	/* ... and aligned with both addresses. */
	if (addr_merge)
		sizes &= (addr_merge & -addr_merge) * 2 - 1;
	if (!sizes)
		return 0;
	pgsize = 1ull << (63 - __builtin_clzll(sizes));
	*count = size / pgsize;

	/* Stop where the next larger size becomes usable. */
	larger = bitmap & ~(pgsize * 2 - 1);
	if (larger) {
		uint64_t next = larger & -larger;

		if (!((iova ^ paddr) & (next - 1))) {
			offset = next - (iova & (next - 1));
			if (offset / pgsize < *count)
				*count = offset / pgsize;
		}
	}
	return pgsize;
}

static bool domain_resv_overlap(struct iommu_domain *d, uint64_t iova, uint64_t last)
{
	bool hit = false;

	iu_mutex_lock(&d->core->lock);
	for (unsigned int i = 0; i < d->core->nresv && !hit; i++) {
		const struct iommu_resv_region *r = &d->core->resv[i];

		if (resv_blocks_mapping(r) && iova <= r->start + r->length - 1 && r->start <= last)
			hit = true;
	}
	iu_mutex_unlock(&d->core->lock);
	return hit;
}

IOMMU_EXPORT int iommu_map(struct iommu_domain *d, uint64_t iova, uint64_t paddr,
			   uint64_t size, unsigned int prot)
{
	uint64_t min_pg, last, orig = iova, done = 0;
	int ret = 0;

	if (!d || !d->core || !domain_is_paging(d) || !size || (prot & ~IOMMU_PROT_MASK))
		return -EINVAL;
	min_pg = d->pgsize_bitmap & -d->pgsize_bitmap;
	if ((iova | paddr | size) & (min_pg - 1))
		return -EINVAL;
	if (iu_add_overflows(iova, size - 1, &last) || paddr + (size - 1) < paddr)
		return -EINVAL;
	if (iova < d->aperture_start || last > d->aperture_end)
		return -ERANGE;
	if (domain_resv_overlap(d, iova, last))
		return -EADDRINUSE;
	if (d->core->iommu->dead)
		return -ENODEV;

	while (done < size) {
		uint64_t count, mapped = 0;
		uint64_t pg = pick_pgsize(d->pgsize_bitmap, iova, paddr, size - done, &count);

		if (!pg) {
			ret = -EINVAL;
			break;
		}
		ret = d->ops->map_pages(d, iova, paddr, pg, count, prot, &mapped);
		done += mapped;
		iova += mapped;
		paddr += mapped;
		if (ret)
			break;
		if (!mapped) {
			ret = -EIO;
			break;
		}
	}
	if (done)
		__atomic_add_fetch(&d->core->mapped, done, __ATOMIC_RELAXED);
	if (ret && done)
		iommu_unmap(d, orig, done);
	if (!ret)
		CORE_STAT_ADD(d->core->ctx, maps, 1);
	return ret;
}

uint64_t domain_unmap_nosync(struct iommu_domain *d, uint64_t iova, uint64_t size,
			     struct iommu_iotlb_gather *gather)
{
	uint64_t done = 0;

	while (done < size) {
		uint64_t count, n;
		uint64_t pg = pick_pgsize(d->pgsize_bitmap, iova, iova, size - done, &count);

		if (!pg)
			break;
		n = d->ops->unmap_pages(d, iova, pg, count, gather);
		if (!n)
			break;
		done += n;
		iova += n;
	}
	if (done)
		__atomic_sub_fetch(&d->core->mapped, done, __ATOMIC_RELAXED);
	return done;
}

IOMMU_EXPORT uint64_t iommu_unmap(struct iommu_domain *d, uint64_t iova, uint64_t size)
{
	struct iommu_iotlb_gather gather;
	uint64_t min_pg, last, done;

	if (!d || !d->core || !domain_is_paging(d) || !size)
		return 0;
	min_pg = d->pgsize_bitmap & -d->pgsize_bitmap;
	if ((iova | size) & (min_pg - 1) || iu_add_overflows(iova, size - 1, &last))
		return 0;
	iommu_iotlb_gather_init(&gather);
	done = domain_unmap_nosync(d, iova, size, &gather);
	if (d->ops->iotlb_sync && !iommu_iotlb_gather_empty(&gather)) {
		d->ops->iotlb_sync(d, &gather);
		CORE_STAT_ADD(d->core->ctx, iotlb_syncs, 1);
	}
	CORE_STAT_ADD(d->core->ctx, unmaps, 1);
	return done;
}

IOMMU_EXPORT int iommu_iova_to_phys(struct iommu_domain *d, uint64_t iova, uint64_t *paddr)
{
	if (!d || !paddr || !d->core || !domain_is_paging(d))
		return -EINVAL;
	return d->ops->iova_to_phys(d, iova, paddr);
}

IOMMU_EXPORT int iommu_dev_resv_regions(struct iommu_dev *dev, struct iommu_resv_region *out,
					unsigned int max)
{
	int n;

	if (!dev || (!out && max))
		return -EINVAL;
	iommu_dev_lock(dev);
	n = dev->iommu ? dev_resv(dev, out, max) : -ENODEV;
	iommu_dev_unlock(dev);
	return n;
}
