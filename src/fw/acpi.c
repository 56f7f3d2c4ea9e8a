// SPDX-License-Identifier: MIT
/*
 * ACPI tables as found in /sys/firmware/acpi/tables: header checks
 * (signature, length, checksum), then the table's own parser. Tables that
 * say nothing about IOMMUs are skipped with a note.
 */
#include <string.h>
#include "topo_priv.h"

#define ACPI_HDR_LEN	36

struct acpi_parser {
	char sig[5];
	int (*parse)(struct iommu_topo *t, const char *name, const uint8_t *buf, size_t len);
};

static const struct acpi_parser acpi_parsers[] = {
	{ "IORT", fw_iort_parse },
	{ "DMAR", fw_dmar_parse },
	{ "IVRS", fw_ivrs_parse },
	{ "VIOT", fw_viot_parse },
};

/* Signatures we recognise even when the length field is wrong. */
static const char *const acpi_known[] = {
	"IORT", "DMAR", "IVRS", "VIOT", "MCFG", "APIC", "FACP", "DSDT", "SSDT",
	"FACS", "HPET", "SRAT", "SLIT", "BGRT", "FPDT", "SPCR", "GTDT", "PPTT",
	"WAET", "WSMT", "TPM2", "BERT", "HEST", "EINJ", "ERST", "SSDT", "UEFI",
	"DBG2", "SPMI", "CRAT", "CDIT", "PCCT", "NFIT", "HMAT", "LPIT", "PHAT",
	"SDEV", "DBGP", "MSCT", "ASF!", "RSDT", "XSDT", "BOOT", "MSDM", "ECDT",
};

static bool acpi_sig_chars(const uint8_t *s)
{
	for (int i = 0; i < 4; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		      s[i] == '_' || s[i] == '!'))
			return false;
	return true;
}

bool fw_acpi_sniff(const uint8_t *buf, size_t len)
{
	if (len < 8 || !acpi_sig_chars(buf))
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(acpi_known); i++)
		if (!memcmp(buf, acpi_known[i], 4))
			return true;
	/* Unknown signature: only when the header's length is the size. */
	return len >= ACPI_HDR_LEN && fw_le32(buf + 4) == len;
}

int fw_acpi_parse(struct iommu_topo *t, const char *name, const uint8_t *buf, size_t len)
{
	uint32_t tlen;
	uint8_t sum = 0;
	const char *where;
	char sig[5];

	memcpy(sig, buf, 4);
	sig[4] = 0;
	if (len < ACPI_HDR_LEN)
		return fw_diag(t, IOMMU_TOPO_ERROR, "ACPI_TRUNCATED", name,
			       "%s: %zu bytes is shorter than the 36-byte table header",
			       sig, len) ? -ENOMEM : -EINVAL;
	tlen = fw_le32(buf + 4);
	if (tlen < ACPI_HDR_LEN || tlen > len) {
		where = fw_printf(t, "%s:+0x4", name);
		return !where || fw_diag(t, IOMMU_TOPO_ERROR, "ACPI_BAD_LENGTH", where,
					 "%s: header length %u but the file has %zu bytes",
					 sig, tlen, len) ? -ENOMEM : -EINVAL;
	}
	for (uint32_t i = 0; i < tlen; i++)
		sum = (uint8_t)(sum + buf[i]);
	if (sum) {
		where = fw_printf(t, "%s:+0x9", name);
		return !where || fw_diag(t, IOMMU_TOPO_ERROR, "ACPI_BAD_CHECKSUM", where,
					 "%s: checksum byte 0x%02x leaves the table summing "
					 "to 0x%02x, not 0", sig, buf[9], sum) ? -ENOMEM : -EINVAL;
	}
	if (tlen < len && fw_diag(t, IOMMU_TOPO_NOTE, "ACPI_TRAILING", name,
				  "%s: %zu bytes after the table's %u ignored", sig,
				  len - tlen, tlen))
		return -ENOMEM;
	for (size_t i = 0; i < ARRAY_SIZE(acpi_parsers); i++) {
		int ret;

		if (memcmp(sig, acpi_parsers[i].sig, 4))
			continue;
		ret = acpi_parsers[i].parse(t, name, buf, tlen);
		if (!ret) {
			t->acpi_seen = true;
			t->fw_seen = true;
		}
		return ret;
	}
	if (fw_diag(t, IOMMU_TOPO_NOTE, "ACPI_TABLE_SKIPPED", name,
		    "%s table says nothing about IOMMUs; skipped", sig))
		return -ENOMEM;
	t->acpi_seen = true;
	t->fw_seen = true;
	return 0;
}
