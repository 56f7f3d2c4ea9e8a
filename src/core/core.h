/* SPDX-License-Identifier: MIT */
/*
 * Internal state of the IOMMU core.
 *
 * Lock order (docs/architecture.md):
 *   dev->lock -> core->probe_lock -> group->mutex -> domain->core->lock -> leaf
 * core->lock is a leaf: it protects the lists below (instances, groups, the
 * firmware table, counters) and nothing is taken under it.
 *
 * dev->iommu (struct dev_iommu) exists exactly while the device is in the
 * IOMMU layer; it is created and destroyed with the device lock AND the probe
 * lock held, so holding either one is enough to read it.
 */
#ifndef IU_CORE_H
#define IU_CORE_H

#include "iommu/driver.h"
#include "iommu/dma.h"
#include "base/base.h"

struct fw_dev_entry {			/* iommu_fw_bind() */
	struct iu_list node;
	struct iommu_fwnode *master, *iommu;
	uint32_t ids[IOMMU_FW_MAX_IDS];
	unsigned int nids;
};

struct fw_pci_entry {			/* iommu_fw_bind_pci() */
	struct iu_list node;
	struct iommu_fwnode *host, *iommu;
	uint32_t rid_base, length, id_base, mask;
};

struct iommu_core {
	struct iu_mutex probe_lock;	/* serialises IOMMU-layer probe/release */
	struct iu_mutex lock;		/* leaf: everything below */
	struct iu_list instances;	/* struct iommu_device.node */
	struct iu_list groups;		/* struct iommu_group.node, by id */
	struct iu_list fw_devs, fw_pci;
	unsigned int next_group_id;
	/* Grouping keys -> group (group.c), chained hash. */
	struct iu_list *key_buckets;
	size_t key_nbuckets, key_count;
	enum iommu_domain_type default_type;
	struct iommu_notifier nb;
	iommu_fault_fn fault_fn;
	void *fault_arg;
	struct iommu_stats stats;	/* atomics */
};

struct iommu_device {
	struct iu_list node;		/* core->instances */
	struct iommu_ctx *ctx;
	struct iommu_dev *dev;		/* holds a reference */
	const struct iommu_ops *ops;
	void *priv;
	unsigned long refcount;		/* held by domains and groups too */
	bool dead;			/* unregistered */
	struct iommu_group *instance_group;	/* IOMMU_GROUP_PER_INSTANCE */
};

#define GROUP_MAX_KEYS	48

struct dev_iommu {
	struct iommu_dev *dev;		/* back pointer (no reference) */
	struct iommu_device *iommu;	/* reference held */
	uint32_t ids[IOMMU_FW_MAX_IDS];
	unsigned int nids;
	void *priv;			/* the driver's per-device state */
	struct iommu_group *group;	/* reference held */
	struct iu_list group_node;	/* group->devices */
	struct iommu_link *link;	/* master -> IOMMU device */
	uint64_t keys[GROUP_MAX_KEYS];	/* grouping anchors published */
	unsigned int nkeys;
	char reason[128];		/* why it is in its group */
	bool reason_alone;		/* @reason says why it needs no company */
	unsigned int dma_users;		/* bound kernel-DMA drivers (0/1) */
	uint64_t faults;		/* atomic */
};

struct iommu_group {
	struct iu_list node;		/* core->groups */
	struct iommu_ctx *ctx;
	unsigned int id;
	unsigned long refcount;		/* atomic */
	struct iu_mutex mutex;
	/* Below: group->mutex. */
	struct iommu_device *iommu;	/* reference held */
	struct iu_list devices;		/* struct dev_iommu.group_node, by seq */
	unsigned int ndevs;
	struct iommu_domain *default_domain, *blocking_domain, *domain;
	enum iommu_domain_type type_override;	/* 0: none */
	const void *owner;
	unsigned int owner_cnt;		/* claims by owner */
	unsigned int dma_users;		/* bound kernel-DMA drivers */
	char reason[160];
};

/* Core-private part of a domain. */
struct iommu_domain_core {
	struct iommu_ctx *ctx;
	struct iommu_device *iommu;	/* reference held */
	struct iu_mutex lock;		/* attach count, reserved list, DMA state */
	unsigned int attached;		/* groups attached */
	uint64_t mapped;		/* bytes mapped through the core (atomic) */
	bool core_owned;		/* default/blocking domain */
	struct iommu_resv_region *resv;	/* union of attached groups' regions */
	unsigned int nresv;
	struct dma_domain *dma;		/* DMA API state (src/dma) */
};

static inline struct iommu_core *ctx_core(const struct iommu_ctx *ctx)
{
	return ctx->core;
}

void core_stat_add(struct iommu_ctx *ctx, size_t offset, uint64_t n);
#define CORE_STAT_ADD(ctx, field, n) \
	core_stat_add((ctx), offsetof(struct iommu_stats, field), (n))

/* core.c */
void core_report_fault(struct iommu_dev *dev, uint64_t iova, unsigned int access,
		       enum iommu_fault_reason reason, uint32_t id);
void iommu_device_get_ref(struct iommu_device *iommu);
void iommu_device_put_ref(struct iommu_device *iommu);

/* group.c */
int group_add_device(struct iommu_dev *dev);		/* probe lock held */
void group_remove_device(struct iommu_dev *dev);	/* probe lock held */
struct iommu_group *group_get(struct iommu_group *group);
void core_keys_fini(struct iommu_core *core);

/* domain.c */
int domain_alloc_type(struct iommu_group *group, enum iommu_domain_type type,
		      struct iommu_domain **out);
void domain_release(struct iommu_domain *domain);
int group_setup_default_domain(struct iommu_group *group);	/* mutex held */
int group_attach_dev(struct iommu_group *group, struct iommu_dev *dev);	/* mutex held */
void group_free_domains(struct iommu_group *group);		/* mutex held, empty */
bool domain_is_paging(const struct iommu_domain *domain);
/* Unmap without syncing the IOTLB (the DMA-FQ path syncs later). */
uint64_t domain_unmap_nosync(struct iommu_domain *domain, uint64_t iova, uint64_t size,
			     struct iommu_iotlb_gather *gather);

/* src/dma */
void dma_domain_free(struct iommu_domain *domain);

#endif
