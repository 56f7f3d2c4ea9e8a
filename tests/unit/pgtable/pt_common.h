/* SPDX-License-Identifier: MIT */
/* Shared by the page-table test programs: the variant matrix and checks. */
#ifndef PT_COMMON_H
#define PT_COMMON_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "iommu/pgtable.h"
#include "util/util.h"

#define RAM_BASE	0x40000000ull
#define RAM_SIZE	(512ull << 20)

#define SZ_4K	0x1000ull
#define SZ_16K	0x4000ull
#define SZ_64K	0x10000ull
#define SZ_2M	0x200000ull
#define SZ_1G	0x40000000ull

struct pt_variant {
	struct iommu_pgtable_cfg cfg;
	char name[48];
};

/* The self-test matrix: every format x granule x address size. */
static inline size_t pt_variants(struct pt_variant *v, size_t max)
{
	static const uint32_t arm_as[] = { 32, 36, 40, 42, 44, 48 };
	static const uint32_t arm_gr[] = { 4096, 16384, 65536 };
	size_t n = 0;

#define PT_ADD(f, g, i, o, fl) do { \
		if (n < max) { \
			v[n].cfg = (struct iommu_pgtable_cfg){ .fmt = (f), .granule = (g), \
				.ias = (i), .oas = (o), .flags = (fl) }; \
			snprintf(v[n].name, sizeof(v[n].name), "%s/%uK/ias%u/oas%u%s", \
				 iommu_pgtable_fmt_name(f), (g) / 1024, (i), (o), \
				 ((fl) & IOMMU_PGTABLE_F_DYNAMIC_TOP) ? "/dyn" : ""); \
			n++; \
		} } while (0)
	for (int s = 0; s < 2; s++)
		for (size_t g = 0; g < ARRAY_SIZE(arm_gr); g++)
			for (size_t a = 0; a < ARRAY_SIZE(arm_as); a++)
				PT_ADD(s ? IOMMU_PGTABLE_ARM_S2 : IOMMU_PGTABLE_ARM_S1,
				       arm_gr[g], arm_as[a], arm_as[a], 0);
	PT_ADD(IOMMU_PGTABLE_X86_64, 4096, 39, 48, 0);
	PT_ADD(IOMMU_PGTABLE_X86_64, 4096, 47, 52, 0);
	PT_ADD(IOMMU_PGTABLE_X86_64, 4096, 56, 48, 0);
	PT_ADD(IOMMU_PGTABLE_VTD_SS, 4096, 39, 48, 0);
	PT_ADD(IOMMU_PGTABLE_VTD_SS, 4096, 48, 52, 0);
	PT_ADD(IOMMU_PGTABLE_VTD_SS, 4096, 57, 48, 0);
	PT_ADD(IOMMU_PGTABLE_AMD_V1, 4096, 39, 48, 0);
	PT_ADD(IOMMU_PGTABLE_AMD_V1, 4096, 48, 52, 0);
	PT_ADD(IOMMU_PGTABLE_AMD_V1, 4096, 57, 48, 0);
	PT_ADD(IOMMU_PGTABLE_AMD_V1, 4096, 64, 48, 0);
	PT_ADD(IOMMU_PGTABLE_AMD_V1, 4096, 64, 48, IOMMU_PGTABLE_F_DYNAMIC_TOP);
#undef PT_ADD
	return n;
}

/* Iteration scale: smaller under sanitizers (and IOMMU_TEST_SCALE=percent). */
static inline uint64_t pt_scale(uint64_t n)
{
	const char *s = getenv("IOMMU_TEST_SCALE");
	uint64_t pct = 100;

#if defined(__SANITIZE_ADDRESS__)
	pct = 10;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
	pct = 10;
#endif
#endif
	if (s && *s)
		pct = strtoull(s, NULL, 10);
	n = n * pct / 100;
	return n ? n : 1;
}

/* TLB callbacks that count. */
struct pt_tlb_count {
	unsigned long flush_all, flush_walk, add_page, change_top;
	void *last_gather;
	uint64_t top_root;
	unsigned int top_levels;
};

static inline void pt_cb_flush_all(void *cookie)
{
	((struct pt_tlb_count *)cookie)->flush_all++;
}

static inline void pt_cb_flush_walk(uint64_t iova, uint64_t size, uint64_t granule, void *cookie)
{
	(void)iova; (void)size; (void)granule;
	((struct pt_tlb_count *)cookie)->flush_walk++;
}

static inline void pt_cb_add_page(void *gather, uint64_t iova, uint64_t granule, void *cookie)
{
	struct pt_tlb_count *c = cookie;

	(void)iova; (void)granule;
	c->add_page++;
	c->last_gather = gather;
}

static inline void pt_cb_change_top(void *cookie, uint64_t root, unsigned int levels)
{
	struct pt_tlb_count *c = cookie;

	c->change_top++;
	c->top_root = root;
	c->top_levels = levels;
}

static const struct iommu_pgtable_tlb_ops pt_tlb_ops = {
	.flush_all = pt_cb_flush_all,
	.flush_walk = pt_cb_flush_walk,
	.add_page = pt_cb_add_page,
	.change_top = pt_cb_change_top,
};

static inline uint64_t pt_last_iova(const struct iommu_pgtable *pt)
{
	struct iommu_pgtable_info info;

	iommu_pgtable_info(pt, &info);
	return info.ias >= 64 ? ~0ull : (1ull << info.ias) - 1;
}

/* The walker must agree with iova_to_phys: translated to @pa, or a fault. */
static inline void pt_check(struct iommu_mem *mem, const struct iommu_pgtable *pt, uint64_t iova,
			    bool mapped, uint64_t pa)
{
	struct iommu_pgtable_hw hw;
	struct iommu_pgtable_walk_result r;
	uint64_t got = 0;
	int ret = iommu_pgtable_iova_to_phys(pt, iova, &got);

	assert_int_equal(iommu_pgtable_hw_get(pt, &hw), 0);
	if (!mapped) {
		if (ret != -ENOENT)
			fail_msg("iova %#llx: iova_to_phys %d (pa %#llx), expected unmapped",
				 (unsigned long long)iova, ret, (unsigned long long)got);
		assert_int_equal(iommu_pgtable_walk((struct iommu_mem *)mem, &hw, iova,
						    IOMMU_PGTABLE_ACC_READ | IOMMU_PGTABLE_ACC_PRIV, &r),
				 -EFAULT);
		/* ADDR_SIZE: beyond what the current levels reach (AMD dynamic top) */
		if (r.fault != IOMMU_PGTABLE_FAULT_TRANSLATION && r.fault != IOMMU_PGTABLE_FAULT_ADDR_SIZE)
			fail_msg("iova %#llx: walker fault %s, expected translation",
				 (unsigned long long)iova, iommu_pgtable_fault_name(r.fault));
		return;
	}
	if (ret || got != pa)
		fail_msg("iova %#llx: iova_to_phys %d pa %#llx, expected %#llx",
			 (unsigned long long)iova, ret, (unsigned long long)got,
			 (unsigned long long)pa);
	ret = iommu_pgtable_walk((struct iommu_mem *)mem, &hw, iova,
				 IOMMU_PGTABLE_ACC_READ | IOMMU_PGTABLE_ACC_PRIV, &r);
	if (ret || r.pa != pa)
		fail_msg("iova %#llx: walk %d fault %s pa %#llx, expected %#llx",
			 (unsigned long long)iova, ret, iommu_pgtable_fault_name(r.fault),
			 (unsigned long long)r.pa, (unsigned long long)pa);
}

/* RAM pages held == linked tables + cached tables. */
static inline void pt_check_pages(struct iommu_mem *mem, const struct iommu_pgtable *pt)
{
	struct iommu_pgtable_info info;

	assert_int_equal(iommu_pgtable_info(pt, &info), 0);
	assert_int_equal(iommu_mem_pages_in_use(mem), info.table_pages + info.cached_pages);
}

#endif
