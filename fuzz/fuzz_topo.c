// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the firmware front ends. Built once per parser with
 * FUZZ_PREFIX selecting the input kind, so each run starts from that
 * parser's corpus: the sniffing in iommu_topo_add_buffer() routes inputs,
 * and the prefix keeps mutated inputs on the intended parser when the
 * fuzzer breaks the magic.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "iommu/topo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct iommu_topo *t;

	if (iommu_topo_new(&t))
		return 0;
	iommu_topo_add_buffer(t, FUZZ_NAME, data, size);
	iommu_topo_finish(t);
	for (size_t i = 0; i < iommu_topo_master_count(t); i++) {
		const struct iommu_topo_master *m = iommu_topo_master(t, i);

		for (unsigned int r = 0; r < m->nrefs; r++)
			for (unsigned int c = 0; c < m->refs[r].nspecs * m->refs[r].ncells; c++)
				(void)*(volatile const uint32_t *)&m->refs[r].cells[c];
	}
	iommu_topo_free(t);
	return 0;
}
