// SPDX-License-Identifier: MIT
/*
 * The built-in machine of `iommu sim`: whatever order its drivers load in
 * (seeded), on a thread pool or not, it ends with the same groups, every
 * endpoint bound except the ones that must not be, and DMA that reaches
 * exactly what was mapped.
 */
#include <stdlib.h>
#include <string.h>
#include "helpers.h"
#include "machine.h"

static const char *const expected_partition =
	"0000:00:00.0 | 0000:00:01.0 | 0000:00:02.0 0000:06:00.0 0000:06:00.1 | 0000:00:03.0 | "
	"0000:00:04.0 | 0000:00:1f.0 0000:00:1f.2 0000:00:1f.3 | 0000:01:00.0 | 0000:02:00.0 | "
	"0000:02:01.0 | 0000:02:02.0 0000:05:00.0 | 0000:03:00.0 | 0000:04:00.0 0000:04:00.1 | "
	"0000:07:00.0 0000:08:01.0 0000:08:02.0 | display@54000000 | dma@52000000 | "
	"usb@53000000 usb@53100000";

static void boot_and_check(uint64_t seed, unsigned int threads)
{
	struct machine m;
	struct workload_result w;
	char *part;

	assert_int_equal(machine_create(&m, threads), 0);
	assert_int_equal(machine_register_drivers(&m, seed), 0);
	part = th_partition(m.ctx);
	if (strcmp(part, expected_partition))
		fail_msg("seed %llu: groups differ:\n  got  %s\n  want %s",
			 (unsigned long long)seed, part, expected_partition);
	free(part);
	/* 16 endpoints: 11 PCI, 5 platform (the untranslated one too). */
	assert_int_equal(machine_bound_endpoints(&m), 16);
	m.log_events = false;
	assert_int_equal(machine_workload(&m, 4, &w), 0);
	assert_int_equal(w.verify_errors, 0);
	assert_int_equal(w.expected_faults, 3);
	assert_int_equal(w.faults, w.expected_faults);
	assert_true(w.ops > 0);
	machine_destroy(&m);
}

static void test_every_seed_same_machine(void **state)
{
	(void)state;
	for (uint64_t seed = 0; seed < 24; seed++)
		boot_and_check(seed, 0);
}

static void test_thread_pool_probing(void **state)
{
	(void)state;
	for (uint64_t seed = 0; seed < 6; seed++)
		boot_and_check(seed, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_seed_same_machine),
		cmocka_unit_test(test_thread_pool_probing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
