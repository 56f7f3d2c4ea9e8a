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
#include <stdio.h>

struct iommu_topo;
int topo_load(struct iommu_topo **out, const char *cmd, char **files, int nfiles);
/*
 * "[options] FILE..." of topo and check: @flags (NULL-terminated) are the
 * options the command takes; bit k of *set says flags[k] was given. Returns
 * -1 to go on (the caller frees *files), or the exit status after --help (0)
 * or a bad command line (2, message printed).
 */
int topo_parse_args(int argc, char **argv, const char *cmd, const char *const *flags,
		    unsigned int *set, void (*usage)(FILE *f), char ***files, int *nfiles);

#endif
