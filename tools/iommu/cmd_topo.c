// SPDX-License-Identifier: MIT
/*
 * iommu topo FILE...: what the firmware and PCI inputs say about IOMMUs and
 * their masters, and the groups the IOMMU core forms from them, as text,
 * JSON (schema iommu-topology/1, see docs/topology-json.md) or Graphviz.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "iommu/topo.h"
#include "util/json.h"
#include "commands.h"

/*
 * Names come from the inputs: keep the JSON valid UTF-8 by replacing bytes
 * that are not part of a well-formed sequence. Returns @buf.
 */
static const char *utf8(const char *s, char *buf, size_t len)
{
	size_t o = 0;

	if (!s)
		return NULL;
	for (const unsigned char *p = (const unsigned char *)s; *p && o + 5 < len;) {
		unsigned int n = *p < 0x80 ? 0 : (*p & 0xe0) == 0xc0 ? 1 : (*p & 0xf0) == 0xe0 ? 2
			       : (*p & 0xf8) == 0xf0 ? 3 : 4;
		unsigned int k = 1;

		while (n < 4 && k <= n && (p[k] & 0xc0) == 0x80)
			k++;
		if (n == 4 || k <= n) {
			buf[o++] = '?';
			p++;
			continue;
		}
		memcpy(buf + o, p, n + 1);
		o += n + 1;
		p += n + 1;
	}
	buf[o] = 0;
	return buf;
}

static void jstr(struct iu_json *j, const char *key, const char *val)
{
	static char buf[8192];

	iu_json_str(j, key, utf8(val, buf, sizeof(buf)));
}

static void json_part(struct iu_json *j, const struct iommu_topo *t,
		      const struct iommu_topo_part *p, unsigned int n, const char *key)
{
	iu_json_obj_begin(j, key);
	iu_json_arr_begin(j, "groups");
	for (unsigned int i = 0; i < n; i++) {
		if (p[i].none)
			continue;
		iu_json_arr_begin(j, NULL);
		for (unsigned int k = 0; k < p[i].n; k++)
			jstr(j, NULL, iommu_topo_master(t, p[i].masters[k])->id);
		iu_json_arr_end(j);
	}
	iu_json_arr_end(j);
	iu_json_arr_begin(j, "none");
	for (unsigned int i = 0; i < n; i++)
		for (unsigned int k = 0; p[i].none && k < p[i].n; k++)
			jstr(j, NULL, iommu_topo_master(t, p[i].masters[k])->id);
	iu_json_arr_end(j);
	iu_json_obj_end(j);
}

static void print_json(FILE *f, const struct iommu_topo *t)
{
	const struct iommu_topo_kernel_cmp *kc = iommu_topo_kernel_compare(t);
	struct iu_json j;

	iu_json_init(&j, f);
	iu_json_obj_begin(&j, NULL);
	iu_json_str(&j, "schema", "iommu-topology/1");
	iu_json_arr_begin(&j, "iommus");
	for (size_t i = 0; i < iommu_topo_iommu_count(t); i++) {
		const struct iommu_topo_iommu *m = iommu_topo_iommu(t, i);

		iu_json_obj_begin(&j, NULL);
		jstr(&j, "id", m->id);
		jstr(&j, "compatible", m->compatible);
		jstr(&j, "kind", m->kind);
		iu_json_obj_end(&j);
	}
	iu_json_arr_end(&j);
	iu_json_arr_begin(&j, "masters");
	for (size_t i = 0; i < iommu_topo_master_count(t); i++) {
		const struct iommu_topo_master *m = iommu_topo_master(t, i);

		iu_json_obj_begin(&j, NULL);
		jstr(&j, "id", m->id);
		iu_json_str(&j, "bus", iommu_topo_bus_name(m->bus));
		iu_json_arr_begin(&j, "iommus");
		for (unsigned int r = 0; r < m->nrefs; r++) {
			const struct iommu_topo_ref *ref = &m->refs[r];

			iu_json_obj_begin(&j, NULL);
			jstr(&j, "iommu", iommu_topo_iommu(t, ref->iommu)->id);
			iu_json_arr_begin(&j, "args");
			for (unsigned int s = 0; s < ref->nspecs; s++) {
				iu_json_arr_begin(&j, NULL);
				for (unsigned int c = 0; c < ref->ncells; c++)
					iu_json_u64(&j, NULL, ref->cells[s * ref->ncells + c]);
				iu_json_arr_end(&j);
			}
			iu_json_arr_end(&j);
			iu_json_obj_end(&j);
		}
		iu_json_arr_end(&j);
		if (m->group >= 0)
			iu_json_u64(&j, "group", iommu_topo_group(t, (size_t)m->group)->id);
		else
			iu_json_null(&j, "group");
		if (m->no_group)
			jstr(&j, "no_group", m->no_group);
		if (m->kernel_group >= 0)
			iu_json_i64(&j, "kernel_group", m->kernel_group);
		iu_json_obj_end(&j);
	}
	iu_json_arr_end(&j);
	iu_json_arr_begin(&j, "pci_maps");
	for (size_t i = 0; i < iommu_topo_pci_map_count(t); i++) {
		const struct iommu_topo_pci_map *m = iommu_topo_pci_map(t, i);

		iu_json_obj_begin(&j, NULL);
		jstr(&j, "host", m->host);
		iu_json_u64(&j, "rid_base", m->rid_base);
		jstr(&j, "iommu", iommu_topo_iommu(t, m->iommu)->id);
		iu_json_u64(&j, "id_base", m->id_base);
		iu_json_u64(&j, "length", m->length);
		iu_json_u64(&j, "mask", m->mask);
		iu_json_obj_end(&j);
	}
	iu_json_arr_end(&j);
	iu_json_arr_begin(&j, "groups");
	for (size_t i = 0; i < iommu_topo_group_count(t); i++) {
		const struct iommu_topo_group *g = iommu_topo_group(t, i);

		iu_json_obj_begin(&j, NULL);
		iu_json_u64(&j, "id", g->id);
		jstr(&j, "iommu", iommu_topo_iommu(t, g->iommu)->id);
		iu_json_arr_begin(&j, "devices");
		for (unsigned int d = 0; d < g->ndevices; d++)
			jstr(&j, NULL, iommu_topo_master(t, g->devices[d])->id);
		iu_json_arr_end(&j);
		jstr(&j, "reason", g->reason);
		iu_json_obj_end(&j);
	}
	iu_json_arr_end(&j);
	iu_json_arr_begin(&j, "probe_order");
	for (size_t i = 0; i < iommu_topo_probe_count(t); i++) {
		const struct iommu_topo_probe *p = iommu_topo_probe(t, i);

		iu_json_obj_begin(&j, NULL);
		jstr(&j, "device", p->device);
		iu_json_bool(&j, "iommu", p->is_iommu);
		if (p->supplier >= 0)
			jstr(&j, "after", iommu_topo_iommu(t, (size_t)p->supplier)->id);
		else
			iu_json_null(&j, "after");
		iu_json_u64(&j, "deferrals", p->deferrals);
		if (p->error)
			iu_json_i64(&j, "error", p->error);
		iu_json_obj_end(&j);
	}
	iu_json_arr_end(&j);
	if (kc) {
		iu_json_obj_begin(&j, "kernel_groups");
		iu_json_u64(&j, "devices", kc->devices);
		iu_json_u64(&j, "placed", kc->placed);
		iu_json_bool(&j, "equal", !kc->ndiffs);
		iu_json_arr_begin(&j, "differences");
		for (unsigned int i = 0; i < kc->ndiffs; i++) {
			iu_json_obj_begin(&j, NULL);
			json_part(&j, t, kc->diffs[i].kernel, kc->diffs[i].nkernel, "kernel");
			json_part(&j, t, kc->diffs[i].predicted, kc->diffs[i].npredicted, "predicted");
			iu_json_obj_end(&j);
		}
		iu_json_arr_end(&j);
		iu_json_obj_end(&j);
	} else {
		iu_json_null(&j, "kernel_groups");
	}
	iu_json_arr_begin(&j, "diagnostics");
	for (size_t i = 0; i < iommu_topo_diag_count(t); i++) {
		const struct iommu_topo_diag *d = iommu_topo_diag(t, i);

		iu_json_obj_begin(&j, NULL);
		iu_json_str(&j, "severity", iommu_topo_severity_name(d->severity));
		jstr(&j, "where", d->where);
		jstr(&j, "code", d->code);
		jstr(&j, "message", d->message);
		iu_json_obj_end(&j);
	}
	iu_json_arr_end(&j);
	iu_json_obj_end(&j);
	iu_json_end(&j);
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

static void print_part(FILE *f, const struct iommu_topo *t, const struct iommu_topo_part *p,
		       unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		fprintf(f, " %s{", p[i].none ? "no group " : "");
		for (unsigned int k = 0; k < p[i].n; k++)
			fprintf(f, "%s%s", k ? " " : "", iommu_topo_master(t, p[i].masters[k])->id);
		fprintf(f, "}");
	}
}

static void print_text(FILE *f, const struct iommu_topo *t)
{
	const struct iommu_topo_kernel_cmp *kc = iommu_topo_kernel_compare(t);
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
		if (m->group >= 0)
			fprintf(f, "  group %u", iommu_topo_group(t, (size_t)m->group)->id);
		else if (m->no_group)
			fprintf(f, "  no group: %s", m->no_group);
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
	n = iommu_topo_group_count(t);
	fprintf(f, "Groups (%zu, formed by the IOMMU core):\n", n);
	for (size_t i = 0; i < n; i++) {
		const struct iommu_topo_group *g = iommu_topo_group(t, i);

		fprintf(f, "  group %u on %s:", g->id, iommu_topo_iommu(t, g->iommu)->id);
		for (unsigned int d = 0; d < g->ndevices; d++)
			fprintf(f, " %s", iommu_topo_master(t, g->devices[d])->id);
		fprintf(f, "\n      why: %s\n", g->reason);
	}
	n = iommu_topo_probe_count(t);
	if (n)
		fprintf(f, "Probe order (device links: an IOMMU binds before its masters):\n");
	for (size_t i = 0; i < n; i++) {
		const struct iommu_topo_probe *p = iommu_topo_probe(t, i);

		fprintf(f, "  %4zu  %s", i + 1, p->device);
		if (p->is_iommu)
			fprintf(f, "  (IOMMU)");
		if (p->supplier >= 0)
			fprintf(f, "  after %s", iommu_topo_iommu(t, (size_t)p->supplier)->id);
		if (p->error)
			fprintf(f, "  NOT BOUND: its probe failed (%s)", strerror(-p->error));
		fputc('\n', f);
	}
	if (kc) {
		fprintf(f, "Kernel groups (the input's \"IOMMU group:\" lines): %u PCI functions, "
			"%u placed as the kernel did, %u difference%s%s\n", kc->devices, kc->placed,
			kc->ndiffs, kc->ndiffs == 1 ? "" : "s", kc->ndiffs ? ":" : "");
		for (unsigned int i = 0; i < kc->ndiffs; i++) {
			fprintf(f, "  kernel:");
			print_part(f, t, kc->diffs[i].kernel, kc->diffs[i].nkernel);
			fprintf(f, "\n   model:");
			print_part(f, t, kc->diffs[i].predicted, kc->diffs[i].npredicted);
			fputc('\n', f);
		}
	}
	n = iommu_topo_diag_count(t);
	if (n)
		fprintf(f, "Diagnostics (%zu):\n", n);
	for (size_t i = 0; i < n; i++) {
		const struct iommu_topo_diag *d = iommu_topo_diag(t, i);

		fprintf(f, "  %s %s: %s%s%s\n", iommu_topo_severity_name(d->severity), d->code,
			d->where, *d->where ? ": " : "", d->message);
	}
}

/* A quoted Graphviz string: @s escaped, then @extra as is (NULL: none). */
static void dot_str(FILE *f, const char *s, const char *extra)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		if ((unsigned char)*s >= 0x20)
			fputc(*s, f);
	}
	if (extra)
		fputs(extra, f);
	fputc('"', f);
}

static void dot_id(FILE *f, const char *s)
{
	dot_str(f, s, NULL);
}

static void dot_master(FILE *f, const struct iommu_topo_master *m, const char *indent)
{
	fprintf(f, "%s", indent);
	dot_id(f, m->id);
	fprintf(f, " [shape=%s%s", m->bus == IOMMU_TOPO_BUS_PCI ? "ellipse" : "box",
		m->no_group ? ", style=dashed, color=red" : "");
	/* PCI functions: vendor:device and class under the address. */
	if (m->pci) {
		char extra[48];

		snprintf(extra, sizeof(extra), "\\n%04x:%04x [%04x]", m->pci->vendor,
			 m->pci->device, m->pci->class_code >> 8);
		fprintf(f, ", label=");
		dot_str(f, m->id, extra);
	}
	fprintf(f, "];\n");
}

/*
 * Graphviz: IOMMUs (3D boxes), groups as clusters of their devices, PCI
 * segments (trapezia) and bridges as the bus tree (grey edges), masters to
 * their IOMMU (labelled with the first ID).
 */
static void print_dot(FILE *f, const struct iommu_topo *t)
{
	size_t nm = iommu_topo_master_count(t);
	uint32_t segs[64];
	size_t nsegs = 0;

	fprintf(f, "digraph iommu_topology {\n  rankdir=LR;\n  node [fontsize=10];\n"
		"  edge [fontsize=8];\n");
	for (size_t i = 0; i < iommu_topo_iommu_count(t); i++) {
		const struct iommu_topo_iommu *m = iommu_topo_iommu(t, i);

		fprintf(f, "  ");
		dot_id(f, m->id);
		fprintf(f, " [shape=box3d, style=filled, fillcolor=lightblue, label=");
		dot_id(f, m->id);
		fprintf(f, "];\n");
	}
	for (size_t i = 0; i < iommu_topo_group_count(t); i++) {
		const struct iommu_topo_group *g = iommu_topo_group(t, i);

		char head[32];

		/* The cluster's label says which rule grouped its devices. */
		snprintf(head, sizeof(head), "group %u: ", g->id);
		fprintf(f, "  subgraph cluster_group%u {\n    label=", g->id);
		dot_str(f, head, NULL);
		fprintf(f, " + ");
		dot_str(f, g->reason, NULL);
		fprintf(f, ";\n    style=filled; fillcolor=\"#f4f4e8\"; fontsize=9;\n");
		for (unsigned int d = 0; d < g->ndevices; d++)
			dot_master(f, iommu_topo_master(t, g->devices[d]), "    ");
		fprintf(f, "  }\n");
	}
	for (size_t i = 0; i < nm; i++) {
		const struct iommu_topo_master *m = iommu_topo_master(t, i);

		if (m->group < 0)
			dot_master(f, m, "  ");
	}
	for (size_t i = 0; i < nm; i++) {
		const struct iommu_topo_master *m = iommu_topo_master(t, i);

		if (m->pci && m->pci_parent < 0) {
			bool seen = false;

			for (size_t s = 0; s < nsegs; s++)
				seen |= segs[s] == m->pci->segment;
			if (!seen && nsegs < sizeof(segs) / sizeof(segs[0])) {
				segs[nsegs++] = m->pci->segment;
				fprintf(f, "  \"pci%04x\" [shape=trapezium, label=\"PCI %04x\"];\n",
					m->pci->segment, m->pci->segment);
			}
			fprintf(f, "  \"pci%04x\" -> ", m->pci->segment);
			dot_id(f, m->id);
			fprintf(f, " [color=gray, arrowhead=none];\n");
		} else if (m->pci_parent >= 0) {
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
		"  Several files combine (e.g. an IORT and an lspci dump).\n"
		"  Shows every master's IOMMU, IDs and group, every group's members and\n"
		"  the rule that grouped them, the probe order the device links imply,\n"
		"  and, when an lspci text carries \"IOMMU group:\" lines, every\n"
		"  difference between the kernel's groups and the prediction.\n");
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

int topo_parse_args(int argc, char **argv, const char *cmd, const char *const *flags,
		    unsigned int *set, void (*print_usage)(FILE *f), char ***files, int *nfiles)
{
	bool dashdash = false;

	*set = 0;
	*nfiles = 0;
	*files = calloc((size_t)argc, sizeof(**files));
	if (!*files) {
		fprintf(stderr, "iommu %s: out of memory\n", cmd);
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		int f = -1;

		if (dashdash || argv[i][0] != '-' || !argv[i][1]) {
			(*files)[(*nfiles)++] = argv[i];
			continue;
		}
		if (!strcmp(argv[i], "--")) {
			dashdash = true;
			continue;
		}
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			print_usage(stdout);
			goto out_zero;
		}
		for (int k = 0; flags[k]; k++)
			if (!strcmp(argv[i], flags[k]))
				f = k;
		if (f < 0) {
			fprintf(stderr, "iommu %s: unknown option '%s'\n", cmd, argv[i]);
			print_usage(stderr);
			goto out_two;
		}
		*set |= 1u << f;
	}
	if (!*nfiles) {
		fprintf(stderr, "iommu %s: no input files\n", cmd);
		print_usage(stderr);
		goto out_two;
	}
	return -1;
out_zero:
	free(*files);
	*files = NULL;
	return 0;
out_two:
	free(*files);
	*files = NULL;
	return 2;
}

int cmd_topo(int argc, char **argv)
{
	static const char *const flags[] = { "--json", "--dot", NULL };
	enum { TEXT, JSON, DOT } fmt = TEXT;
	struct iommu_topo *t;
	char **files;
	unsigned int set;
	int nfiles, ret;

	ret = topo_parse_args(argc, argv, "topo", flags, &set, usage, &files, &nfiles);
	if (ret >= 0)
		return ret;
	if (set & 1u)
		fmt = JSON;
	if (set & 2u)
		fmt = DOT;
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
