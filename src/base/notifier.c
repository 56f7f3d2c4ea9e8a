// SPDX-License-Identifier: MIT
/*
 * Bus notifiers. Registered notifiers are chained through their priv_link
 * words ([0] next, [1] prev) so that registering never allocates; the first
 * one's prev is its context, so a registered notifier always has a non-NULL
 * priv_link[1] and cannot be registered a second time anywhere. Callbacks
 * run in registration order with no device lock held; unregistering waits
 * until no callback is running, so a notifier is never called after its
 * unregistration returned (the caller may free it then).
 */
#include "base_priv.h"

__thread unsigned int base_notify_depth;

static struct iommu_notifier *nb_next(const struct iommu_notifier *nb)
{
	return nb->priv_link[0];
}

static struct iommu_notifier *nb_prev(const struct iommu_ctx *ctx, const struct iommu_notifier *nb)
{
	return nb->priv_link[1] == (const void *)ctx ? NULL : nb->priv_link[1];
}

static bool nb_registered_locked(const struct iommu_ctx *ctx, const struct iommu_notifier *nb)
{
	for (const struct iommu_notifier *p = ctx->notifiers; p; p = nb_next(p))
		if (p == nb)
			return true;
	return false;
}

IOMMU_EXPORT int iommu_bus_notifier_register(struct iommu_ctx *ctx,
					     const struct iommu_bus_type *bus,
					     struct iommu_notifier *nb)
{
	int ret = 0;

	if (!ctx || !nb || !nb->call)
		return -EINVAL;
	iu_mutex_lock(&ctx->lock);
	if (nb->priv_link[1]) {		/* here, or in another context */
		ret = -EEXIST;
		goto out_unlock;
	}
	nb->priv_bus = bus;
	nb->priv_link[0] = NULL;
	nb->priv_link[1] = ctx->notifiers_tail ? (void *)ctx->notifiers_tail : (void *)ctx;
	if (ctx->notifiers_tail)
		ctx->notifiers_tail->priv_link[0] = nb;
	else
		ctx->notifiers = nb;
	ctx->notifiers_tail = nb;
out_unlock:
	iu_mutex_unlock(&ctx->lock);
	return ret;
}

IOMMU_EXPORT int iommu_bus_notifier_unregister(struct iommu_ctx *ctx, struct iommu_notifier *nb)
{
	struct iommu_notifier *next, *prev;
	int ret = 0;

	if (!ctx || !nb)
		return -EINVAL;
	/* Waiting for running callbacks from inside one would never end. */
	if (base_notify_depth)
		return -EBUSY;
	iu_mutex_lock(&ctx->lock);
	while (ctx->notifier_calls && nb_registered_locked(ctx, nb))
		iu_cond_wait(&ctx->state_cv, &ctx->lock);
	if (!nb_registered_locked(ctx, nb)) {
		ret = -ENOENT;
		goto out_unlock;
	}
	next = nb_next(nb);
	prev = nb_prev(ctx, nb);
	if (prev)
		prev->priv_link[0] = next;
	else
		ctx->notifiers = next;
	if (next)
		next->priv_link[1] = nb->priv_link[1];	/* prev, or ctx for a new head */
	else
		ctx->notifiers_tail = prev;
	nb->priv_link[0] = nb->priv_link[1] = NULL;
	nb->priv_bus = NULL;
out_unlock:
	iu_mutex_unlock(&ctx->lock);
	return ret;
}

/* At iommu_ctx_free(): notifiers left registered may be registered again elsewhere. */
void base_notifiers_forget(struct iommu_ctx *ctx)
{
	struct iommu_notifier *nb = ctx->notifiers, *next;

	for (; nb; nb = next) {
		next = nb_next(nb);
		nb->priv_link[0] = nb->priv_link[1] = NULL;
		nb->priv_bus = NULL;
	}
	ctx->notifiers = ctx->notifiers_tail = NULL;
}

/*
 * Call every notifier of @dev's bus (and of all buses) for @action, in
 * registration order. No device lock may be held by the model here: the
 * callbacks take device locks themselves (the IOMMU core does).
 */
void base_notify(struct iommu_ctx *ctx, enum iommu_bus_action action, struct iommu_dev *dev)
{
	struct iommu_notifier *nb;

	iu_mutex_lock(&ctx->lock);
	ctx->notifier_calls++;
	for (nb = ctx->notifiers; nb; nb = nb_next(nb)) {
		int ret;

		if (nb->priv_bus && nb->priv_bus != dev->bus)
			continue;
		/* nb stays registered: unregistering waits for notifier_calls == 0. */
		iu_mutex_unlock(&ctx->lock);
		base_cb_depth++;
		base_notify_depth++;
		ret = nb->call(nb, action, dev);
		base_notify_depth--;
		base_cb_depth--;
		if (ret < 0 && action == IOMMU_BUS_ADD_DEVICE)
			base_event(ctx, IOMMU_EV_NOTE, dev, "bus notifier failed", ret);
		iu_mutex_lock(&ctx->lock);
	}
	if (--ctx->notifier_calls == 0)
		pthread_cond_broadcast(&ctx->state_cv);
	iu_mutex_unlock(&ctx->lock);
}
