// SPDX-License-Identifier: MIT
#include <stdio.h>
#include "commands.h"

int cmd_sim(int argc, char **argv)
{
	(void)argc; (void)argv;
	fprintf(stderr, "iommu sim: the built-in machine is not assembled yet\n");
	return 1;
}
