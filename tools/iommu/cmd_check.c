// SPDX-License-Identifier: MIT
/*
 * iommu check FILE...: semantic diagnostics on firmware descriptions
 * (device tree, IORT, DMAR, IVRS, VIOT) and lspci dumps. Exit status 1 when
 * any diagnostic is an error or a file could not be parsed, 2 for a bad
 * command line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "iommu/topo.h"
#include "commands.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: iommu check [-q] FILE...\n"
		"  Prints one line per diagnostic: severity, code, location, message.\n"
		"  -q  print errors only\n");
}

int cmd_check(int argc, char **argv)
{
	struct iommu_topo *t;
	static const char *const flags[] = { "-q", NULL };
	char **files;
	unsigned int set;
	int ret;
	size_t cnt[3] = { 0, 0, 0 };
	int nfiles = 0, bad;
	bool quiet;

	ret = topo_parse_args(argc, argv, "check", flags, &set, usage, &files, &nfiles);
	if (ret >= 0)
		return ret;
	quiet = set & 1u;
	bad = topo_load(&t, "check", files, nfiles);
	free(files);
	if (bad < 0)
		return 1;
	for (size_t i = 0; i < iommu_topo_diag_count(t); i++) {
		const struct iommu_topo_diag *d = iommu_topo_diag(t, i);

		cnt[d->severity]++;
		if (quiet && d->severity != IOMMU_TOPO_ERROR)
			continue;
		printf("%s: %s: %s%s%s\n", iommu_topo_severity_name(d->severity), d->code,
		       d->where, *d->where ? ": " : "", d->message);
	}
	printf("%zu error(s), %zu warning(s), %zu note(s)\n", cnt[IOMMU_TOPO_ERROR],
	       cnt[IOMMU_TOPO_WARNING], cnt[IOMMU_TOPO_NOTE]);
	iommu_topo_free(t);
	return bad || cnt[IOMMU_TOPO_ERROR] ? 1 : 0;
}
