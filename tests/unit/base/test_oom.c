// SPDX-License-Identifier: MIT
/*
 * Fail every allocation in turn during a realistic sequence: each call either
 * succeeds or returns -ENOMEM with its state unchanged, and nothing leaks.
 */
#include <stdio.h>
#include "helpers.h"

static int seq_step(int ret)
{
	if (ret)
		assert_int_equal(ret, -ENOMEM);
	return ret;
}

/* One run; returns how far it got (the number of steps that succeeded). */
static int sequence(unsigned int threads)
{
	struct iommu_ctx_opts o = { .probe_threads = threads };
	struct iommu_ctx *ctx = NULL;
	struct iommu_fwnode *fw = NULL;
	struct iommu_dev *parent = NULL, *child = NULL, *other = NULL;
	struct iommu_link *l = NULL;
	struct tdrv *t = tdrv_init(0, "drv", &iommu_platform_bus, NULL);
	struct iommu_dev_info info = { .bus = &iommu_platform_bus, .compatible = "drv" };
	int steps = 0;

	if (seq_step(iommu_ctx_new(&o, &ctx)))
		return steps;
	steps++;
	if (seq_step(iommu_fwnode_new(ctx, "/soc/parent", &fw))) {
		assert_null(iommu_fwnode_find(ctx, "/soc/parent"));
		goto out;
	}
	steps++;
	info.name = "parent";
	info.fwnode = fw;
	if (seq_step(iommu_dev_new(ctx, &info, &parent)))
		goto out;
	steps++;
	assert_int_equal(iommu_dev_add(parent), 0);	/* never allocates to fail */
	info.name = "child";
	info.fwnode = NULL;
	info.parent = parent;
	if (seq_step(iommu_dev_new(ctx, &info, &child)))
		goto out;
	steps++;
	assert_int_equal(iommu_dev_add(child), 0);
	info.name = "other";
	info.parent = NULL;
	if (seq_step(iommu_dev_new(ctx, &info, &other)))
		goto out;
	steps++;
	assert_int_equal(iommu_dev_add(other), 0);
	if (seq_step(iommu_link_add(child, other, &l))) {
		assert_int_equal(iommu_dev_supplier_count(child), 0);
		assert_int_equal(iommu_dev_consumer_count(other), 0);
		goto out;
	}
	steps++;
	if (seq_step(iommu_driver_register(ctx, &t->drv))) {
		assert_int_equal(iommu_driver_unregister(ctx, &t->drv), -ENOENT);
		assert_false(base_dev_is_bound(parent));
		goto out;
	}
	steps++;
	iommu_ctx_settle(ctx);
	assert_true(base_dev_is_bound(parent));
	assert_true(base_dev_is_bound(child));
	assert_int_equal(iommu_driver_unregister(ctx, &t->drv), 0);
	if (seq_step(iommu_driver_register(ctx, &t->drv)))
		goto out;
	steps++;
	iommu_link_del(l);
	l = NULL;
	assert_int_equal(iommu_dev_del(child), 0);
out:
	iommu_link_del(l);
	iommu_dev_put(child);
	iommu_dev_put(other);
	iommu_dev_put(parent);
	iommu_ctx_free(ctx);
	return steps;
}

static void run_fail_nth(unsigned int threads)
{
	long live = iu_alloc_live();
	int full, steps;
	unsigned long n, hits;

	full = sequence(threads);
	assert_int_equal(iu_alloc_live(), live);
	for (n = 1;; n++) {
		iu_fail_nth(n);
		steps = sequence(threads);
		hits = iu_fail_hits();
		iu_fail_nth(0);
		assert_int_equal(iu_alloc_live(), live);
		if (!hits) {
			/* Past the last allocation: the run went through. */
			assert_int_equal(steps, full);
			break;
		}
		assert_true(steps <= full);
	}
	print_message("%lu allocation points failed in turn (threads %u)\n", n - 1, threads);
	assert_true(n > 8);
}

static void test_fail_nth_sync(void **state)
{
	(void)state;
	run_fail_nth(0);
}

static void test_fail_nth_pool(void **state)
{
	(void)state;
	run_fail_nth(2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fail_nth_sync, tbase_setup, tbase_teardown),
		cmocka_unit_test_setup_teardown(test_fail_nth_pool, tbase_setup, tbase_teardown),
	};

	return cmocka_run_group_tests_name("base-oom", tests, NULL, NULL);
}
