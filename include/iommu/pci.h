/* SPDX-License-Identifier: MIT */
/*
 * libiommu - what the model knows about a PCI function.
 *
 * Filled by whoever creates the device (the built-in machine, the lspci and
 * firmware front ends) and read by the IOMMU core's grouping rules and the
 * PCI quirk tables. Field meanings follow the PCI Express Base Specification.
 */
#ifndef IOMMU_PCI_H
#define IOMMU_PCI_H

#include "iommu/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* PCI Express Capability, Device/Port Type field (PCI_EXP_FLAGS_TYPE). */
enum iommu_pcie_type {
	IOMMU_PCIE_NONE = -1,		/* conventional PCI / PCI-X function */
	IOMMU_PCIE_ENDPOINT = 0x0,
	IOMMU_PCIE_LEG_END = 0x1,	/* legacy endpoint */
	IOMMU_PCIE_ROOT_PORT = 0x4,
	IOMMU_PCIE_UPSTREAM = 0x5,	/* switch upstream port */
	IOMMU_PCIE_DOWNSTREAM = 0x6,	/* switch downstream port */
	IOMMU_PCIE_PCI_BRIDGE = 0x7,	/* PCIe-to-PCI/PCI-X bridge */
	IOMMU_PCIE_PCIE_BRIDGE = 0x8,	/* PCI/PCI-X-to-PCIe bridge */
	IOMMU_PCIE_RC_END = 0x9,	/* root complex integrated endpoint */
	IOMMU_PCIE_RC_EC = 0xa,		/* root complex event collector */
};

/* ACS Capability / Control bits (PCI_ACS_*). */
#define IOMMU_PCI_ACS_SV	0x0001	/* source validation */
#define IOMMU_PCI_ACS_TB	0x0002	/* translation blocking */
#define IOMMU_PCI_ACS_RR	0x0004	/* P2P request redirect */
#define IOMMU_PCI_ACS_CR	0x0008	/* P2P completion redirect */
#define IOMMU_PCI_ACS_UF	0x0010	/* upstream forwarding */
#define IOMMU_PCI_ACS_EC	0x0020	/* P2P egress control */
#define IOMMU_PCI_ACS_DT	0x0040	/* direct translated P2P */
/* What the grouping rule requires for isolation, as Linux's REQ_ACS_FLAGS. */
#define IOMMU_PCI_ACS_REQ	(IOMMU_PCI_ACS_SV | IOMMU_PCI_ACS_RR | \
				 IOMMU_PCI_ACS_CR | IOMMU_PCI_ACS_UF)

#define IOMMU_PCI_DEVFN(slot, fn)	((uint8_t)((((slot) & 0x1f) << 3) | ((fn) & 0x07)))
#define IOMMU_PCI_SLOT(devfn)		(((devfn) >> 3) & 0x1f)
#define IOMMU_PCI_FUNC(devfn)		((devfn) & 0x07)
/* Requester ID: bus number and devfn. */
#define IOMMU_PCI_RID(bus, devfn)	((uint16_t)(((bus) << 8) | (devfn)))

struct iommu_pci_info {
	uint16_t segment;		/* PCI domain */
	uint8_t bus;			/* bus number the function sits on */
	uint8_t devfn;
	uint16_t vendor, device;
	uint16_t subsys_vendor, subsys_device;
	uint32_t class_code;		/* 24 bits: base, sub, prog-if */
	uint8_t revision;
	uint8_t header_type;		/* low 7 bits: 0 normal, 1 bridge, 2 CardBus */
	bool multifunction;		/* header type bit 7, as this function reports it */
	int8_t pcie_type;		/* enum iommu_pcie_type */
	bool has_acs;			/* ACS extended capability present */
	bool acs_unknown;		/* capabilities could not be read (no root) */
	uint16_t acs_cap, acs_ctrl;
	uint8_t secondary, subordinate;	/* bridges: bus range below */
	/*
	 * Raw configuration space when the front end has it (lspci -xxx hex,
	 * 256 or 4096 bytes), for quirks that read device-specific registers;
	 * NULL otherwise. Owned by whoever filled the struct and must outlive
	 * the device.
	 */
	const uint8_t *config;
	uint16_t config_len;
};

#ifdef __cplusplus
}
#endif
#endif
