// SPDX-License-Identifier: MIT
/*
 * Device links: @consumer needs @supplier. The probe path defers a consumer
 * while a supplier is unbound (probe.c), and releasing a supplier unbinds its
 * consumers first. A link holds a reference on each end and disappears with
 * either end; the handle given to the caller stays valid until the caller's
 * last iommu_link_del() (a link that lost an end waits on ctx->dead_links).
 */
#include "base_priv.h"

/* Does @dev need @target, directly or through other links? ctx->lock held. */
static bool depends_on_locked(const struct iommu_dev *dev, const struct iommu_dev *target)
{
	const struct iommu_link *l;

	if (dev == target)
		return true;
	iu_list_for_each(l, &dev->suppliers, c_node)
		if (depends_on_locked(l->supplier, target))
			return true;
	return false;
}

IOMMU_EXPORT int iommu_link_add(struct iommu_dev *consumer, struct iommu_dev *supplier,
				struct iommu_link **out)
{
	struct iommu_link *l, *nl;
	struct iommu_ctx *ctx;
	int ret = 0;

	if (!consumer || !supplier || !out || consumer == supplier ||
	    consumer->ctx != supplier->ctx)
		return -EINVAL;
	ctx = consumer->ctx;
	nl = iu_zalloc(sizeof(*nl));	/* before the lock; unused if the link exists */

	iu_mutex_lock(&ctx->lock);
	if (consumer->state != DEV_PRESENT || supplier->state != DEV_PRESENT) {
		ret = -ENODEV;
		goto out_unlock;
	}
	iu_list_for_each(l, &consumer->suppliers, c_node) {
		if (l->supplier == supplier) {
			l->count++;
			*out = l;
			goto out_unlock;
		}
	}
	/* The new edge closes a cycle if the supplier already needs the consumer. */
	if (depends_on_locked(supplier, consumer)) {
		ret = -EINVAL;
		goto out_unlock;
	}
	if (!nl) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	nl->ctx = ctx;
	nl->consumer = iommu_dev_get(consumer);	/* the link's references */
	nl->supplier = iommu_dev_get(supplier);
	nl->count = 1;
	iu_list_add_tail(&nl->c_node, &consumer->suppliers);
	iu_list_add_tail(&nl->s_node, &supplier->consumers);
	BASE_STORE(consumer->nsuppliers, consumer->nsuppliers + 1);
	BASE_STORE(supplier->nconsumers, supplier->nconsumers + 1);
	*out = nl;
	nl = NULL;
	iu_mutex_unlock(&ctx->lock);
	base_event(ctx, IOMMU_EV_LINK, consumer, supplier->name, 0);
	return 0;

out_unlock:
	iu_mutex_unlock(&ctx->lock);
	iu_free(nl);
	return ret;
}

/* Take @l off both ends; its references are the caller's to drop. ctx->lock held. */
static void unlink_locked(struct iommu_link *l)
{
	iu_list_del(&l->c_node);
	iu_list_del(&l->s_node);
	BASE_STORE(l->consumer->nsuppliers, l->consumer->nsuppliers - 1);
	BASE_STORE(l->supplier->nconsumers, l->supplier->nconsumers - 1);
}

IOMMU_EXPORT void iommu_link_del(struct iommu_link *link)
{
	struct iommu_dev *consumer, *supplier;
	struct iommu_ctx *ctx;
	bool retry;

	if (!link)
		return;
	ctx = link->ctx;
	iu_mutex_lock(&ctx->lock);
	if (--link->count) {
		iu_mutex_unlock(&ctx->lock);
		return;
	}
	if (link->dead) {
		iu_list_del(&link->c_node);	/* off ctx->dead_links */
		iu_mutex_unlock(&ctx->lock);
		iu_free(link);
		return;
	}
	unlink_locked(link);
	consumer = link->consumer;
	supplier = link->supplier;
	/* A consumer waiting for this supplier has one reason fewer to wait. */
	retry = consumer->deferred;
	iu_mutex_unlock(&ctx->lock);

	iommu_dev_put(consumer);
	iommu_dev_put(supplier);
	iu_free(link);
	if (retry)
		base_request_retry(ctx);
}

/* iommu_dev_del(): every link of @dev goes; handles with counts left go dead. */
void base_links_remove(struct iommu_dev *dev)
{
	struct iommu_ctx *ctx = dev->ctx;
	bool retry = false;

	iu_mutex_lock(&ctx->lock);
	for (;;) {
		struct iommu_dev *consumer, *supplier;
		struct iommu_link *l;

		l = iu_list_first(&dev->suppliers, struct iommu_link, c_node);
		if (!l)
			l = iu_list_first(&dev->consumers, struct iommu_link, s_node);
		if (!l)
			break;
		unlink_locked(l);
		consumer = l->consumer;
		supplier = l->supplier;
		if (consumer != dev && consumer->deferred)
			retry = true;
		l->consumer = l->supplier = NULL;
		l->dead = true;
		/* Callers still hold counts (every live link has one): keep the handle. */
		iu_list_add_tail(&l->c_node, &ctx->dead_links);
		iu_mutex_unlock(&ctx->lock);
		iommu_dev_put(consumer);
		iommu_dev_put(supplier);
		iu_mutex_lock(&ctx->lock);
	}
	iu_mutex_unlock(&ctx->lock);
	if (retry)
		base_request_retry(ctx);
}

/* At iommu_ctx_free(): handles nobody deleted. */
void base_dead_links_free(struct iommu_ctx *ctx)
{
	struct iommu_link *l, *n;

	iu_list_for_each_safe(l, n, &ctx->dead_links, c_node) {
		iu_list_del(&l->c_node);
		iu_free(l);
	}
}

IOMMU_EXPORT unsigned int iommu_dev_supplier_count(const struct iommu_dev *dev)
{
	return dev ? BASE_LOAD(dev->nsuppliers) : 0;
}

IOMMU_EXPORT unsigned int iommu_dev_consumer_count(const struct iommu_dev *dev)
{
	return dev ? BASE_LOAD(dev->nconsumers) : 0;
}
