// SPDX-License-Identifier: MIT
/*
 * The probe thread pool (probe_threads > 0): iommu_dev_add() queues the
 * device's probe, and deferred retries are queued as passes, so tests can
 * run probes concurrently with adds, deletes and each other.
 * iommu_ctx_settle() waits until the queue is empty and every worker idle.
 */
#include "base_priv.h"

__thread struct iommu_ctx *base_worker_ctx;

static bool pool_idle_locked(const struct iommu_ctx *ctx)
{
	return !ctx->busy && iu_list_empty(&ctx->work) && !ctx->retry_queued;
}

static void *worker(void *arg)
{
	struct iommu_ctx *ctx = arg;

	base_worker_ctx = ctx;
	iu_mutex_lock(&ctx->lock);
	while (!ctx->stopping) {
		struct iommu_dev *dev = iu_list_first(&ctx->work, struct iommu_dev, work_node);

		if (dev) {
			iu_list_del(&dev->work_node);
			dev->work_queued = false;
			ctx->busy++;
			iu_mutex_unlock(&ctx->lock);
			(void)base_attach(dev);
			iommu_dev_put(dev);		/* the queue's */
			iu_mutex_lock(&ctx->lock);
			ctx->busy--;
		} else if (ctx->retry_queued) {
			ctx->retry_queued = false;
			ctx->busy++;
			iu_mutex_unlock(&ctx->lock);
			base_retry_pass(ctx);
			iu_mutex_lock(&ctx->lock);
			ctx->busy--;
		} else {
			iu_cond_wait(&ctx->work_cv, &ctx->lock);
			continue;
		}
		if (pool_idle_locked(ctx))
			pthread_cond_broadcast(&ctx->idle_cv);
	}
	iu_mutex_unlock(&ctx->lock);
	return NULL;
}

int base_pool_start(struct iommu_ctx *ctx, unsigned int n)
{
	if (!n)
		return 0;
	ctx->threads = iu_calloc(n, sizeof(*ctx->threads));
	if (!ctx->threads)
		return -ENOMEM;
	for (unsigned int i = 0; i < n; i++) {
		if (pthread_create(&ctx->threads[i], NULL, worker, ctx)) {
			base_pool_stop(ctx);
			return -EAGAIN;
		}
		ctx->nthreads++;
	}
	return 0;
}

/* Join the workers and drop what is still queued. */
void base_pool_stop(struct iommu_ctx *ctx)
{
	struct iommu_dev *dev;

	if (!ctx->threads)
		return;
	iu_mutex_lock(&ctx->lock);
	ctx->stopping = true;
	pthread_cond_broadcast(&ctx->work_cv);
	iu_mutex_unlock(&ctx->lock);
	for (unsigned int i = 0; i < ctx->nthreads; i++)
		pthread_join(ctx->threads[i], NULL);
	iu_free(ctx->threads);
	ctx->threads = NULL;

	iu_mutex_lock(&ctx->lock);
	ctx->nthreads = 0;
	ctx->retry_queued = false;
	while ((dev = iu_list_first(&ctx->work, struct iommu_dev, work_node))) {
		iu_list_del(&dev->work_node);
		dev->work_queued = false;
		iu_mutex_unlock(&ctx->lock);
		iommu_dev_put(dev);
		iu_mutex_lock(&ctx->lock);
	}
	iu_mutex_unlock(&ctx->lock);
}

void base_pool_queue_probe(struct iommu_dev *dev)
{
	struct iommu_ctx *ctx = dev->ctx;

	iu_mutex_lock(&ctx->lock);
	if (!dev->work_queued && dev->state == DEV_PRESENT) {
		iu_list_add_tail(&dev->work_node, &ctx->work);
		dev->work_queued = true;
		iommu_dev_get(dev);		/* the queue's */
		pthread_cond_signal(&ctx->work_cv);
	}
	iu_mutex_unlock(&ctx->lock);
}

void base_pool_queue_retry_locked(struct iommu_ctx *ctx)
{
	if (ctx->retry_queued || ctx->stopping)
		return;
	ctx->retry_queued = true;
	pthread_cond_signal(&ctx->work_cv);
}
