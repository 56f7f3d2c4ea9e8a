// SPDX-License-Identifier: MIT
/* Decode what grouping needs from raw PCI configuration space. */
#include <string.h>
#include "topo_priv.h"

#define PCI_CAP_ID_EXP	0x10
#define PCI_EXT_CAP_ACS	0x000d

void fw_pci_decode_config(struct iommu_pci_info *info, const uint8_t *cfg, size_t len)
{
	uint8_t ptr;
	unsigned int guard;

	info->pcie_type = IOMMU_PCIE_NONE;
	if (len < 64)
		return;
	info->vendor = fw_le16(cfg);
	info->device = fw_le16(cfg + 2);
	info->revision = cfg[8];
	info->class_code = (uint32_t)cfg[0xb] << 16 | (uint32_t)cfg[0xa] << 8 | cfg[9];
	info->header_type = cfg[0xe] & 0x7f;
	info->multifunction = cfg[0xe] & 0x80;
	if (info->header_type == 0) {
		info->subsys_vendor = fw_le16(cfg + 0x2c);
		info->subsys_device = fw_le16(cfg + 0x2e);
	} else if (info->header_type == 1 || info->header_type == 2) {
		info->secondary = cfg[0x19];
		info->subordinate = cfg[0x1a];
		if (info->header_type == 2 && len >= 0x44) {
			info->subsys_vendor = fw_le16(cfg + 0x40);
			info->subsys_device = fw_le16(cfg + 0x42);
		}
	}
	if (!(fw_le16(cfg + 6) & 0x10))		/* no capability list */
		return;
	ptr = cfg[info->header_type == 2 ? 0x14 : 0x34] & 0xfc;
	for (guard = 0; ptr >= 0x40 && (size_t)ptr + 4 <= len && guard < 48; guard++) {
		if (cfg[ptr] == PCI_CAP_ID_EXP) {
			info->pcie_type = (int8_t)((cfg[ptr + 2] >> 4) & 0xf);
			break;
		}
		ptr = cfg[ptr + 1] & 0xfc;
	}
	if (info->pcie_type == IOMMU_PCIE_NONE || len < 0x104)
		return;
	/* Extended capabilities: 0x100 onwards, 4-byte headers. */
	for (uint32_t off = 0x100, g = 0; off >= 0x100 && off + 8 <= len && g < 480; g++) {
		uint32_t h = fw_le32(cfg + off);

		if (h == 0 || h == 0xffffffff)
			break;
		if ((h & 0xffff) == PCI_EXT_CAP_ACS) {
			info->has_acs = true;
			info->acs_cap = fw_le16(cfg + off + 4);
			info->acs_ctrl = fw_le16(cfg + off + 6);
			break;
		}
		off = (h >> 20) & 0xffc;
	}
}
