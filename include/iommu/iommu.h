/* SPDX-License-Identifier: MIT */
/*
 * libiommu - the IOMMU core, as its users see it: firmware bindings, IOMMU
 * instances, groups, domains, DMA ownership, mapping and faults.
 *
 * Model (docs/architecture.md has the picture):
 *  - IOMMU instances register (include/iommu/driver.h); any number of them,
 *    of any number of drivers, coexist. There are no per-bus ops.
 *  - Firmware says which instance translates a device, and with which IDs.
 *    Here that is a table the front ends fill (iommu_fw_bind*); the core turns
 *    it into the device's binding when the device is probed into the IOMMU
 *    layer and destroys the binding when the device leaves it.
 *  - A device is probed into the IOMMU layer when it is added (if its IOMMU is
 *    registered) or when its IOMMU registers (exactly the devices that
 *    instance translates). Each master gets a device link to its IOMMU's
 *    device; a master's driver defers until its IOMMU is registered.
 *  - The core, never a device driver, puts devices into groups, from topology
 *    and the instance's group policy; the result does not depend on the order
 *    devices are added or probed.
 *  - Domains are allocated for a group (the driver sees the group's first
 *    device) and attached to whole groups, all or nothing.
 *
 * Locking: device lock -> IOMMU probe lock -> group mutex -> domain lock.
 * Every function here takes the locks it needs; none may be called from a bus
 * notifier or event callback. Callers hold references to the devices, groups
 * and domains they pass; every function is safe against concurrent removal
 * of devices (it then fails with -ENODEV).
 */
#ifndef IOMMU_IOMMU_H
#define IOMMU_IOMMU_H

#include "iommu/common.h"
#include "iommu/device.h"

#ifdef __cplusplus
extern "C" {
#endif

struct iommu_device;		/* an IOMMU instance */
struct iommu_group;
struct iommu_domain;

/* ------------------------------------------------------------------ */
/* Firmware bindings                                                  */

#define IOMMU_FW_MAX_IDS	32	/* IDs per device binding */

/**
 * iommu_fw_bind() - firmware says: the device with firmware node @master is
 * translated by the IOMMU whose device has firmware node @iommu, with @ids
 * (stream IDs, requester IDs, endpoint IDs: the IOMMU's own namespace).
 * Like a DT "iommus" property or an IORT named-component mapping.
 * Several calls for one master append IDs (same IOMMU only).
 *
 * Return: 0, -EINVAL (NULL node, @n 0 or more than IOMMU_FW_MAX_IDS in all,
 * a different IOMMU than an earlier call named), -ENOMEM.
 */
IOMMU_EXPORT int iommu_fw_bind(struct iommu_ctx *ctx, struct iommu_fwnode *master,
			       struct iommu_fwnode *iommu, const uint32_t *ids, unsigned int n);

/**
 * iommu_fw_bind_pci() - an ID map on a PCI host bridge: requester IDs
 * (bus << 8 | devfn) in [rid_base, rid_base + length) of PCI functions below
 * the host bridge device with firmware node @host map to
 * id_base + ((rid & mask) - rid_base) on @iommu. Like one "iommu-map" entry
 * with "iommu-map-mask", an IORT root-complex ID mapping, or (length 0x10000)
 * a DMAR unit that includes all PCI devices. Every DMA alias of a function
 * (its own RID, quirk aliases, bridge aliases) is mapped.
 *
 * Return: 0, -EINVAL (NULL node, @length 0, rid_base + length > 0x10000,
 * id range overflow), -EEXIST (overlaps an earlier entry of @host), -ENOMEM.
 */
IOMMU_EXPORT int iommu_fw_bind_pci(struct iommu_ctx *ctx, struct iommu_fwnode *host,
				   uint32_t rid_base, uint32_t length,
				   struct iommu_fwnode *iommu, uint32_t id_base, uint32_t mask);

/* ------------------------------------------------------------------ */
/* IOMMU instances (registration is in driver.h)                      */

/** iommu_device_name() - the instance's name (its device's name). */
IOMMU_EXPORT const char *iommu_device_name(const struct iommu_device *iommu);
/** iommu_device_driver_name() - the name of its driver (struct iommu_ops). */
IOMMU_EXPORT const char *iommu_device_driver_name(const struct iommu_device *iommu);
/** iommu_device_dev() - the device that implements the instance. */
IOMMU_EXPORT struct iommu_dev *iommu_device_dev(const struct iommu_device *iommu);

/**
 * iommu_for_each_device() - call @fn on every registered instance, in
 * registration order, until it returns non-zero (returned).
 */
IOMMU_EXPORT int iommu_for_each_device(struct iommu_ctx *ctx,
				       int (*fn)(struct iommu_device *iommu, void *arg), void *arg);

/**
 * iommu_dev_iommu() - the instance translating @dev, or NULL (not translated,
 * or its IOMMU is not registered yet). Borrowed: valid while @dev is in the
 * IOMMU layer.
 */
IOMMU_EXPORT struct iommu_device *iommu_dev_iommu(struct iommu_dev *dev);

/**
 * iommu_dev_ids() - the IDs of @dev's binding.
 * @ids: buffer of @max entries. Return: the number of IDs (may exceed @max,
 * only @max are copied), 0 when the device is not in the IOMMU layer.
 */
IOMMU_EXPORT int iommu_dev_ids(struct iommu_dev *dev, uint32_t *ids, unsigned int max);

/* ------------------------------------------------------------------ */
/* Groups                                                             */

/**
 * iommu_group_get() - @dev's group, with a reference the caller puts.
 * Return: the group, or NULL (not in the IOMMU layer).
 */
IOMMU_EXPORT struct iommu_group *iommu_group_get(struct iommu_dev *dev);
IOMMU_EXPORT void iommu_group_put(struct iommu_group *group);

/** iommu_group_id() - a number unique in the context, never reused. */
IOMMU_EXPORT unsigned int iommu_group_id(const struct iommu_group *group);

/**
 * iommu_group_reason() - why these devices share the group (the isolation
 * rule that applied), e.g. "no ACS at 0000:00:1c.0 or above". Borrowed.
 */
IOMMU_EXPORT const char *iommu_group_reason(const struct iommu_group *group);

/** iommu_group_iommu() - the instance the group's devices sit behind. */
IOMMU_EXPORT struct iommu_device *iommu_group_iommu(const struct iommu_group *group);

/**
 * iommu_group_for_each_dev() - call @fn on each member (add order) with the
 * group mutex held: @fn must not call into the IOMMU core. Returns the first
 * non-zero value of @fn, or 0.
 */
IOMMU_EXPORT int iommu_group_for_each_dev(struct iommu_group *group,
					  int (*fn)(struct iommu_dev *dev, void *arg), void *arg);

/** iommu_group_count() - devices in the group now. */
IOMMU_EXPORT unsigned int iommu_group_count(struct iommu_group *group);

/**
 * iommu_for_each_group() - call @fn on each live group in order of id.
 * Runs on a snapshot holding references. Returns the first non-zero value.
 */
IOMMU_EXPORT int iommu_for_each_group(struct iommu_ctx *ctx,
				      int (*fn)(struct iommu_group *group, void *arg), void *arg);

/* ------------------------------------------------------------------ */
/* Domains                                                            */

enum iommu_domain_type {
	IOMMU_DOMAIN_BLOCKED = 1,	/* all DMA blocked */
	IOMMU_DOMAIN_IDENTITY,		/* DMA untranslated (passthrough) */
	IOMMU_DOMAIN_UNMANAGED,		/* paging, managed by its user (VFIO, iommufd) */
	IOMMU_DOMAIN_DMA,		/* paging, DMA API, strict invalidation */
	IOMMU_DOMAIN_DMA_FQ,		/* paging, DMA API, lazy (flush queue) */
};

/** iommu_domain_type_name() - "blocked", "identity", "unmanaged", "dma", "dma-fq". */
IOMMU_EXPORT const char *iommu_domain_type_name(enum iommu_domain_type type);

/**
 * iommu_ctx_set_default_domain_type() - the global default for new groups
 * (IOMMU_DOMAIN_DMA, DMA_FQ or IDENTITY; the default is DMA: strict), as
 * iommu.passthrough= and iommu.strict= do. Groups that exist keep theirs.
 * Return: 0, -EINVAL.
 */
IOMMU_EXPORT int iommu_ctx_set_default_domain_type(struct iommu_ctx *ctx,
						   enum iommu_domain_type type);

/**
 * iommu_group_set_default_domain_type() - per-group override (like writing the
 * group's sysfs "type"): allocates a default domain of @type and moves the
 * group to it. Only while no kernel-DMA driver is bound in the group and
 * nobody owns it.
 * Return: 0, -EINVAL (NULL, not DMA/DMA_FQ/IDENTITY), -EBUSY (drivers bound or
 * owned), -ENODEV (group empty), -EOPNOTSUPP (driver cannot), -ENOMEM.
 */
IOMMU_EXPORT int iommu_group_set_default_domain_type(struct iommu_group *group,
						     enum iommu_domain_type type);

/**
 * iommu_group_default_domain() / iommu_group_domain() - the group's default
 * domain, and the domain it is attached to now. Borrowed.
 */
IOMMU_EXPORT struct iommu_domain *iommu_group_default_domain(struct iommu_group *group);
IOMMU_EXPORT struct iommu_domain *iommu_group_domain(struct iommu_group *group);

/**
 * iommu_paging_domain_alloc() - a new unmanaged paging domain for @group's
 * IOMMU; the driver sees the group's first device, never another.
 * Return: 0, -EINVAL (NULL), -ENODEV (group has no device left),
 * -EOPNOTSUPP, -ENOMEM.
 */
IOMMU_EXPORT int iommu_paging_domain_alloc(struct iommu_group *group, struct iommu_domain **out);

/**
 * iommu_paging_domain_alloc_dev() - the same for @dev's group, safe against
 * @dev being removed concurrently (device lock, then a group reference, then
 * the group mutex). Return: as above; -ENODEV if @dev has no group.
 */
IOMMU_EXPORT int iommu_paging_domain_alloc_dev(struct iommu_dev *dev, struct iommu_domain **out);

/**
 * iommu_domain_free() - free an unmanaged domain; NULL is a no-op. It must
 * not be attached to any group (it is not freed then: -EBUSY).
 * Return: 0, -EBUSY, -EINVAL (a default or blocking domain the core owns).
 */
IOMMU_EXPORT int iommu_domain_free(struct iommu_domain *domain);

IOMMU_EXPORT enum iommu_domain_type iommu_domain_type(const struct iommu_domain *domain);
/** iommu_domain_pgsize_bitmap() - the page sizes the domain maps in. */
IOMMU_EXPORT uint64_t iommu_domain_pgsize_bitmap(const struct iommu_domain *domain);

/**
 * iommu_attach_group() - attach @group to @domain (all devices, or none).
 * The group must be on its default or blocking domain.
 * Return: 0, -EINVAL (NULL, domain of another IOMMU, not a paging/identity
 * domain), -EBUSY (group attached elsewhere), -ENODEV (empty group),
 * -EADDRINUSE (domain has mappings in a reserved region of the group),
 * or the driver's error (nothing changed).
 */
IOMMU_EXPORT int iommu_attach_group(struct iommu_domain *domain, struct iommu_group *group);

/**
 * iommu_detach_group() - back to the default domain (or to blocked, while the
 * group is owned). Return: 0, -EINVAL (NULL or @domain not attached).
 */
IOMMU_EXPORT int iommu_detach_group(struct iommu_domain *domain, struct iommu_group *group);

/**
 * iommu_group_replace_domain() - switch an owned group from whatever it is
 * attached to straight to @domain, without passing through blocked.
 * Return: 0, -EINVAL, -EPERM (group not owned), -EADDRINUSE, driver error.
 */
IOMMU_EXPORT int iommu_group_replace_domain(struct iommu_group *group, struct iommu_domain *domain);

/* ------------------------------------------------------------------ */
/* DMA ownership                                                      */

/**
 * iommu_group_claim_dma_owner() - give @owner exclusive use of the group, as
 * VFIO and iommufd do: the group moves to the blocked domain. Claims by the
 * same owner nest.
 * Return: 0, -EINVAL (NULL), -EBUSY (owned by another, or a driver that uses
 * the DMA API is bound to a member), -ENODEV (empty group).
 */
IOMMU_EXPORT int iommu_group_claim_dma_owner(struct iommu_group *group, const void *owner);

/**
 * iommu_group_release_dma_owner() - drop one claim; the last one moves the
 * group back to its default domain.
 * Return: 0, -EINVAL (NULL, not owned by @owner).
 */
IOMMU_EXPORT int iommu_group_release_dma_owner(struct iommu_group *group, const void *owner);

/** iommu_group_dma_owner_claimed() - true while someone owns the group. */
IOMMU_EXPORT bool iommu_group_dma_owner_claimed(struct iommu_group *group);

/* ------------------------------------------------------------------ */
/* Mapping                                                            */

/**
 * iommu_map() - map [iova, iova + size) to [paddr, paddr + size) with @prot
 * (IOMMU_READ | IOMMU_WRITE | ...). The range is split into the largest page
 * sizes the domain supports; the IOTLB is synced once at the end.
 *
 * Return: 0; -EINVAL (NULL, size 0, iova/paddr/size not aligned to the
 * smallest page size, range wraps, unknown prot bits, non-paging domain);
 * -EADDRINUSE (overlaps a reserved region of an attached group);
 * -EEXIST (part of the range is mapped already); -ERANGE (beyond the domain's
 * aperture); -ENOMEM. On error nothing stays mapped.
 */
IOMMU_EXPORT int iommu_map(struct iommu_domain *domain, uint64_t iova, uint64_t paddr,
			   uint64_t size, unsigned int prot);

/**
 * iommu_unmap() - unmap [iova, iova + size) and sync the IOTLB.
 * Return: bytes unmapped (may be less than @size where the range was not
 * mapped, or would cut a larger page), 0 for bad arguments.
 */
IOMMU_EXPORT uint64_t iommu_unmap(struct iommu_domain *domain, uint64_t iova, uint64_t size);

/**
 * iommu_iova_to_phys() - the physical address @iova maps to in @domain
 * (software lookup in the domain's page table).
 * Return: 0, -EINVAL (NULL or non-paging domain), -ENOENT (not mapped).
 */
IOMMU_EXPORT int iommu_iova_to_phys(struct iommu_domain *domain, uint64_t iova, uint64_t *paddr);

/* ------------------------------------------------------------------ */
/* Reserved regions                                                   */

enum iommu_resv_type {
	IOMMU_RESV_DIRECT,	/* must stay identity-mapped (RMRR, RMR) */
	IOMMU_RESV_RESERVED,	/* never mappable */
	IOMMU_RESV_MSI,		/* hardware MSI window */
	IOMMU_RESV_SW_MSI,	/* software-managed MSI window */
};

struct iommu_resv_region {
	uint64_t start, length;
	unsigned int prot;
	enum iommu_resv_type type;
};

/**
 * iommu_dev_resv_regions() - the reserved regions of @dev (from its driver
 * and firmware). @out may be NULL to count. Return: the number of regions
 * (only @max are copied), or -ENODEV.
 */
IOMMU_EXPORT int iommu_dev_resv_regions(struct iommu_dev *dev, struct iommu_resv_region *out,
					unsigned int max);

/* ------------------------------------------------------------------ */
/* Faults and statistics                                              */

enum iommu_fault_reason {
	IOMMU_FAULT_TRANSLATION = 1,	/* no mapping */
	IOMMU_FAULT_PERMISSION,		/* mapped without the access */
	IOMMU_FAULT_BLOCKED,		/* domain blocks all DMA */
	IOMMU_FAULT_ADDRESS_SIZE,	/* IOVA beyond the input range */
	IOMMU_FAULT_NO_CONTEXT,		/* no context for the device's ID */
};

IOMMU_EXPORT const char *iommu_fault_reason_name(enum iommu_fault_reason reason);

struct iommu_fault {
	struct iommu_dev *dev;	/* borrowed for the callback */
	uint64_t iova;
	unsigned int access;	/* IOMMU_READ or IOMMU_WRITE */
	enum iommu_fault_reason reason;
	uint32_t id;		/* the ID the access carried */
};

typedef void (*iommu_fault_fn)(void *arg, const struct iommu_fault *fault);

/**
 * iommu_ctx_set_fault_cb() - be called for every DMA fault (after the core
 * counted it); runs with no model lock held. NULL stops. Return: 0, -EINVAL.
 */
IOMMU_EXPORT int iommu_ctx_set_fault_cb(struct iommu_ctx *ctx, iommu_fault_fn fn, void *arg);

struct iommu_stats {
	uint64_t dma_ops, dma_bytes, dma_faults;	/* DMA engine */
	uint64_t maps, unmaps, iotlb_syncs, iotlb_flush_all;
	uint64_t groups, devices_probed, domains_live;
};

/** iommu_ctx_stats() - counters since the context was created. Return: 0, -EINVAL. */
IOMMU_EXPORT int iommu_ctx_stats(struct iommu_ctx *ctx, struct iommu_stats *out);

/** iommu_dev_fault_count() - DMA faults of @dev so far. */
IOMMU_EXPORT uint64_t iommu_dev_fault_count(struct iommu_dev *dev);

#ifdef __cplusplus
}
#endif
#endif
