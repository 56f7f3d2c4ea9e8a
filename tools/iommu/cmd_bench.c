// SPDX-License-Identifier: MIT
#include <stdio.h>
#include "commands.h"

int cmd_bench(int argc, char **argv)
{
	(void)argc; (void)argv;
	fprintf(stderr, "iommu bench: no benchmark is built yet\n");
	return 1;
}
