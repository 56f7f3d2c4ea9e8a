#!/usr/bin/env python3
"""Sum cmocka case counts from meson test logs into 'N passed, N failed'.

Each argument is a meson-logs/testlog.json. A cmocka program reports
'[  PASSED  ] N test(s).' and '[  FAILED  ] N test(s)'; a program that
crashed before its summary, or a test that is not cmocka, counts as one case.
"""
import json, re, sys

passed = failed = 0
for path in sys.argv[1:]:
    with open(path) as f:
        for line in f:
            t = json.loads(line)
            out = (t.get('stdout') or '') + (t.get('stderr') or '')
            p = sum(int(n) for n in re.findall(r'\[  PASSED  \] (\d+) test', out))
            fl = sum(int(n) for n in re.findall(r'\[  FAILED  \] (\d+) test', out))
            ok = t.get('result') in ('OK', 'EXPECTEDFAIL', 'SKIP')
            if p == 0 and fl == 0:
                if ok: passed += 1
                else: failed += 1
                continue
            passed += p
            failed += fl
            if not ok and fl == 0:
                failed += 1
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
