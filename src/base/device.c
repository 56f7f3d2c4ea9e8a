// SPDX-License-Identifier: MIT
/*
 * Devices: creation, adding to and deleting from the machine, references,
 * lookups and accessors.
 *
 * References: iommu_dev_new() returns the caller's; iommu_dev_add() takes the
 * model's (dropped at the end of iommu_dev_del()); a child holds one on its
 * parent, a link one on each end, a queued probe one on its device. The last
 * put frees the device without touching the context, so a caller may put
 * its references after iommu_ctx_free().
 */
#include <string.h>
#include "base_priv.h"

static const struct iu_lock_class dev_lock_class = { "device", IU_RANK_DEVICE, true };

__thread unsigned int base_dev_lock_depth;

IOMMU_EXPORT void iommu_dev_lock(struct iommu_dev *dev)
{
	if (!dev)
		return;
	/* A device lock taken under another is a nested one (child under parent, say). */
	iu_mutex_lock_nested(&dev->lock, base_dev_lock_depth);
	base_dev_lock_depth++;
}

IOMMU_EXPORT void iommu_dev_unlock(struct iommu_dev *dev)
{
	if (!dev)
		return;
	base_dev_lock_depth--;
	iu_mutex_unlock(&dev->lock);
}

static void dev_free(struct iommu_dev *dev)
{
	iu_mutex_destroy(&dev->lock);
	iu_free(dev->compatible);
	iu_free(dev->name);
	iu_free(dev);
}

IOMMU_EXPORT struct iommu_dev *iommu_dev_get(struct iommu_dev *dev)
{
	if (dev)
		__atomic_add_fetch(&dev->refcount, 1, __ATOMIC_RELAXED);
	return dev;
}

IOMMU_EXPORT void iommu_dev_put(struct iommu_dev *dev)
{
	/* Iterative, so that a long chain of last references cannot exhaust the stack. */
	while (dev) {
		struct iommu_dev *parent = dev->parent;

		if (__atomic_sub_fetch(&dev->refcount, 1, __ATOMIC_ACQ_REL))
			return;
		dev_free(dev);
		dev = parent;	/* the child's reference on its parent */
	}
}

IOMMU_EXPORT int iommu_dev_new(struct iommu_ctx *ctx, const struct iommu_dev_info *info,
			       struct iommu_dev **out)
{
	struct iommu_dev *dev;
	bool is_pci;
	int ret;

	if (!ctx || !info || !out || !info->name || !*info->name || !info->bus)
		return -EINVAL;
	is_pci = info->bus == &iommu_pci_bus;
	if (is_pci && !info->pci)
		return -EINVAL;
	if (info->parent && info->parent->ctx != ctx)
		return -EINVAL;
	if (info->fwnode && info->fwnode->ctx != ctx)
		return -EINVAL;

	dev = iu_zalloc(sizeof(*dev));
	if (!dev)
		return -ENOMEM;
	dev->name = iu_strdup(info->name);
	if (!dev->name) {
		ret = -ENOMEM;
		goto err_free_dev;
	}
	if (info->compatible) {
		dev->compatible = iu_strdup(info->compatible);
		if (!dev->compatible) {
			ret = -ENOMEM;
			goto err_free_dev;
		}
	}
	dev->ctx = ctx;
	dev->bus = info->bus;
	dev->fwnode = info->fwnode;
	dev->is_pci = is_pci;
	if (is_pci)
		dev->pci = *info->pci;
	dev->refcount = 1;			/* the caller's */
	dev->state = DEV_NEW;
	iu_mutex_init(&dev->lock, &dev_lock_class);
	iu_list_init(&dev->node);
	iu_list_init(&dev->deferred_node);
	iu_list_init(&dev->suppliers);
	iu_list_init(&dev->consumers);
	iu_list_init(&dev->hname.node);
	iu_list_init(&dev->children);
	iu_list_init(&dev->child_node);
	iu_list_init(&dev->bound_node);
	iu_list_init(&dev->work_node);

	iu_mutex_lock(&ctx->lock);
	if (!base_bus_known_locked(ctx, info->bus) ||
	    (info->parent && info->parent->state != DEV_PRESENT)) {
		iu_mutex_unlock(&ctx->lock);
		ret = -EINVAL;
		goto err_free_dev;
	}
	/* A present parent is alive; the child's reference keeps it so. */
	dev->parent = iommu_dev_get(info->parent);
	iu_mutex_unlock(&ctx->lock);
	*out = dev;
	return 0;

err_free_dev:
	dev_free(dev);
	return ret;
}

IOMMU_EXPORT int iommu_dev_add(struct iommu_dev *dev)
{
	struct iommu_ctx *ctx;
	int ret = 0;

	if (!dev)
		return -EINVAL;
	ctx = dev->ctx;
	iommu_dev_lock(dev);
	iu_mutex_lock(&ctx->lock);
	if (dev->state != DEV_NEW) {
		ret = -EINVAL;
		goto out_unlock;
	}
	if (dev->parent && dev->parent->state != DEV_PRESENT) {
		ret = -ENODEV;
		goto out_unlock;
	}
	if (base_names_find(&ctx->dev_names, dev->name)) {
		ret = -EEXIST;
		goto out_unlock;
	}
	iu_list_add_tail(&dev->node, &ctx->devices);
	ctx->ndevices++;
	base_names_add(&ctx->dev_names, &dev->hname, dev->name);
	if (dev->parent)
		iu_list_add_tail(&dev->child_node, &dev->parent->children);
	dev->seq = ctx->next_seq++;
	iommu_dev_get(dev);			/* the model's, until iommu_dev_del() */
	/* Not probed, and not deleted, before the ADD notifiers have run. */
	dev->adding = true;
	BASE_STORE(dev->state, DEV_PRESENT);
out_unlock:
	iu_mutex_unlock(&ctx->lock);
	iommu_dev_unlock(dev);
	if (ret)
		return ret;

	base_event(ctx, IOMMU_EV_DEV_ADD, dev, dev->bus->name, 0);
	base_notify(ctx, IOMMU_BUS_ADD_DEVICE, dev);
	iu_mutex_lock(&ctx->lock);
	dev->adding = false;
	pthread_cond_broadcast(&ctx->state_cv);
	iu_mutex_unlock(&ctx->lock);

	if (ctx->nthreads)
		base_pool_queue_probe(dev);
	else
		(void)base_attach(dev);	/* no driver, deferred, failed: present either way */
	base_retry_flush(ctx);
	return 0;
}

/* Delete @dev's children, last added first, and wait for ones others are deleting. */
static void del_children(struct iommu_dev *dev)
{
	struct iommu_ctx *ctx = dev->ctx;

	iu_mutex_lock(&ctx->lock);
	while (!iu_list_empty(&dev->children)) {
		struct iommu_dev *c = iu_list_entry(dev->children.prev, struct iommu_dev, child_node);

		if (c->state != DEV_PRESENT) {
			/* Another thread is deleting it: it leaves the list when dead. */
			iu_cond_wait(&ctx->state_cv, &ctx->lock);
			continue;
		}
		iommu_dev_get(c);
		iu_mutex_unlock(&ctx->lock);
		iommu_dev_del(c);
		iommu_dev_put(c);
		iu_mutex_lock(&ctx->lock);
	}
	iu_mutex_unlock(&ctx->lock);
}

IOMMU_EXPORT int iommu_dev_del(struct iommu_dev *dev)
{
	struct iommu_ctx *ctx;
	bool put_work = false;
	int ret;

	if (!dev)
		return -EINVAL;
	ctx = dev->ctx;
	iommu_dev_lock(dev);
	iu_mutex_lock(&ctx->lock);
	if (dev->state != DEV_PRESENT) {
		ret = dev->state == DEV_NEW ? -EINVAL : -ENODEV;
		iu_mutex_unlock(&ctx->lock);
		iommu_dev_unlock(dev);
		return ret;
	}
	/* From here no child can be added, no link made, no probe start. */
	BASE_STORE(dev->state, DEV_DYING);
	iu_mutex_unlock(&ctx->lock);
	iommu_dev_unlock(dev);
	/* The ADD notifiers take the device lock: wait for them without it. */
	iu_mutex_lock(&ctx->lock);
	while (dev->adding)
		iu_cond_wait(&ctx->state_cv, &ctx->lock);
	iu_mutex_unlock(&ctx->lock);

	del_children(dev);
	(void)base_release(dev);		/* consumers first, then its own driver */
	base_notify(ctx, IOMMU_BUS_DEL_DEVICE, dev);
	base_links_remove(dev);

	iommu_dev_lock(dev);
	iu_mutex_lock(&ctx->lock);
	iu_list_del(&dev->node);
	ctx->ndevices--;
	base_names_del(&ctx->dev_names, &dev->hname);
	iu_list_del(&dev->child_node);
	base_undefer_locked(dev);
	if (dev->work_queued) {
		iu_list_del(&dev->work_node);
		dev->work_queued = false;
		put_work = true;
	}
	BASE_STORE(dev->probe_failed, false);
	BASE_STORE(dev->state, DEV_DEAD);
	pthread_cond_broadcast(&ctx->state_cv);
	iu_mutex_unlock(&ctx->lock);
	iommu_dev_unlock(dev);

	if (put_work)
		iommu_dev_put(dev);		/* the queued probe's */
	base_event(ctx, IOMMU_EV_DEV_DEL, dev, NULL, 0);
	iommu_dev_put(dev);			/* the model's, taken by iommu_dev_add() */
	base_retry_flush(ctx);
	return 0;
}

IOMMU_EXPORT struct iommu_dev *iommu_dev_find(struct iommu_ctx *ctx, const char *name)
{
	struct iommu_dev *dev = NULL;
	struct base_name *e;

	if (!ctx || !name)
		return NULL;
	iu_mutex_lock(&ctx->lock);
	e = base_names_find(&ctx->dev_names, name);
	if (e) {
		struct iommu_dev *d = container_of(e, struct iommu_dev, hname);

		if (d->state == DEV_PRESENT)
			dev = iommu_dev_get(d);
	}
	iu_mutex_unlock(&ctx->lock);
	return dev;
}

int base_snapshot(struct iommu_ctx *ctx, struct iommu_dev ***devs, size_t *n)
{
	struct iommu_dev **arr, *d;
	size_t i = 0;

	iu_mutex_lock(&ctx->lock);
	arr = iu_calloc(ctx->ndevices ? ctx->ndevices : 1, sizeof(*arr));
	if (!arr) {
		iu_mutex_unlock(&ctx->lock);
		return -ENOMEM;
	}
	iu_list_for_each(d, &ctx->devices, node)
		if (d->state == DEV_PRESENT)
			arr[i++] = iommu_dev_get(d);
	iu_mutex_unlock(&ctx->lock);
	*devs = arr;
	*n = i;
	return 0;
}

void base_put_array(struct iommu_dev **devs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		iommu_dev_put(devs[i]);
	iu_free(devs);
}

IOMMU_EXPORT int iommu_dev_for_each(struct iommu_ctx *ctx,
				    int (*fn)(struct iommu_dev *dev, void *arg), void *arg)
{
	struct iommu_dev **devs;
	size_t n;
	int ret;

	if (!ctx || !fn)
		return -EINVAL;
	ret = base_snapshot(ctx, &devs, &n);
	if (ret)
		return ret;
	for (size_t i = 0; i < n && !ret; i++)
		if (iommu_dev_is_present(devs[i]))	/* fn may have deleted it */
			ret = fn(devs[i], arg);
	base_put_array(devs, n);
	return ret;
}

bool base_dev_is_bound(const struct iommu_dev *dev)
{
	return BASE_LOAD(dev->driver) != NULL;
}

/* Accessors: no lock, a snapshot of the value. */

IOMMU_EXPORT const char *iommu_dev_name(const struct iommu_dev *dev)
{
	return dev ? dev->name : "";
}

IOMMU_EXPORT struct iommu_ctx *iommu_dev_ctx(const struct iommu_dev *dev)
{
	return dev ? dev->ctx : NULL;
}

IOMMU_EXPORT struct iommu_dev *iommu_dev_parent(const struct iommu_dev *dev)
{
	return dev ? dev->parent : NULL;
}

IOMMU_EXPORT const struct iommu_bus_type *iommu_dev_bus(const struct iommu_dev *dev)
{
	return dev ? dev->bus : NULL;
}

IOMMU_EXPORT struct iommu_fwnode *iommu_dev_fwnode(const struct iommu_dev *dev)
{
	return dev ? dev->fwnode : NULL;
}

IOMMU_EXPORT const char *iommu_dev_compatible(const struct iommu_dev *dev)
{
	return dev ? dev->compatible : NULL;
}

IOMMU_EXPORT const struct iommu_pci_info *iommu_dev_pci(const struct iommu_dev *dev)
{
	return dev && dev->is_pci ? &dev->pci : NULL;
}

IOMMU_EXPORT const struct iommu_driver *iommu_dev_driver(const struct iommu_dev *dev)
{
	return dev ? BASE_LOAD(dev->driver) : NULL;
}

IOMMU_EXPORT bool iommu_dev_is_present(const struct iommu_dev *dev)
{
	return dev && BASE_LOAD(dev->state) == DEV_PRESENT;
}

IOMMU_EXPORT bool iommu_dev_is_deferred(const struct iommu_dev *dev)
{
	return dev && BASE_LOAD(dev->deferred);
}

IOMMU_EXPORT bool iommu_dev_probe_failed(const struct iommu_dev *dev)
{
	return dev && BASE_LOAD(dev->probe_failed);
}

IOMMU_EXPORT void *iommu_dev_drvdata(const struct iommu_dev *dev)
{
	return dev ? dev->drvdata : NULL;
}

IOMMU_EXPORT void iommu_dev_set_drvdata(struct iommu_dev *dev, void *data)
{
	if (dev)
		dev->drvdata = data;
}
