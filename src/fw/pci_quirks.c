// SPDX-License-Identifier: MIT
/*
 * Our own tables of the PCI devices whose grouping Linux adjusts, with the
 * reason for each. IDs were checked against Linux's drivers/pci/quirks.c
 * (pci_dev_acs_enabled[], quirk_dma_func0/1_alias, fixed_dma_alias_tbl,
 * quirk_use_pcie_bridge_dma_alias and friends).
 */
#include "pci_quirks.h"
#include "util/util.h"

#define V_ATI		0x1002
#define V_AMD		0x1022
#define V_SOLARFLARE	0x1924
#define V_INTEL		0x8086
#define V_QCOM		0x17cb
#define V_HXT		0x1dbf
#define V_CAVIUM	0x177d
#define V_AMCC		0x10e8
#define V_AMPERE	0x1def
#define V_BROADCOM	0x14e4
#define V_LOONGSON	0x0014
#define V_AMAZON_AL	0x1c36
#define V_ZHAOXIN	0x1d17
#define V_NXP		0x1957
#define V_WANGXUN	0x8088
#define V_MARVELL_EXT	0x1b4b
#define V_RICOH		0x1180
#define V_GLENFLY	0x6766
#define V_TTI		0x1103
#define V_JMICRON	0x197b
#define V_LITEON	0x1c28
#define V_ADAPTEC2	0x9005
#define V_ASMEDIA	0x1b21
#define V_TUNDRA	0x10e3
#define V_ITE		0x1283
#define V_ASPEED	0x1a03
#define ANY		0xffff

#define SV	IOMMU_PCI_ACS_SV
#define TB	IOMMU_PCI_ACS_TB
#define RR	IOMMU_PCI_ACS_RR
#define CR	IOMMU_PCI_ACS_CR
#define UF	IOMMU_PCI_ACS_UF
#define EC	IOMMU_PCI_ACS_EC
#define DT	IOMMU_PCI_ACS_DT

/* All requested controls are provided: 1, else 0 (pci_acs_ctrl_enabled). */
static int acs_ctrl(uint16_t req, uint16_t ena)
{
	return (req & ena) == req;
}

static bool is_type(const struct iommu_pci_info *d, int type)
{
	return d->pcie_type == type;
}

/* Each returns 1/0, or -1 when it does not apply. */
typedef int (*acs_fn)(const struct iommu_pci_info *d, uint16_t f);

/* AMD/ATI southbridge multifunction devices: no peer-to-peer between
 * functions when an AMD IOMMU is present; they behave as RR+CR. */
static int q_amd_sb(const struct iommu_pci_info *d, uint16_t f)
{
	if (!d->multifunction)
		return -1;
	f &= RR | CR | EC | DT;
	return acs_ctrl(f, RR | CR);
}

/* Vendor-verified multifunction endpoints without peer-to-peer between
 * functions: as if SV, TB, RR, CR, UF and DT were enabled. */
static int q_mf_endpoint(const struct iommu_pci_info *d, uint16_t f)
{
	(void)d;
	return acs_ctrl(f, SV | TB | RR | CR | UF | DT);
}

/* Root ports with ACS-like isolation but no ACS capability. */
static int q_rp_isolated(const struct iommu_pci_info *d, uint16_t f)
{
	(void)d;
	return acs_ctrl(f, SV | RR | CR | UF);
}

/* Intel RCiEPs may only do peer-to-peer on translated addresses (VT-d
 * spec 3.16). */
static int q_intel_rciep(const struct iommu_pci_info *d, uint16_t f)
{
	if (!is_type(d, IOMMU_PCIE_RC_END))
		return -1;
	return acs_ctrl(f, SV | RR | CR | UF);
}

/* Intel PCH root ports without an ACS capability whose peer decode Linux
 * disables through the chipset's RCBA registers (Red Hat bz 1037684). */
static const uint16_t intel_pch_rp[] = {
	/* Ibex Peak */
	0x3b42, 0x3b43, 0x3b44, 0x3b45, 0x3b46, 0x3b47, 0x3b48, 0x3b49,
	0x3b4a, 0x3b4b, 0x3b4c, 0x3b4d, 0x3b4e, 0x3b4f, 0x3b50, 0x3b51,
	/* Cougar Point */
	0x1c10, 0x1c11, 0x1c12, 0x1c13, 0x1c14, 0x1c15, 0x1c16, 0x1c17,
	0x1c18, 0x1c19, 0x1c1a, 0x1c1b, 0x1c1c, 0x1c1d, 0x1c1e, 0x1c1f,
	/* Panther Point */
	0x1e10, 0x1e11, 0x1e12, 0x1e13, 0x1e14, 0x1e15, 0x1e16, 0x1e17,
	0x1e18, 0x1e19, 0x1e1a, 0x1e1b, 0x1e1c, 0x1e1d, 0x1e1e, 0x1e1f,
	/* Lynx Point-H */
	0x8c10, 0x8c11, 0x8c12, 0x8c13, 0x8c14, 0x8c15, 0x8c16, 0x8c17,
	0x8c18, 0x8c19, 0x8c1a, 0x8c1b, 0x8c1c, 0x8c1d, 0x8c1e, 0x8c1f,
	/* Lynx Point-LP */
	0x9c10, 0x9c11, 0x9c12, 0x9c13, 0x9c14, 0x9c15, 0x9c16, 0x9c17,
	0x9c18, 0x9c19, 0x9c1a, 0x9c1b,
	/* Wildcat Point */
	0x9c90, 0x9c91, 0x9c92, 0x9c93, 0x9c94, 0x9c95, 0x9c96, 0x9c97,
	0x9c98, 0x9c99, 0x9c9a, 0x9c9b,
	/* Patsburg (X79) */
	0x1d10, 0x1d12, 0x1d14, 0x1d16, 0x1d18, 0x1d1a, 0x1d1c, 0x1d1e,
	/* Wellsburg (X99) */
	0x8d10, 0x8d11, 0x8d12, 0x8d13, 0x8d14, 0x8d15, 0x8d16, 0x8d17,
	0x8d18, 0x8d19, 0x8d1a, 0x8d1b, 0x8d1c, 0x8d1d, 0x8d1e,
	/* 9 series */
	0x8c90, 0x8c92, 0x8c94, 0x8c96, 0x8c98, 0x8c9a, 0x8c9c, 0x8c9e,
};

static int q_intel_pch(const struct iommu_pci_info *d, uint16_t f)
{
	if (!is_type(d, IOMMU_PCIE_ROOT_PORT))
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(intel_pch_rp); i++)
		if (intel_pch_rp[i] == d->device)
			return acs_ctrl(f, SV | RR | CR | UF);
	return -1;
}

/* Sunrise Point, Union Point and 7th/8th gen mobile PCH root ports keep
 * ACS capability and control in dwords, so the control register sits at
 * +8, not +6: lspci shows it wrong. Linux enables and reads it there. */
static int q_intel_spt(const struct iommu_pci_info *d, uint16_t f)
{
	uint16_t dev = d->device;
	uint32_t cap, ctrl;

	if (!is_type(d, IOMMU_PCIE_ROOT_PORT) || !d->has_acs)
		return -1;
	if (!((dev >= 0xa110 && dev <= 0xa11f) || (dev >= 0xa167 && dev <= 0xa16a) ||
	      (dev >= 0xa290 && dev <= 0xa29f) || (dev >= 0xa2e7 && dev <= 0xa2ee) ||
	      (dev >= 0x9d10 && dev <= 0x9d1b)))
		return -1;
	cap = d->acs_cap;
	/* Linux's enable quirk sets SV/RR/CR/UF where implemented. */
	ctrl = cap & (SV | RR | CR | UF);
	f &= (uint16_t)(cap | EC);
	return acs_ctrl(f, (uint16_t)ctrl);
}

/* Cavium ThunderX1/2/3 root ports: SV/RR/CR/UF-like isolation in RTL. */
static int q_cavium(const struct iommu_pci_info *d, uint16_t f)
{
	uint16_t dev = d->device;

	if (!is_type(d, IOMMU_PCIE_ROOT_PORT))
		return -1;
	if (!((dev >= 0xa000 && dev <= 0xa7ff) || dev == 0xaf84 || dev == 0xb884))
		return -1;
	return acs_ctrl(f, SV | RR | CR | UF);
}

/* Amazon Annapurna Labs root ports: no peer-to-peer, unique segments. */
static int q_amazon_al(const struct iommu_pci_info *d, uint16_t f)
{
	if (!is_type(d, IOMMU_PCIE_ROOT_PORT))
		return -1;
	f &= (uint16_t)~(SV | RR | CR | UF);
	return f ? 0 : 1;
}

/* Zhaoxin root and downstream ports without ACS capability. */
static int q_zhaoxin_ports(const struct iommu_pci_info *d, uint16_t f)
{
	uint16_t dev = d->device;

	if (!is_type(d, IOMMU_PCIE_ROOT_PORT) && !is_type(d, IOMMU_PCIE_DOWNSTREAM))
		return -1;
	if ((dev >= 0x0710 && dev <= 0x071e) || dev == 0x0721 || (dev >= 0x0723 && dev <= 0x0752))
		return acs_ctrl(f, SV | RR | CR | UF);
	return 0;
}

/* Wangxun NICs: functions isolated as if RR and CR were set. */
static int q_wangxun(const struct iommu_pci_info *d, uint16_t f)
{
	uint16_t dev = d->device;

	if ((dev >= 0x0100 && dev <= 0x010f) || dev == 0x1001 || dev == 0x2001 ||
	    dev == 0x5010 || dev == 0x5025 || dev == 0x5040 || dev == 0x5110 ||
	    dev == 0x5125 || dev == 0x5140)
		return acs_ctrl(f, SV | RR | CR | UF);
	return 0;
}

static const struct acs_quirk {
	uint16_t vendor, device;
	acs_fn fn;
	const char *why;
} acs_quirks[] = {
	{ V_ATI, 0x4385, q_amd_sb, "SBx00 SMBus" },
	{ V_ATI, 0x439c, q_amd_sb, "SB7x0/8x0/9x0 IDE" },
	{ V_ATI, 0x4383, q_amd_sb, "SBx00 Azalia" },
	{ V_ATI, 0x439d, q_amd_sb, "SB7x0/8x0/9x0 LPC" },
	{ V_ATI, 0x4384, q_amd_sb, "SBx00 PCI bridge" },
	{ V_ATI, 0x4399, q_amd_sb, "SB7x0/8x0/9x0 OHCI2" },
	{ V_AMD, 0x780f, q_amd_sb, "FCH PCI bridge" },
	{ V_AMD, 0x7809, q_amd_sb, "FCH OHCI" },
	{ V_SOLARFLARE, 0x0903, q_mf_endpoint, "SFC9020" },
	{ V_SOLARFLARE, 0x0923, q_mf_endpoint, "SFL9021" },
	{ V_SOLARFLARE, 0x0a03, q_mf_endpoint, "SFC9120" },
	/* Intel 82598/82599/X540/X550-class 10GbE */
	{ V_INTEL, 0x10c6, q_mf_endpoint, "82598" }, { V_INTEL, 0x10db, q_mf_endpoint, "82598" },
	{ V_INTEL, 0x10dd, q_mf_endpoint, "82598" }, { V_INTEL, 0x10e1, q_mf_endpoint, "82598" },
	{ V_INTEL, 0x10f1, q_mf_endpoint, "82598" }, { V_INTEL, 0x10f7, q_mf_endpoint, "82599" },
	{ V_INTEL, 0x10f8, q_mf_endpoint, "82599" }, { V_INTEL, 0x10f9, q_mf_endpoint, "82599" },
	{ V_INTEL, 0x10fa, q_mf_endpoint, "82599" }, { V_INTEL, 0x10fb, q_mf_endpoint, "82599" },
	{ V_INTEL, 0x10fc, q_mf_endpoint, "82599" }, { V_INTEL, 0x1507, q_mf_endpoint, "82599" },
	{ V_INTEL, 0x1514, q_mf_endpoint, "82599" }, { V_INTEL, 0x151c, q_mf_endpoint, "82599" },
	{ V_INTEL, 0x1529, q_mf_endpoint, "82599" }, { V_INTEL, 0x152a, q_mf_endpoint, "82599" },
	{ V_INTEL, 0x154d, q_mf_endpoint, "82599" }, { V_INTEL, 0x154f, q_mf_endpoint, "82599" },
	{ V_INTEL, 0x1551, q_mf_endpoint, "82599" }, { V_INTEL, 0x1558, q_mf_endpoint, "82599" },
	/* 82580 */
	{ V_INTEL, 0x1509, q_mf_endpoint, "82580" }, { V_INTEL, 0x150e, q_mf_endpoint, "82580" },
	{ V_INTEL, 0x150f, q_mf_endpoint, "82580" }, { V_INTEL, 0x1510, q_mf_endpoint, "82580" },
	{ V_INTEL, 0x1511, q_mf_endpoint, "82580" }, { V_INTEL, 0x1516, q_mf_endpoint, "82580" },
	{ V_INTEL, 0x1527, q_mf_endpoint, "82580" },
	/* 82576 */
	{ V_INTEL, 0x10c9, q_mf_endpoint, "82576" }, { V_INTEL, 0x10e6, q_mf_endpoint, "82576" },
	{ V_INTEL, 0x10e7, q_mf_endpoint, "82576" }, { V_INTEL, 0x10e8, q_mf_endpoint, "82576" },
	{ V_INTEL, 0x150a, q_mf_endpoint, "82576" }, { V_INTEL, 0x150d, q_mf_endpoint, "82576" },
	{ V_INTEL, 0x1518, q_mf_endpoint, "82576" }, { V_INTEL, 0x1526, q_mf_endpoint, "82576" },
	/* 82575 */
	{ V_INTEL, 0x10a7, q_mf_endpoint, "82575" }, { V_INTEL, 0x10a9, q_mf_endpoint, "82575" },
	{ V_INTEL, 0x10d6, q_mf_endpoint, "82575" },
	/* I350 */
	{ V_INTEL, 0x1521, q_mf_endpoint, "I350" }, { V_INTEL, 0x1522, q_mf_endpoint, "I350" },
	{ V_INTEL, 0x1523, q_mf_endpoint, "I350" }, { V_INTEL, 0x1524, q_mf_endpoint, "I350" },
	/* 82571 (quads omitted: they contain a switch without ACS) */
	{ V_INTEL, 0x105e, q_mf_endpoint, "82571" }, { V_INTEL, 0x105f, q_mf_endpoint, "82571" },
	{ V_INTEL, 0x1060, q_mf_endpoint, "82571" }, { V_INTEL, 0x10d9, q_mf_endpoint, "82571" },
	/* I219 */
	{ V_INTEL, 0x15b7, q_mf_endpoint, "I219" }, { V_INTEL, 0x15b8, q_mf_endpoint, "I219" },
	{ V_INTEL, ANY, q_intel_rciep, "Intel RCiEP" },
	/* Qualcomm QDF2400/2xxx (Centriq) and later root ports: each is its
	 * own root complex, no peer-to-peer (corpus: centriq2400). */
	{ V_QCOM, 0x0400, q_rp_isolated, "QDF2xxx root port" },
	{ V_QCOM, 0x0401, q_rp_isolated, "QDF2xxx root port" },
	{ V_QCOM, 0x0115, q_rp_isolated, "SA8775P root port" },
	{ V_QCOM, 0x0111, q_rp_isolated, "Hamoa root port" },
	{ V_QCOM, 0x0120, q_rp_isolated, "Glymur root port" },
	{ V_HXT, 0x0401, q_rp_isolated, "HXT SD4800 root port (QDF2xxx design)" },
	{ V_INTEL, ANY, q_intel_pch, "Intel PCH root port" },
	{ V_INTEL, ANY, q_intel_spt, "Intel Sunrise/Union Point root port" },
	{ 0x19a2, 0x0710, q_mf_endpoint, "Emulex BE3-R" },
	{ 0x10df, 0x0720, q_mf_endpoint, "Emulex Skyhawk-R" },
	{ V_CAVIUM, ANY, q_cavium, "ThunderX root port" },
	{ V_CAVIUM, 0xa026, q_mf_endpoint, "Cavium multifunction" },
	{ V_CAVIUM, 0xa059, q_mf_endpoint, "Cavium multifunction" },
	{ V_CAVIUM, 0xa060, q_mf_endpoint, "Cavium multifunction" },
	{ V_AMCC, 0xe004, q_rp_isolated, "APM X-Gene root port" },
	{ V_AMPERE, 0xe005, q_rp_isolated, "Ampere root port" },
	{ V_AMPERE, 0xe006, q_rp_isolated, "Ampere root port" },
	{ V_AMPERE, 0xe007, q_rp_isolated, "Ampere root port" },
	{ V_AMPERE, 0xe008, q_rp_isolated, "Ampere root port" },
	{ V_AMPERE, 0xe009, q_rp_isolated, "Ampere root port" },
	{ V_AMPERE, 0xe00a, q_rp_isolated, "Ampere root port" },
	{ V_AMPERE, 0xe00b, q_rp_isolated, "Ampere root port" },
	{ V_AMPERE, 0xe00c, q_rp_isolated, "Ampere root port" },
	{ V_BROADCOM, 0x16d7, q_mf_endpoint, "BCM57414" },
	{ V_BROADCOM, 0x1750, q_mf_endpoint, "BCM575xx" },
	{ V_BROADCOM, 0x1751, q_mf_endpoint, "BCM575xx" },
	{ V_BROADCOM, 0x1752, q_mf_endpoint, "BCM575xx" },
	{ V_BROADCOM, 0x1760, q_mf_endpoint, "BCM576xx" },
	{ V_BROADCOM, 0x1761, q_mf_endpoint, "BCM576xx" },
	{ V_BROADCOM, 0x1762, q_mf_endpoint, "BCM576xx" },
	{ V_BROADCOM, 0x1763, q_mf_endpoint, "BCM576xx" },
	{ V_BROADCOM, 0xd714, q_rp_isolated, "iProc PAXB root port" },
	{ V_LOONGSON, 0x3c09, q_rp_isolated, "Loongson root port" },
	{ V_LOONGSON, 0x3c19, q_rp_isolated, "Loongson root port" },
	{ V_LOONGSON, 0x3c29, q_rp_isolated, "Loongson root port" },
	{ V_LOONGSON, 0x7a09, q_rp_isolated, "Loongson root port" },
	{ V_LOONGSON, 0x7a19, q_rp_isolated, "Loongson root port" },
	{ V_LOONGSON, 0x7a29, q_rp_isolated, "Loongson root port" },
	{ V_LOONGSON, 0x7a39, q_rp_isolated, "Loongson root port" },
	{ V_LOONGSON, 0x7a49, q_rp_isolated, "Loongson root port" },
	{ V_LOONGSON, 0x7a59, q_rp_isolated, "Loongson root port" },
	{ V_LOONGSON, 0x7a69, q_rp_isolated, "Loongson root port" },
	{ V_AMAZON_AL, 0x0031, q_amazon_al, "Annapurna Labs root port" },
	{ V_ZHAOXIN, 0x3038, q_mf_endpoint, "Zhaoxin multifunction" },
	{ V_ZHAOXIN, 0x3104, q_mf_endpoint, "Zhaoxin multifunction" },
	{ V_ZHAOXIN, 0x9083, q_mf_endpoint, "Zhaoxin multifunction" },
	/* NXP LX2xx0/LX2xx2 root ports, each in its own segment */
	{ V_NXP, 0x8d81, q_rp_isolated, "LX2xx0A" }, { V_NXP, 0x8da1, q_rp_isolated, "LX2xx0A" },
	{ V_NXP, 0x8d83, q_rp_isolated, "LX2xx0A" }, { V_NXP, 0x8d80, q_rp_isolated, "LX2xx0C" },
	{ V_NXP, 0x8da0, q_rp_isolated, "LX2xx0C" }, { V_NXP, 0x8d82, q_rp_isolated, "LX2xx0C" },
	{ V_NXP, 0x8d90, q_rp_isolated, "LX2xx0E" }, { V_NXP, 0x8db0, q_rp_isolated, "LX2xx0E" },
	{ V_NXP, 0x8d92, q_rp_isolated, "LX2xx0E" }, { V_NXP, 0x8d91, q_rp_isolated, "LX2xx0N" },
	{ V_NXP, 0x8db1, q_rp_isolated, "LX2xx0N" }, { V_NXP, 0x8d93, q_rp_isolated, "LX2xx0N" },
	{ V_NXP, 0x8d89, q_rp_isolated, "LX2xx2A" }, { V_NXP, 0x8da9, q_rp_isolated, "LX2xx2A" },
	{ V_NXP, 0x8d8b, q_rp_isolated, "LX2xx2A" }, { V_NXP, 0x8d88, q_rp_isolated, "LX2xx2C" },
	{ V_NXP, 0x8da8, q_rp_isolated, "LX2xx2C" }, { V_NXP, 0x8d8a, q_rp_isolated, "LX2xx2C" },
	{ V_NXP, 0x8d98, q_rp_isolated, "LX2xx2E" }, { V_NXP, 0x8db8, q_rp_isolated, "LX2xx2E" },
	{ V_NXP, 0x8d9a, q_rp_isolated, "LX2xx2E" }, { V_NXP, 0x8d99, q_rp_isolated, "LX2xx2N" },
	{ V_NXP, 0x8db9, q_rp_isolated, "LX2xx2N" }, { V_NXP, 0x8d9b, q_rp_isolated, "LX2xx2N" },
	{ V_ZHAOXIN, ANY, q_zhaoxin_ports, "Zhaoxin root/downstream port" },
	{ V_WANGXUN, ANY, q_wangxun, "Wangxun NIC" },
};

int pciq_acs_enabled(const struct iommu_pci_info *pdev, uint16_t acs_flags)
{
	if (!pdev)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(acs_quirks); i++) {
		const struct acs_quirk *q = &acs_quirks[i];
		int r;

		if (q->vendor != pdev->vendor || (q->device != ANY && q->device != pdev->device))
			continue;
		r = q->fn(pdev, acs_flags);
		if (r >= 0)
			return r;
	}
	return -1;
}

bool pciq_acs_needs_root_bus(const struct iommu_pci_info *pdev)
{
	for (size_t i = 0; pdev && i < ARRAY_SIZE(acs_quirks); i++)
		if (acs_quirks[i].fn == q_amd_sb && acs_quirks[i].vendor == pdev->vendor &&
		    acs_quirks[i].device == pdev->device)
			return true;
	return false;
}

/* Requester-ID aliases. kind: 0 = function 0, 1 = function 1, 2 = fixed
 * devfn list, 3 = every slot's functions 0-4 (Intel VCA). */
static const struct alias_quirk {
	uint16_t vendor, device, sub_vendor, sub_device;	/* sub ANY: any */
	uint8_t kind;
	uint8_t n;
	uint8_t devfn[3];
	const char *why;
} alias_quirks[] = {
	{ V_RICOH, 0xe832, ANY, ANY, 0, 0, { 0 }, "Ricoh R5C832: DMA as function 0" },
	{ V_RICOH, 0xe476, ANY, ANY, 0, 0, { 0 }, "Ricoh: DMA as function 0" },
	{ V_GLENFLY, 0x3d40, ANY, ANY, 0, 0, { 0 }, "Glenfly: DMA as function 0" },
	{ V_GLENFLY, 0x3d41, ANY, ANY, 0, 0, { 0 }, "Glenfly: DMA as function 0" },
	/* Marvell SATA controllers issuing DMA from a phantom function 1
	 * (kernel bugzilla 42679). */
	{ V_MARVELL_EXT, 0x9120, ANY, ANY, 1, 0, { 0 }, "88SE9120" },
	{ V_MARVELL_EXT, 0x9123, ANY, ANY, 1, 0, { 0 }, "88SE9123" },
	{ V_MARVELL_EXT, 0x9125, ANY, ANY, 1, 0, { 0 }, "88SE9125" },
	{ V_MARVELL_EXT, 0x9128, ANY, ANY, 1, 0, { 0 }, "88SE9128" },
	{ V_MARVELL_EXT, 0x9130, ANY, ANY, 1, 0, { 0 }, "88SE9130" },
	{ V_MARVELL_EXT, 0x9170, ANY, ANY, 1, 0, { 0 }, "88SE9170" },
	{ V_MARVELL_EXT, 0x9172, ANY, ANY, 1, 0, { 0 }, "88SE9172" },
	{ V_MARVELL_EXT, 0x917a, ANY, ANY, 1, 0, { 0 }, "88SE917A" },
	{ V_MARVELL_EXT, 0x9182, ANY, ANY, 1, 0, { 0 }, "88SE9182" },
	{ V_MARVELL_EXT, 0x9183, ANY, ANY, 1, 0, { 0 }, "88SE9183" },
	{ V_MARVELL_EXT, 0x91a0, ANY, ANY, 1, 0, { 0 }, "88SE91A0" },
	{ V_MARVELL_EXT, 0x9215, ANY, ANY, 1, 0, { 0 }, "88SE9215" },
	{ V_MARVELL_EXT, 0x9220, ANY, ANY, 1, 0, { 0 }, "88SE9220" },
	{ V_MARVELL_EXT, 0x9230, ANY, ANY, 1, 0, { 0 }, "88SE9230" },
	{ V_MARVELL_EXT, 0x9235, ANY, ANY, 1, 0, { 0 }, "88SE9235" },
	{ V_TTI, 0x0642, ANY, ANY, 1, 0, { 0 }, "HighPoint RocketRAID 642L (Marvell)" },
	{ V_TTI, 0x0645, ANY, ANY, 1, 0, { 0 }, "HighPoint RocketRAID 644L (Marvell)" },
	{ V_JMICRON, 0x2392, ANY, ANY, 1, 0, { 0 }, "JMicron JMB388 ESD" },
	{ V_LITEON, 0x0122, ANY, ANY, 1, 0, { 0 }, "Plextor M6E (Marvell 88SS9183)" },
	/* Adaptec 3405/3805: the DMA engine is a hidden device at 01.0 behind
	 * the exposed ATU. */
	{ V_ADAPTEC2, 0x0285, V_ADAPTEC2, 0x02bb, 2, 1, { IOMMU_PCI_DEVFN(1, 0) }, "Adaptec 3405" },
	{ V_ADAPTEC2, 0x0285, V_ADAPTEC2, 0x02bc, 2, 1, { IOMMU_PCI_DEVFN(1, 0) }, "Adaptec 3805" },
	/* Intel MIC x200 NTB forwards with the RIT-LUT's requester IDs. */
	{ V_INTEL, 0x2260, ANY, ANY, 2, 3,
	  { IOMMU_PCI_DEVFN(0x10, 0), IOMMU_PCI_DEVFN(0x11, 0), IOMMU_PCI_DEVFN(0x12, 3) },
	  "MIC x200 NTB" },
	{ V_INTEL, 0x2264, ANY, ANY, 2, 3,
	  { IOMMU_PCI_DEVFN(0x10, 0), IOMMU_PCI_DEVFN(0x11, 0), IOMMU_PCI_DEVFN(0x12, 3) },
	  "MIC x200 NTB" },
	/* Intel Visual Compute Accelerator NTBs: any slot, functions 0-4. */
	{ V_INTEL, 0x2954, ANY, ANY, 3, 0, { 0 }, "VCA" },
	{ V_INTEL, 0x2955, ANY, ANY, 3, 0, { 0 }, "VCA" },
	{ V_INTEL, 0x2956, ANY, ANY, 3, 0, { 0 }, "VCA" },
	{ V_INTEL, 0x2958, ANY, ANY, 3, 0, { 0 }, "VCA" },
	{ V_INTEL, 0x2959, ANY, ANY, 3, 0, { 0 }, "VCA" },
	{ V_INTEL, 0x295a, ANY, ANY, 3, 0, { 0 }, "VCA" },
};

static int put_alias(uint8_t *out, int max, int n, uint8_t devfn)
{
	if (n < max)
		out[n] = devfn;
	return n + 1;
}

int pciq_dma_aliases(const struct iommu_pci_info *pdev, uint8_t *devfns, int max)
{
	int n = 0;

	if (!pdev || max < 0 || (max && !devfns))
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(alias_quirks); i++) {
		const struct alias_quirk *q = &alias_quirks[i];
		uint8_t slot = IOMMU_PCI_SLOT(pdev->devfn), fn = IOMMU_PCI_FUNC(pdev->devfn);

		if (q->vendor != pdev->vendor || q->device != pdev->device)
			continue;
		if (q->sub_vendor != ANY && (q->sub_vendor != pdev->subsys_vendor ||
					     q->sub_device != pdev->subsys_device))
			continue;
		switch (q->kind) {
		case 0:
		case 1:
			if (fn != q->kind)
				n = put_alias(devfns, max, n, IOMMU_PCI_DEVFN(slot, q->kind));
			break;
		case 2:
			for (int k = 0; k < q->n; k++)
				n = put_alias(devfns, max, n, q->devfn[k]);
			break;
		case 3:
			for (int s = 0; s < 32; s++)
				for (int f = 0; f < 5; f++)
					n = put_alias(devfns, max, n, IOMMU_PCI_DEVFN(s, f));
			break;
		}
	}
	return n;
}

/* Bridges that lack a PCIe capability yet translate requester IDs like a
 * PCIe-to-PCI bridge. */
static const struct { uint16_t vendor, device; const char *why; } pcie_bridge_alias[] = {
	{ V_ASMEDIA, 0x1080, "ASM1083/1085 (bugzilla 44881)" },
	{ V_TUNDRA, 0x8113, "Tundra 8113 (bugzilla 44881)" },
	{ V_ITE, 0x8892, "ITE 8892 (bugzilla 73551)" },
	{ V_ITE, 0x8893, "ITE 8893, as the 8892" },
	{ V_INTEL, 0x244e, "Intel 82801 PCI bridge (bugzilla 44881)" },
};

bool pciq_pcie_bridge_alias(const struct iommu_pci_info *pdev)
{
	if (!pdev || pdev->header_type != 1 || pdev->pcie_type != IOMMU_PCIE_NONE)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(pcie_bridge_alias); i++)
		if (pcie_bridge_alias[i].vendor == pdev->vendor &&
		    pcie_bridge_alias[i].device == pdev->device)
			return true;
	return false;
}

bool pciq_bridge_no_alias(const struct iommu_pci_info *pdev)
{
	/* AST1150 has no real PCI bus: it forwards downstream requester IDs. */
	return pdev && pdev->vendor == V_ASPEED && pdev->device == 0x1150;
}

bool pciq_bridge_xlate_root(const struct iommu_pci_info *pdev)
{
	/* Vulcan / ThunderX2: the IOMMU is associated at this bridge. */
	return pdev && pdev->vendor == V_BROADCOM &&
	       (pdev->device == 0x9000 || pdev->device == 0x9084);
}
