// SPDX-License-Identifier: MIT
/*
 * Contexts: one modelled machine. Creation registers the built-in buses and
 * lets the IOMMU core set itself up (it registers the first bus notifier);
 * teardown deletes every device, last added first, so children go before
 * their parents and consumers are unbound before their suppliers.
 */
#include "base_priv.h"

#define BASE_MAX_THREADS	64
#define BASE_NAME_BUCKETS	64

static const struct iu_lock_class ctx_lock_class = { "ctx", IU_RANK_LEAF, false };
/* Below every leaf lock: events may be reported under any lock. */
static const struct iu_lock_class event_lock_class = { "ctx-event", IU_RANK_LEAF + 1, false };

static void ctx_init_sync(struct iommu_ctx *ctx)
{
	iu_mutex_init(&ctx->lock, &ctx_lock_class);
	iu_mutex_init(&ctx->event_lock, &event_lock_class);
	pthread_cond_init(&ctx->state_cv, NULL);
	pthread_cond_init(&ctx->work_cv, NULL);
	pthread_cond_init(&ctx->idle_cv, NULL);
}

static void ctx_fini_sync(struct iommu_ctx *ctx)
{
	pthread_cond_destroy(&ctx->idle_cv);
	pthread_cond_destroy(&ctx->work_cv);
	pthread_cond_destroy(&ctx->state_cv);
	iu_mutex_destroy(&ctx->event_lock);
	iu_mutex_destroy(&ctx->lock);
}

IOMMU_EXPORT int iommu_ctx_new(const struct iommu_ctx_opts *opts, struct iommu_ctx **out)
{
	static const struct iommu_ctx_opts defaults;
	struct iommu_ctx *ctx;
	int ret;

	if (!out)
		return -EINVAL;
	if (!opts)
		opts = &defaults;
	if (opts->flags || opts->probe_threads > BASE_MAX_THREADS)
		return -EINVAL;

	ctx = iu_zalloc(sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	ctx_init_sync(ctx);
	iu_list_init(&ctx->devices);
	iu_list_init(&ctx->drivers);
	iu_list_init(&ctx->buses);
	iu_list_init(&ctx->fwnodes);
	iu_list_init(&ctx->deferred);
	iu_list_init(&ctx->dead_links);
	iu_list_init(&ctx->work);
	ctx->mem = opts->mem;

	ret = base_names_init(&ctx->dev_names, BASE_NAME_BUCKETS);
	if (ret)
		goto err_free_ctx;
	ret = base_names_init(&ctx->fwnode_names, BASE_NAME_BUCKETS);
	if (ret)
		goto err_fini_dev_names;
	ret = base_bus_add(ctx, &iommu_platform_bus);
	if (ret)
		goto err_free_buses;
	ret = base_bus_add(ctx, &iommu_pci_bus);
	if (ret)
		goto err_free_buses;
	ret = core_ctx_init(ctx);
	if (ret)
		goto err_free_buses;
	ret = base_pool_start(ctx, opts->probe_threads);
	if (ret)
		goto err_core_fini;
	*out = ctx;
	return 0;

err_core_fini:
	core_ctx_fini(ctx);
err_free_buses:
	base_buses_free(ctx);
	base_names_fini(&ctx->fwnode_names);
err_fini_dev_names:
	base_names_fini(&ctx->dev_names);
err_free_ctx:
	ctx_fini_sync(ctx);
	iu_free(ctx);
	return ret;
}

/* The last-added device still present, with a reference, or NULL when none is left. */
static struct iommu_dev *last_present(struct iommu_ctx *ctx)
{
	struct iommu_dev *dev = NULL;

	iu_mutex_lock(&ctx->lock);
	for (;;) {
		struct iu_list *p;

		for (p = ctx->devices.prev; p != &ctx->devices; p = p->prev) {
			struct iommu_dev *d = iu_list_entry(p, struct iommu_dev, node);

			if (d->state == DEV_PRESENT) {
				dev = iommu_dev_get(d);
				break;
			}
		}
		if (dev || iu_list_empty(&ctx->devices))
			break;
		/* Only dying devices left: someone else is deleting them. */
		iu_cond_wait(&ctx->state_cv, &ctx->lock);
	}
	iu_mutex_unlock(&ctx->lock);
	return dev;
}

IOMMU_EXPORT void iommu_ctx_free(struct iommu_ctx *ctx)
{
	struct iommu_dev *dev;

	if (!ctx)
		return;
	iommu_ctx_settle(ctx);
	iu_mutex_lock(&ctx->lock);
	ctx->teardown = true;		/* nothing is worth re-probing now */
	iu_mutex_unlock(&ctx->lock);

	/*
	 * Last added first: a child is always added after its parent, so
	 * this deletes children before parents.
	 */
	while ((dev = last_present(ctx))) {
		iommu_dev_del(dev);
		iommu_dev_put(dev);
	}
	/* Stop the pool before the core goes: no worker may call into it after. */
	iommu_ctx_settle(ctx);
	base_pool_stop(ctx);
	base_drivers_free(ctx);
	core_ctx_fini(ctx);
	base_notifiers_forget(ctx);
	base_dead_links_free(ctx);
	base_fwnodes_free(ctx);
	base_buses_free(ctx);
	base_names_fini(&ctx->fwnode_names);
	base_names_fini(&ctx->dev_names);
	ctx_fini_sync(ctx);
	iu_free(ctx);
}

IOMMU_EXPORT struct iommu_mem *iommu_ctx_mem(const struct iommu_ctx *ctx)
{
	return ctx ? ctx->mem : NULL;
}

IOMMU_EXPORT void iommu_ctx_settle(struct iommu_ctx *ctx)
{
	/* A probe thread waiting for its own pool to go idle would wait forever. */
	if (!ctx || !ctx->nthreads || base_worker_ctx == ctx)
		return;
	iu_mutex_lock(&ctx->lock);
	while (!iu_list_empty(&ctx->work) || ctx->retry_queued || ctx->busy)
		iu_cond_wait(&ctx->idle_cv, &ctx->lock);
	iu_mutex_unlock(&ctx->lock);
}

IOMMU_EXPORT int iommu_ctx_set_event_cb(struct iommu_ctx *ctx, iommu_event_fn fn, void *arg)
{
	if (!ctx)
		return -EINVAL;
	iu_mutex_lock(&ctx->event_lock);
	ctx->event_fn = fn;
	ctx->event_arg = fn ? arg : NULL;
	iu_mutex_unlock(&ctx->event_lock);
	return 0;
}

void base_event(struct iommu_ctx *ctx, enum iommu_event_type type,
		const struct iommu_dev *dev, const char *detail, int err)
{
	struct iommu_event ev = {
		.type = type,
		.dev = dev ? dev->name : NULL,
		.detail = detail,
		.err = err,
	};

	if (!ctx)
		return;
	iu_mutex_lock(&ctx->event_lock);
	if (ctx->event_fn)
		ctx->event_fn(ctx->event_arg, &ev);
	iu_mutex_unlock(&ctx->event_lock);
}
