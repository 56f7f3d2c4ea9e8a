// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "iommu/mem.h"
#include "util/util.h"

static void test_bad_args(void **state)
{
	struct iommu_mem *m = NULL;
	uint64_t pa;

	(void)state;
	assert_int_equal(iommu_mem_new(0, 0, &m), -EINVAL);
	assert_int_equal(iommu_mem_new(0x100, 1 << 20, &m), -EINVAL);
	assert_int_equal(iommu_mem_new(0, (1 << 20) + 1, &m), -EINVAL);
	assert_int_equal(iommu_mem_new(0, 1 << 20, NULL), -EINVAL);
	assert_int_equal(iommu_mem_new(~0ull & ~0xfffull, 1 << 20, &m), -EINVAL);
	assert_null(m);
	assert_int_equal(iommu_mem_new(0x80000000, 1 << 20, &m), 0);
	assert_int_equal(iommu_mem_alloc(m, 0, &pa), -EINVAL);
	assert_int_equal(iommu_mem_alloc(m, 4096 + 1, &pa), -EINVAL);
	assert_int_equal(iommu_mem_alloc(m, 2048, &pa), -EINVAL);
	assert_int_equal(iommu_mem_alloc(m, 4096, NULL), -EINVAL);
	assert_int_equal(iommu_mem_alloc(NULL, 4096, &pa), -EINVAL);
	assert_int_equal(iommu_mem_pages_in_use(m), 0);
	assert_int_equal(iommu_mem_release(m, 0x80000000, 4096), -EINVAL);	/* never allocated */
	assert_int_equal(iommu_mem_read(m, 0x7ffff000, &pa, 8), -EFAULT);
	assert_int_equal(iommu_mem_read(m, 0x80000000 + (1 << 20) - 4, &pa, 8), -EFAULT);
	assert_null(iommu_mem_ptr(m, 0x80000000, 0));
	assert_null(iommu_mem_ptr(m, ~0ull - 2, 8));
	iommu_mem_free(m);
	iommu_mem_free(NULL);
}

static void test_alloc_align_zero_reuse(void **state)
{
	struct iommu_mem *m;
	uint64_t a, b, c, d;
	uint8_t *p;

	(void)state;
	assert_int_equal(iommu_mem_new(0x40001000, 64 << 20, &m), 0);
	assert_int_equal(iommu_mem_alloc(m, 4096, &a), 0);
	assert_int_equal(iommu_mem_alloc(m, 65536, &b), 0);
	assert_true(IS_ALIGNED(a, 4096));
	assert_true(IS_ALIGNED(b, 65536));
	assert_int_equal(iommu_mem_pages_in_use(m), 17);
	p = iommu_mem_ptr(m, b, 65536);
	assert_non_null(p);
	memset(p, 0xab, 65536);
	assert_int_equal(iommu_mem_release(m, b, 65536), 0);
	assert_int_equal(iommu_mem_release(m, b, 65536), -EINVAL);	/* double free */
	assert_int_equal(iommu_mem_alloc(m, 65536, &c), 0);
	assert_int_equal(c, b);						/* recycled ... */
	for (int i = 0; i < 65536; i++)
		assert_int_equal(p[i], 0);				/* ... and zeroed */
	assert_int_equal(iommu_mem_release(m, c, 4096), -EINVAL);	/* wrong size */
	assert_int_equal(iommu_mem_write(m, a + 4090, "hello", 6), 0);
	char buf[6];
	assert_int_equal(iommu_mem_read(m, a + 4090, buf, 6), 0);
	assert_string_equal(buf, "hello");
	assert_int_equal(iommu_mem_release(m, a, 4096), 0);
	assert_int_equal(iommu_mem_release(m, c, 65536), 0);
	assert_int_equal(iommu_mem_pages_in_use(m), 0);
	/* Exhaustion is -ENOMEM, not a crash. */
	int n = 0, ret;
	while ((ret = iommu_mem_alloc(m, 1 << 20, &d)) == 0)
		n++;
	assert_int_equal(ret, -ENOMEM);
	assert_true(n >= 62 && n <= 64);
	iommu_mem_free(m);
}

static void test_alloc_failure_leaves_nothing(void **state)
{
	struct iommu_mem *m = NULL;
	long live = iu_alloc_live();

	(void)state;
	for (unsigned long nth = 1; nth < 4; nth++) {
		iu_fail_nth(nth);
		int ret = iommu_mem_new(0, 1 << 20, &m);
		iu_fail_nth(0);
		if (ret == 0) {
			iommu_mem_free(m);
			m = NULL;
		} else {
			assert_int_equal(ret, -ENOMEM);
		}
		assert_int_equal(iu_alloc_live(), live);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_args),
		cmocka_unit_test(test_alloc_align_zero_reuse),
		cmocka_unit_test(test_alloc_failure_leaves_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
