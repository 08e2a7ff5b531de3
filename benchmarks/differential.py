"""Benchmark of the differential checks (issue 6), against the bundled reference:

1. steps per second, TCP and UDP: the check itself (harness/checks/test_differential.py, `differential()`)
   run in this process with --depth (the exhaustive part) and --budget random walks per protocol and the
   default seed; the steps are those of harness/explore.plan's scenarios;
2. the wall time the default differential checks add to `chatroom-check`: the full self-check (a
   subprocess, as a user runs it) with the defaults and with --no-differential, --runs times each,
   interleaved; medians, and their difference.

    python -m benchmarks.differential [--depth 2] [--budget 2] [--runs 3] [--skip-check] [--json]

Timings depend on the machine and its load; the checks mostly wait (for the server to be idle after each
step, see harness/scenarios.py), so the figures move little with CPU speed.
"""

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from harness import explore
from harness.fixtures import Run
from harness.plugin import DIFFERENTIAL_BUDGET, DIFFERENTIAL_DEPTH, REFERENCE

ROOT = Path(__file__).resolve().parent.parent
CHECK_MODULE = ROOT / 'harness' / 'checks' / 'test_differential.py'


def check_module():
    """harness/checks/test_differential.py, loaded under a name of its own (it is a pytest module)."""
    spec = importlib.util.spec_from_file_location('harness_bench_differential_check', CHECK_MODULE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Config:
    """What differential() reads from pytest's config."""

    def __init__(self, budget, depth, seed):
        self.options = {'differential_budget': budget, 'differential_depth': depth, 'differential_seed': seed}

    def getoption(self, name):
        return self.options[name]


def throughput(budget, depth, seed=0):
    module = check_module()
    rows = {}
    run = Run(REFERENCE)          # the agent pool and dialects a check run shares (harness/fixtures.py)
    try:
        for protocol in ('tcp', 'udp'):
            scenarios = explore.plan(protocol, depth, budget, seed)
            steps = sum(len(actions) for actions in scenarios)
            started = time.monotonic()
            module.differential(protocol, run.pool, _Config(budget, depth, seed), run.dialects)
            seconds = time.monotonic() - started
            rows[protocol] = {'scenarios': len(scenarios), 'steps': steps, 'seconds': round(seconds, 2),
                              'steps_per_second': round(steps / seconds, 1)}
    finally:
        run.close()
    return rows


def self_check_seconds(*options):
    started = time.monotonic()
    completed = subprocess.run([sys.executable, '-m', 'harness.cli', '--json'] + list(options), cwd=str(ROOT),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=600)
    seconds = time.monotonic() - started
    try:
        checks = json.loads(completed.stdout)['checks']
    except (ValueError, KeyError):
        raise SystemExit('the self-check did not run (exit {}): {}'.format(completed.returncode,
                                                                            completed.stderr[-2000:]))
    failed = ['{} ({})'.format(c['id'], c['message'][:200]) for c in checks
              if c['weight'] > 0 and (c['status'] != 'passed' or c['score'] < c['weight'])
              and not (c['id'].startswith('differential.') and c['status'] == 'skipped')]
    if failed:            # timed all the same, and said: a flaky check is worth knowing about
        print('warning: the self-check{} lost marks: {}'.format(
            ' ' + ' '.join(options) if options else '', '; '.join(failed)), file=sys.stderr)
    return seconds


def added_by_default_budget(runs):
    with_default, without = [], []
    for _ in range(runs):                       # interleaved, so that a change of load hits both alike
        with_default.append(self_check_seconds())
        without.append(self_check_seconds('--no-differential'))
    median_with, median_without = statistics.median(with_default), statistics.median(without)
    return {'default_budget': DIFFERENTIAL_BUDGET, 'default_depth': DIFFERENTIAL_DEPTH, 'runs': runs,
            'with_default_budget': [round(s, 2) for s in with_default],
            'without': [round(s, 2) for s in without],
            'median_with': round(median_with, 2), 'median_without': round(median_without, 2),
            'added_seconds': round(median_with - median_without, 2)}


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python -m benchmarks.differential', description=__doc__.split('\n\n')[0])
    parser.add_argument('--budget', type=int, default=DIFFERENTIAL_BUDGET,
                        help='random walks per protocol for the throughput (default: the check\'s)')
    parser.add_argument('--depth', type=int, default=DIFFERENTIAL_DEPTH,
                        help='depth of the exhaustive part (default: the check\'s)')
    parser.add_argument('--seed', type=int, default=0, help='seed of the scenarios (0, the check\'s default)')
    parser.add_argument('--runs', type=int, default=3, help='self-checks with and without them (3 each)')
    parser.add_argument('--skip-check', action='store_true', help='only the throughput')
    parser.add_argument('--json', action='store_true', help='print the figures as JSON')
    args = parser.parse_args(argv)
    figures = {'throughput': throughput(args.budget, args.depth, args.seed)}
    if not args.skip_check:
        figures['self_check'] = added_by_default_budget(args.runs)
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print('Differential checks against the reference (depth {}, {} random walks per protocol, seed {}):'.format(
        args.depth, args.budget, args.seed))
    for protocol, row in figures['throughput'].items():
        print('  {}: {} scenarios, {} steps in {:.1f} s: {:.1f} steps/s'.format(
            protocol.upper(), row['scenarios'], row['steps'], row['seconds'], row['steps_per_second']))
    if 'self_check' in figures:
        check = figures['self_check']
        print('chatroom-check self-check, median of {} runs: {:.2f} s with the differential checks (depth {}, '
              'budget {}), {:.2f} s with --no-differential: they add {:.2f} s'.format(
                  check['runs'], check['median_with'], check['default_depth'], check['default_budget'],
                  check['median_without'], check['added_seconds']))
        print('  runs with them: {}; without: {}'.format(check['with_default_budget'], check['without']))
    return 0


if __name__ == '__main__':
    sys.exit(main())
