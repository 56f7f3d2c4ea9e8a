// SPDX-License-Identifier: MIT
/*
 * Groups: which devices the IOMMU cannot tell apart, decided by the core from
 * topology and the instance's policy, never by a device driver.
 *
 * Order independence. Linux's pci_device_group() looks for an existing group
 * among the devices it walks past, so the result can depend on which device
 * probed first (seed 003). Here each device publishes a set of *keys* that
 * depend only on topology: its own requester ID, the requester ID of the
 * topmost device it cannot be isolated from (and that device's DMA aliases),
 * the multifunction slot that lacks ACS, or its stream IDs where the driver
 * groups by ID. Two devices share a group exactly when their key sets are
 * connected; a device that connects two existing groups merges them. The
 * partition is therefore the connected components of a graph fixed by the
 * topology, whatever the order of adds and probes.
 */
#include <stdio.h>
#include <string.h>
#include "core.h"
#include "fw/pci_quirks.h"

static const struct iu_lock_class group_lock_class = { "iommu-group", IU_RANK_GROUP, false };

#define KEY_RID(seg, rid)	((1ull << 60) | ((uint64_t)(seg) << 16) | (rid))
#define KEY_SLOT(seg, bus, slot) ((2ull << 60) | ((uint64_t)(seg) << 16) | ((bus) << 8) | ((slot) << 3))
#define KEY_ID(id)		((3ull << 60) | (id))

/* ------------------------------------------------------------------ */
/* The PCI isolation rule (Linux's pci_acs_enabled and friends)       */

static bool acs_flags_enabled(const struct iommu_pci_info *p, uint16_t flags)
{
	if (!p->has_acs)
		return false;
	/* Features the capability lacks are hard-wired on, except egress control. */
	flags &= p->acs_cap | IOMMU_PCI_ACS_EC;
	return (p->acs_ctrl & flags) == flags;
}

static bool on_root_bus(const struct iommu_dev *d)
{
	return !d->parent || !d->parent->is_pci;
}

static bool acs_enabled(const struct iommu_dev *d, uint16_t flags)
{
	const struct iommu_pci_info *p = &d->pci;
	int q = pciq_acs_enabled(p, flags);

	/* Some quirks hold only for functions on a root bus (AMD southbridge). */
	if (q >= 0 && (!pciq_acs_needs_root_bus(p) || on_root_bus(d)))
		return q > 0;
	if (p->pcie_type == IOMMU_PCIE_NONE)
		return false;
	switch (p->pcie_type) {
	case IOMMU_PCIE_PCIE_BRIDGE:
	case IOMMU_PCIE_PCI_BRIDGE:
	case IOMMU_PCIE_RC_EC:
		return false;
	case IOMMU_PCIE_DOWNSTREAM:
	case IOMMU_PCIE_ROOT_PORT:
		return acs_flags_enabled(p, flags);
	case IOMMU_PCIE_ENDPOINT:
	case IOMMU_PCIE_UPSTREAM:
	case IOMMU_PCIE_LEG_END:
	case IOMMU_PCIE_RC_END:
		if (!p->multifunction)
			return true;
		return acs_flags_enabled(p, flags);
	default:
		return true;
	}
}

/* Every device from @d up to the root bus isolates (pci_acs_path_enabled). */
static bool acs_path_enabled(const struct iommu_dev *d)
{
	for (;;) {
		if (!acs_enabled(d, IOMMU_PCI_ACS_REQ))
			return false;
		if (on_root_bus(d))
			return true;
		d = d->parent;
	}
}

static void pci_name(const struct iommu_pci_info *p, char *buf, size_t len)
{
	snprintf(buf, len, "%04x:%02x:%02x.%x", p->segment, p->bus,
		 IOMMU_PCI_SLOT(p->devfn), IOMMU_PCI_FUNC(p->devfn));
}

static void add_key(struct dev_iommu *di, uint64_t key)
{
	for (unsigned int i = 0; i < di->nkeys; i++)
		if (di->keys[i] == key)
			return;
	if (di->nkeys < GROUP_MAX_KEYS)
		di->keys[di->nkeys++] = key;
}

static void pci_keys(struct iommu_dev *dev, struct dev_iommu *di)
{
	const struct iommu_pci_info *p = &dev->pci;
	struct iommu_dev *top = dev;
	uint8_t aliases[8];
	char a[16], b[16];
	int na;

	add_key(di, KEY_RID(p->segment, IOMMU_PCI_RID(p->bus, p->devfn)));

	/* Walk up while the bridge above does not isolate us. */
	while (!on_root_bus(top)) {
		struct iommu_dev *br = top->parent;

		if (acs_path_enabled(br))
			break;
		top = br;
	}
	const struct iommu_pci_info *t = &top->pci;

	add_key(di, KEY_RID(t->segment, IOMMU_PCI_RID(t->bus, t->devfn)));
	pci_name(p, a, sizeof(a));
	pci_name(t, b, sizeof(b));
	if (top != dev) {
		bool pci_bridge = t->pcie_type == IOMMU_PCIE_PCI_BRIDGE ||
				  t->pcie_type == IOMMU_PCIE_NONE ||
				  t->pcie_type == IOMMU_PCIE_PCIE_BRIDGE;
		snprintf(di->reason, sizeof(di->reason),
			 pci_bridge ? "behind PCI bridge %s (requester IDs alias to the bridge)"
				    : "below %s, which is not isolated by ACS", b);
	}

	/* DMA aliases of the topmost device (quirks). */
	/* The count may exceed what was stored (Intel VCA: 160 devfns). */
	na = iu_min(pciq_dma_aliases(t, aliases, (int)ARRAY_SIZE(aliases)), (int)ARRAY_SIZE(aliases));
	for (int i = 0; i < na; i++)
		add_key(di, KEY_RID(t->segment, IOMMU_PCI_RID(t->bus, aliases[i])));
	if (na > 0 && top == dev)
		snprintf(di->reason, sizeof(di->reason), "%s has DMA alias quirks", b);
	/* Our own aliases, so that a device at such a devfn joins us. */
	if (top != dev) {
		na = iu_min(pciq_dma_aliases(p, aliases, (int)ARRAY_SIZE(aliases)),
			    (int)ARRAY_SIZE(aliases));
		for (int i = 0; i < na; i++)
			add_key(di, KEY_RID(p->segment, IOMMU_PCI_RID(p->bus, aliases[i])));
	}

	/* Functions of one multifunction device without ACS share. */
	if (t->multifunction && !acs_enabled(top, IOMMU_PCI_ACS_REQ)) {
		add_key(di, KEY_SLOT(t->segment, t->bus, IOMMU_PCI_SLOT(t->devfn)));
		if (top == dev)
			snprintf(di->reason, sizeof(di->reason),
				 "multifunction device %04x:%02x:%02x without ACS",
				 t->segment, t->bus, IOMMU_PCI_SLOT(t->devfn));
	}
	if (!di->reason[0]) {
		snprintf(di->reason, sizeof(di->reason), "%s",
			 on_root_bus(dev) ? "root-bus function, isolated"
					  : "isolated by ACS up to the root port");
		di->reason_alone = true;
	}
}

static void compute_keys(struct iommu_dev *dev, struct dev_iommu *di, unsigned int policy)
{
	unsigned int pol = policy & ~IOMMU_GROUP_SHARE_IDS;

	di->nkeys = 0;
	di->reason[0] = 0;
	di->reason_alone = false;
	if (pol == IOMMU_GROUP_PCI && dev->is_pci)
		pci_keys(dev, di);
	if (policy & IOMMU_GROUP_SHARE_IDS) {
		for (unsigned int i = 0; i < di->nids; i++)
			add_key(di, KEY_ID(di->ids[i]));
		if (!di->reason[0])
			snprintf(di->reason, sizeof(di->reason), "stream ID 0x%x (devices with one stream ID share a group)",
				 di->nids ? di->ids[0] : 0);
	}
	if (pol == IOMMU_GROUP_PER_INSTANCE)
		snprintf(di->reason, sizeof(di->reason), "one group per IOMMU instance (driver policy)");
	else if (!di->reason[0])
		snprintf(di->reason, sizeof(di->reason), "one group per device (driver policy)");
}

/* ------------------------------------------------------------------ */
/* Group objects                                                      */

struct iommu_group *group_get(struct iommu_group *group)
{
	__atomic_add_fetch(&group->refcount, 1, __ATOMIC_RELAXED);
	return group;
}

static struct iommu_group *group_alloc(struct iommu_device *iommu)
{
	struct iommu_core *core = ctx_core(iommu->ctx);
	struct iommu_group *g = iu_zalloc(sizeof(*g));

	if (!g)
		return NULL;
	g->ctx = iommu->ctx;
	g->refcount = 1;		/* dropped when the last device leaves */
	iu_mutex_init(&g->mutex, &group_lock_class);
	iu_list_init(&g->devices);
	g->iommu = iommu;
	iommu_device_get_ref(iommu);
	iu_mutex_lock(&core->lock);
	g->id = core->next_group_id++;
	iu_list_add_tail(&g->node, &core->groups);
	iu_mutex_unlock(&core->lock);
	return g;
}

IOMMU_EXPORT void iommu_group_put(struct iommu_group *g)
{
	struct iommu_core *core;

	if (!g || __atomic_sub_fetch(&g->refcount, 1, __ATOMIC_ACQ_REL))
		return;
	core = ctx_core(g->ctx);
	iu_mutex_lock(&core->lock);
	iu_list_del(&g->node);
	iu_mutex_unlock(&core->lock);
	iommu_device_put_ref(g->iommu);
	iu_mutex_destroy(&g->mutex);
	iu_free(g);
}

static void group_update_reason(struct iommu_group *g)
{
	struct dev_iommu *di;
	size_t len = 0;

	g->reason[0] = 0;
	iu_list_for_each(di, &g->devices, group_node) {
		if (g->ndevs > 1 && di->reason_alone)
			continue;	/* says why it is alone, not why it shares */
		if (strstr(g->reason, di->reason))
			continue;
		len = strlen(g->reason);
		snprintf(g->reason + len, sizeof(g->reason) - len, "%s%s", len ? "; " : "", di->reason);
	}
}

/*
 * The key index: (instance, key) -> the group that holds the key, with how
 * many members publish it. A key belongs to at most one group per instance
 * (two groups sharing a key are merged), so a lookup is one hash probe and
 * adding a device costs the same with 10 or 100000 devices present.
 * core->lock protects it.
 */
struct key_ent {
	struct iu_list node;
	const struct iommu_device *iommu;
	uint64_t key;
	struct iommu_group *group;
	unsigned int count;
};

static size_t key_hash(const struct iommu_core *core, const struct iommu_device *iommu, uint64_t key)
{
	/* splitmix64's finaliser: keys differ only in a few low bits. */
	uint64_t h = key ^ (uint64_t)(uintptr_t)iommu;

	h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
	h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
	h ^= h >> 31;
	return (size_t)h & (core->key_nbuckets - 1);
}

static struct key_ent *key_find(struct iommu_core *core, const struct iommu_device *iommu, uint64_t key)
{
	struct key_ent *e;

	if (!core->key_nbuckets)
		return NULL;
	iu_list_for_each(e, &core->key_buckets[key_hash(core, iommu, key)], node)
		if (e->key == key && e->iommu == iommu)
			return e;
	return NULL;
}

static void key_grow(struct iommu_core *core)
{
	size_t n = core->key_nbuckets ? core->key_nbuckets * 2 : 256;
	struct iu_list *nb = iu_calloc(n, sizeof(*nb)), *old = core->key_buckets;
	size_t oldn = core->key_nbuckets;

	if (!nb)
		return;			/* keep the smaller table: slower, still right */
	for (size_t i = 0; i < n; i++)
		iu_list_init(&nb[i]);
	core->key_buckets = nb;
	core->key_nbuckets = n;
	for (size_t i = 0; i < oldn; i++) {
		struct key_ent *e, *t;

		iu_list_for_each_safe(e, t, &old[i], node) {
			iu_list_del(&e->node);
			iu_list_add(&e->node, &core->key_buckets[key_hash(core, e->iommu, e->key)]);
		}
	}
	iu_free(old);
}

/* Publish @di's keys for @g. core->lock held. Returns 0 or -ENOMEM (nothing published). */
static int keys_publish(struct iommu_core *core, struct dev_iommu *di, struct iommu_group *g)
{
	unsigned int i;

	if (core->key_count >= core->key_nbuckets)
		key_grow(core);
	if (!core->key_nbuckets)
		return -ENOMEM;
	for (i = 0; i < di->nkeys; i++) {
		struct key_ent *e = key_find(core, di->iommu, di->keys[i]);

		if (e) {
			e->count++;
			e->group = g;
			continue;
		}
		e = iu_zalloc(sizeof(*e));
		if (!e)
			goto err_unpublish;
		e->iommu = di->iommu;
		e->key = di->keys[i];
		e->group = g;
		e->count = 1;
		iu_list_add(&e->node, &core->key_buckets[key_hash(core, e->iommu, e->key)]);
		core->key_count++;
	}
	return 0;

err_unpublish:
	while (i--) {
		struct key_ent *e = key_find(core, di->iommu, di->keys[i]);

		if (--e->count == 0) {
			iu_list_del(&e->node);
			iu_free(e);
			core->key_count--;
		}
	}
	return -ENOMEM;
}

static void keys_unpublish(struct iommu_core *core, struct dev_iommu *di)
{
	for (unsigned int i = 0; i < di->nkeys; i++) {
		struct key_ent *e = key_find(core, di->iommu, di->keys[i]);

		if (e && --e->count == 0) {
			iu_list_del(&e->node);
			iu_free(e);
			core->key_count--;
		}
	}
}

/* Point @di's keys at @g (after a merge moved it). core->lock held. */
static void keys_repoint(struct iommu_core *core, struct dev_iommu *di, struct iommu_group *g)
{
	for (unsigned int i = 0; i < di->nkeys; i++) {
		struct key_ent *e = key_find(core, di->iommu, di->keys[i]);

		if (e)
			e->group = g;
	}
}

void core_keys_fini(struct iommu_core *core)
{
	for (size_t i = 0; i < core->key_nbuckets; i++) {
		struct key_ent *e, *t;

		iu_list_for_each_safe(e, t, &core->key_buckets[i], node)
			iu_free(e);
	}
	iu_free(core->key_buckets);
	core->key_buckets = NULL;
	core->key_nbuckets = 0;
}

/* Insert in add order, so "the group's first device" does not depend on probe order. */
static void group_link_dev(struct iommu_group *g, struct dev_iommu *di)
{
	struct iu_list *pos = &g->devices;

	for (struct iu_list *l = g->devices.next; l != &g->devices; l = l->next) {
		struct dev_iommu *m = iu_list_entry(l, struct dev_iommu, group_node);

		if (m->dev->seq > di->dev->seq) {
			pos = l;
			break;
		}
	}
	iu_list_add_tail(&di->group_node, pos);
	g->ndevs++;
}

static void group_unlink_dev(struct iommu_group *g, struct dev_iommu *di)
{
	iu_list_del(&di->group_node);
	g->ndevs--;
}

/*
 * Move every member of @from into @to (both unowned, on their default
 * domains). Probe lock held, no group mutex held.
 */
static int group_merge(struct iommu_group *to, struct iommu_group *from)
{
	struct dev_iommu *di, *tmp;
	struct iu_list moving;
	int ret = 0;

	iu_list_init(&moving);
	iu_mutex_lock(&from->mutex);
	if (from->owner_cnt || from->domain != from->default_domain) {
		iu_mutex_unlock(&from->mutex);
		return -EBUSY;
	}
	iu_list_for_each_safe(di, tmp, &from->devices, group_node) {
		group_unlink_dev(from, di);
		iu_list_add_tail(&di->group_node, &moving);
	}
	from->dma_users = 0;
	group_free_domains(from);
	iu_mutex_unlock(&from->mutex);

	iu_mutex_lock(&to->mutex);
	iu_list_for_each_safe(di, tmp, &moving, group_node) {
		iu_list_del(&di->group_node);
		group_link_dev(to, di);
		di->group = group_get(to);
		to->dma_users += di->dma_users;
		iu_mutex_lock(&ctx_core(to->ctx)->lock);
		keys_repoint(ctx_core(to->ctx), di, to);
		iu_mutex_unlock(&ctx_core(to->ctx)->lock);
		if (group_attach_dev(to, di->dev) && !ret)
			ret = -EIO;	/* the device stays in the group, unattached */
		iommu_group_put(from);	/* the member's reference */
	}
	group_update_reason(to);
	iu_mutex_unlock(&to->mutex);
	return ret;
}

int group_add_device(struct iommu_dev *dev)
{
	struct dev_iommu *di = dev->iommu;
	struct iommu_device *iommu = di->iommu;
	struct iommu_core *core = ctx_core(dev->ctx);
	struct iommu_group *found[8], *g;
	unsigned int nfound = 0;
	unsigned int policy = iommu->ops->group_policy;
	bool fresh = false;
	int ret;

	iu_assert_held(&core->probe_lock);
	di->dev = dev;
	compute_keys(dev, di, policy);

	iu_mutex_lock(&core->lock);
	if ((policy & ~IOMMU_GROUP_SHARE_IDS) == IOMMU_GROUP_PER_INSTANCE) {
		if (iommu->instance_group)
			found[nfound++] = group_get(iommu->instance_group);
	} else {
		for (unsigned int i = 0; i < di->nkeys; i++) {
			struct key_ent *e = key_find(core, iommu, di->keys[i]);
			bool dup = false;

			if (!e)
				continue;
			for (unsigned int k = 0; k < nfound; k++)
				dup |= found[k] == e->group;
			if (!dup && nfound < ARRAY_SIZE(found))
				found[nfound++] = group_get(e->group);
		}
		/* Merge into the oldest group, whatever order the keys came in. */
		for (unsigned int a = 1; a < nfound; a++)
			for (unsigned int b = a; b > 0 && found[b]->id < found[b - 1]->id; b--) {
				struct iommu_group *t = found[b];
				found[b] = found[b - 1];
				found[b - 1] = t;
			}
	}
	iu_mutex_unlock(&core->lock);

	if (!nfound) {
		g = group_alloc(iommu);
		if (!g)
			return -ENOMEM;
		fresh = true;
		if ((policy & ~IOMMU_GROUP_SHARE_IDS) == IOMMU_GROUP_PER_INSTANCE)
			iommu->instance_group = g;
	} else {
		/* found[0] is the oldest: it survives. */
		g = found[0];
		for (unsigned int i = 1; i < nfound; i++) {
			ret = group_merge(g, found[i]);
			iommu_group_put(found[i]);
			found[i] = NULL;
			if (ret) {
				base_event(dev->ctx, IOMMU_EV_NOTE, dev,
					   "cannot merge groups: one is in use", ret);
				for (unsigned int j = i + 1; j < nfound; j++)
					iommu_group_put(found[j]);
				iommu_group_put(g);
				return ret;
			}
		}
	}

	iu_mutex_lock(&g->mutex);
	iu_mutex_lock(&core->lock);
	ret = keys_publish(core, di, g);
	iu_mutex_unlock(&core->lock);
	if (ret) {
		iu_mutex_unlock(&g->mutex);
		goto err_put;
	}
	di->group = g;			/* takes over our reference */
	group_link_dev(g, di);
	if (fresh) {
		ret = group_setup_default_domain(g);
		if (ret)
			goto err_unlink;
	} else {
		ret = group_attach_dev(g, dev);
		if (ret)
			goto err_unlink;
	}
	group_update_reason(g);
	iu_mutex_unlock(&g->mutex);
	base_event(dev->ctx, IOMMU_EV_GROUP, dev, g->reason, (int)g->id);
	return 0;

err_unlink:
	group_unlink_dev(g, di);
	iu_mutex_lock(&core->lock);
	keys_unpublish(core, di);
	iu_mutex_unlock(&core->lock);
	di->group = NULL;
	if (!g->ndevs)
		group_free_domains(g);
	iu_mutex_unlock(&g->mutex);
err_put:
	if (!g->ndevs && iommu->instance_group == g)
		iommu->instance_group = NULL;
	iommu_group_put(g);
	return ret;
}

void group_remove_device(struct iommu_dev *dev)
{
	struct dev_iommu *di = dev->iommu;
	struct iommu_group *g = di->group;
	struct iommu_device *iommu = di->iommu;

	if (!g)
		return;
	iu_mutex_lock(&g->mutex);
	group_unlink_dev(g, di);
	g->dma_users -= di->dma_users;
	di->dma_users = 0;
	iu_mutex_lock(&ctx_core(dev->ctx)->lock);
	keys_unpublish(ctx_core(dev->ctx), di);
	iu_mutex_unlock(&ctx_core(dev->ctx)->lock);
	group_update_reason(g);
	if (!g->ndevs)
		group_free_domains(g);
	iu_mutex_unlock(&g->mutex);
	if (!g->ndevs && iommu->instance_group == g)
		iommu->instance_group = NULL;
	di->group = NULL;
	iommu_group_put(g);
}

/* ------------------------------------------------------------------ */
/* Accessors                                                          */

IOMMU_EXPORT struct iommu_group *iommu_group_get(struct iommu_dev *dev)
{
	struct iommu_group *g = NULL;

	if (!dev)
		return NULL;
	/*
	 * dev->iommu changes only under both the device lock and the probe lock;
	 * the probe lock is enough to read it, and unlike the device lock it may
	 * be taken from a driver's probe (which holds the device lock).
	 */
	iu_mutex_lock(&ctx_core(dev->ctx)->probe_lock);
	if (dev->iommu && dev->iommu->group)
		g = group_get(dev->iommu->group);
	iu_mutex_unlock(&ctx_core(dev->ctx)->probe_lock);
	return g;
}

IOMMU_EXPORT unsigned int iommu_group_id(const struct iommu_group *g)
{
	return g ? g->id : 0;
}

IOMMU_EXPORT const char *iommu_group_reason(const struct iommu_group *g)
{
	return g ? g->reason : "";
}

IOMMU_EXPORT struct iommu_device *iommu_group_iommu(const struct iommu_group *g)
{
	return g ? g->iommu : NULL;
}

IOMMU_EXPORT int iommu_group_for_each_dev(struct iommu_group *g,
					  int (*fn)(struct iommu_dev *dev, void *arg), void *arg)
{
	struct dev_iommu *di;
	int ret = 0;

	if (!g || !fn)
		return -EINVAL;
	iu_mutex_lock(&g->mutex);
	iu_list_for_each(di, &g->devices, group_node) {
		ret = fn(di->dev, arg);
		if (ret)
			break;
	}
	iu_mutex_unlock(&g->mutex);
	return ret;
}

IOMMU_EXPORT unsigned int iommu_group_count(struct iommu_group *g)
{
	unsigned int n;

	if (!g)
		return 0;
	iu_mutex_lock(&g->mutex);
	n = g->ndevs;
	iu_mutex_unlock(&g->mutex);
	return n;
}

IOMMU_EXPORT int iommu_for_each_group(struct iommu_ctx *ctx,
				      int (*fn)(struct iommu_group *group, void *arg), void *arg)
{
	struct iommu_core *core;
	struct iommu_group **arr, *g;
	size_t n = 0, cap = 0;
	int ret = 0;

	if (!ctx || !fn)
		return -EINVAL;
	core = ctx_core(ctx);
	iu_mutex_lock(&core->lock);
	iu_list_for_each(g, &core->groups, node)
		cap++;
	arr = iu_calloc(cap ? cap : 1, sizeof(*arr));
	if (!arr) {
		iu_mutex_unlock(&core->lock);
		return -ENOMEM;
	}
	iu_list_for_each(g, &core->groups, node)
		if (g->ndevs)
			arr[n++] = group_get(g);
	iu_mutex_unlock(&core->lock);
	for (size_t i = 0; i < n; i++) {
		if (!ret)
			ret = fn(arr[i], arg);
		iommu_group_put(arr[i]);
	}
	iu_free(arr);
	return ret;
}
