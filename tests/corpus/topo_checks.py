"""Checks shared by the corpus tests of iommu topo: the JSON schema
(iommu-topology/1, docs/topology-json.md) and a DTB's masters and iommu-map
entries against an independent route, dtc's own decompilation."""
import re, subprocess

def check_schema(j):
    """iommu-topology/1: types, and every cross reference resolves."""
    keys = ['schema', 'iommus', 'masters', 'pci_maps', 'groups', 'probe_order',
            'kernel_groups', 'diagnostics']
    if list(j.keys()) != keys or j['schema'] != 'iommu-topology/1':
        return f'top-level keys {list(j.keys())}'
    iommus = {i['id'] for i in j['iommus']}
    if any(set(i) != {'id', 'compatible', 'kind'} for i in j['iommus']):
        return 'iommus entry keys'
    gids = {g['id']: g for g in j['groups']}
    masters = {}
    for m in j['masters']:
        if not {'id', 'bus', 'iommus', 'group'} <= set(m) or \
           m['bus'] not in ('platform', 'amba', 'dt', 'pci', 'acpi'):
            return f'master {m.get("id")}'
        masters[m['id']] = m
        for r in m['iommus']:
            if r['iommu'] not in iommus or not all(isinstance(a, list) for a in r['args']):
                return f'master {m["id"]} iommus'
        if m['group'] is not None and m['group'] not in gids:
            return f'master {m["id"]} group {m["group"]}'
    for g in j['groups']:
        if set(g) != {'id', 'iommu', 'devices', 'reason'} or g['iommu'] not in iommus:
            return f'group {g.get("id")}'
        for d in g['devices']:
            if d not in masters or masters[d]['group'] != g['id']:
                return f'group {g["id"]} member {d}'
    for x in j['pci_maps']:
        if set(x) != {'host', 'rid_base', 'iommu', 'id_base', 'length', 'mask'}:
            return 'pci_maps keys'
    for p in j['probe_order']:
        if not {'device', 'iommu', 'after', 'deferrals'} <= set(p) or \
           (p['after'] is not None and p['after'] not in iommus):
            return f'probe_order {p}'
    k = j['kernel_groups']
    if k is not None and (set(k) != {'devices', 'placed', 'equal', 'differences'} or
                          k['equal'] != (not k['differences'])):
        return 'kernel_groups'
    for d in j['diagnostics']:
        if set(d) != {'severity', 'where', 'code', 'message'} or \
           d['severity'] not in ('note', 'warning', 'error'):
            return 'diagnostics'
    return ''

def cells(v):
    """'<0x1 0x2>, <0x3>' -> [1, 2, 3] (numbers and &labels as strings)."""
    out = []
    for grp in re.findall(r'<([^>]*)>', v):
        for tok in grp.split():
            out.append(int(tok, 0) if re.match(r'^(0x[0-9a-fA-F]+|\d+)$', tok) else tok)
    return out

def read_dts(text):
    """Nodes as {path: {prop: raw value}} from dtc's canonical output."""
    nodes, stack = {}, []
    for line in text.splitlines():
        s = line.strip()
        m = re.match(r'^(?:[\w-]+:\s*)*([^\s{]+)\s*\{$', s)
        if m:
            name = m.group(1)
            path = '/' if name == '/' else (stack[-1].rstrip('/') + '/' + name)
            stack.append(path)
            nodes[path] = {}
            continue
        if s == '};':
            stack.pop()
            continue
        m = re.match(r'^([#\w,.+-]+)\s*=\s*(.*);$', s)
        if m and stack:
            nodes[stack[-1]][m.group(1)] = m.group(2)
        elif re.match(r'^[#\w,.+-]+;$', s) and stack:
            nodes[stack[-1]][s[:-1]] = ''
    return nodes

def enabled(nodes, path):
    p = path
    while True:
        st = nodes.get(p, {}).get('status')
        if st is not None and st.strip('"') not in ('okay', 'ok'):
            return False
        if p == '/':
            return True
        p = p.rsplit('/', 1)[0] or '/'

def dt_check(path, j):
    """Masters and pci_maps of our JSON against dtc -I dtb -O dts.
    Returns (ok, why, number of masters, number of maps)."""
    dts = subprocess.run(['dtc', '-q', '-I', 'dtb', '-O', 'dts', path],
                         capture_output=True, text=True).stdout
    nodes = read_dts(dts)
    phandles = {int(v['phandle'].strip('<>'), 0): p for p, v in nodes.items() if 'phandle' in v}
    want_m = sorted(p for p, v in nodes.items() if 'iommus' in v and enabled(nodes, p))
    got_m = sorted(m['id'] for m in j['masters'])
    # Specifier cells, flattened per master, as dtc shows them.
    ok = want_m == got_m
    why = '' if ok else f'masters differ: dtc {len(want_m)} ours {len(got_m)}'
    for m in j['masters'] if ok else []:
        raw = cells(nodes[m['id']]['iommus'])
        ours = []
        for ref in m['iommus']:
            for spec in ref['args']:
                ours.append((ref['iommu'], spec))
        # Rebuild dtc's list with the cell counts we found per IOMMU.
        ncell = {r['iommu']: (len(r['args'][0]) if r['args'] else 0) for r in m['iommus']}
        theirs, i = [], 0
        while i < len(raw):
            tgt = phandles.get(raw[i])
            if tgt is None or tgt not in ncell:
                # disabled or unresolved IOMMU: skip using its #iommu-cells
                n = int(nodes.get(tgt, {}).get('#iommu-cells', '<0>').strip('<>'), 0) if tgt else 0
                i += 1 + n
                continue
            theirs.append((tgt, raw[i + 1:i + 1 + ncell[tgt]]))
            i += 1 + ncell[tgt]
        if sorted(map(str, theirs)) != sorted(map(str, ours)):
            ok, why = False, f'{m["id"]}: iommus {theirs} vs {ours}'
            break
    want_maps = []
    for p, v in nodes.items():
        if 'iommu-map' in v and enabled(nodes, p):
            c = cells(v['iommu-map'])
            mask = cells(v['iommu-map-mask'])[0] if 'iommu-map-mask' in v else 0xffffffff
            for k in range(0, len(c) - 3, 4):
                if phandles.get(c[k + 1]) and enabled(nodes, phandles[c[k + 1]]):
                    want_maps.append((p, c[k], phandles[c[k + 1]], c[k + 2], c[k + 3], mask))
    got_maps = [(x['host'], x['rid_base'], x['iommu'], x['id_base'], x['length'], x['mask'])
                for x in j['pci_maps']]
    if ok and sorted(want_maps) != sorted(got_maps):
        ok, why = False, f'pci_maps {want_maps} vs {got_maps}'
    return ok, why, len(got_m), len(got_maps)
