// SPDX-License-Identifier: MIT
/* iommu: the command-line front end of libiommu. */
#include <stdio.h>
#include <string.h>
#include "commands.h"

static const struct tool_command commands[] = {
	{ "sim", "boot a modelled machine and run DMA through its IOMMUs", cmd_sim },
	{ "bench", "micro-benchmarks (iommu bench pgtable)", cmd_bench },
	{ "topo", "IOMMUs and masters described by DTB, ACPI tables, lspci dumps", cmd_topo },
	{ "check", "semantic diagnostics on firmware IOMMU descriptions", cmd_check },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: iommu <command> [options]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'iommu <command> --help' describes a command's options.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "iommu: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
