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

#endif
