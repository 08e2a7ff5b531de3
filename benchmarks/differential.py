"""Benchmark of the differential checks (issue 6), against the bundled reference:

1. scenarios per second, TCP and UDP: the check itself (harness/checks/test_differential.py, `differential()`)
   run in this process with --budget scenarios per protocol and the default seed; also the steps per
   scenario of those scenarios (the same draws, replayed through the strategy without sockets);
2. the wall time the default budget adds to `chatroom-check`: the full self-check (a subprocess, as a user
   runs it) with the default budget and with --differential-budget 0, --runs times each, interleaved;
   medians, and their difference.

    python -m benchmarks.differential [--budget 30] [--runs 3] [--skip-check] [--json]

Timings depend on the machine and its load; the checks mostly wait (quiet windows of 0.05 s per step and
0.2 s per scenario, see harness/scenarios.py), so the figures move little with CPU speed.
"""

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from harness.fixtures import Run
from harness.plugin import DIFFERENTIAL_BUDGET, REFERENCE

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

    def __init__(self, budget, seed):
        self.options = {'differential_budget': budget, 'differential_seed': seed}

    def getoption(self, name):
        return self.options[name]


def drawn_lengths(module, protocol, budget, seed):
    """The lengths of the scenarios the check draws with this budget and seed (no sockets)."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as with_seed

    from harness.scenarios import action_sequences
    lengths = []

    @settings(max_examples=budget, deadline=None, database=None, derandomize=False, phases=(Phase.generate,),
              print_blob=False, report_multiple_bugs=False, suppress_health_check=list(HealthCheck))
    @with_seed(seed)
    @given(action_sequences(protocol, max_peers=module.MAX_PEERS, max_actions=module.MAX_ACTIONS))
    def record(actions):
        lengths.append(len(actions))

    record()
    return lengths


def throughput(budget, seed=0):
    module = check_module()
    rows = {}
    run = Run(REFERENCE)          # the agent pool and dialects a check run shares (harness/fixtures.py)
    try:
        timed = {protocol: module.differential(protocol, run.pool, _Config(budget, seed), run.dialects)
                 for protocol in ('tcp', 'udp')}
    finally:
        run.close()
    for protocol, seconds in timed.items():
        lengths = drawn_lengths(module, protocol, budget, seed)
        rows[protocol] = {'scenarios': budget, 'seconds': round(seconds, 2),
                          'scenarios_per_second': round(budget / seconds, 2),
                          'steps_per_scenario': round(sum(lengths) / len(lengths), 2),
                          'steps_per_second': round(sum(lengths) / seconds, 1)}
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
        without.append(self_check_seconds('--differential-budget', '0'))
    median_with, median_without = statistics.median(with_default), statistics.median(without)
    return {'default_budget': DIFFERENTIAL_BUDGET, 'runs': runs,
            'with_default_budget': [round(s, 2) for s in with_default],
            'with_budget_0': [round(s, 2) for s in without],
            'median_with': round(median_with, 2), 'median_without': round(median_without, 2),
            'added_seconds': round(median_with - median_without, 2)}


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python -m benchmarks.differential', description=__doc__.split('\n\n')[0])
    parser.add_argument('--budget', type=int, default=30, help='scenarios per protocol for the throughput (30)')
    parser.add_argument('--seed', type=int, default=0, help='seed of the scenarios (0, the check\'s default)')
    parser.add_argument('--runs', type=int, default=3, help='self-checks with and without the budget (3 each)')
    parser.add_argument('--skip-check', action='store_true', help='only the throughput')
    parser.add_argument('--json', action='store_true', help='print the figures as JSON')
    args = parser.parse_args(argv)
    figures = {'throughput': throughput(args.budget, args.seed)}
    if not args.skip_check:
        figures['self_check'] = added_by_default_budget(args.runs)
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print('Differential checks against the reference ({} scenarios per protocol, seed {}):'.format(
        args.budget, args.seed))
    for protocol, row in figures['throughput'].items():
        print('  {}: {:.2f} scenarios/s ({:.1f} s; {:.1f} steps per scenario, {:.1f} steps/s)'.format(
            protocol.upper(), row['scenarios_per_second'], row['seconds'], row['steps_per_scenario'],
            row['steps_per_second']))
    if 'self_check' in figures:
        check = figures['self_check']
        print('chatroom-check self-check, median of {} runs: {:.2f} s with the default budget ({} per protocol), '
              '{:.2f} s with --differential-budget 0: the default budget adds {:.2f} s'.format(
                  check['runs'], check['median_with'], check['default_budget'], check['median_without'],
                  check['added_seconds']))
        print('  runs with the default budget: {}; with 0: {}'.format(check['with_default_budget'],
                                                                     check['with_budget_0']))
    return 0


if __name__ == '__main__':
    sys.exit(main())
