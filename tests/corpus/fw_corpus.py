#!/usr/bin/env python3
"""Corpus tests of iommu topo (src/fw).

- every DTB parses (exit 0) and its masters and iommu-map entries equal what
  an independent route finds: dtc -I dtb -O dts, read by the small DTS
  reader below (status inherited, phandles resolved by dtc's output);
- every lspci file parses and yields the function count SOURCES.md lists;
- every kernel-groups machine's inputs parse, from the hex and the text dump.
Prints cmocka-style summary lines so scripts/summarize.py counts the cases.
Usage: fw_corpus.py IOMMU_TOOL DATA_DIR
"""
import json, os, re, shutil, subprocess, sys

tool, data = sys.argv[1], sys.argv[2]
corpus = os.path.join(data, 'fw', 'corpus')
passed = failed = 0

def result(ok, name, why=''):
    global passed, failed
    if ok:
        passed += 1
        print(f'[       OK ] {name}')
    else:
        failed += 1
        print(f'[  FAILED  ] {name}: {why}')

def topo(*files):
    p = subprocess.run([tool, 'topo', '--json', *files], capture_output=True, text=True)
    return p.returncode, (json.loads(p.stdout) if p.stdout else None), p.stderr

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

if shutil.which('dtc') is None:
    print('dtc missing: DT cross-checks skipped')
else:
    dtdir = os.path.join(corpus, 'dt')
    for f in sorted(os.listdir(dtdir)) + ['../kernel-groups/virt-smmuv3-bridges/firmware.dtb']:
        path = os.path.join(dtdir, f)
        name = 'dt ' + os.path.basename(os.path.dirname(path)) + '/' + os.path.basename(f)
        rc, j, err = topo(path)
        if rc or j is None:
            result(False, name, f'exit {rc}: {err.strip()}')
            continue
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
        result(ok, f'{name} ({len(got_m)} masters, {len(got_maps)} maps)', why)

# lspci: function counts from SOURCES.md
src = open(os.path.join(corpus, 'lspci', 'SOURCES.md')).read()
counts = {}
for line in src.splitlines():
    cols = [c.strip() for c in line.split('|')]
    if len(cols) > 3 and cols[1].startswith('`') and cols[1].endswith('.txt`'):
        f = cols[1].strip('`')
        nums = [c for c in cols if re.fullmatch(r'\d+', c)]
        if nums:
            counts[f] = int(nums[0])
for f in sorted(os.listdir(os.path.join(corpus, 'lspci'))):
    if not f.endswith('.txt'):
        continue
    rc, j, err = topo(os.path.join(corpus, 'lspci', f))
    n = len(j['masters']) if j else -1
    result(rc == 0 and n == counts.get(f), f'lspci {f} ({n} functions, SOURCES.md {counts.get(f)})',
           f'exit {rc} {err.strip()}')

# kernel-groups machines: every input combination parses.
kg = os.path.join(corpus, 'kernel-groups')
for mach in sorted(os.listdir(kg)):
    d = os.path.join(kg, mach)
    if not os.path.isdir(d):
        continue
    fw = [os.path.join(d, 'acpi', x) for x in sorted(os.listdir(os.path.join(d, 'acpi')))] \
        if os.path.isdir(os.path.join(d, 'acpi')) else [os.path.join(d, 'firmware.dtb')]
    part = [l.split() for l in open(os.path.join(d, 'partition.txt')) if not l.startswith('#')]
    nfuncs = sum(len(p) for p in part)
    for dump in ('lspci-xxxx.txt', 'lspci-vvnn.txt'):
        rc, j, err = topo(*fw, os.path.join(d, dump))
        ok = rc == 0 and j is not None and len(j['iommus']) >= 1
        # every function the kernel grouped has an IOMMU
        if ok:
            have = {m['id'] for m in j['masters'] if m['iommus']}
            missing = [x for p in part for x in p if x not in have]
            ok = not missing
            err = f'untranslated: {missing}'
        result(ok, f'kernel-groups {mach} {dump} ({nfuncs} grouped functions translated)', err)

print(f'[  PASSED  ] {passed} test(s).')
if failed:
    print(f'[  FAILED  ] {failed} test(s)')
sys.exit(1 if failed else 0)
