/* SPDX-License-Identifier: MIT */
/*
 * PCI quirks that change IOMMU grouping, after Linux's drivers/pci/quirks.c:
 * devices that isolate without (or despite) their ACS capability, devices
 * that issue DMA with another function's requester ID, and bridges that
 * alias like PCIe-to-PCI bridges without saying so. Private to libiommu
 * (prefix pciq_); the IOMMU core's PCI grouping rule calls these.
 *
 * Each function looks only at the struct it is given; conditions that need
 * the rest of the topology (e.g. "not on a root bus") are stated and left
 * to the caller.
 */
#ifndef FW_PCI_QUIRKS_H
#define FW_PCI_QUIRKS_H

#include <stdbool.h>
#include <stdint.h>
#include "iommu/pci.h"

/**
 * pciq_acs_enabled() - device-specific ACS answer (pci_dev_specific_acs_enabled).
 * @pdev: the function.
 * @acs_flags: IOMMU_PCI_ACS_* controls the caller needs (usually
 *	IOMMU_PCI_ACS_REQ).
 *
 * Return: 1 the device provides all @acs_flags, 0 it does not, -1 no quirk
 * applies (use the ACS capability). Intel PCH root ports, AMD southbridge
 * functions and Sunrise Point root ports are assumed to have had their
 * enable quirk run (Linux does so whenever an IOMMU requests ACS). AMD
 * southbridge functions further need an IVRS table and a root bus: the
 * caller checks those (see pciq_acs_needs_root_bus()).
 */
int pciq_acs_enabled(const struct iommu_pci_info *pdev, uint16_t acs_flags);

/** pciq_acs_needs_root_bus() - the ACS quirk for @pdev only holds on a
 * root bus with an AMD IOMMU (AMD SB functions). */
bool pciq_acs_needs_root_bus(const struct iommu_pci_info *pdev);

/**
 * pciq_dma_aliases() - extra devfns (same bus) the function uses as
 * requester ID: phantom/ghost functions (Marvell, Ricoh, JMicron, ...) and
 * fixed aliases (Adaptec, Intel MIC/VCA).
 * @pdev: the function.
 * @devfns: receives up to @max devfns.
 * @max: room in @devfns (may be 0 to count).
 *
 * Return: the number of aliases (may exceed @max; only @max are written).
 */
int pciq_dma_aliases(const struct iommu_pci_info *pdev, uint8_t *devfns, int max);

/**
 * pciq_pcie_bridge_alias() - a bridge without a PCIe capability that is
 * really a PCIe-to-PCI bridge (quirk_use_pcie_bridge_dma_alias): devices
 * below it alias to (secondary bus, devfn 0). Linux applies it only when
 * the bridge is not on a root bus and its parent is PCIe but not itself a
 * PCIe-to-PCI bridge: the caller checks that.
 */
bool pciq_pcie_bridge_alias(const struct iommu_pci_info *pdev);

/**
 * pciq_bridge_no_alias() - a PCIe-to-PCI bridge that forwards its
 * downstream devices' requester IDs unchanged (ASPEED AST1150).
 */
bool pciq_bridge_no_alias(const struct iommu_pci_info *pdev);

/**
 * pciq_bridge_xlate_root() - the IOMMU sits at this bridge rather than the
 * root bus: alias walks stop here (Cavium ThunderX2 / Broadcom Vulcan).
 */
bool pciq_bridge_xlate_root(const struct iommu_pci_info *pdev);

#endif
