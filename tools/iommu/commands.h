/* SPDX-License-Identifier: MIT */
/* Subcommands of the iommu tool; each lives in its own cmd_*.c. */
#ifndef IOMMU_TOOL_COMMANDS_H
#define IOMMU_TOOL_COMMANDS_H

struct tool_command {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv);	/* argv[0] is the subcommand */
};

int cmd_sim(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_topo(int argc, char **argv);
int cmd_check(int argc, char **argv);

/* cmd_topo.c: load files into a finished topology (also used by check). */
struct iommu_topo;
int topo_load(struct iommu_topo **out, const char *cmd, char **files, int nfiles);

#endif
