// SPDX-License-Identifier: MIT
/*
 * The IOMMU core: instance registry, firmware bindings, and the per-device
 * IOMMU layer (probe into it, release from it).
 *
 * There are no per-bus ops and no "first IOMMU registered wins": a device's
 * instance is the one firmware names (by firmware node). The binding (IOMMU +
 * IDs) is derived from the firmware table each time the device is probed into
 * the IOMMU layer and lives in dev->iommu until it leaves; so an error at any
 * step unwinds to "not in the layer" and a later probe starts afresh.
 */
#include <stdio.h>
#include <string.h>
#include "core.h"
#include "fw/pci_quirks.h"

static const struct iu_lock_class probe_lock_class = { "iommu-probe", IU_RANK_DEVICE + 5, false };
static const struct iu_lock_class core_lock_class = { "iommu-core", IU_RANK_LEAF, false };

void core_stat_add(struct iommu_ctx *ctx, size_t offset, uint64_t n)
{
	uint64_t *p = (uint64_t *)((char *)&ctx->core->stats + offset);

	__atomic_add_fetch(p, n, __ATOMIC_RELAXED);
}

/* ------------------------------------------------------------------ */
/* Firmware table                                                     */

IOMMU_EXPORT int iommu_fw_bind(struct iommu_ctx *ctx, struct iommu_fwnode *master,
			       struct iommu_fwnode *iommu, const uint32_t *ids, unsigned int n)
{
	struct iommu_core *core;
	struct fw_dev_entry *e, *found = NULL;
	int ret = 0;

	if (!ctx || !master || !iommu || !ids || !n || n > IOMMU_FW_MAX_IDS ||
	    master->ctx != ctx || iommu->ctx != ctx)
		return -EINVAL;
	core = ctx_core(ctx);
	iu_mutex_lock(&core->lock);
	iu_list_for_each(e, &core->fw_devs, node)
		if (e->master == master)
			found = e;
	if (found) {
		if (found->iommu != iommu || found->nids + n > IOMMU_FW_MAX_IDS) {
			ret = -EINVAL;
			goto out;
		}
		memcpy(found->ids + found->nids, ids, n * sizeof(*ids));
		found->nids += n;
		goto out;
	}
	e = iu_zalloc(sizeof(*e));
	if (!e) {
		ret = -ENOMEM;
		goto out;
	}
	e->master = master;
	e->iommu = iommu;
	memcpy(e->ids, ids, n * sizeof(*ids));
	e->nids = n;
	iu_list_add_tail(&e->node, &core->fw_devs);
out:
	iu_mutex_unlock(&core->lock);
	return ret;
}

IOMMU_EXPORT int iommu_fw_bind_pci(struct iommu_ctx *ctx, struct iommu_fwnode *host,
				   uint32_t rid_base, uint32_t length,
				   struct iommu_fwnode *iommu, uint32_t id_base, uint32_t mask)
{
	struct iommu_core *core;
	struct fw_pci_entry *e;
	uint64_t end;

	if (!ctx || !host || !iommu || !length || host->ctx != ctx || iommu->ctx != ctx)
		return -EINVAL;
	end = (uint64_t)rid_base + length;
	if (end > 0x10000 || (uint64_t)id_base + length - 1 > UINT32_MAX)
		return -EINVAL;
	core = ctx_core(ctx);
	iu_mutex_lock(&core->lock);
	iu_list_for_each(e, &core->fw_pci, node) {
		if (e->host == host && rid_base < e->rid_base + e->length &&
		    e->rid_base < end && e->mask == mask) {
			iu_mutex_unlock(&core->lock);
			return -EEXIST;
		}
	}
	e = iu_zalloc(sizeof(*e));
	if (!e) {
		iu_mutex_unlock(&core->lock);
		return -ENOMEM;
	}
	e->host = host;
	e->iommu = iommu;
	e->rid_base = rid_base;
	e->length = length;
	e->id_base = id_base;
	e->mask = mask;
	iu_list_add_tail(&e->node, &core->fw_pci);
	iu_mutex_unlock(&core->lock);
	return 0;
}

/* The PCI host bridge device above @dev: the first ancestor not on PCI. */
static struct iommu_dev *pci_host_of(struct iommu_dev *dev)
{
	struct iommu_dev *d = dev->parent;

	while (d && d->is_pci)
		d = d->parent;
	return d;
}

/*
 * A conventional bridge that is really a PCIe-to-PCI bridge (quirk): only
 * when it is not on a root bus and sits below a PCIe port that is not itself
 * a PCIe-to-PCI bridge, as Linux checks.
 */
static bool pcie_bridge_alias(const struct iommu_dev *br)
{
	const struct iommu_dev *up = br->parent;

	if (!pciq_pcie_bridge_alias(&br->pci) || !up || !up->is_pci)
		return false;
	return up->pci.pcie_type != IOMMU_PCIE_NONE && up->pci.pcie_type != IOMMU_PCIE_PCI_BRIDGE;
}

/*
 * The requester IDs a PCI function's DMA can carry, as Linux's
 * pci_for_each_dma_alias() finds them: its own, its quirk aliases, and the
 * IDs bridges above it substitute. Returns how many were stored.
 */
static unsigned int pci_dma_alias_rids(struct iommu_dev *dev, uint16_t *rids, unsigned int max)
{
	unsigned int n = 0;
	uint8_t devfns[8];
	int na;

	if (n < max)
		rids[n++] = IOMMU_PCI_RID(dev->pci.bus, dev->pci.devfn);
	/* The count may exceed what was stored (Intel VCA: 160 devfns). */
	na = iu_min(pciq_dma_aliases(&dev->pci, devfns, (int)ARRAY_SIZE(devfns)),
		    (int)ARRAY_SIZE(devfns));
	for (int i = 0; i < na && n < max; i++)
		rids[n++] = IOMMU_PCI_RID(dev->pci.bus, devfns[i]);

	for (struct iommu_dev *br = dev->parent; br && br->is_pci; br = br->parent) {
		const struct iommu_pci_info *b = &br->pci;
		bool dup = false;
		uint16_t rid;

		/* The IOMMU sits at this bridge: what is above does not matter. */
		if (pciq_bridge_xlate_root(b))
			break;
		if (b->pcie_type == IOMMU_PCIE_ROOT_PORT || b->pcie_type == IOMMU_PCIE_UPSTREAM ||
		    b->pcie_type == IOMMU_PCIE_DOWNSTREAM)
			continue;
		if (b->pcie_type == IOMMU_PCIE_PCI_BRIDGE) {
			if (pciq_bridge_no_alias(b))
				continue;	/* forwards requester IDs unchanged */
			rid = IOMMU_PCI_RID(b->secondary, 0);
		} else if (b->pcie_type == IOMMU_PCIE_NONE && pcie_bridge_alias(br)) {
			rid = IOMMU_PCI_RID(b->secondary, 0);
		} else if (b->pcie_type == IOMMU_PCIE_NONE || b->pcie_type == IOMMU_PCIE_PCIE_BRIDGE) {
			rid = IOMMU_PCI_RID(b->bus, b->devfn);
		} else {
			continue;
		}
		for (unsigned int i = 0; i < n; i++)
			dup |= rids[i] == rid;
		if (!dup && n < max)
			rids[n++] = rid;
	}
	return n;
}

struct fw_binding {
	struct iommu_fwnode *iommu;
	uint32_t ids[IOMMU_FW_MAX_IDS];
	unsigned int nids;
};

static void binding_add_id(struct fw_binding *b, uint32_t id)
{
	for (unsigned int i = 0; i < b->nids; i++)
		if (b->ids[i] == id)
			return;
	if (b->nids < IOMMU_FW_MAX_IDS)
		b->ids[b->nids++] = id;
}

/*
 * What firmware says about @dev. Returns 0 with b->iommu NULL when the device
 * is not translated, -EINVAL when firmware names two IOMMUs for it.
 */
static int fw_resolve(struct iommu_ctx *ctx, struct iommu_dev *dev, struct fw_binding *b)
{
	struct iommu_core *core = ctx_core(ctx);
	int ret = 0;

	memset(b, 0, sizeof(*b));
	iu_mutex_lock(&core->lock);
	if (dev->is_pci) {
		struct iommu_dev *host = pci_host_of(dev);
		uint16_t rids[12];
		unsigned int n = pci_dma_alias_rids(dev, rids, ARRAY_SIZE(rids));
		struct fw_pci_entry *e;

		if (!host || !host->fwnode)
			goto out;
		for (unsigned int i = 0; i < n; i++) {
			iu_list_for_each(e, &core->fw_pci, node) {
				uint32_t rid = rids[i] & e->mask;

				if (e->host != host->fwnode || rid < e->rid_base ||
				    rid >= e->rid_base + e->length)
					continue;
				if (b->iommu && b->iommu != e->iommu) {
					ret = -EINVAL;
					goto out;
				}
				b->iommu = e->iommu;
				binding_add_id(b, e->id_base + (rid - e->rid_base));
				break;
			}
		}
	} else if (dev->fwnode) {
		struct fw_dev_entry *e;

		iu_list_for_each(e, &core->fw_devs, node) {
			if (e->master != dev->fwnode)
				continue;
			b->iommu = e->iommu;
			for (unsigned int i = 0; i < e->nids; i++)
				binding_add_id(b, e->ids[i]);
			break;
		}
	}
out:
	iu_mutex_unlock(&core->lock);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Instances                                                          */

void iommu_device_get_ref(struct iommu_device *iommu)
{
	__atomic_add_fetch(&iommu->refcount, 1, __ATOMIC_RELAXED);
}

void iommu_device_put_ref(struct iommu_device *iommu)
{
	if (!iommu || __atomic_sub_fetch(&iommu->refcount, 1, __ATOMIC_ACQ_REL))
		return;
	iommu_dev_put(iommu->dev);
	iu_free(iommu);
}

static struct iommu_device *instance_by_fwnode(struct iommu_core *core, struct iommu_fwnode *fw)
{
	struct iommu_device *it;

	iu_list_for_each(it, &core->instances, node)
		if (!it->dead && it->dev->fwnode == fw)
			return it;
	return NULL;
}

static void dev_event(struct iommu_dev *dev, enum iommu_event_type type, const char *detail, int err)
{
	base_event(dev->ctx, type, dev, detail, err);
}

/*
 * Probe @dev into the IOMMU layer. Device lock and probe lock held.
 * Returns 0 (in the layer), -ENODEV (firmware says untranslated),
 * IOMMU_EPROBE_DEFER (its IOMMU is not registered), or an error.
 */
static int __core_probe_dev(struct iommu_dev *dev)
{
	struct iommu_ctx *ctx = dev->ctx;
	struct iommu_core *core = ctx_core(ctx);
	struct iommu_device *iommu;
	struct dev_iommu *di;
	struct fw_binding b;
	char msg[160];
	int ret;

	iu_assert_held(&dev->lock);
	iu_assert_held(&core->probe_lock);
	if (dev->iommu)
		return 0;
	if (dev->state != DEV_PRESENT)
		return -ENODEV;
	ret = fw_resolve(ctx, dev, &b);
	if (ret)
		return ret;
	if (!b.iommu)
		return -ENODEV;

	iu_mutex_lock(&core->lock);
	iommu = instance_by_fwnode(core, b.iommu);
	if (iommu)
		iommu_device_get_ref(iommu);
	iu_mutex_unlock(&core->lock);
	if (!iommu)
		return IOMMU_EPROBE_DEFER;
	if (iommu->dev == dev) {
		ret = -ELOOP;		/* an IOMMU cannot translate itself */
		goto err_put_iommu;
	}

	di = iu_zalloc(sizeof(*di));
	if (!di) {
		ret = -ENOMEM;
		goto err_put_iommu;
	}
	iu_list_init(&di->group_node);
	di->iommu = iommu;
	memcpy(di->ids, b.ids, sizeof(b.ids));
	di->nids = b.nids;

	ret = iommu->ops->probe_device(iommu, dev, di->ids, di->nids, &di->priv);
	if (ret)
		goto err_free_di;
	ret = iommu_link_add(dev, iommu->dev, &di->link);
	if (ret)
		goto err_release;
	dev->iommu = di;
	ret = group_add_device(dev);
	if (ret)
		goto err_unlink;

	CORE_STAT_ADD(ctx, devices_probed, 1);
	snprintf(msg, sizeof(msg), "%s ids", iommu->dev->name);
	for (unsigned int i = 0; i < di->nids; i++) {
		size_t l = strlen(msg);
		snprintf(msg + l, sizeof(msg) - l, "%s0x%x", i ? "," : " ", di->ids[i]);
	}
	dev_event(dev, IOMMU_EV_IOMMU_PROBE, msg, 0);
	return 0;

err_unlink:
	dev->iommu = NULL;
	iommu_link_del(di->link);
err_release:
	iommu->ops->release_device(iommu, dev, di->priv);
err_free_di:
	iu_free(di);
err_put_iommu:
	iommu_device_put_ref(iommu);
	dev_event(dev, IOMMU_EV_PROBE_FAIL, "IOMMU probe", ret);
	return ret;
}

/* Take @dev out of the IOMMU layer. Device lock and probe lock held. */
static void __core_release_dev(struct iommu_dev *dev)
{
	struct dev_iommu *di = dev->iommu;
	struct iommu_device *iommu;

	iu_assert_held(&dev->lock);
	iu_assert_held(&ctx_core(dev->ctx)->probe_lock);
	if (!di)
		return;
	iommu = di->iommu;
	group_remove_device(dev);
	iommu->ops->release_device(iommu, dev, di->priv);
	iommu_link_del(di->link);
	dev->iommu = NULL;
	iu_free(di);
	dev_event(dev, IOMMU_EV_IOMMU_RELEASE, iommu->dev->name, 0);
	iommu_device_put_ref(iommu);
}

static int core_notifier(struct iommu_notifier *nb, enum iommu_bus_action action,
			 struct iommu_dev *dev)
{
	struct iommu_core *core = container_of(nb, struct iommu_core, nb);
	int ret = 0;

	switch (action) {
	case IOMMU_BUS_ADD_DEVICE:
		iommu_dev_lock(dev);
		iu_mutex_lock(&core->probe_lock);
		ret = __core_probe_dev(dev);
		iu_mutex_unlock(&core->probe_lock);
		iommu_dev_unlock(dev);
		/* Untranslated or waiting for its IOMMU: both fine here. */
		if (ret == -ENODEV || ret == IOMMU_EPROBE_DEFER)
			ret = 0;
		break;
	case IOMMU_BUS_DEL_DEVICE:
		iommu_dev_lock(dev);
		iu_mutex_lock(&core->probe_lock);
		__core_release_dev(dev);
		iu_mutex_unlock(&core->probe_lock);
		iommu_dev_unlock(dev);
		break;
	default:
		break;
	}
	return ret;
}

int core_dma_configure(struct iommu_dev *dev, const struct iommu_driver *drv)
{
	struct iommu_core *core = ctx_core(dev->ctx);
	struct iommu_group *group;
	int ret;

	iu_assert_held(&dev->lock);
	iu_mutex_lock(&core->probe_lock);
	ret = __core_probe_dev(dev);
	if (ret == -ENODEV) {
		iu_mutex_unlock(&core->probe_lock);
		return 0;		/* not translated: DMA goes straight to memory */
	}
	if (ret) {
		iu_mutex_unlock(&core->probe_lock);
		if (ret == IOMMU_EPROBE_DEFER)
			dev_event(dev, IOMMU_EV_DEFER, "waiting for its IOMMU to register", 0);
		return ret;
	}
	if (drv->driver_managed_dma)
		goto out;
	/* A kernel-DMA driver uses the default domain: not while someone owns the group. */
	group = dev->iommu->group;
	iu_mutex_lock(&group->mutex);
	if (group->owner_cnt) {
		ret = -EBUSY;
	} else {
		group->dma_users++;
		dev->iommu->dma_users++;
	}
	iu_mutex_unlock(&group->mutex);
out:
	iu_mutex_unlock(&core->probe_lock);
	return ret;
}

void core_dma_cleanup(struct iommu_dev *dev, const struct iommu_driver *drv)
{
	struct iommu_core *core = ctx_core(dev->ctx);
	struct iommu_group *group;

	iu_assert_held(&dev->lock);
	(void)drv;
	iu_mutex_lock(&core->probe_lock);
	if (dev->iommu && dev->iommu->dma_users) {
		group = dev->iommu->group;
		iu_mutex_lock(&group->mutex);
		group->dma_users--;
		dev->iommu->dma_users--;
		iu_mutex_unlock(&group->mutex);
	}
	iu_mutex_unlock(&core->probe_lock);
}

IOMMU_EXPORT int iommu_device_register(struct iommu_dev *dev, const struct iommu_ops *ops,
				       void *priv, struct iommu_device **out)
{
	struct iommu_device *iommu;
	struct iommu_core *core;
	struct iommu_dev **devs;
	size_t n;
	unsigned int pol;
	int ret;

	if (!dev || !ops || !out || !ops->name || !ops->probe_device || !ops->release_device ||
	    !ops->domain_alloc || !ops->dma_translate)
		return -EINVAL;
	pol = ops->group_policy & ~IOMMU_GROUP_SHARE_IDS;
	if ((ops->group_policy & ~(0xffu | IOMMU_GROUP_SHARE_IDS)) ||
	    pol < IOMMU_GROUP_PCI || pol > IOMMU_GROUP_PER_INSTANCE)
		return -EINVAL;
	if (!dev->fwnode || !iommu_dev_is_present(dev))
		return -EINVAL;
	core = ctx_core(dev->ctx);

	iommu = iu_zalloc(sizeof(*iommu));
	if (!iommu)
		return -ENOMEM;
	ret = base_snapshot(dev->ctx, &devs, &n);
	if (ret) {
		iu_free(iommu);
		return ret;
	}
	iommu->ctx = dev->ctx;
	iommu->dev = iommu_dev_get(dev);
	iommu->ops = ops;
	iommu->priv = priv;
	iommu->refcount = 1;		/* the registration's */

	iu_mutex_lock(&core->lock);
	if (instance_by_fwnode(core, dev->fwnode)) {
		iu_mutex_unlock(&core->lock);
		base_put_array(devs, n);
		iommu_dev_put(dev);
		iu_free(iommu);
		return -EEXIST;
	}
	iu_list_add_tail(&iommu->node, &core->instances);
	iu_mutex_unlock(&core->lock);
	dev_event(dev, IOMMU_EV_IOMMU_REGISTER, ops->name, 0);
	*out = iommu;

	/* Exactly the devices firmware binds to this instance; in add order. */
	for (size_t i = 0; i < n; i++) {
		struct iommu_dev *m = devs[i];

		struct fw_binding b;

		/*
		 * Ask firmware first, without the device's lock (its topology and
		 * firmware node never change): only our own masters get locked, so
		 * two IOMMUs registering at once never take each other's locks.
		 */
		if (m == dev || fw_resolve(m->ctx, m, &b) || b.iommu != dev->fwnode)
			continue;
		iu_mutex_lock_nested(&m->lock, 1);
		iu_mutex_lock(&core->probe_lock);
		if (!m->iommu)
			(void)__core_probe_dev(m);
		iu_mutex_unlock(&core->probe_lock);
		iu_mutex_unlock(&m->lock);
	}
	base_put_array(devs, n);
	base_trigger_deferred(dev->ctx);
	return 0;
}

IOMMU_EXPORT void iommu_device_unregister(struct iommu_device *iommu)
{
	struct iommu_core *core;

	if (!iommu)
		return;
	core = ctx_core(iommu->ctx);
	iu_mutex_lock(&core->lock);
	iommu->dead = true;		/* no new master resolves to it */
	iu_mutex_unlock(&core->lock);

	/*
	 * Release every master, one at a time, found through the groups: this
	 * needs no allocation, so it cannot fail half-way.
	 */
	for (;;) {
		struct iommu_dev *m = NULL;
		struct iommu_group *g;

		iu_mutex_lock(&core->lock);
		iu_list_for_each(g, &core->groups, node) {
			struct dev_iommu *di;

			if (g->iommu != iommu || !g->ndevs)
				continue;
			di = iu_list_first(&g->devices, struct dev_iommu, group_node);
			m = iommu_dev_get(di->dev);
			break;
		}
		iu_mutex_unlock(&core->lock);
		if (!m)
			break;
		/*
		 * From the IOMMU driver's remove() the device links have unbound
		 * every master already; called on its own, do it here.
		 */
		if (base_dev_is_bound(m))
			iommu_dev_unbind(m);
		iu_mutex_lock_nested(&m->lock, 1);
		iu_mutex_lock(&core->probe_lock);
		if (m->iommu && m->iommu->iommu == iommu)
			__core_release_dev(m);
		iu_mutex_unlock(&core->probe_lock);
		iu_mutex_unlock(&m->lock);
		iommu_dev_put(m);
	}

	iu_mutex_lock(&core->lock);
	iu_list_del(&iommu->node);
	iu_mutex_unlock(&core->lock);
	dev_event(iommu->dev, IOMMU_EV_IOMMU_UNREGISTER, iommu->ops->name, 0);
	iommu_device_put_ref(iommu);
}

IOMMU_EXPORT void *iommu_device_priv(const struct iommu_device *iommu)
{
	return iommu ? iommu->priv : NULL;
}

IOMMU_EXPORT const char *iommu_device_name(const struct iommu_device *iommu)
{
	return iommu ? iommu->dev->name : "";
}

IOMMU_EXPORT const char *iommu_device_driver_name(const struct iommu_device *iommu)
{
	return iommu ? iommu->ops->name : "";
}

IOMMU_EXPORT struct iommu_dev *iommu_device_dev(const struct iommu_device *iommu)
{
	return iommu ? iommu->dev : NULL;
}

IOMMU_EXPORT int iommu_for_each_device(struct iommu_ctx *ctx,
				       int (*fn)(struct iommu_device *iommu, void *arg), void *arg)
{
	struct iommu_core *core;
	struct iommu_device **arr, *it;
	size_t n = 0, cap = 0;
	int ret = 0;

	if (!ctx || !fn)
		return -EINVAL;
	core = ctx_core(ctx);
	iu_mutex_lock(&core->lock);
	iu_list_for_each(it, &core->instances, node)
		cap++;
	arr = iu_calloc(cap ? cap : 1, sizeof(*arr));
	if (!arr) {
		iu_mutex_unlock(&core->lock);
		return -ENOMEM;
	}
	iu_list_for_each(it, &core->instances, node) {
		if (it->dead)
			continue;
		iommu_device_get_ref(it);
		arr[n++] = it;
	}
	iu_mutex_unlock(&core->lock);
	for (size_t i = 0; i < n; i++) {
		if (!ret)
			ret = fn(arr[i], arg);
		iommu_device_put_ref(arr[i]);
	}
	iu_free(arr);
	return ret;
}

IOMMU_EXPORT struct iommu_device *iommu_dev_iommu(struct iommu_dev *dev)
{
	struct dev_iommu *di;

	if (!dev)
		return NULL;
	di = __atomic_load_n(&dev->iommu, __ATOMIC_ACQUIRE);
	return di ? di->iommu : NULL;
}

IOMMU_EXPORT int iommu_dev_ids(struct iommu_dev *dev, uint32_t *ids, unsigned int max)
{
	int n = 0;

	if (!dev || (!ids && max))
		return -EINVAL;
	iu_mutex_lock(&ctx_core(dev->ctx)->probe_lock);
	if (dev->iommu) {
		n = (int)dev->iommu->nids;
		for (unsigned int i = 0; i < dev->iommu->nids && i < max; i++)
			ids[i] = dev->iommu->ids[i];
	}
	iu_mutex_unlock(&ctx_core(dev->ctx)->probe_lock);
	return n;
}

/* ------------------------------------------------------------------ */
/* Faults, statistics                                                 */

IOMMU_EXPORT const char *iommu_fault_reason_name(enum iommu_fault_reason reason)
{
	switch (reason) {
	case IOMMU_FAULT_TRANSLATION: return "translation";
	case IOMMU_FAULT_PERMISSION: return "permission";
	case IOMMU_FAULT_BLOCKED: return "blocked";
	case IOMMU_FAULT_ADDRESS_SIZE: return "address-size";
	case IOMMU_FAULT_NO_CONTEXT: return "no-context";
	}
	return "unknown";
}

void core_report_fault(struct iommu_dev *dev, uint64_t iova, unsigned int access,
		       enum iommu_fault_reason reason, uint32_t id)
{
	struct iommu_core *core = ctx_core(dev->ctx);
	struct iommu_fault f = { dev, iova, access, reason, id };
	char msg[128];

	CORE_STAT_ADD(dev->ctx, dma_faults, 1);
	iu_mutex_lock(&core->probe_lock);
	if (dev->iommu)
		__atomic_add_fetch(&dev->iommu->faults, 1, __ATOMIC_RELAXED);
	iu_mutex_unlock(&core->probe_lock);
	snprintf(msg, sizeof(msg), "%s fault: %s at iova 0x%llx (id 0x%x)",
		 access & IOMMU_WRITE ? "write" : "read", iommu_fault_reason_name(reason),
		 (unsigned long long)iova, id);
	dev_event(dev, IOMMU_EV_FAULT, msg, -EFAULT);
	if (core->fault_fn)
		core->fault_fn(core->fault_arg, &f);
}

IOMMU_EXPORT int iommu_ctx_set_fault_cb(struct iommu_ctx *ctx, iommu_fault_fn fn, void *arg)
{
	if (!ctx)
		return -EINVAL;
	iu_mutex_lock(&ctx->core->lock);
	ctx->core->fault_fn = fn;
	ctx->core->fault_arg = arg;
	iu_mutex_unlock(&ctx->core->lock);
	return 0;
}

IOMMU_EXPORT int iommu_ctx_stats(struct iommu_ctx *ctx, struct iommu_stats *out)
{
	struct iommu_core *core;
	struct iommu_group *g;

	if (!ctx || !out)
		return -EINVAL;
	core = ctx_core(ctx);
	iu_mutex_lock(&core->lock);
	*out = core->stats;
	out->groups = 0;
	iu_list_for_each(g, &core->groups, node)
		out->groups++;
	iu_mutex_unlock(&core->lock);
	return 0;
}

IOMMU_EXPORT uint64_t iommu_dev_fault_count(struct iommu_dev *dev)
{
	uint64_t n = 0;

	if (!dev)
		return 0;
	iu_mutex_lock(&ctx_core(dev->ctx)->probe_lock);
	if (dev->iommu)
		n = __atomic_load_n(&dev->iommu->faults, __ATOMIC_RELAXED);
	iu_mutex_unlock(&ctx_core(dev->ctx)->probe_lock);
	return n;
}

IOMMU_EXPORT int iommu_ctx_set_default_domain_type(struct iommu_ctx *ctx,
						   enum iommu_domain_type type)
{
	if (!ctx || (type != IOMMU_DOMAIN_DMA && type != IOMMU_DOMAIN_DMA_FQ &&
		     type != IOMMU_DOMAIN_IDENTITY))
		return -EINVAL;
	iu_mutex_lock(&ctx->core->lock);
	ctx->core->default_type = type;
	iu_mutex_unlock(&ctx->core->lock);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Context                                                            */

int core_ctx_init(struct iommu_ctx *ctx)
{
	struct iommu_core *core = iu_zalloc(sizeof(*core));
	int ret;

	if (!core)
		return -ENOMEM;
	iu_mutex_init(&core->probe_lock, &probe_lock_class);
	iu_mutex_init(&core->lock, &core_lock_class);
	iu_list_init(&core->instances);
	iu_list_init(&core->groups);
	iu_list_init(&core->fw_devs);
	iu_list_init(&core->fw_pci);
	core->default_type = IOMMU_DOMAIN_DMA;
	core->next_group_id = 0;
	core->nb.call = core_notifier;
	ctx->core = core;
	ret = iommu_bus_notifier_register(ctx, NULL, &core->nb);
	if (ret) {
		ctx->core = NULL;
		iu_mutex_destroy(&core->lock);
		iu_mutex_destroy(&core->probe_lock);
		iu_free(core);
	}
	return ret;
}

void core_ctx_fini(struct iommu_ctx *ctx)
{
	struct iommu_core *core = ctx->core;
	struct fw_dev_entry *d, *dn;
	struct fw_pci_entry *p, *pn;

	if (!core)
		return;
	iommu_bus_notifier_unregister(ctx, &core->nb);
	iu_list_for_each_safe(d, dn, &core->fw_devs, node)
		iu_free(d);
	iu_list_for_each_safe(p, pn, &core->fw_pci, node)
		iu_free(p);
	/* Devices are gone, so every group and instance is too. */
	core_keys_fini(core);
	iu_mutex_destroy(&core->lock);
	iu_mutex_destroy(&core->probe_lock);
	iu_free(core);
	ctx->core = NULL;
}
