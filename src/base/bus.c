// SPDX-License-Identifier: MIT
/*
 * Bus types: the two built-in ones (platform, PCI) and the matching of a
 * device to a driver. A bus type's own match() decides; a bus without one
 * matches by driver name == device compatible string.
 */
#include <string.h>
#include "base_priv.h"

/* Platform: the device's compatible string against the driver's list (or its name). */
static bool platform_match(struct iommu_dev *dev, const struct iommu_driver *drv)
{
	if (!dev->compatible)
		return false;
	if (!drv->compatible)
		return !strcmp(dev->compatible, drv->name);
	for (const char *const *c = drv->compatible; *c; c++)
		if (!strcmp(*c, dev->compatible))
			return true;
	return false;
}

static bool pci_id_is_end(const struct iommu_pci_id *id)
{
	return !id->vendor && !id->device && !id->class_code && !id->class_mask;
}

static bool pci_id_matches(const struct iommu_pci_id *id, const struct iommu_pci_info *p)
{
	if (id->vendor != IOMMU_PCI_ANY_ID && id->vendor != p->vendor)
		return false;
	if (id->device != IOMMU_PCI_ANY_ID && id->device != p->device)
		return false;
	return !id->class_mask || ((p->class_code ^ id->class_code) & id->class_mask) == 0;
}

/* PCI: vendor, device and masked class code against the driver's ID table. */
static bool pci_match(struct iommu_dev *dev, const struct iommu_driver *drv)
{
	if (!dev->is_pci || !drv->pci_ids)
		return false;
	for (const struct iommu_pci_id *id = drv->pci_ids; !pci_id_is_end(id); id++)
		if (pci_id_matches(id, &dev->pci))
			return true;
	return false;
}

IOMMU_EXPORT const struct iommu_bus_type iommu_platform_bus = {
	.name = "platform",
	.match = platform_match,
};

IOMMU_EXPORT const struct iommu_bus_type iommu_pci_bus = {
	.name = "pci",
	.match = pci_match,
};

bool base_bus_match(struct iommu_dev *dev, const struct iommu_driver *drv)
{
	if (dev->bus != drv->bus)
		return false;
	if (dev->bus->match)
		return dev->bus->match(dev, drv);
	return dev->compatible && !strcmp(dev->compatible, drv->name);
}

/* Known to @ctx? ctx->lock held. */
bool base_bus_known_locked(const struct iommu_ctx *ctx, const struct iommu_bus_type *bus)
{
	const struct bus_entry *b;

	iu_list_for_each(b, &ctx->buses, node)
		if (b->bus == bus)
			return true;
	return false;
}

int base_bus_add(struct iommu_ctx *ctx, const struct iommu_bus_type *bus)
{
	struct bus_entry *b, *n = iu_zalloc(sizeof(*n));
	int ret = 0;

	iu_mutex_lock(&ctx->lock);
	iu_list_for_each(b, &ctx->buses, node) {
		if (b->bus == bus || !strcmp(b->bus->name, bus->name)) {
			ret = -EEXIST;
			goto out_unlock;
		}
	}
	if (!n) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	n->bus = bus;
	iu_list_add_tail(&n->node, &ctx->buses);
	n = NULL;		/* owned by the list now */
out_unlock:
	iu_mutex_unlock(&ctx->lock);
	iu_free(n);
	return ret;
}

IOMMU_EXPORT int iommu_bus_register(struct iommu_ctx *ctx, const struct iommu_bus_type *bus)
{
	if (!ctx || !bus || !bus->name || !*bus->name)
		return -EINVAL;
	return base_bus_add(ctx, bus);
}

void base_buses_free(struct iommu_ctx *ctx)
{
	struct bus_entry *b, *n;

	iu_list_for_each_safe(b, n, &ctx->buses, node) {
		iu_list_del(&b->node);
		iu_free(b);
	}
}
