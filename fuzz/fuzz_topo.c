// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the firmware front ends, built once per parser.
 * FUZZ_NAME names the input in diagnostics; each build starts from its
 * parser's seeds, and the sniffing in iommu_topo_add_buffer() routes them.
 *
 * With FUZZ_ACPI_SIG ("IORT", "DMAR", ...) the target keeps every mutated
 * input on that table's parser: it writes the signature, the length and a
 * valid checksum into the header, so the parser sees the body instead of
 * stopping at a checksum the fuzzer would almost never get right. (The
 * "acpi" build, without it, exercises the header checks.)
 *
 * Every input goes through iommu_topo_finish(), so the model (the IOMMU
 * core forming the groups of whatever the parser accepted) is fuzzed too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "iommu/topo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct iommu_topo *t;
	const uint8_t *in = data;
	uint8_t *copy = NULL;

#ifdef FUZZ_ACPI_SIG
	if (size >= 36 && size <= UINT32_MAX) {
		uint8_t sum = 0;

		copy = malloc(size);
		if (!copy)
			return 0;
		memcpy(copy, data, size);
		memcpy(copy, FUZZ_ACPI_SIG, 4);
		copy[4] = (uint8_t)size;
		copy[5] = (uint8_t)(size >> 8);
		copy[6] = (uint8_t)(size >> 16);
		copy[7] = (uint8_t)(size >> 24);
		copy[9] = 0;
		for (size_t i = 0; i < size; i++)
			sum = (uint8_t)(sum + copy[i]);
		copy[9] = (uint8_t)-sum;
		in = copy;
	}
#endif
	if (iommu_topo_new(&t)) {
		free(copy);
		return 0;
	}
	iommu_topo_add_buffer(t, FUZZ_NAME, in, size);
	iommu_topo_finish(t);
	for (size_t i = 0; i < iommu_topo_master_count(t); i++) {
		const struct iommu_topo_master *m = iommu_topo_master(t, i);

		for (unsigned int r = 0; r < m->nrefs; r++)
			for (unsigned int c = 0; c < m->refs[r].nspecs * m->refs[r].ncells; c++)
				(void)*(volatile const uint32_t *)&m->refs[r].cells[c];
	}
	for (size_t i = 0; i < iommu_topo_group_count(t); i++) {
		const struct iommu_topo_group *g = iommu_topo_group(t, i);

		for (unsigned int d = 0; d < g->ndevices; d++)
			(void)iommu_topo_master(t, g->devices[d])->id[0];
	}
	iommu_topo_free(t);
	free(copy);
	return 0;
}
