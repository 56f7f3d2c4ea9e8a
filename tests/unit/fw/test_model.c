// SPDX-License-Identifier: MIT
/*
 * Unit tests of the topology model: the mock's described instances it is
 * built on.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "iommu/iommu.h"
#include "iommu/mock.h"

/* ---- described instances (include/iommu/mock.h) ---- */

static unsigned int probed, released;

static int refuse_id7(void *arg, struct iommu_dev *dev, const uint32_t *ids, unsigned int nids)
{
	(void)dev;
	assert_ptr_equal(arg, &probed);
	probed++;
	for (unsigned int i = 0; i < nids; i++)
		if (ids[i] == 7)
			return -EBUSY;
	return 0;
}

static void count_release(void *arg, struct iommu_dev *dev)
{
	(void)arg;
	(void)dev;
	released++;
}

static int described_probe(struct iommu_dev *dev)
{
	const struct iommu_mock_desc desc = {
		.name = "test-smmu", .group_policy = IOMMU_GROUP_PER_DEVICE | IOMMU_GROUP_SHARE_IDS,
		.probe_device = refuse_id7, .release_device = count_release, .arg = &probed,
	};

	return iommu_mock_probe_described(dev, &desc);
}

static void test_described_instance(void **state)
{
	static const char *const compat[] = { "test,described", NULL };
	struct iommu_driver drv = { .name = "described", .bus = &iommu_platform_bus,
				    .compatible = compat, .probe = described_probe,
				    .remove = iommu_mock_remove_described };
	const struct iommu_mock_desc bad = { .name = "x", .group_policy = 9 };
	const char *names[] = { "a", "b", "c" };
	const uint32_t ids[] = { 5, 5, 7 };
	struct iommu_fwnode *fw[3], *ifw;
	struct iommu_dev *dev[3], *idev;
	struct iommu_ctx *ctx;
	struct iommu_group *ga, *gb;

	(void)state;
	probed = released = 0;
	assert_int_equal(iommu_mock_probe_described(NULL, &bad), -EINVAL);
	assert_int_equal(iommu_ctx_new(NULL, &ctx), 0);
	assert_int_equal(iommu_ctx_set_default_domain_type(ctx, IOMMU_DOMAIN_IDENTITY), 0);
	assert_int_equal(iommu_fwnode_new(ctx, "smmu", &ifw), 0);
	for (int i = 0; i < 3; i++) {
		struct iommu_dev_info info = { .name = names[i], .bus = &iommu_platform_bus };

		assert_int_equal(iommu_fwnode_new(ctx, names[i], &fw[i]), 0);
		info.fwnode = fw[i];
		assert_int_equal(iommu_fw_bind(ctx, fw[i], ifw, &ids[i], 1), 0);
		assert_int_equal(iommu_dev_new(ctx, &info, &dev[i]), 0);
		assert_int_equal(iommu_dev_add(dev[i]), 0);
	}
	struct iommu_dev_info ii = { .name = "smmu", .bus = &iommu_platform_bus, .fwnode = ifw,
				     .compatible = "test,described" };
	assert_int_equal(iommu_dev_new(ctx, &ii, &idev), 0);
	assert_int_equal(iommu_dev_add(idev), 0);
	assert_int_equal(iommu_mock_probe_described(idev, &bad), -EINVAL);
	assert_int_equal(iommu_driver_register(ctx, &drv), 0);

	assert_non_null(iommu_dev_iommu(dev[0]));
	assert_string_equal(iommu_device_driver_name(iommu_dev_iommu(dev[0])), "test-smmu");
	assert_int_equal(probed, 3);
	assert_null(iommu_dev_iommu(dev[2]));		/* the hook refused ID 7 */
	ga = iommu_group_get(dev[0]);
	gb = iommu_group_get(dev[1]);
	assert_non_null(ga);
	assert_ptr_equal(ga, gb);			/* shared stream ID 5 */
	iommu_group_put(ga);
	iommu_group_put(gb);
	assert_int_equal(iommu_driver_unregister(ctx, &drv), 0);
	assert_int_equal(released, 2);			/* only the accepted ones */
	for (int i = 0; i < 3; i++)
		iommu_dev_put(dev[i]);
	iommu_dev_put(idev);
	iommu_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_described_instance),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
