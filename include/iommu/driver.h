/* SPDX-License-Identifier: MIT */
/*
 * libiommu - the interface between the IOMMU core and IOMMU drivers.
 *
 * An IOMMU driver is an ordinary driver (include/iommu/device.h) that binds to
 * the IOMMU's own device and, from its probe(), registers an instance with
 * iommu_device_register(). The core then calls the instance's ops for every
 * device firmware says it translates. Drivers embed struct iommu_domain in
 * their own domain type and get back to it with container_of().
 *
 * A driver never decides groups itself: it states a policy (enum
 * iommu_group_policy) and the core applies it.
 *
 * Locking: probe_device/release_device run under the core's probe lock;
 * attach_dev under the group mutex; map_pages/unmap_pages/iova_to_phys under
 * nothing the core holds (callers serialise overlapping ranges, as with any
 * page table); dma_translate may run concurrently with everything (it models
 * hardware).
 */
#ifndef IOMMU_DRIVER_H
#define IOMMU_DRIVER_H

#include "iommu/iommu.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Ranges of IOVA whose IOTLB entries an unmap made stale. */
struct iommu_iotlb_gather {
	uint64_t start, end;	/* inclusive range; start > end when empty */
	uint64_t pgsize;	/* the page size gathered, or 0 */
};

static inline void iommu_iotlb_gather_init(struct iommu_iotlb_gather *g)
{
	g->start = UINT64_MAX;
	g->end = 0;
	g->pgsize = 0;
}

static inline bool iommu_iotlb_gather_empty(const struct iommu_iotlb_gather *g)
{
	return g->start > g->end;
}

/* Record that [iova, iova + size) must be invalidated. */
static inline void iommu_iotlb_gather_add(struct iommu_iotlb_gather *g, uint64_t iova, uint64_t size)
{
	uint64_t end = iova + size - 1;

	if (iova < g->start)
		g->start = iova;
	if (end > g->end)
		g->end = end;
	if (!g->pgsize || size < g->pgsize)
		g->pgsize = size;
}

struct iommu_domain_ops;

/*
 * A domain. Drivers set @ops, @pgsize_bitmap and the aperture in their
 * domain_alloc(); every other field belongs to the core.
 */
struct iommu_domain {
	enum iommu_domain_type type;		/* set by the core */
	const struct iommu_domain_ops *ops;
	uint64_t pgsize_bitmap;			/* paging domains */
	uint64_t aperture_start, aperture_end;	/* inclusive IOVA range */
	struct iommu_domain_core *core;		/* core private */
};

struct iommu_domain_ops {
	/* Point @dev (one of its IDs each) at this domain. Group mutex held. */
	int (*attach_dev)(struct iommu_domain *domain, struct iommu_dev *dev, void *dev_priv);
	/* Paging domains: as io-pgtable's map_pages/unmap_pages. */
	int (*map_pages)(struct iommu_domain *domain, uint64_t iova, uint64_t paddr,
			 uint64_t pgsize, uint64_t pgcount, unsigned int prot, uint64_t *mapped);
	uint64_t (*unmap_pages)(struct iommu_domain *domain, uint64_t iova, uint64_t pgsize,
				uint64_t pgcount, struct iommu_iotlb_gather *gather);
	int (*iova_to_phys)(struct iommu_domain *domain, uint64_t iova, uint64_t *paddr);
	void (*iotlb_sync)(struct iommu_domain *domain, struct iommu_iotlb_gather *gather);
	void (*flush_iotlb_all)(struct iommu_domain *domain);
	void (*free)(struct iommu_domain *domain);
};

enum iommu_group_policy {
	/* PCI devices: Linux's PCI rule (ACS, aliases, multifunction); others: one each. */
	IOMMU_GROUP_PCI = 1,
	/* Every device its own group (e.g. platform-only IOMMUs). */
	IOMMU_GROUP_PER_DEVICE,
	/* All devices behind one instance share one group (e.g. Rockchip, Allwinner). */
	IOMMU_GROUP_PER_INSTANCE,
};
/* Modifier: devices whose IDs overlap share a group (Arm SMMU stream matching). */
#define IOMMU_GROUP_SHARE_IDS	0x100u

struct iommu_ops {
	const char *name;		/* the driver's name */
	unsigned int group_policy;	/* enum iommu_group_policy | IOMMU_GROUP_SHARE_IDS */
	/*
	 * A device firmware binds to this instance is joining the IOMMU layer:
	 * check its IDs (return -EINVAL, -EBUSY ... to refuse it), set up
	 * per-device state in *dev_priv.
	 */
	int (*probe_device)(struct iommu_device *iommu, struct iommu_dev *dev,
			    const uint32_t *ids, unsigned int nids, void **dev_priv);
	/* Undo probe_device; the device is attached to nothing by then. */
	void (*release_device)(struct iommu_device *iommu, struct iommu_dev *dev, void *dev_priv);
	/* The domain type @dev needs, or 0 for no preference. */
	enum iommu_domain_type (*def_domain_type)(struct iommu_dev *dev);
	/* Reserved regions of @dev; returns how many (copies at most @max). */
	int (*get_resv_regions)(struct iommu_device *iommu, struct iommu_dev *dev,
				struct iommu_resv_region *out, unsigned int max);
	/*
	 * A domain of @type (BLOCKED, IDENTITY, or a paging type) for the group
	 * whose first device is @dev. 0 and *out, or -EOPNOTSUPP / -ENOMEM.
	 */
	int (*domain_alloc)(struct iommu_device *iommu, struct iommu_dev *dev,
			    enum iommu_domain_type type, struct iommu_domain **out);
	/*
	 * The hardware: a DMA carrying @id at @iova with @access. 0 and *pa, or
	 * a negative errno with *reason set. Must be safe against every other op.
	 */
	int (*dma_translate)(struct iommu_device *iommu, uint32_t id, uint64_t iova,
			     unsigned int access, uint64_t *pa, enum iommu_fault_reason *reason);
};

/**
 * iommu_device_register() - register the IOMMU instance implemented by @dev
 * (its firmware node is what firmware bindings name). Every present device
 * that firmware binds to this instance is probed into the IOMMU layer now,
 * and deferred drivers are retried. Call from the driver's probe().
 * @ops: borrowed until unregistered. @priv: the driver's instance data.
 *
 * Return: 0; -EINVAL (NULL, @ops without name/probe_device/domain_alloc/
 * dma_translate, unknown group policy, @dev not present or without fwnode);
 * -EEXIST (an instance with that fwnode is registered); -ENOMEM.
 */
IOMMU_EXPORT int iommu_device_register(struct iommu_dev *dev, const struct iommu_ops *ops,
				       void *priv, struct iommu_device **out);

/**
 * iommu_device_unregister() - tear the instance down: its masters' drivers
 * are unbound, the masters leave the IOMMU layer (groups, bindings and links
 * go), then the instance goes. Domains still allocated keep working as
 * objects but can no longer be attached. NULL is a no-op.
 */
IOMMU_EXPORT void iommu_device_unregister(struct iommu_device *iommu);

/** iommu_device_priv() - the @priv given at registration. */
IOMMU_EXPORT void *iommu_device_priv(const struct iommu_device *iommu);

/** iommu_domain_iommu() - the instance a domain was allocated for. */
IOMMU_EXPORT struct iommu_device *iommu_domain_iommu(const struct iommu_domain *domain);

#ifdef __cplusplus
}
#endif
#endif
