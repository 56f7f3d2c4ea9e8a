// SPDX-License-Identifier: MIT
/*
 * Drivers: registration binds the new driver to every matching unbound
 * device (those a driver gave up on included), unregistration unbinds every
 * device bound to it. A driver may be loaded and unloaded any number of
 * times; each registration is its own struct drv_entry, freed by the
 * unregistration once no probe walk uses it.
 */
#include <string.h>
#include "base_priv.h"

/* Drop a walk's use of @e; the unregistration waits for the last. ctx->lock held. */
void base_entry_put_locked(struct iommu_ctx *ctx, struct drv_entry *e)
{
	if (--e->users == 0 && e->unlinked)
		pthread_cond_broadcast(&ctx->state_cv);
}

static struct drv_entry *entry_find_locked(struct iommu_ctx *ctx, const struct iommu_driver *drv)
{
	struct drv_entry *e;

	iu_list_for_each(e, &ctx->drivers, node)
		if (e->drv == drv)
			return e;
	return NULL;
}

IOMMU_EXPORT int iommu_driver_register(struct iommu_ctx *ctx, struct iommu_driver *drv)
{
	struct drv_entry *e, *x;
	struct iommu_dev **devs = NULL, *d;
	size_t n = 0;
	int ret = 0;

	if (!ctx || !drv || !drv->name || !*drv->name || !drv->probe || !drv->bus)
		return -EINVAL;
	e = iu_zalloc(sizeof(*e));

	iu_mutex_lock(&ctx->lock);
	if (!base_bus_known_locked(ctx, drv->bus)) {
		ret = -EINVAL;
		goto err_unlock;
	}
	iu_list_for_each(x, &ctx->drivers, node) {
		if (x->drv == drv || !strcmp(x->drv->name, drv->name)) {
			ret = -EEXIST;
			goto err_unlock;
		}
	}
	if (!e) {
		ret = -ENOMEM;
		goto err_unlock;
	}
	/*
	 * The devices to try, taken in the same critical section as the
	 * driver becomes visible: a device added later probes it itself.
	 */
	devs = iu_calloc(ctx->ndevices ? ctx->ndevices : 1, sizeof(*devs));
	if (!devs) {
		ret = -ENOMEM;
		goto err_unlock;
	}
	iu_list_for_each(d, &ctx->devices, node)
		if (d->state == DEV_PRESENT && d->bus == drv->bus && !d->driver)
			devs[n++] = iommu_dev_get(d);
	e->drv = drv;
	e->seq = ctx->next_drv_seq++;
	e->users = 1;				/* this walk's */
	iu_list_init(&e->bound);
	iu_list_add_tail(&e->node, &ctx->drivers);
	iu_mutex_unlock(&ctx->lock);

	for (size_t i = 0; i < n; i++) {
		if (!base_dev_is_bound(devs[i]) && base_bus_match(devs[i], drv))
			(void)base_driver_probe(devs[i], e);
	}
	base_put_array(devs, n);

	iu_mutex_lock(&ctx->lock);
	base_entry_put_locked(ctx, e);
	iu_mutex_unlock(&ctx->lock);
	base_retry_flush(ctx);
	return 0;

err_unlock:
	iu_mutex_unlock(&ctx->lock);
	iu_free(e);
	return ret;
}

/*
 * Unbind everything bound to @e (each device's consumers first) and wait for
 * walks still using it, then free it. @e is already off ctx->drivers, so no
 * new probe starts with it. Called with ctx->lock held; drops it meanwhile.
 */
static void entry_drain_locked(struct iommu_ctx *ctx, struct drv_entry *e)
{
	for (;;) {
		if (!iu_list_empty(&e->bound)) {
			struct iommu_dev *dev = iu_list_entry(e->bound.next, struct iommu_dev, bound_node);

			iommu_dev_get(dev);
			iu_mutex_unlock(&ctx->lock);
			(void)base_release(dev);
			iommu_dev_put(dev);
			iu_mutex_lock(&ctx->lock);
			continue;
		}
		if (!e->users)
			break;
		/* A walk may still bind a device to it: look again when it is done. */
		iu_cond_wait(&ctx->state_cv, &ctx->lock);
	}
}

IOMMU_EXPORT int iommu_driver_unregister(struct iommu_ctx *ctx, struct iommu_driver *drv)
{
	struct drv_entry *e;

	if (!ctx || !drv)
		return -EINVAL;
	iu_mutex_lock(&ctx->lock);
	e = entry_find_locked(ctx, drv);
	if (!e) {
		iu_mutex_unlock(&ctx->lock);
		return -ENOENT;
	}
	iu_list_del(&e->node);
	e->unlinked = true;
	entry_drain_locked(ctx, e);
	iu_mutex_unlock(&ctx->lock);
	iu_free(e);
	base_retry_flush(ctx);
	return 0;
}

/* At iommu_ctx_free(), devices gone: drivers nobody unregistered. */
void base_drivers_free(struct iommu_ctx *ctx)
{
	iu_mutex_lock(&ctx->lock);
	while (!iu_list_empty(&ctx->drivers)) {
		struct drv_entry *e = iu_list_entry(ctx->drivers.prev, struct drv_entry, node);

		iu_list_del(&e->node);
		e->unlinked = true;
		entry_drain_locked(ctx, e);
		iu_mutex_unlock(&ctx->lock);
		iu_free(e);
		iu_mutex_lock(&ctx->lock);
	}
	iu_mutex_unlock(&ctx->lock);
}
