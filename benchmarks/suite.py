"""Wall time of the conformance suite: figures to print, not a timed test.

    python -m benchmarks.suite [--runs 3] [--hang PATH]

- the whole suite on the bundled reference (goal: <= 3 s on 2 cores for the server checks of issue 3),
  median of --runs runs, and the same for the file-shape and server checks alone;
- the whole suite on a submission whose every method hangs (goal: <= 30 s), once;
- where the time goes: check time summed per group (from the checks' own durations).
Each run is `chatroom-check PATH --json` in a fresh process, as a user would run it.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / 'chatroom.py'
ALL_HANG = ROOT / 'tests' / 'submissions' / 'hostile_all_hang.py'
SERVER_SUITE = 'test_structure.py or test_server_tcp.py or test_server_udp.py'


def timed(path, keyword=None):
    argv = [sys.executable, '-m', 'harness.cli', str(path), '--json']
    if keyword:
        argv += ['-k', keyword]
    started = time.monotonic()
    proc = subprocess.run(argv, cwd=str(ROOT), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          timeout=600)
    wall = time.monotonic() - started
    try:
        data = json.loads(proc.stdout)
    except ValueError:
        raise SystemExit('chatroom-check failed on {}: {}'.format(path, proc.stderr[-2000:]))
    return wall, data


def per_group(data):
    groups = {}
    for check in data['checks']:
        groups[check['group']] = groups.get(check['group'], 0.0) + check['duration']
    return ', '.join('{} {:.1f}s'.format(g, t) for g, t in sorted(groups.items(), key=lambda kv: -kv[1]))


def report(label, path, runs, keyword=None):
    walls, last = [], None
    for _ in range(runs):
        wall, last = timed(path, keyword)
        walls.append(wall)
    print('{:<44} median {:5.2f}s  (runs: {})  score {:g}/{:g}, {} checks'.format(
        label, statistics.median(walls), ' '.join('{:.2f}'.format(w) for w in walls), last['score'],
        last['max_score'], len(last['checks'])))
    print('    check time by group: {}'.format(per_group(last)))
    slowest = sorted(last['checks'], key=lambda c: -c['duration'])[:5]
    print('    slowest checks: {}'.format(', '.join('{} {:.2f}s'.format(c['id'], c['duration']) for c in slowest)))
    return statistics.median(walls)


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python -m benchmarks.suite', description=__doc__.splitlines()[0])
    parser.add_argument('--runs', type=int, default=3, help='runs on the reference (the median is shown)')
    parser.add_argument('--hang', default=str(ALL_HANG), help='a submission whose every method hangs')
    args = parser.parse_args(argv)
    print('chatroom-check suite wall time, {} cores, Python {}'.format(os.cpu_count(), sys.version.split()[0]))
    report('reference, server checks (issue 3)', REFERENCE, args.runs, SERVER_SUITE)
    report('reference, whole suite', REFERENCE, args.runs)
    report('all methods hang, whole suite', Path(args.hang), 1)
    print('goals: reference server checks <= 3 s; all-hang <= 30 s')
    return 0


if __name__ == '__main__':
    sys.exit(main())
