/* SPDX-License-Identifier: MIT */
/*
 * libiommu - firmware topology: which masters sit behind which IOMMU, with
 * which IDs, as described by device trees, ACPI tables (IORT, DMAR, IVRS,
 * VIOT) and lspci dumps.
 *
 * Usage: iommu_topo_new(), then one iommu_topo_add_file() or
 * iommu_topo_add_buffer() per input (types are sniffed from the content;
 * several inputs combine, e.g. an IORT plus an lspci dump), then
 * iommu_topo_finish() which resolves cross-input references (PCI functions to
 * their IOMMU, DMAR scopes to functions, ...) and runs the semantic checks.
 * The accessors below read the result; every pointer they return stays valid
 * until iommu_topo_free().
 *
 * Groups are the IOMMU core's to compute, never this file's: finishing a
 * topology instantiates it as a machine of the device model (an IOMMU
 * device per instance, bound by a topology-only driver with the group policy
 * and probe rules of the Linux driver for its kind; every master, PCI host
 * bridge and PCI function as a device; the firmware's bindings as the core's
 * firmware table), lets the core probe it, and reads back the groups, the
 * IDs the core resolved for every PCI function and the order in which the
 * device links let the drivers bind. Where an input carries the kernel's
 * own groups ("IOMMU group:" lines of lspci -v), the prediction is compared
 * with them (iommu_topo_kernel_compare()).
 *
 * Parsers never trust their input: every offset and length is checked, the
 * first problem is reported as a diagnostic with its location, and the input
 * is rejected (-EINVAL) without touching memory outside it.
 *
 * Thread safety: a topology is not locked; use one from one thread at a time.
 * Distinct topologies are independent.
 */
#ifndef IOMMU_TOPO_H
#define IOMMU_TOPO_H

#include "iommu/common.h"
#include "iommu/pci.h"

#ifdef __cplusplus
extern "C" {
#endif

struct iommu_topo;

/*
 * How the Linux driver for an IOMMU forms groups (its device_group op). The
 * "PCI rule" is Linux's pci_device_group(): ACS isolation and DMA aliases.
 */
enum iommu_topo_group_policy {
	/* PCI rule for PCI masters; one group per other master
	 * (generic_device_group). arm-smmu-v3, VT-d, AMD-Vi, virtio-iommu,
	 * qcom msm/qcom-iommu and the generic fallback. */
	IOMMU_TOPO_GROUP_DEVICE = 0,
	/* As DEVICE, but masters sharing a stream ID on this instance share
	 * a group (arm-smmu v1/v2/mmu-500 stream matching, Apple DART's
	 * sid2group). */
	IOMMU_TOPO_GROUP_STREAM = 1,
	/* Every master of the instance is in one group (rockchip, renesas
	 * ipmmu-vmsa, mediatek m4u, allwinner sun50i). */
	IOMMU_TOPO_GROUP_INSTANCE = 2,
};

/** One IOMMU instance. */
struct iommu_topo_iommu {
	const char *id;		/* DT full path, or e.g. "IORT/0x48:smmuv3" */
	const char *compatible;	/* DT: first compatible; ACPI: "acpi,iort-smmuv3",
				 * "acpi,dmar-drhd", "acpi,ivrs-ivhd",
				 * "acpi,viot-virtio-iommu"; lspci only:
				 * "libiommu,implied" */
	const char *kind;	/* driver family: "smmuv3", "arm-smmu", "vtd",
				 * "amd-vi", "virtio-iommu", "rockchip", "ipmmu",
				 * "qcom", "mediatek", "sun50i", "dart",
				 * "generic" */
	const char *source;	/* input name it came from */
	enum iommu_topo_group_policy group_policy;
	bool known;		/* compatible recognised (else generic) */
	int iommu_cells;	/* DT #iommu-cells; 1 for ACPI instances */
	uint64_t base;		/* register base, 0 when unknown */
	int pci_segment;	/* DMAR/IVRS: segment it serves, else -1 */
	int pci_rid;		/* AMD IOMMU's own requester ID, else -1 */
};

/** The specifiers of one master for one IOMMU, in property order. */
struct iommu_topo_ref {
	unsigned int iommu;	/* index for iommu_topo_iommu() */
	unsigned int nspecs;	/* number of specifiers */
	unsigned int ncells;	/* cells per specifier (#iommu-cells) */
	const uint32_t *cells;	/* nspecs * ncells values */
};

enum iommu_topo_bus {
	IOMMU_TOPO_BUS_PLATFORM = 0,	/* created by of_platform_populate */
	IOMMU_TOPO_BUS_AMBA,		/* "arm,primecell" */
	IOMMU_TOPO_BUS_DT,		/* DT node its parent's driver creates */
	IOMMU_TOPO_BUS_PCI,
	IOMMU_TOPO_BUS_ACPI,		/* IORT named component, VIOT MMIO */
};

/** A device that issues DMA. */
struct iommu_topo_master {
	const char *id;		/* DT full path, "DDDD:BB:DD.F", ACPI name */
	enum iommu_topo_bus bus;
	const char *compatible;	/* DT: first compatible, else NULL */
	const char *source;	/* input name it came from */
	unsigned int nrefs;	/* IOMMUs translating it (0: none) */
	const struct iommu_topo_ref *refs;
	/* PCI masters only (NULL otherwise). */
	const struct iommu_pci_info *pci;
	int pci_parent;		/* master index of the upstream bridge, -1 at a
				 * root bus */
	int kernel_group;	/* "IOMMU group:" from the input, else -1 */
	/* DMA aliases the firmware adds (IVRS alias entries), requester IDs */
	unsigned int nfw_aliases;
	const uint16_t *fw_aliases;
	/* What the IOMMU core made of it (iommu_topo_finish()). */
	int group;		/* index for iommu_topo_group(), -1: in no group */
	const char *no_group;	/* translated but in no group: why (the driver
				 * refused it, ...); NULL otherwise */
};

/** A group the IOMMU core formed. */
struct iommu_topo_group {
	unsigned int id;	/* the core's group number (creation order) */
	unsigned int iommu;	/* index for iommu_topo_iommu() */
	const char *reason;	/* why these devices share it (the rule that applied) */
	unsigned int ndevices;
	const unsigned int *devices;	/* master indices, in the order they were added */
};

/** One driver binding, in the order the device links allowed them. */
struct iommu_topo_probe {
	const char *device;	/* a master's or an IOMMU's id */
	bool is_iommu;		/* the IOMMU's own device (its driver registers it) */
	int supplier;		/* IOMMU index the device link waited for, -1: none */
	unsigned int deferrals;	/* probes deferred before this one */
	int error;		/* 0: bound; else the probe failed with this errno
				 * (e.g. its IOMMU refused it) */
};

/** One group of a partition: master indices; @none: these are in no group. */
struct iommu_topo_part {
	bool none;
	unsigned int n;
	const unsigned int *masters;
};

/**
 * A set of PCI functions the kernel and the prediction partition
 * differently (the smallest such set: a connected component of "in one
 * group in either partition").
 */
struct iommu_topo_kernel_diff {
	unsigned int nkernel, npredicted;
	const struct iommu_topo_part *kernel;		/* as the kernel grouped them */
	const struct iommu_topo_part *predicted;	/* as the core grouped them */
};

/** Prediction against the kernel's "IOMMU group:" lines. */
struct iommu_topo_kernel_cmp {
	unsigned int devices;	/* PCI functions compared (all of the inputs) */
	unsigned int placed;	/* of which predicted with exactly the kernel's group mates */
	unsigned int ndiffs;
	const struct iommu_topo_kernel_diff *diffs;
};

/** One iommu-map entry (DT) or root-complex ID mapping (IORT). */
struct iommu_topo_pci_map {
	const char *host;	/* DT path of the host bridge / IORT node id */
	int segment;		/* PCI segment (domain) of that host */
	uint32_t rid_base;
	unsigned int iommu;	/* index for iommu_topo_iommu() */
	uint32_t id_base;
	uint32_t length;	/* number of IDs */
	uint32_t mask;		/* iommu-map-mask; 0xffffffff when absent */
};

enum iommu_topo_severity {
	IOMMU_TOPO_NOTE = 0,
	IOMMU_TOPO_WARNING = 1,
	IOMMU_TOPO_ERROR = 2,
};

/** A diagnostic: the input's problem, where it is, a stable code. */
struct iommu_topo_diag {
	enum iommu_topo_severity severity;
	const char *where;	/* "file.dtb:/soc/usb@1000:iommus[2]",
				 * "DMAR.dat:+0x30", "lspci.txt:123" */
	const char *code;	/* stable, e.g. "DT_BAD_PHANDLE" */
	const char *message;
};

/**
 * iommu_topo_new() - create an empty topology.
 * @out: receives the topology; the caller owns it (iommu_topo_free()).
 *
 * Return: 0, -EINVAL if @out is NULL, -ENOMEM.
 */
IOMMU_EXPORT int iommu_topo_new(struct iommu_topo **out);

/**
 * iommu_topo_free() - release a topology and everything it returned.
 * @t: topology or NULL (no-op).
 */
IOMMU_EXPORT void iommu_topo_free(struct iommu_topo *t);

/**
 * iommu_topo_add_buffer() - parse one input held in memory.
 * @t: topology, not yet finished.
 * @name: name used in diagnostics and "source" fields (copied).
 * @buf: the input; copied, the caller keeps ownership.
 * @len: its length in bytes.
 *
 * The type is sniffed: DTB magic, an ACPI table header whose length fits,
 * lspci -xxx/-xxxx hex or lspci -v[v]nn text. ACPI tables this library
 * does not use (MCFG, APIC, DSDT, ...) are skipped with a note.
 *
 * Return: 0 on success (diagnostics may have been added);
 * -EINVAL if an argument is NULL or the input is malformed (an error
 * diagnostic says what and where; nothing from it is kept);
 * -EMEDIUMTYPE if the content is of no known type (error diagnostic added);
 * -EBUSY if iommu_topo_finish() was already called;
 * -ENOMEM (the topology stays usable; parts of the input may be kept).
 */
IOMMU_EXPORT int iommu_topo_add_buffer(struct iommu_topo *t, const char *name,
				       const void *buf, size_t len);

/**
 * iommu_topo_add_file() - read a file and parse it as iommu_topo_add_buffer().
 * @t: topology, not yet finished.
 * @path: file to read; its base name is used in diagnostics.
 *
 * Return: as iommu_topo_add_buffer(), plus the negative errno of open/read
 * (e.g. -ENOENT, -EISDIR) with an error diagnostic naming the file, and
 * -EFBIG for files over 64 MiB.
 */
IOMMU_EXPORT int iommu_topo_add_file(struct iommu_topo *t, const char *path);

/**
 * iommu_topo_finish() - resolve references across inputs, form the groups,
 * check.
 * @t: topology.
 *
 * Links PCI functions to their upstream bridge and resolves which IOMMU
 * translates which requester IDs (DT iommu-map, IORT root complex
 * mappings, DMAR scopes, IVRS device entries, VIOT ranges, or, when no
 * firmware input was given at all, one implied IOMMU translating every PCI
 * function); then instantiates the machine and lets the IOMMU core probe
 * it (see the top of this file): PCI functions get the IDs the core
 * resolved for their DMA aliases, masters their groups. Adds the semantic
 * diagnostics (see docs/topology-json.md for the codes), and one per
 * difference from the kernel's groups. Calling it again does nothing.
 *
 * Return: 0, -EINVAL if @t is NULL, -ENOMEM (the topology must then only
 * be freed).
 */
IOMMU_EXPORT int iommu_topo_finish(struct iommu_topo *t);

/*
 * Accessors. Counts are 0 and lookups NULL for a NULL or unfinished
 * topology (diagnostics are readable at any time) or an index out of range.
 */
IOMMU_EXPORT size_t iommu_topo_iommu_count(const struct iommu_topo *t);
IOMMU_EXPORT const struct iommu_topo_iommu *iommu_topo_iommu(const struct iommu_topo *t,
							     size_t i);
IOMMU_EXPORT size_t iommu_topo_master_count(const struct iommu_topo *t);
IOMMU_EXPORT const struct iommu_topo_master *iommu_topo_master(const struct iommu_topo *t,
							       size_t i);
IOMMU_EXPORT size_t iommu_topo_pci_map_count(const struct iommu_topo *t);
IOMMU_EXPORT const struct iommu_topo_pci_map *iommu_topo_pci_map(const struct iommu_topo *t,
								 size_t i);
IOMMU_EXPORT size_t iommu_topo_group_count(const struct iommu_topo *t);
IOMMU_EXPORT const struct iommu_topo_group *iommu_topo_group(const struct iommu_topo *t,
							     size_t i);
/* The drivers' bind order (IOMMUs and masters; not host bridges). */
IOMMU_EXPORT size_t iommu_topo_probe_count(const struct iommu_topo *t);
IOMMU_EXPORT const struct iommu_topo_probe *iommu_topo_probe(const struct iommu_topo *t,
							     size_t i);
IOMMU_EXPORT size_t iommu_topo_diag_count(const struct iommu_topo *t);
IOMMU_EXPORT const struct iommu_topo_diag *iommu_topo_diag(const struct iommu_topo *t,
							   size_t i);

/**
 * iommu_topo_error_count() - number of diagnostics of severity ERROR.
 * @t: topology or NULL (0).
 */
IOMMU_EXPORT size_t iommu_topo_error_count(const struct iommu_topo *t);

/**
 * iommu_topo_pci_resolve() - which IOMMU translates a requester ID.
 * @t: finished topology.
 * @segment: PCI segment (domain).
 * @rid: requester ID (bus << 8 | devfn), e.g. a DMA alias.
 * @iommu: receives the IOMMU index.
 * @id: receives the ID the IOMMU sees (stream ID, device ID).
 *
 * The firmware's routes (iommu-map, IORT, DMAR scopes, IVRS, VIOT, the
 * implied IOMMU), as iommu_topo_finish() gave them to the IOMMU core, which
 * applied them to every DMA alias of every PCI function.
 *
 * Return: 0; -ENOENT if no IOMMU translates @rid; -EINVAL for NULL
 * arguments or an unfinished topology.
 */
IOMMU_EXPORT int iommu_topo_pci_resolve(const struct iommu_topo *t, uint16_t segment,
					uint16_t rid, unsigned int *iommu, uint32_t *id);

/**
 * iommu_topo_kernel_compare() - the predicted groups against the kernel's.
 * @t: finished topology.
 *
 * Return: the comparison, or NULL when no input carried "IOMMU group:"
 * lines (or @t is NULL or unfinished). Valid until iommu_topo_free().
 */
IOMMU_EXPORT const struct iommu_topo_kernel_cmp *
iommu_topo_kernel_compare(const struct iommu_topo *t);

/**
 * iommu_topo_pcie_caps_unknown() - some PCI input lacked capabilities.
 * @t: topology or NULL (false).
 *
 * True when an lspci text was taken without root ("Capabilities: <access
 * denied>"): port types and ACS are then unknown and groups only a guess.
 */
IOMMU_EXPORT bool iommu_topo_pcie_caps_unknown(const struct iommu_topo *t);

/** iommu_topo_bus_name() - "platform", "amba", "dt", "pci", "acpi". */
IOMMU_EXPORT const char *iommu_topo_bus_name(enum iommu_topo_bus bus);
/** iommu_topo_severity_name() - "note", "warning", "error". */
IOMMU_EXPORT const char *iommu_topo_severity_name(enum iommu_topo_severity s);
/** iommu_topo_policy_name() - "device", "stream", "instance". */
IOMMU_EXPORT const char *iommu_topo_policy_name(enum iommu_topo_group_policy p);

#ifdef __cplusplus
}
#endif
#endif
