/* SPDX-License-Identifier: MIT */
/*
 * libiommu - the selftest ("mock") IOMMU driver.
 *
 * A complete IOMMU driver for a simple modelled IOMMU: a context table indexed
 * by ID (stream / requester ID), a tagged IOTLB, and page tables in a real
 * format (src/pgtable) that the hardware path walks with the independent
 * walker on an IOTLB miss. Three variants with the group policies of real
 * drivers, so a machine can mix "different" IOMMUs:
 *   IOMMU_MOCK_PCI     compatible "libiommu,mock-pci-iommu": Linux's PCI rule
 *                      (ACS, aliases, multifunction); like SMMUv3 / VT-d.
 *                      Arm VMSAv8-64 stage-1 tables, 4K granule, 48 bits.
 *   IOMMU_MOCK_STREAM  compatible "libiommu,mock-stream-iommu": per device, but
 *                      devices sharing a stream ID share a group (Arm SMMU
 *                      stream matching). Arm stage-2 tables, 4K, 48 bits.
 *   IOMMU_MOCK_SINGLE  compatible "libiommu,mock-single-iommu": one group per
 *                      instance (like Rockchip or Allwinner IOMMUs). x86-64
 *                      4-level tables, 47 bits.
 * Tables live in the machine's RAM model (iommu_ctx_opts.mem); a machine
 * without one gets a private 4 GiB (lazily committed) table store.
 * Every device gets a software MSI window at 0x08000000 (1 MiB) as a reserved
 * region. Display-class PCI functions prefer an identity default domain (as
 * intel-iommu does for integrated graphics).
 *
 * Thread safety: as any driver (include/iommu/driver.h).
 */
#ifndef IOMMU_MOCK_H
#define IOMMU_MOCK_H

#include "iommu/driver.h"

#ifdef __cplusplus
extern "C" {
#endif

enum iommu_mock_variant {
	IOMMU_MOCK_PCI,
	IOMMU_MOCK_STREAM,
	IOMMU_MOCK_SINGLE,
	IOMMU_MOCK_NR_VARIANTS,
};

#define IOMMU_MOCK_MSI_BASE	0x08000000ull
#define IOMMU_MOCK_MSI_SIZE	0x00100000ull
#define IOMMU_MOCK_IAS		48	/* input address bits at most (x86-64: 47) */

/**
 * iommu_mock_driver() - the driver of a variant, to pass to
 * iommu_driver_register() (and unregister: "module unload").
 * Return: the driver, or NULL for an unknown variant.
 */
IOMMU_EXPORT struct iommu_driver *iommu_mock_driver(enum iommu_mock_variant variant);

/** iommu_mock_compatible() - the compatible string of a variant, or NULL. */
IOMMU_EXPORT const char *iommu_mock_compatible(enum iommu_mock_variant variant);

/* Operations whose failure tests can inject. */
enum iommu_mock_op {
	IOMMU_MOCK_OP_PROBE,		/* the driver's probe of the IOMMU device */
	IOMMU_MOCK_OP_PROBE_DEVICE,	/* iommu_ops.probe_device */
	IOMMU_MOCK_OP_DOMAIN_ALLOC,
	IOMMU_MOCK_OP_ATTACH,
	IOMMU_MOCK_OP_MAP,
	IOMMU_MOCK_OP_NR,
};

/**
 * iommu_mock_fail() - make the @nth call (1-based, counted from now) of @op,
 * in any instance, fail with @err (a negative errno). @nth 0 disarms.
 * Return: 0, -EINVAL (unknown op, err >= 0).
 */
IOMMU_EXPORT int iommu_mock_fail(enum iommu_mock_op op, unsigned int nth, int err);

/** iommu_mock_calls() - how many times @op ran since the process started. */
IOMMU_EXPORT unsigned long iommu_mock_calls(enum iommu_mock_op op);

/*
 * Described instances: the mock hardware under another driver's name and
 * group policy, for IOMMUs known only from a firmware description (iommu
 * topo instantiates a parsed machine and lets the core form its groups).
 * The caller's own driver binds the IOMMU's device and calls
 * iommu_mock_probe_described() from its probe(), and
 * iommu_mock_remove_described() from its remove().
 */
struct iommu_mock_desc {
	const char *name;		/* iommu_ops.name, e.g. "arm-smmu-v3"; borrowed */
	unsigned int group_policy;	/* enum iommu_group_policy | IOMMU_GROUP_SHARE_IDS */
	/*
	 * Optional: asked from iommu_ops.probe_device with the device's IDs
	 * before the mock accepts it. A negative errno refuses the device as
	 * the real driver would (e.g. a stream ID another master holds); 0
	 * accepts, and release_device() is then called when it leaves. Both run
	 * under the core's probe lock: they must not call into the core.
	 */
	int (*probe_device)(void *arg, struct iommu_dev *dev, const uint32_t *ids,
			    unsigned int nids);
	void (*release_device)(void *arg, struct iommu_dev *dev);
	void *arg;
};

/**
 * iommu_mock_probe_described() - register @dev as a described instance.
 * @dev: the IOMMU's device (present, with a firmware node), bound by the
 *	caller's driver: this is called from that driver's probe().
 * @desc: copied; desc->name is borrowed until the instance is removed.
 *
 * Page tables (for paging domains) follow the policy: Arm stage 1 for
 * IOMMU_GROUP_PCI, Arm stage 2 for PER_DEVICE, x86-64 for PER_INSTANCE.
 *
 * Return: 0, -EINVAL (NULL, no name, bad policy), -ENOMEM, or the error of
 * iommu_device_register().
 */
IOMMU_EXPORT int iommu_mock_probe_described(struct iommu_dev *dev,
					    const struct iommu_mock_desc *desc);

/** iommu_mock_remove_described() - undo iommu_mock_probe_described() (from remove()). */
IOMMU_EXPORT void iommu_mock_remove_described(struct iommu_dev *dev);

#ifdef __cplusplus
}
#endif
#endif
