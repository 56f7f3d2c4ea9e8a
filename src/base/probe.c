// SPDX-License-Identifier: MIT
/*
 * Probing, deferral and unbinding.
 *
 * base_driver_probe() is the one place a driver binds: under the device lock
 * it checks that every supplier is bound, lets the IOMMU core configure DMA,
 * and calls the driver's probe(). A deferral puts the device on the deferred
 * list; every successful bind requests a retry of that list. The retry never
 * gives up and never recurses: in synchronous mode the outermost device-model
 * call on the thread runs passes until one binds nothing; with a thread pool
 * a pass is queued instead.
 *
 * base_release() unbinds: consumers first (they go back on the deferred list,
 * to re-probe when the supplier binds again), then the device's own driver.
 */
#include <stdio.h>
#include "base_priv.h"

__thread unsigned int base_cb_depth;

static bool is_defer(int err)
{
	/* Drivers written against Linux habits return the negative value. */
	return err == IOMMU_EPROBE_DEFER || err == -IOMMU_EPROBE_DEFER;
}

/* Queue @dev for retry: at the tail, once. ctx->lock held. */
void base_defer_locked(struct iommu_dev *dev)
{
	if (dev->deferred)
		return;
	iu_list_add_tail(&dev->deferred_node, &dev->ctx->deferred);
	BASE_STORE(dev->deferred, true);
}

void base_undefer_locked(struct iommu_dev *dev)
{
	if (!dev->deferred)
		return;
	iu_list_del(&dev->deferred_node);
	BASE_STORE(dev->deferred, false);
}

/* A supplier of @dev that is not bound, or being unbound; ctx->lock held. */
static struct iommu_dev *unready_supplier_locked(const struct iommu_dev *dev)
{
	const struct iommu_link *l;

	iu_list_for_each(l, &dev->suppliers, c_node)
		if (!l->supplier->driver || l->supplier->unbinding)
			return l->supplier;
	return NULL;
}

/**
 * base_driver_probe() - bind @dev to the driver of @e, if everything allows.
 * The caller holds references on @dev and a use of @e.
 *
 * Return: 0 (bound), IOMMU_EPROBE_DEFER (on the deferred list), -EBUSY
 * (already bound), BASE_PROBE_SKIP (device not present or still being added,
 * driver unregistered), or the error that failed the probe.
 */
int base_driver_probe(struct iommu_dev *dev, struct drv_entry *e)
{
	struct iommu_ctx *ctx = dev->ctx;
	struct iommu_driver *drv = e->drv;
	struct iommu_dev *sup;
	char why[160];
	int ret;

	iommu_dev_lock(dev);
	iu_mutex_lock(&ctx->lock);
	if (dev->state != DEV_PRESENT || dev->adding || e->unlinked) {
		ret = BASE_PROBE_SKIP;
		goto out_unlock_ctx;
	}
	if (dev->driver) {
		ret = -EBUSY;
		goto out_unlock_ctx;
	}
	sup = unready_supplier_locked(dev);
	if (sup) {
		/* The link holds the supplier: its name is safe to read here. */
		snprintf(why, sizeof(why), "waiting for supplier %s", sup->name);
		base_defer_locked(dev);
		BASE_STORE(dev->probe_failed, false);
		iu_mutex_unlock(&ctx->lock);
		base_event(ctx, IOMMU_EV_DEFER, dev, why, IOMMU_EPROBE_DEFER);
		ret = IOMMU_EPROBE_DEFER;
		goto out_unlock_dev;
	}
	/* Releasing a supplier waits for this probe to finish (see unbind_consumers). */
	dev->probing = true;
	iu_mutex_unlock(&ctx->lock);

	base_cb_depth++;
	ret = core_dma_configure(dev, drv);
	if (ret) {
		base_cb_depth--;
		if (is_defer(ret)) {
			/* The core reported why. */
			ret = IOMMU_EPROBE_DEFER;
			goto defer;
		}
		snprintf(why, sizeof(why), "%s: DMA configuration", drv->name);
		goto fail;
	}
	ret = drv->probe(dev);
	if (!ret) {
		base_cb_depth--;
		iu_mutex_lock(&ctx->lock);
		BASE_STORE(dev->driver, drv);
		dev->probing = false;
		iu_list_add_tail(&dev->bound_node, &e->bound);
		base_undefer_locked(dev);
		BASE_STORE(dev->probe_failed, false);
		iu_mutex_unlock(&ctx->lock);
		base_event(ctx, IOMMU_EV_BOUND, dev, drv->name, 0);
		iommu_dev_unlock(dev);
		base_notify(ctx, IOMMU_BUS_BOUND_DRIVER, dev);
		base_request_retry(ctx);	/* a supplier may have come up */
		return 0;
	}
	core_dma_cleanup(dev, drv);
	base_cb_depth--;
	dev->drvdata = NULL;
	if (is_defer(ret)) {
		ret = IOMMU_EPROBE_DEFER;
		snprintf(why, sizeof(why), "%s deferred its probe", drv->name);
		base_event(ctx, IOMMU_EV_DEFER, dev, why, ret);
		goto defer;
	}
	if (ret > 0)
		ret = -EINVAL;		/* not an errno: the driver is broken */
	snprintf(why, sizeof(why), "%s", drv->name);
fail:
	iu_mutex_lock(&ctx->lock);
	dev->probing = false;
	/* Given up on: retried only by a driver (re)registering or a reprobe. */
	base_undefer_locked(dev);
	BASE_STORE(dev->probe_failed, true);
	iu_mutex_unlock(&ctx->lock);
	base_event(ctx, IOMMU_EV_PROBE_FAIL, dev, why, ret);
	goto out_unlock_dev;

defer:
	iu_mutex_lock(&ctx->lock);
	dev->probing = false;
	base_defer_locked(dev);
	BASE_STORE(dev->probe_failed, false);
out_unlock_ctx:
	iu_mutex_unlock(&ctx->lock);
out_unlock_dev:
	iommu_dev_unlock(dev);
	return ret;
}

/**
 * base_attach() - find @dev a driver: every registered driver of its bus, in
 * registration order, until one binds. A failing probe lets the next
 * matching driver try (as Linux does); a deferral ends the walk.
 *
 * Return: 0, IOMMU_EPROBE_DEFER, -EBUSY (bound already), -ENODEV (no
 * matching driver, or the device went away), or the last probe error.
 */
int base_attach(struct iommu_dev *dev)
{
	struct iommu_ctx *ctx = dev->ctx;
	uint64_t next_seq = 0;
	int ret = -ENODEV;

	iu_mutex_lock(&ctx->lock);
	if (dev->driver) {
		iu_mutex_unlock(&ctx->lock);
		return -EBUSY;
	}
	while (dev->state == DEV_PRESENT) {
		struct drv_entry *e = NULL, *x;
		int r;

		/*
		 * The list may change while a probe runs unlocked: resume at the
		 * first driver registered after the one just tried.
		 */
		iu_list_for_each(x, &ctx->drivers, node) {
			if (x->seq >= next_seq && x->drv->bus == dev->bus) {
				e = x;
				break;
			}
		}
		if (!e)
			break;
		next_seq = e->seq + 1;
		e->users++;
		iu_mutex_unlock(&ctx->lock);
		r = base_bus_match(dev, e->drv) ? base_driver_probe(dev, e) : BASE_PROBE_SKIP;
		iu_mutex_lock(&ctx->lock);
		base_entry_put_locked(ctx, e);
		if (r == 0 || r == IOMMU_EPROBE_DEFER || r == -EBUSY) {
			ret = r;
			break;
		}
		if (r != BASE_PROBE_SKIP)
			ret = r;
	}
	iu_mutex_unlock(&ctx->lock);
	return ret;
}

/* A consumer of @dev bound or on its way to be. ctx->lock held. */
static struct iommu_dev *busy_consumer_locked(const struct iommu_dev *dev)
{
	const struct iommu_link *l;

	iu_list_for_each(l, &dev->consumers, s_node)
		if (l->consumer->driver || l->consumer->probing)
			return l->consumer;
	return NULL;
}

/*
 * Unbind every consumer of @dev. dev->unbinding is raised, so none can start
 * a probe meanwhile; one already probing is waited for by its device lock.
 */
static void unbind_consumers(struct iommu_dev *dev)
{
	struct iommu_ctx *ctx = dev->ctx;
	struct iommu_dev *c;

	iu_mutex_lock(&ctx->lock);
	while ((c = busy_consumer_locked(dev))) {
		iommu_dev_get(c);
		iu_mutex_unlock(&ctx->lock);
		if (base_release(c)) {
			/* Re-probe it when its supplier binds again. */
			iu_mutex_lock(&ctx->lock);
			if (c->state == DEV_PRESENT)
				base_defer_locked(c);
			iu_mutex_unlock(&ctx->lock);
		}
		iommu_dev_put(c);
		iu_mutex_lock(&ctx->lock);
	}
	iu_mutex_unlock(&ctx->lock);
}

/**
 * base_release() - unbind @dev: its consumers first (recursively), then its
 * driver's remove(), the core's DMA cleanup, the UNBOUND event and the
 * UNBOUND_DRIVER notifiers. The caller holds a reference on @dev.
 *
 * Return: true if this call unbound a driver from @dev.
 */
bool base_release(struct iommu_dev *dev)
{
	struct iommu_ctx *ctx = dev->ctx;
	const struct iommu_driver *drv;
	bool done = false;

	/* A probe in flight finishes first; then see whether there is anything to undo. */
	iommu_dev_lock(dev);
	drv = dev->driver;
	iommu_dev_unlock(dev);
	if (!drv)
		return false;

	iu_mutex_lock(&ctx->lock);
	dev->unbinding++;
	iu_mutex_unlock(&ctx->lock);
	for (;;) {
		unbind_consumers(dev);
		iommu_dev_lock(dev);
		iu_mutex_lock(&ctx->lock);
		if (busy_consumer_locked(dev)) {
			/* A link appeared from a bound consumer meanwhile: go again. */
			iu_mutex_unlock(&ctx->lock);
			iommu_dev_unlock(dev);
			continue;
		}
		drv = dev->driver;
		iu_mutex_unlock(&ctx->lock);
		if (!drv) {
			/* Someone else released it while we unbound consumers. */
			iommu_dev_unlock(dev);
			break;
		}
		base_cb_depth++;
		if (drv->remove)
			drv->remove(dev);
		iu_mutex_lock(&ctx->lock);
		BASE_STORE(dev->driver, NULL);
		iu_list_del(&dev->bound_node);
		iu_mutex_unlock(&ctx->lock);
		dev->drvdata = NULL;
		core_dma_cleanup(dev, drv);
		base_cb_depth--;
		base_event(ctx, IOMMU_EV_UNBOUND, dev, drv->name, 0);
		iommu_dev_unlock(dev);
		base_notify(ctx, IOMMU_BUS_UNBOUND_DRIVER, dev);
		done = true;
		break;
	}
	iu_mutex_lock(&ctx->lock);
	dev->unbinding--;
	iu_mutex_unlock(&ctx->lock);
	return done;
}

/* Ask for a deferred-probe retry; never runs it. Any lock but ctx->lock may be held. */
void base_request_retry(struct iommu_ctx *ctx)
{
	iu_mutex_lock(&ctx->lock);
	if (!ctx->teardown) {
		if (ctx->nthreads)
			base_pool_queue_retry_locked(ctx);
		else
			ctx->retry_requested = true;
	}
	iu_mutex_unlock(&ctx->lock);
}

/*
 * One pass: every device deferred so far, in the order it deferred. The
 * pass takes the whole list; a device that defers again goes back on the
 * (new) list, so the order holds across passes.
 */
void base_retry_pass(struct iommu_ctx *ctx)
{
	struct iu_list active;
	struct iommu_dev *dev;

	iu_list_init(&active);
	iu_mutex_lock(&ctx->lock);
	if (!iu_list_empty(&ctx->deferred)) {
		active.next = ctx->deferred.next;
		active.prev = ctx->deferred.prev;
		active.next->prev = &active;
		active.prev->next = &active;
		iu_list_init(&ctx->deferred);
	}
	/* Devices stay marked deferred while they wait on @active. */
	while ((dev = iu_list_first(&active, struct iommu_dev, deferred_node))) {
		iu_list_del(&dev->deferred_node);
		BASE_STORE(dev->deferred, false);
		iommu_dev_get(dev);
		iu_mutex_unlock(&ctx->lock);
		(void)base_attach(dev);
		iommu_dev_put(dev);
		iu_mutex_lock(&ctx->lock);
	}
	iu_mutex_unlock(&ctx->lock);
}

/*
 * Synchronous mode: run the requested retries now, unless this thread is
 * inside a callback or holds a device lock (then the outermost call will),
 * or another thread is running them (it will see the request).
 */
void base_retry_flush(struct iommu_ctx *ctx)
{
	if (ctx->nthreads || base_cb_depth || base_dev_lock_depth)
		return;
	iu_mutex_lock(&ctx->lock);
	if (!ctx->retry_requested || ctx->retrying) {
		iu_mutex_unlock(&ctx->lock);
		return;
	}
	ctx->retrying = true;
	/* A pass that binds something requests another: repeat while there is progress. */
	while (ctx->retry_requested && !ctx->teardown) {
		ctx->retry_requested = false;
		iu_mutex_unlock(&ctx->lock);
		base_retry_pass(ctx);
		iu_mutex_lock(&ctx->lock);
	}
	ctx->retrying = false;
	iu_mutex_unlock(&ctx->lock);
}

void base_trigger_deferred(struct iommu_ctx *ctx)
{
	if (!ctx)
		return;
	base_request_retry(ctx);
	base_retry_flush(ctx);
}

IOMMU_EXPORT int iommu_dev_reprobe(struct iommu_dev *dev)
{
	int ret;

	if (!dev)
		return -EINVAL;
	if (!iommu_dev_is_present(dev))
		return -ENODEV;
	ret = base_attach(dev);
	base_retry_flush(dev->ctx);
	return ret;
}

IOMMU_EXPORT int iommu_dev_unbind(struct iommu_dev *dev)
{
	int ret;

	if (!dev)
		return -EINVAL;
	ret = base_release(dev) ? 0 : -ENODEV;
	base_retry_flush(dev->ctx);
	return ret;
}
