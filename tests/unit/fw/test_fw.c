// SPDX-License-Identifier: MIT
/* Unit tests of src/fw: each parser, the checks, the quirk tables. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "iommu/topo.h"
#include "fw_test.h"
#include "fw/pci_quirks.h"
#include "util/util.h"

/* ---- ACPI table builder ---- */
struct tbl {
	uint8_t b[1024];
	uint32_t len;
};

static void put16(struct tbl *t, uint32_t off, uint16_t v) { t->b[off] = (uint8_t)v; t->b[off + 1] = (uint8_t)(v >> 8); }
static void put32(struct tbl *t, uint32_t off, uint32_t v) { put16(t, off, (uint16_t)v); put16(t, off + 2, (uint16_t)(v >> 16)); }
static void put64(struct tbl *t, uint32_t off, uint64_t v) { put32(t, off, (uint32_t)v); put32(t, off + 4, (uint32_t)(v >> 32)); }

static void tbl_init(struct tbl *t, const char *sig, uint8_t rev)
{
	memset(t, 0, sizeof(*t));
	memcpy(t->b, sig, 4);
	t->b[8] = rev;
	memcpy(t->b + 10, "LIBIOM", 6);
	t->len = 48;
}

static void tbl_seal(struct tbl *t)
{
	uint8_t s = 0;

	put32(t, 4, t->len);
	t->b[9] = 0;
	for (uint32_t i = 0; i < t->len; i++)
		s = (uint8_t)(s + t->b[i]);
	t->b[9] = (uint8_t)-s;
}

static struct iommu_topo *load(const char *name, const void *buf, size_t len, int expect)
{
	struct iommu_topo *t;

	assert_int_equal(iommu_topo_new(&t), 0);
	int ret = iommu_topo_add_buffer(t, name, buf, len);
	if (ret != expect)
		dump_diags(t);
	assert_int_equal(ret, expect);
	assert_int_equal(iommu_topo_finish(t), 0);
	return t;
}

/* IORT: SMMUv3 @48, ITS @116, RC @140 (maps at +36), NC after. */
enum { SMMU = 48, ITS = 116, RC = 140 };

static uint32_t iort_base(struct tbl *t, int nodes)
{
	tbl_init(t, "IORT", 5);
	put32(t, 36, (uint32_t)nodes);
	put32(t, 40, 48);
	/* SMMUv3 */
	t->b[SMMU] = 4; put16(t, SMMU + 1, 68); t->b[SMMU + 3] = 5;
	put64(t, SMMU + 16, 0x2b400000);
	/* ITS group */
	t->b[ITS] = 0; put16(t, ITS + 1, 24); put32(t, ITS + 16, 1);
	return RC;
}

static uint32_t iort_rc(struct tbl *t, uint32_t off, int nmaps)
{
	t->b[off] = 2; put16(t, off + 1, (uint16_t)(36 + 20 * nmaps)); t->b[off + 3] = 4;
	put32(t, off + 8, (uint32_t)nmaps); put32(t, off + 12, 36);
	put32(t, off + 28, 0);		/* segment 0 */
	return off + 36;
}

static void iort_map(struct tbl *t, uint32_t at, uint32_t in, uint32_t num, uint32_t out,
		     uint32_t ref, uint32_t flags)
{
	put32(t, at, in); put32(t, at + 4, num); put32(t, at + 8, out);
	put32(t, at + 12, ref); put32(t, at + 16, flags);
}

static uint32_t iort_nc(struct tbl *t, uint32_t off, const char *name, int nmaps)
{
	t->b[off] = 1; put16(t, off + 1, (uint16_t)(40 + 20 * nmaps)); t->b[off + 3] = 4;
	put32(t, off + 8, (uint32_t)nmaps); put32(t, off + 12, 40);
	memcpy(t->b + off + 29, name, strlen(name) + 1);
	return off + 40;
}

static void test_iort_clean(void **state)
{
	struct tbl tb;
	uint32_t m = iort_rc(&tb, iort_base(&tb, 4), 1), nc;
	unsigned int io;
	uint32_t id;

	(void)state;
	iort_map(&tb, m, 0, 0xffff, 0x10000, SMMU, 0);
	nc = iort_nc(&tb, m + 20, "\\_SB_.DMA0", 2);
	iort_map(&tb, nc, 0, 0, 0x80, SMMU, 1);
	iort_map(&tb, nc + 20, 0, 0, 0x81, SMMU, 1);
	tb.len = nc + 40;
	tbl_seal(&tb);
	struct iommu_topo *t = load("IORT.dat", tb.b, tb.len, 0);
	dump_diags(t);
	assert_int_equal(iommu_topo_error_count(t), 0);
	assert_int_equal(iommu_topo_iommu_count(t), 1);
	assert_string_equal(iommu_topo_iommu(t, 0)->kind, "smmuv3");
	assert_int_equal(iommu_topo_pci_map_count(t), 1);
	assert_int_equal(iommu_topo_pci_map(t, 0)->length, 0x10000);
	assert_int_equal(iommu_topo_master_count(t), 1);
	assert_string_equal(iommu_topo_master(t, 0)->id, "\\_SB_.DMA0");
	assert_int_equal(iommu_topo_master(t, 0)->refs[0].nspecs, 2);
	assert_int_equal(iommu_topo_master(t, 0)->refs[0].cells[1], 0x81);
	assert_int_equal(iommu_topo_pci_resolve(t, 0, 0x0210, &io, &id), 0);
	assert_int_equal(id, 0x10210);
	assert_int_equal(iommu_topo_pci_resolve(t, 1, 0x0210, &io, &id), -ENOENT);
	iommu_topo_free(t);
}

static void test_iort_bad_refs(void **state)
{
	struct tbl tb;
	uint32_t m = iort_rc(&tb, iort_base(&tb, 3), 3);

	(void)state;
	iort_map(&tb, m, 0, 0xff, 0, 0x999, 0);		/* no node there */
	iort_map(&tb, m + 20, 0x100, 0xff, 0x100, RC, 0);	/* RC -> RC */
	iort_map(&tb, m + 40, 0x200, 0xff, 0x200, ITS, 0);	/* fine: MSIs */
	tb.len = m + 60;
	tbl_seal(&tb);
	struct iommu_topo *t = load("IORT.dat", tb.b, tb.len, 0);
	assert_true(has_code(t, "IORT_BAD_REF"));
	assert_true(has_code(t, "IORT_REF_TYPE"));
	assert_int_equal(iommu_topo_error_count(t), 2);
	iommu_topo_free(t);
}

static void test_iort_id_ranges(void **state)
{
	struct tbl tb;
	uint32_t m = iort_rc(&tb, iort_base(&tb, 4), 2), nc;

	(void)state;
	/* 0x100 is the count, not count-1: the ranges share ID 0x100. */
	iort_map(&tb, m, 0, 0x100, 0, SMMU, 0);
	iort_map(&tb, m + 20, 0x100, 0xff, 0x1000, SMMU, 0);
	nc = iort_nc(&tb, m + 40, "\\_SB_.NC01", 1);
	iort_map(&tb, nc, 0, 0, 0x10, SMMU, 1);		/* collides with RC IDs */
	tb.len = nc + 20;
	tbl_seal(&tb);
	struct iommu_topo *t = load("IORT.dat", tb.b, tb.len, 0);
	assert_true(has_code(t, "IORT_ID_COUNT"));
	assert_true(has_code(t, "IORT_ID_OVERLAP_ONE"));
	assert_true(has_code(t, "IORT_STREAM_OVERLAP"));
	iommu_topo_free(t);
}

static void test_acpi_header_errors(void **state)
{
	struct tbl tb;
	struct iommu_topo *t;

	(void)state;
	iort_base(&tb, 2);
	tb.len = ITS + 24;
	tbl_seal(&tb);
	tb.b[20] ^= 1;				/* checksum now wrong */
	t = load("IORT.dat", tb.b, tb.len, -EINVAL);
	assert_true(has_code(t, "ACPI_BAD_CHECKSUM"));
	assert_int_equal(iommu_topo_iommu_count(t), 0);
	iommu_topo_free(t);

	tb.b[20] ^= 1;
	t = load("IORT.dat", tb.b, tb.len - 8, -EINVAL);	/* header longer than file */
	assert_true(has_code(t, "ACPI_BAD_LENGTH"));
	iommu_topo_free(t);

	put16(&tb, SMMU + 1, 400);		/* node past the table end */
	tbl_seal(&tb);
	t = load("IORT.dat", tb.b, tb.len, -EINVAL);
	assert_true(has_code(t, "IORT_NODE_BOUNDS"));
	iommu_topo_free(t);

	put16(&tb, SMMU + 1, 68);
	put32(&tb, SMMU + 8, 0x10000000);	/* mappings past the node */
	put32(&tb, SMMU + 12, 16);
	tbl_seal(&tb);
	t = load("IORT.dat", tb.b, tb.len, -EINVAL);
	assert_true(has_code(t, "IORT_MAPPING_BOUNDS"));
	iommu_topo_free(t);

	t = load("IORT.dat", tb.b, 20, -EINVAL);
	assert_true(has_code(t, "ACPI_TRUNCATED"));
	iommu_topo_free(t);

	/* A whole ACPI header but not IORT's: found by the IORT fuzz target,
	 * which read the node count past the end. */
	tbl_init(&tb, "IORT", 5);
	tb.len = 40;
	tbl_seal(&tb);
	t = load("IORT.dat", tb.b, tb.len, -EINVAL);
	assert_true(has_code(t, "IORT_TRUNCATED"));
	iommu_topo_free(t);

	/* A table we do not use: skipped with a note, and it means "no
	 * IOMMU" when it is the only ACPI input. */
	tbl_init(&tb, "MCFG", 1);
	tbl_seal(&tb);
	t = load("MCFG.dat", tb.b, tb.len, 0);
	assert_true(has_code(t, "ACPI_TABLE_SKIPPED"));
	assert_true(has_code(t, "ACPI_NO_IOMMU"));
	iommu_topo_free(t);
}

static const char lspci_txt[] =
	"0000:00:00.0 Host bridge [0600]: Intel Corporation Device [8086:29c0]\n"
	"\tIOMMU group: 0\n"
	"\n"
	"0000:00:1c.0 PCI bridge [0604]: Intel Corporation Device [8086:1c10] (rev b5) (prog-if 00 [Normal decode])\n"
	"\tBus: primary=00, secondary=01, subordinate=01, sec-latency=0\n"
	"\tCapabilities: [40] Express (v2) Root Port (Slot+), MSI 00\n"
	"\tIOMMU group: 1\n"
	"\n"
	"0000:01:00.0 Ethernet controller [0200]: Intel Corporation I350 [8086:1521] (rev 01)\n"
	"\tSubsystem: Dell Device [1028:1f60]\n"
	"\tCapabilities: [a0] Express (v2) Endpoint, MSI 00\n"
	"pcilib: sysfs_read_vpd: read failed: No such device\n"
	"\tCapabilities: [1d0 v1] Access Control Services\n"
	"\t\tACSCap:\tSrcValid- TransBlk- ReqRedir+ CmpltRedir+ UpstreamFwd- EgressCtrl- DirectTrans-\n"
	"\t\tACSCtl:\tSrcValid- TransBlk- ReqRedir+ CmpltRedir- UpstreamFwd- EgressCtrl- DirectTrans-\n"
	"\tIOMMU group: 2\n"
	"\n"
	"0000:01:00.1 Ethernet controller [0200]: Intel Corporation I350 [8086:1521] (rev 01)\n"
	"\tIOMMU group: 3\n";

static void test_lspci_text(void **state)
{
	struct iommu_topo *t = load("lspci.txt", lspci_txt, sizeof(lspci_txt) - 1, 0);
	const struct iommu_topo_master *m;

	(void)state;
	assert_int_equal(iommu_topo_master_count(t), 4);
	assert_true(has_code(t, "PCI_IMPLIED_IOMMU"));
	m = iommu_topo_master(t, 1);
	assert_string_equal(m->id, "0000:00:1c.0");
	assert_int_equal(m->pci->pcie_type, IOMMU_PCIE_ROOT_PORT);
	assert_int_equal(m->pci->header_type, 1);
	assert_int_equal(m->pci->secondary, 1);
	assert_int_equal(m->pci->device, 0x1c10);
	assert_int_equal(m->kernel_group, 1);
	m = iommu_topo_master(t, 2);
	assert_int_equal(m->pci->pcie_type, IOMMU_PCIE_ENDPOINT);
	assert_true(m->pci->has_acs);
	assert_int_equal(m->pci->acs_cap, IOMMU_PCI_ACS_RR | IOMMU_PCI_ACS_CR);
	assert_int_equal(m->pci->acs_ctrl, IOMMU_PCI_ACS_RR);
	assert_int_equal(m->pci->subsys_vendor, 0x1028);
	assert_true(m->pci->multifunction);
	assert_int_equal(m->pci_parent, 1);
	assert_int_equal(m->nrefs, 1);
	assert_int_equal(m->refs[0].cells[0], 0x0100);
	assert_int_equal(m->kernel_group, 2);
	assert_false(iommu_topo_master(t, 0)->pci->multifunction);
	assert_false(iommu_topo_pcie_caps_unknown(t));
	iommu_topo_free(t);
}

static void test_lspci_text_bad(void **state)
{
	static const char no_ids[] = "00:00.0 Host bridge: Intel Corporation Device\n";
	static const char bad_group[] = "00:00.0 Host bridge [0600]: X [8086:29c0]\n\tIOMMU group: x1\n";
	static const char bad_bus[] = "00:01.0 PCI bridge [0604]: X [8086:1c10]\n\tBus: primary=zz\n";
	static const char denied[] = "00:00.0 Host bridge [0600]: X [8086:29c0]\n\tCapabilities: <access denied>\n";
	struct iommu_topo *t;

	(void)state;
	t = load("a.txt", no_ids, sizeof(no_ids) - 1, -EINVAL);
	assert_true(has_code(t, "LSPCI_MALFORMED"));
	assert_string_equal(iommu_topo_diag(t, 0)->where, "a.txt:1");
	iommu_topo_free(t);
	t = load("b.txt", bad_group, sizeof(bad_group) - 1, -EINVAL);
	assert_string_equal(iommu_topo_diag(t, 0)->where, "b.txt:2");
	iommu_topo_free(t);
	t = load("c.txt", bad_bus, sizeof(bad_bus) - 1, -EINVAL);
	assert_true(has_code(t, "LSPCI_MALFORMED"));
	iommu_topo_free(t);
	t = load("d.txt", denied, sizeof(denied) - 1, 0);
	assert_true(has_code(t, "PCI_CAPS_DENIED"));
	assert_true(iommu_topo_pcie_caps_unknown(t));
	iommu_topo_free(t);
	t = load("e.bin", "\x01\x02garbage", 9, -EMEDIUMTYPE);
	assert_true(has_code(t, "INPUT_UNKNOWN"));
	iommu_topo_free(t);
}

/* Bridges whose bus numbers loop (found by the lspci_hex fuzz target): the
 * one whose secondary bus is not above its own is ignored, no endless walk. */
static void test_lspci_bridge_loop(void **state)
{
	static const char loop[] =
		"01:00.0 PCI bridge [0604]: X [8086:1c10]\n"
		"\tBus: primary=01, secondary=02, subordinate=02, sec-latency=0\n"
		"\n"
		"02:00.0 PCI bridge [0604]: X [8086:1c10]\n"
		"\tBus: primary=02, secondary=01, subordinate=01, sec-latency=0\n";
	struct iommu_topo *t = load("loop.txt", loop, sizeof(loop) - 1, 0);

	(void)state;
	assert_true(has_code(t, "PCI_BRIDGE_BUSES"));
	assert_int_equal(iommu_topo_master(t, 0)->pci_parent, -1);
	assert_int_equal(iommu_topo_master(t, 1)->pci_parent, 0);
	assert_int_equal(iommu_topo_group_count(t), 1);
	iommu_topo_free(t);
}

static void test_lspci_hex(void **state)
{
	struct iommu_topo *t;
	const struct iommu_topo_master *m = NULL;

	(void)state;
	assert_int_equal(iommu_topo_new(&t), 0);
	assert_int_equal(iommu_topo_add_file(t, data_path("fw/corpus/kernel-groups/q35-switch/lspci-xxxx.txt")), 0);
	assert_int_equal(iommu_topo_finish(t), 0);
	assert_int_equal(iommu_topo_master_count(t), 13);
	for (size_t i = 0; i < iommu_topo_master_count(t); i++)
		if (!strcmp(iommu_topo_master(t, i)->id, "0000:00:10.0"))
			m = iommu_topo_master(t, i);
	assert_non_null(m);
	assert_int_equal(m->pci->pcie_type, IOMMU_PCIE_ROOT_PORT);
	assert_true(m->pci->has_acs);
	assert_int_equal(m->pci->acs_ctrl & IOMMU_PCI_ACS_REQ, IOMMU_PCI_ACS_REQ);
	assert_int_equal(m->pci->secondary, 1);
	assert_int_equal(m->pci->subordinate, 6);
	assert_int_equal(m->pci->config_len, 4096);
	iommu_topo_free(t);

	static const char bad[] = "00:00.0 Host bridge\n00: 86 80 zz\n";
	t = load("x.txt", bad, sizeof(bad) - 1, -EINVAL);
	assert_true(has_code(t, "LSPCI_MALFORMED"));
	assert_string_equal(iommu_topo_diag(t, 0)->where, "x.txt:2");
	iommu_topo_free(t);
}

static void test_dmar(void **state)
{
	struct tbl tb;
	struct iommu_topo *t;
	unsigned int io;
	uint32_t id;
	uint32_t o = 48;

	(void)state;
	tbl_init(&tb, "DMAR", 1);
	/* DRHD with one endpoint scope 00:02.0 (present) */
	put16(&tb, o, 0); put16(&tb, o + 2, 16 + 8); put16(&tb, o + 6, 0); put64(&tb, o + 8, 0xfed90000);
	tb.b[o + 16] = 1; tb.b[o + 17] = 8; tb.b[o + 21] = 0; tb.b[o + 22] = 2; tb.b[o + 23] = 0;
	o += 24;
	/* DRHD INCLUDE_PCI_ALL */
	put16(&tb, o, 0); put16(&tb, o + 2, 16); tb.b[o + 4] = 1; put64(&tb, o + 8, 0xfed91000);
	o += 16;
	/* RMRR naming 00:1d.0, which is absent */
	put16(&tb, o, 1); put16(&tb, o + 2, 24 + 8); put64(&tb, o + 8, 0x1000); put64(&tb, o + 16, 0x1fff);
	tb.b[o + 24] = 1; tb.b[o + 25] = 8; tb.b[o + 29] = 0; tb.b[o + 30] = 0x1d; tb.b[o + 31] = 0;
	o += 32;
	tb.len = o;
	tbl_seal(&tb);
	static const char pci[] =
		"00:02.0 VGA compatible controller [0300]: Intel [8086:3e9b]\n\n"
		"00:1f.0 ISA bridge [0601]: Intel [8086:a306]\n";
	assert_int_equal(iommu_topo_new(&t), 0);
	assert_int_equal(iommu_topo_add_buffer(t, "DMAR.dat", tb.b, tb.len), 0);
	assert_int_equal(iommu_topo_add_buffer(t, "lspci.txt", pci, sizeof(pci) - 1), 0);
	assert_int_equal(iommu_topo_finish(t), 0);
	assert_int_equal(iommu_topo_iommu_count(t), 2);
	assert_true(has_code(t, "DMAR_SCOPE_NO_DEVICE"));
	assert_int_equal(iommu_topo_pci_resolve(t, 0, 0x0010, &io, &id), 0);
	assert_int_equal(io, 0);			/* the scoped unit */
	assert_int_equal(iommu_topo_pci_resolve(t, 0, 0x00f8, &io, &id), 0);
	assert_int_equal(io, 1);			/* INCLUDE_PCI_ALL */
	assert_int_equal(id, 0x00f8);
	iommu_topo_free(t);

	put16(&tb, 48 + 2, 200);			/* DRHD longer than table */
	tbl_seal(&tb);
	t = load("DMAR.dat", tb.b, tb.len, -EINVAL);
	assert_true(has_code(t, "DMAR_STRUCT_BOUNDS"));
	iommu_topo_free(t);
}

static void test_ivrs(void **state)
{
	struct tbl tb;
	struct iommu_topo *t;
	unsigned int io;
	uint32_t id;
	uint32_t o = 48, e;

	(void)state;
	tbl_init(&tb, "IVRS", 2);
	tb.b[o] = 0x10; put16(&tb, o + 4, 0x0008); put64(&tb, o + 8, 0xfeb80000);
	e = o + 24;
	tb.b[e] = 2; put16(&tb, e + 1, 0x0000); e += 4;		/* select 00:00.0 */
	tb.b[e] = 3; put16(&tb, e + 1, 0x0100); e += 4;		/* range 01:00.0 ... */
	tb.b[e] = 4; put16(&tb, e + 1, 0x01ff); e += 4;		/* ... to 01:1f.7 */
	tb.b[e] = 0x42; put16(&tb, e + 1, 0x0208); put16(&tb, e + 5, 0x0200); e += 8; /* alias */
	tb.b[e] = 3; put16(&tb, e + 1, 0x0300); e += 4;		/* start, no end */
	tb.b[e] = 2; put16(&tb, e + 1, 0x0400); e += 4;
	put16(&tb, o + 2, (uint16_t)(e - o));
	tb.len = e;
	tbl_seal(&tb);
	t = load("IVRS.dat", tb.b, tb.len, 0);
	assert_true(has_code(t, "IVRS_RANGE_NO_END"));
	assert_int_equal(iommu_topo_iommu(t, 0)->pci_rid, 8);
	assert_int_equal(iommu_topo_pci_resolve(t, 0, 0x0150, &io, &id), 0);
	assert_int_equal(iommu_topo_pci_resolve(t, 0, 0x0200, &io, &id), 0);
	assert_int_equal(iommu_topo_pci_resolve(t, 0, 0x0008, &io, &id), -ENOENT); /* itself */
	assert_int_equal(iommu_topo_pci_resolve(t, 0, 0x0350, &io, &id), -ENOENT);
	iommu_topo_free(t);

	tb.b[48 + 24] = 0x90;				/* entry type with no length */
	tbl_seal(&tb);
	t = load("IVRS.dat", tb.b, tb.len, -EINVAL);
	assert_true(has_code(t, "IVRS_UNKNOWN_ENTRY"));
	iommu_topo_free(t);
}

static void test_viot(void **state)
{
	struct tbl tb;
	struct iommu_topo *t;
	unsigned int io;
	uint32_t id;

	(void)state;
	tbl_init(&tb, "VIOT", 0);
	put16(&tb, 36, 3); put16(&tb, 38, 48);
	tb.b[48] = 3; put16(&tb, 50, 16); put16(&tb, 52, 0); put16(&tb, 54, 0x0008);	/* viommu 00:01.0 */
	tb.b[64] = 1; put16(&tb, 66, 24); put32(&tb, 68, 0x100); put16(&tb, 72, 0); put16(&tb, 74, 0);
	put16(&tb, 76, 0x0000); put16(&tb, 78, 0xffff); put16(&tb, 80, 48);
	tb.b[88] = 2; put16(&tb, 90, 24); put32(&tb, 92, 7); put64(&tb, 96, 0x9000000); put16(&tb, 104, 64);
	tb.len = 112;
	tbl_seal(&tb);
	t = load("VIOT.dat", tb.b, tb.len, 0);
	assert_int_equal(iommu_topo_iommu_count(t), 1);
	assert_int_equal(iommu_topo_pci_resolve(t, 0, 0x0010, &io, &id), 0);
	assert_int_equal(id, 0x110);
	assert_int_equal(iommu_topo_pci_resolve(t, 0, 0x0008, &io, &id), -ENOENT);
	assert_true(has_code(t, "VIOT_BAD_REF"));	/* MMIO endpoint names the range */
	iommu_topo_free(t);
}

/* Every DT check class, from trees compiled by dtc at build time. */
static void test_dt_checks(void **state)
{
	static const struct { const char *file, *code; } cases[] = {
		{ "bad_phandle.dtb", "DT_BAD_PHANDLE" },
		{ "no_cells.dtb", "DT_NO_IOMMU_CELLS" },
		{ "truncated.dtb", "DT_IOMMUS_TRUNCATED" },
		{ "bad_cells.dtb", "DT_BAD_IOMMU_CELLS" },
		{ "map_overlap.dtb", "IOMMU_MAP_OVERLAP" },
		{ "map_length.dtb", "DT_IOMMU_MAP_LENGTH" },
		{ "map_gap.dtb", "IOMMU_MAP_GAP" },
		{ "stream_clash.dtb", "STREAM_ID_CLASH" },
		{ "smr_conflict.dtb", "SMR_CONFLICT" },
		{ "unknown_iommu.dtb", "DT_UNKNOWN_IOMMU" },
	};
	const char *dir = getenv("FW_DTB_DIR");
	char path[4096];
	struct iommu_topo *t;

	(void)state;
	if (!dir)
		skip();
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, cases[i].file);
		assert_int_equal(iommu_topo_new(&t), 0);
		assert_int_equal(iommu_topo_add_file(t, path), 0);
		assert_int_equal(iommu_topo_finish(t), 0);
		if (!has_code(t, cases[i].code)) {
			printf("%s: expected %s\n", cases[i].file, cases[i].code);
			dump_diags(t);
			fail();
		}
		iommu_topo_free(t);
	}
	snprintf(path, sizeof(path), "%s/clean.dtb", dir);
	assert_int_equal(iommu_topo_new(&t), 0);
	assert_int_equal(iommu_topo_add_file(t, path), 0);
	assert_int_equal(iommu_topo_finish(t), 0);
	dump_diags(t);
	assert_int_equal(iommu_topo_diag_count(t), 0);
	assert_int_equal(iommu_topo_master_count(t), 2);	/* the disabled one is not */
	assert_int_equal(iommu_topo_pci_map(t, 0)->mask, 0xffffffffu);
	iommu_topo_free(t);

	snprintf(path, sizeof(path), "%s/populate.dtb", dir);
	assert_int_equal(iommu_topo_new(&t), 0);
	assert_int_equal(iommu_topo_add_file(t, path), 0);
	assert_int_equal(iommu_topo_finish(t), 0);
	assert_int_equal(iommu_topo_master_count(t), 4);
	assert_int_equal(iommu_topo_master(t, 0)->bus, IOMMU_TOPO_BUS_PLATFORM);
	assert_int_equal(iommu_topo_master(t, 1)->bus, IOMMU_TOPO_BUS_AMBA);
	assert_int_equal(iommu_topo_master(t, 2)->bus, IOMMU_TOPO_BUS_DT);	/* mfd child */
	assert_int_equal(iommu_topo_master(t, 3)->bus, IOMMU_TOPO_BUS_DT);	/* no compatible parent */
	assert_int_equal(iommu_topo_master(t, 0)->refs[0].ncells, 0);
	assert_int_equal(iommu_topo_master(t, 0)->refs[0].nspecs, 1);
	assert_int_equal(iommu_topo_iommu(t, 0)->group_policy, IOMMU_TOPO_GROUP_INSTANCE);
	iommu_topo_free(t);
}

/*
 * Every ACPI check class, from tables written in ASL and compiled by iasl
 * at build time (tests/data/fw/acpi): one table per mistake, and clean ones
 * that give no diagnostic at all. DMAR tables are checked with the
 * machine's lspci text, which their device scopes name.
 */
static void test_acpi_checks(void **state)
{
	static const struct { const char *file, *code; bool pci; } cases[] = {
		{ "iort_bad_ref", "IORT_BAD_REF" },
		{ "iort_ref_type", "IORT_REF_TYPE" },
		{ "iort_id_overlap", "IORT_ID_OVERLAP" },
		{ "iort_count_minus_one", "IORT_ID_OVERLAP_ONE" },
		{ "iort_count_minus_one", "IORT_ID_COUNT" },
		{ "iort_stream_overlap", "IORT_STREAM_OVERLAP" },
		{ "iort_nc_not_single", "IORT_NC_NOT_SINGLE" },
		{ "dmar_scope_no_device", "DMAR_SCOPE_NO_DEVICE", true },
		{ "ivrs_range_no_end", "IVRS_RANGE_NO_END" },
		{ "ivrs_end_no_start", "IVRS_END_NO_START" },
		{ "ivrs_range_reversed", "IVRS_RANGE_REVERSED" },
		{ "iort_clean", NULL },
		{ "dmar_clean", NULL, true },
		{ "ivrs_clean", NULL },
	};
	const char *dir = getenv("FW_ACPI_DIR");
	char path[4096];

	(void)state;
	if (!dir)
		skip();
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct iommu_topo *t;

		snprintf(path, sizeof(path), "%s/%s.aml", dir, cases[i].file);
		assert_int_equal(iommu_topo_new(&t), 0);
		assert_int_equal(iommu_topo_add_file(t, path), 0);
		if (cases[i].pci)
			assert_int_equal(iommu_topo_add_file(t, data_path("fw/acpi/dmar_pci.txt")), 0);
		assert_int_equal(iommu_topo_finish(t), 0);
		assert_true(iommu_topo_iommu_count(t) >= 1);
		if (cases[i].code ? !has_code(t, cases[i].code) : iommu_topo_diag_count(t) != 0) {
			printf("%s: expected %s\n", cases[i].file, cases[i].code ? cases[i].code : "nothing");
			dump_diags(t);
			fail();
		}
		iommu_topo_free(t);
	}
}

static void test_dtb_corrupt(void **state)
{
	FILE *f = fopen(data_path("fw/corpus/dt/juno-r1-scmi.dtb"), "rb");
	static uint8_t buf[65536];
	size_t n;
	struct iommu_topo *t;

	(void)state;
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	t = load("trunc.dtb", buf, n / 2, -EINVAL);
	assert_true(has_code(t, "DT_CORRUPT"));
	iommu_topo_free(t);
	buf[0x30 + 4] ^= 0xff;		/* struct offset field nonsense */
	buf[0x8] ^= 0x40;
	t = load("bad.dtb", buf, n, -EINVAL);
	assert_true(has_code(t, "DT_CORRUPT"));
	iommu_topo_free(t);
	/* Every single-byte truncation point of the header region. */
	for (size_t k = 4; k < 64; k++) {
		assert_int_equal(iommu_topo_new(&t), 0);
		assert_true(iommu_topo_add_buffer(t, "x.dtb", buf, k) < 0);
		iommu_topo_free(t);
	}
}

/* Every allocation failure unwinds without leaks. */
static void test_fail_nth(void **state)
{
	FILE *f = fopen(data_path("fw/corpus/dt/rk3399-rockpro64.dtb"), "rb");
	static uint8_t buf[131072];
	size_t n;
	long base = iu_alloc_live();
	unsigned long k;

	(void)state;
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	for (k = 1; k < 100000; k++) {
		struct iommu_topo *t = NULL;
		int ret;

		iu_fail_nth(k);
		ret = iommu_topo_new(&t);
		if (!ret)
			ret = iommu_topo_add_buffer(t, "rk.dtb", buf, n);
		if (!ret)
			ret = iommu_topo_add_buffer(t, "lspci.txt", lspci_txt, sizeof(lspci_txt) - 1);
		if (!ret)
			ret = iommu_topo_finish(t);
		iommu_topo_free(t);
		assert_int_equal(iu_alloc_live(), base);
		if (!iu_fail_hits()) {
			assert_int_equal(ret, 0);
			break;
		}
		assert_int_equal(ret, -ENOMEM);
	}
	iu_fail_nth(0);
	assert_true(k > 10);
}

static void test_quirks(void **state)
{
	struct iommu_pci_info d = { .vendor = 0x17cb, .device = 0x0400,
				    .pcie_type = IOMMU_PCIE_ROOT_PORT };
	uint8_t a[8];

	(void)state;
	/* Qualcomm QDF2400 root port: isolated without ACS (centriq corpus). */
	assert_int_equal(pciq_acs_enabled(&d, IOMMU_PCI_ACS_REQ), 1);
	/* Intel Cougar Point PCH root port. */
	d = (struct iommu_pci_info){ .vendor = 0x8086, .device = 0x1c10, .pcie_type = IOMMU_PCIE_ROOT_PORT };
	assert_int_equal(pciq_acs_enabled(&d, IOMMU_PCI_ACS_REQ), 1);
	d.pcie_type = IOMMU_PCIE_ENDPOINT;	/* only root ports */
	assert_int_equal(pciq_acs_enabled(&d, IOMMU_PCI_ACS_REQ), -1);
	/* Sunrise Point root port: ACS at the wrong offset, enabled by quirk. */
	d = (struct iommu_pci_info){ .vendor = 0x8086, .device = 0xa110, .pcie_type = IOMMU_PCIE_ROOT_PORT,
				     .has_acs = true, .acs_cap = 0x1f, .acs_ctrl = 0 };
	assert_int_equal(pciq_acs_enabled(&d, IOMMU_PCI_ACS_REQ), 1);
	/* I350 functions are isolated from each other. */
	d = (struct iommu_pci_info){ .vendor = 0x8086, .device = 0x1521, .pcie_type = IOMMU_PCIE_ENDPOINT };
	assert_int_equal(pciq_acs_enabled(&d, IOMMU_PCI_ACS_REQ), 1);
	/* Intel RCiEP */
	d = (struct iommu_pci_info){ .vendor = 0x8086, .device = 0x1234, .pcie_type = IOMMU_PCIE_RC_END };
	assert_int_equal(pciq_acs_enabled(&d, IOMMU_PCI_ACS_REQ), 1);
	/* AMD southbridge: only multifunction, and RR|CR is what it gives. */
	d = (struct iommu_pci_info){ .vendor = 0x1002, .device = 0x4385, .multifunction = true };
	assert_int_equal(pciq_acs_enabled(&d, IOMMU_PCI_ACS_REQ), 1);
	assert_true(pciq_acs_needs_root_bus(&d));
	d.multifunction = false;
	assert_int_equal(pciq_acs_enabled(&d, IOMMU_PCI_ACS_REQ), -1);
	/* Amazon AL root port gives only SV/RR/CR/UF. */
	d = (struct iommu_pci_info){ .vendor = 0x1c36, .device = 0x0031, .pcie_type = IOMMU_PCIE_ROOT_PORT };
	assert_int_equal(pciq_acs_enabled(&d, IOMMU_PCI_ACS_REQ), 1);
	assert_int_equal(pciq_acs_enabled(&d, IOMMU_PCI_ACS_EC), 0);
	/* Nothing known about a QEMU root port. */
	d = (struct iommu_pci_info){ .vendor = 0x1b36, .device = 0x000c, .pcie_type = IOMMU_PCIE_ROOT_PORT };
	assert_int_equal(pciq_acs_enabled(&d, IOMMU_PCI_ACS_REQ), -1);
	assert_int_equal(pciq_acs_enabled(NULL, IOMMU_PCI_ACS_REQ), -1);

	/* Marvell 88SE9230 at function 0 also DMAs as function 1. */
	d = (struct iommu_pci_info){ .vendor = 0x1b4b, .device = 0x9230, .devfn = IOMMU_PCI_DEVFN(3, 0) };
	assert_int_equal(pciq_dma_aliases(&d, a, 8), 1);
	assert_int_equal(a[0], IOMMU_PCI_DEVFN(3, 1));
	d.devfn = IOMMU_PCI_DEVFN(3, 1);
	assert_int_equal(pciq_dma_aliases(&d, a, 8), 0);
	/* Ricoh: function 0. */
	d = (struct iommu_pci_info){ .vendor = 0x1180, .device = 0xe832, .devfn = IOMMU_PCI_DEVFN(4, 2) };
	assert_int_equal(pciq_dma_aliases(&d, a, 8), 1);
	assert_int_equal(a[0], IOMMU_PCI_DEVFN(4, 0));
	/* Adaptec 3405 needs the subsystem to match. */
	d = (struct iommu_pci_info){ .vendor = 0x9005, .device = 0x0285, .subsys_vendor = 0x9005,
				     .subsys_device = 0x02bb, .devfn = IOMMU_PCI_DEVFN(0xe, 0) };
	assert_int_equal(pciq_dma_aliases(&d, a, 8), 1);
	assert_int_equal(a[0], IOMMU_PCI_DEVFN(1, 0));
	d.subsys_device = 0x1234;
	assert_int_equal(pciq_dma_aliases(&d, a, 8), 0);
	/* MIC x200: three fixed aliases; counting with max 0 works. */
	d = (struct iommu_pci_info){ .vendor = 0x8086, .device = 0x2260 };
	assert_int_equal(pciq_dma_aliases(&d, NULL, 0), 3);
	d = (struct iommu_pci_info){ .vendor = 0x8086, .device = 0x2954 };
	assert_int_equal(pciq_dma_aliases(&d, a, 8), 160);

	/* ASM1083: PCIe-to-PCI bridge in disguise. */
	d = (struct iommu_pci_info){ .vendor = 0x1b21, .device = 0x1080, .header_type = 1,
				     .pcie_type = IOMMU_PCIE_NONE };
	assert_true(pciq_pcie_bridge_alias(&d));
	d.pcie_type = IOMMU_PCIE_PCI_BRIDGE;
	assert_false(pciq_pcie_bridge_alias(&d));
	d = (struct iommu_pci_info){ .vendor = 0x1a03, .device = 0x1150 };
	assert_true(pciq_bridge_no_alias(&d));
	d = (struct iommu_pci_info){ .vendor = 0x14e4, .device = 0x9084 };
	assert_true(pciq_bridge_xlate_root(&d));
}

static void test_api_args(void **state)
{
	struct iommu_topo *t;
	unsigned int io;
	uint32_t id;

	(void)state;
	assert_int_equal(iommu_topo_new(NULL), -EINVAL);
	assert_int_equal(iommu_topo_new(&t), 0);
	assert_int_equal(iommu_topo_add_buffer(t, NULL, "x", 1), -EINVAL);
	assert_int_equal(iommu_topo_add_buffer(NULL, "x", "x", 1), -EINVAL);
	assert_int_equal(iommu_topo_add_file(t, data_path("fw")), -EISDIR);
	assert_int_equal(iommu_topo_add_file(t, "/nonexistent/file"), -ENOENT);
	assert_int_equal(iommu_topo_master_count(t), 0);	/* not finished */
	assert_int_equal(iommu_topo_pci_resolve(t, 0, 0, &io, &id), -EINVAL);
	assert_int_equal(iommu_topo_finish(t), 0);
	assert_int_equal(iommu_topo_finish(t), 0);
	assert_int_equal(iommu_topo_add_buffer(t, "x", "x", 1), -EBUSY);
	assert_null(iommu_topo_master(t, 99));
	iommu_topo_free(t);
	iommu_topo_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_api_args),
		cmocka_unit_test(test_iort_clean),
		cmocka_unit_test(test_iort_bad_refs),
		cmocka_unit_test(test_iort_id_ranges),
		cmocka_unit_test(test_acpi_header_errors),
		cmocka_unit_test(test_dmar),
		cmocka_unit_test(test_ivrs),
		cmocka_unit_test(test_viot),
		cmocka_unit_test(test_lspci_text),
		cmocka_unit_test(test_lspci_text_bad),
		cmocka_unit_test(test_lspci_bridge_loop),
		cmocka_unit_test(test_lspci_hex),
		cmocka_unit_test(test_dt_checks),
		cmocka_unit_test(test_acpi_checks),
		cmocka_unit_test(test_dtb_corrupt),
		cmocka_unit_test(test_quirks),
		cmocka_unit_test(test_fail_nth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
