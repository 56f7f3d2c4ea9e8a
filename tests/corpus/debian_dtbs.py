#!/usr/bin/env python3
"""Corpus test over Debian's arm64 kernel device trees (~580 DTBs).

Every DTB shipped in Debian's linux-image-*-arm64 package must parse with
`iommu topo --json` (exit 0, no crash), its masters and iommu-map entries
must equal what dtc's own decompilation shows, and its JSON must follow
schema iommu-topology/1.

The package is fetched once with apt (a private apt state for arm64 in the
cache directory, so the machine's own apt configuration is not touched),
its DTBs extracted there and the .deb and package lists dropped; later runs
reuse them. Without apt, the network or the archive the test skips (exit
77, meson's "skipped"). IOMMU_DEBIAN_DTBS=DIR uses DTBs from DIR instead;
IOMMU_TEST_OFFLINE=1 skips any download.

Usage: debian_dtbs.py test IOMMU_TOOL CACHE_DIR
       debian_dtbs.py fetch CACHE_DIR     (prints the DTB directory; exit 77
                                          when they cannot be had)
"""
import glob, json, os, shutil, subprocess, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from topo_checks import check_schema, dt_check  # noqa: E402

SKIP = 77


def log(msg):
    print(msg, flush=True)


def fetch(cache):
    """The directory holding the DTBs, or None (with the reason printed)."""
    env = os.environ.get('IOMMU_DEBIAN_DTBS')
    if env:
        return env if glob.glob(os.path.join(env, '**', '*.dtb'), recursive=True) else None
    dtbs = os.path.join(cache, 'dtbs')
    if os.path.exists(os.path.join(dtbs, 'SOURCE')):
        return dtbs
    if os.environ.get('IOMMU_TEST_OFFLINE'):
        log('IOMMU_TEST_OFFLINE set: no download')
        return None
    for prog in ('apt-get', 'apt-cache', 'dpkg-deb', 'tar'):
        if not shutil.which(prog):
            log(f'{prog} missing: cannot fetch Debian\'s arm64 kernel package')
            return None
    os.makedirs(cache, exist_ok=True)
    work = tempfile.mkdtemp(prefix='apt-', dir=cache)
    try:
        for d in ('lists/partial', 'cache/archives/partial'):
            os.makedirs(os.path.join(work, d))
        open(os.path.join(work, 'status'), 'w').close()
        opts = ['-q', '-o', 'APT::Architecture=arm64', '-o', 'APT::Architectures::=arm64',
                '-o', 'Dir::State::Lists=' + os.path.join(work, 'lists'),
                '-o', 'Dir::Cache=' + os.path.join(work, 'cache'),
                '-o', 'Dir::State::status=' + os.path.join(work, 'status'),
                '-o', 'Debug::NoLocking=1', '-o', 'Acquire::Retries=1',
                '-o', 'Acquire::http::Timeout=30']
        def run(cmd, timeout):
            return subprocess.run(cmd, cwd=work, capture_output=True, text=True,
                                  timeout=timeout)
        try:
            p = run(['apt-get', *opts, 'update'], 120)
            if p.returncode:
                log('apt-get update (arm64 lists) failed: ' + p.stderr.strip()[-300:])
                return None
            p = run(['apt-cache', *opts, 'depends', 'linux-image-arm64'], 60)
            pkg = [l.split(':', 1)[1].strip() for l in p.stdout.splitlines()
                   if l.strip().startswith('Depends:') and 'linux-image-' in l]
            if p.returncode or not pkg:
                log('no linux-image-arm64 in the archive: ' + p.stderr.strip()[-300:])
                return None
            p = run(['apt-get', *opts, 'download', pkg[0]], 300)
            debs = glob.glob(os.path.join(work, '*.deb'))
            if p.returncode or not debs:
                log(f'apt-get download {pkg[0]} failed: ' + p.stderr.strip()[-300:])
                return None
        except subprocess.TimeoutExpired as e:
            log(f'timed out: {e.cmd[0]}')
            return None
        out = os.path.join(work, 'x')
        os.makedirs(out)
        deb = subprocess.Popen(['dpkg-deb', '--fsys-tarfile', debs[0]], stdout=subprocess.PIPE)
        tar = subprocess.run(['tar', '-x', '-C', out, '--wildcards', '*.dtb'], stdin=deb.stdout,
                             capture_output=True, text=True)
        deb.stdout.close()
        if deb.wait() or tar.returncode:
            log('extracting the DTBs failed: ' + tar.stderr.strip()[-300:])
            return None
        found = glob.glob(os.path.join(out, '**', '*.dtb'), recursive=True)
        if not found:
            log('the package holds no DTBs')
            return None
        shutil.rmtree(dtbs, ignore_errors=True)
        roots = glob.glob(os.path.join(out, 'usr', 'lib', 'linux-image-*'))
        shutil.move(roots[0] if len(roots) == 1 else out, dtbs)
        with open(os.path.join(dtbs, 'SOURCE'), 'w') as f:
            f.write(f'{os.path.basename(debs[0])}: {len(found)} DTBs\n')
        return dtbs
    finally:
        shutil.rmtree(work, ignore_errors=True)


def test(tool, cache):
    d = fetch(cache)
    if not d:
        log('Debian arm64 DTBs not available: test skipped')
        return SKIP
    files = sorted(glob.glob(os.path.join(d, '**', '*.dtb'), recursive=True))
    src = open(os.path.join(d, 'SOURCE')).read().strip() if os.path.exists(
        os.path.join(d, 'SOURCE')) else d
    log(f'{len(files)} DTBs from {src}')
    have_dtc = shutil.which('dtc') is not None
    failed, masters, maps, groups = [], 0, 0, 0
    for f in files:
        name = os.path.relpath(f, d)
        p = subprocess.run([tool, 'topo', '--json', f], capture_output=True, text=True)
        if p.returncode or not p.stdout:
            failed.append(f'{name}: exit {p.returncode}: {p.stderr.strip()[-200:]}')
            continue
        j = json.loads(p.stdout)
        why = check_schema(j)
        if not why and have_dtc:
            ok, why, nm, nmaps = dt_check(f, j)
            why = '' if ok else why
        if why:
            failed.append(f'{name}: {why}')
            continue
        masters += len(j['masters'])
        maps += len(j['pci_maps'])
        groups += len(j['groups'])
    for x in failed:
        print(f'[  FAILED  ] {x}')
    ok = len(files) - len(failed)
    print(f'[       OK ] {ok} of {len(files)} Debian arm64 DTBs: exit 0, schema ok'
          f'{", masters and maps as dtc shows them" if have_dtc else " (dtc missing)"}; '
          f'{masters} masters, {maps} iommu-map entries, {groups} groups')
    print(f'[  PASSED  ] {1 if not failed else 0} test(s).')
    if failed:
        print('[  FAILED  ] 1 test(s)')
    return 1 if failed else 0


if __name__ == '__main__':
    if len(sys.argv) == 3 and sys.argv[1] == 'fetch':
        d = fetch(sys.argv[2])
        if d:
            print(d)
        sys.exit(0 if d else SKIP)
    if len(sys.argv) == 4 and sys.argv[1] == 'test':
        sys.exit(test(sys.argv[2], sys.argv[3]))
    print(__doc__, file=sys.stderr)
    sys.exit(2)
