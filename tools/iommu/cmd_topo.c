// SPDX-License-Identifier: MIT
/*
 * iommu topo FILE...: what the firmware and PCI inputs say about IOMMUs and
 * their masters, as text, JSON (schema iommu-topology/1, see
 * docs/topology-json.md) or Graphviz.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "iommu/topo.h"
#include "commands.h"

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void print_json(FILE *f, const struct iommu_topo *t)
{
	size_t n;

	fprintf(f, "{\n  \"schema\": \"iommu-topology/1\",\n  \"iommus\": [");
	n = iommu_topo_iommu_count(t);
	for (size_t i = 0; i < n; i++) {
		const struct iommu_topo_iommu *m = iommu_topo_iommu(t, i);

		fprintf(f, "%s\n    {\"id\": ", i ? "," : "");
		json_str(f, m->id);
		fprintf(f, ", \"compatible\": ");
		json_str(f, m->compatible);
		fprintf(f, ", \"kind\": ");
		json_str(f, m->kind);
		fprintf(f, "}");
	}
	fprintf(f, "%s],\n  \"masters\": [", n ? "\n  " : "");
	n = iommu_topo_master_count(t);
	for (size_t i = 0; i < n; i++) {
		const struct iommu_topo_master *m = iommu_topo_master(t, i);

		fprintf(f, "%s\n    {\"id\": ", i ? "," : "");
		json_str(f, m->id);
		fprintf(f, ", \"bus\": ");
		json_str(f, iommu_topo_bus_name(m->bus));
		fprintf(f, ", \"iommus\": [");
		for (unsigned int r = 0; r < m->nrefs; r++) {
			const struct iommu_topo_ref *ref = &m->refs[r];

			fprintf(f, "%s{\"iommu\": ", r ? ", " : "");
			json_str(f, iommu_topo_iommu(t, ref->iommu)->id);
			fprintf(f, ", \"args\": [");
			for (unsigned int s = 0; s < ref->nspecs; s++) {
				fprintf(f, "%s[", s ? ", " : "");
				for (unsigned int c = 0; c < ref->ncells; c++)
					fprintf(f, "%s%u", c ? ", " : "",
						ref->cells[s * ref->ncells + c]);
				fprintf(f, "]");
			}
			fprintf(f, "]}");
		}
		/* Groups are the IOMMU core's to compute. */
		fprintf(f, "], \"group\": null}");
	}
	fprintf(f, "%s],\n  \"pci_maps\": [", n ? "\n  " : "");
	n = iommu_topo_pci_map_count(t);
	for (size_t i = 0; i < n; i++) {
		const struct iommu_topo_pci_map *m = iommu_topo_pci_map(t, i);

		fprintf(f, "%s\n    {\"host\": ", i ? "," : "");
		json_str(f, m->host);
		fprintf(f, ", \"rid_base\": %u, \"iommu\": ", m->rid_base);
		json_str(f, iommu_topo_iommu(t, m->iommu)->id);
		fprintf(f, ", \"id_base\": %u, \"length\": %u, \"mask\": %u}", m->id_base,
			m->length, m->mask);
	}
	fprintf(f, "%s],\n  \"groups\": [],\n  \"diagnostics\": [", n ? "\n  " : "");
	n = iommu_topo_diag_count(t);
	for (size_t i = 0; i < n; i++) {
		const struct iommu_topo_diag *d = iommu_topo_diag(t, i);

		fprintf(f, "%s\n    {\"severity\": ", i ? "," : "");
		json_str(f, iommu_topo_severity_name(d->severity));
		fprintf(f, ", \"where\": ");
		json_str(f, d->where);
		fprintf(f, ", \"code\": ");
		json_str(f, d->code);
		fprintf(f, ", \"message\": ");
		json_str(f, d->message);
		fprintf(f, "}");
	}
	fprintf(f, "%s]\n}\n", n ? "\n  " : "");
}

static void print_refs(FILE *f, const struct iommu_topo *t, const struct iommu_topo_master *m)
{
	if (!m->nrefs) {
		fprintf(f, " -> (no IOMMU)");
		return;
	}
	for (unsigned int r = 0; r < m->nrefs; r++) {
		const struct iommu_topo_ref *ref = &m->refs[r];

		fprintf(f, "%s %s", r ? ";" : " ->", iommu_topo_iommu(t, ref->iommu)->id);
		for (unsigned int s = 0; s < ref->nspecs; s++) {
			fprintf(f, " <");
			for (unsigned int c = 0; c < ref->ncells; c++)
				fprintf(f, "%s0x%x", c ? " " : "", ref->cells[s * ref->ncells + c]);
			fprintf(f, ">");
		}
	}
}

static void print_text(FILE *f, const struct iommu_topo *t)
{
	size_t n = iommu_topo_iommu_count(t);

	fprintf(f, "IOMMUs (%zu):\n", n);
	for (size_t i = 0; i < n; i++) {
		const struct iommu_topo_iommu *m = iommu_topo_iommu(t, i);

		fprintf(f, "  %s  [%s] %s, groups per %s%s\n", m->id, m->compatible, m->kind,
			iommu_topo_policy_name(m->group_policy), m->known ? "" : " (generic)");
	}
	n = iommu_topo_master_count(t);
	fprintf(f, "Masters (%zu):\n", n);
	for (size_t i = 0; i < n; i++) {
		const struct iommu_topo_master *m = iommu_topo_master(t, i);

		fprintf(f, "  %s (%s)", m->id, iommu_topo_bus_name(m->bus));
		print_refs(f, t, m);
		if (m->kernel_group >= 0)
			fprintf(f, "  [kernel group %d]", m->kernel_group);
		fputc('\n', f);
	}
	n = iommu_topo_pci_map_count(t);
	if (n)
		fprintf(f, "PCI maps (%zu):\n", n);
	for (size_t i = 0; i < n; i++) {
		const struct iommu_topo_pci_map *m = iommu_topo_pci_map(t, i);

		fprintf(f, "  %s: rid 0x%x+0x%x -> %s id 0x%x (mask 0x%x)\n", m->host, m->rid_base,
			m->length, iommu_topo_iommu(t, m->iommu)->id, m->id_base, m->mask);
	}
	fprintf(f, "Groups: computed by the IOMMU core (not available in this build)\n");
	n = iommu_topo_diag_count(t);
	if (n)
		fprintf(f, "Diagnostics (%zu):\n", n);
	for (size_t i = 0; i < n; i++) {
		const struct iommu_topo_diag *d = iommu_topo_diag(t, i);

		fprintf(f, "  %s %s: %s: %s\n", iommu_topo_severity_name(d->severity), d->code,
			d->where, d->message);
	}
}

static void dot_id(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void print_dot(FILE *f, const struct iommu_topo *t)
{
	fprintf(f, "digraph iommu_topology {\n  rankdir=LR;\n  node [fontsize=10];\n");
	for (size_t i = 0; i < iommu_topo_iommu_count(t); i++) {
		const struct iommu_topo_iommu *m = iommu_topo_iommu(t, i);

		fprintf(f, "  ");
		dot_id(f, m->id);
		fprintf(f, " [shape=box3d, style=filled, fillcolor=lightblue, label=");
		dot_id(f, m->id);
		fprintf(f, "];\n");
	}
	for (size_t i = 0; i < iommu_topo_master_count(t); i++) {
		const struct iommu_topo_master *m = iommu_topo_master(t, i);

		fprintf(f, "  ");
		dot_id(f, m->id);
		fprintf(f, " [shape=%s];\n", m->bus == IOMMU_TOPO_BUS_PCI ? "ellipse" : "box");
		if (m->pci_parent >= 0) {
			fprintf(f, "  ");
			dot_id(f, iommu_topo_master(t, (size_t)m->pci_parent)->id);
			fprintf(f, " -> ");
			dot_id(f, m->id);
			fprintf(f, " [color=gray, arrowhead=none];\n");
		}
		for (unsigned int r = 0; r < m->nrefs; r++) {
			fprintf(f, "  ");
			dot_id(f, m->id);
			fprintf(f, " -> ");
			dot_id(f, iommu_topo_iommu(t, m->refs[r].iommu)->id);
			if (m->refs[r].ncells && m->refs[r].nspecs)
				fprintf(f, " [label=\"0x%x%s\"]", m->refs[r].cells[0],
					m->refs[r].nspecs > 1 ? ",..." : "");
			fprintf(f, ";\n");
		}
	}
	fprintf(f, "}\n");
}

static void usage(FILE *f)
{
	fprintf(f, "usage: iommu topo [--json | --dot] FILE...\n"
		"  FILE: a device tree blob, ACPI tables (IORT, DMAR, IVRS, VIOT; others\n"
		"        are skipped), lspci -xxx/-xxxx hex or lspci -vvnn text.\n"
		"  Several files combine (e.g. an IORT and an lspci dump).\n");
}

/*
 * Load every file into a new, finished topology (shared with iommu check).
 * Each file that cannot be read or parsed is reported on stderr.
 * Return: number of files rejected (>= 0), or -1 when nothing can be shown.
 */
int topo_load(struct iommu_topo **out, const char *cmd, char **files, int nfiles)
{
	struct iommu_topo *t;
	int bad = 0, ret;

	if (iommu_topo_new(&t)) {
		fprintf(stderr, "iommu %s: out of memory\n", cmd);
		return -1;
	}
	for (int i = 0; i < nfiles; i++) {
		size_t before = iommu_topo_diag_count(t);

		ret = iommu_topo_add_file(t, files[i]);
		if (ret == -ENOMEM)
			goto nomem;
		if (ret < 0) {
			bad++;
			/* Name the problem now: the summary may not be read. */
			for (size_t d = before; d < iommu_topo_diag_count(t); d++) {
				const struct iommu_topo_diag *dg = iommu_topo_diag(t, d);

				if (dg->severity == IOMMU_TOPO_ERROR)
					fprintf(stderr, "iommu %s: %s: %s: %s\n", cmd, files[i],
						dg->code, dg->message);
			}
		}
	}
	if (iommu_topo_finish(t))
		goto nomem;
	*out = t;
	return bad;
nomem:
	fprintf(stderr, "iommu %s: out of memory\n", cmd);
	iommu_topo_free(t);
	return -1;
}

int cmd_topo(int argc, char **argv)
{
	enum { TEXT, JSON, DOT } fmt = TEXT;
	struct iommu_topo *t;
	char **files = calloc((size_t)argc, sizeof(*files));
	int nfiles = 0, ret;
	bool dashdash = false;

	if (!files)
		return 1;
	for (int i = 1; i < argc; i++) {
		if (dashdash || argv[i][0] != '-' || !argv[i][1]) {
			files[nfiles++] = argv[i];
		} else if (!strcmp(argv[i], "--json")) {
			fmt = JSON;
		} else if (!strcmp(argv[i], "--dot")) {
			fmt = DOT;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			free(files);
			return 0;
		} else if (!strcmp(argv[i], "--")) {
			dashdash = true;
		} else {
			fprintf(stderr, "iommu topo: unknown option '%s'\n", argv[i]);
			usage(stderr);
			free(files);
			return 2;
		}
	}
	if (!nfiles) {
		fprintf(stderr, "iommu topo: no input files\n");
		usage(stderr);
		free(files);
		return 2;
	}
	ret = topo_load(&t, "topo", files, nfiles);
	free(files);
	if (ret < 0)
		return 1;
	if (fmt == JSON)
		print_json(stdout, t);
	else if (fmt == DOT)
		print_dot(stdout, t);
	else
		print_text(stdout, t);
	iommu_topo_free(t);
	return ret > 0 ? 1 : 0;
}
