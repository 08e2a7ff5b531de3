"""Benchmark: grade a batch of 50 submissions with --jobs 2 and print the figures.

    python -m benchmarks.batch [--count 50] [--jobs 2] [--keep DIR] [-k EXPR]

The batch: copies of the reference, broken variants
(wrong wire strings, a missing class, no 'exit' handling), and hopeless ones (syntax error, an import
that raises, an import that hangs, an empty folder). It is run through the real command line
(`python -m harness.cli DIR --jobs N --csv ...`), so the figure includes every process start.
Goal (issue 4): 50 submissions with --jobs 2 in <= 60 s.
"""

import argparse
import csv
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness.plugin import REFERENCE


def variants():
    ref = REFERENCE.read_text()
    return {
        'reference': ref,
        'broken_welcome_both_sides': ref.replace("'Welcome'", "'Welcome!'").replace('"Welcome"', '"Welcome!"'),
        'broken_name_taken': ref.replace('Name already taken', 'Name is taken'),
        'broken_no_servertcp': ref + '\ndel ServerTCP\n',
        'broken_no_clientudp': ref + '\ndel ClientUDP\n',
        'broken_joined': ref.replace('User {} joined', 'User {} has joined'),
        'syntax_error': 'class ServerTCP(:\n    pass\n',
        'import_raises': 'raise RuntimeError("half-finished")\n',
        'import_hangs': 'while True:\n    pass\n',
    }


def make_batch(folder, count):
    """`count` submissions: mostly the reference, and one of each variant in turn."""
    kinds = variants()
    plan = []
    others = [k for k in kinds if k != 'reference'] + ['missing']
    for index in range(count):
        kind = others[index // 5] if index % 5 == 4 and index // 5 < len(others) else 'reference'
        plan.append(kind)
    for index, kind in enumerate(plan):
        student = folder / 'student{:02d}-{}'.format(index, kind)
        student.mkdir(parents=True)
        if kind == 'missing':
            (student / 'readme.txt').write_text('nothing here')
        else:
            (student / 'chatroom.py').write_text(kinds[kind])
    return plan


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python -m benchmarks.batch')
    parser.add_argument('--count', type=int, default=50)
    parser.add_argument('--jobs', type=int, default=2)
    parser.add_argument('--keep', metavar='DIR', help='keep the batch, CSV and HTML here')
    parser.add_argument('-k', dest='keyword', help='narrow the checks (as pytest -k)')
    args = parser.parse_args(argv)
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix='bench-batch-'))
    if args.keep and work.exists():
        shutil.rmtree(str(work))
    try:
        plan = make_batch(work / 'submissions', args.count)
        command = [sys.executable, '-m', 'harness.cli', str(work / 'submissions'), '--jobs', str(args.jobs),
                   '--csv', str(work / 'grades.csv'), '--html', str(work / 'report.html'), '--out',
                   str(work / 'out')]
        if args.keyword:
            command += ['-k', args.keyword]
        started = time.monotonic()
        done = subprocess.run(command, capture_output=True, text=True)
        wall = time.monotonic() - started
        with open(work / 'grades.csv', newline='') as source:
            rows = list(csv.DictReader(source))
        full = [r for r in rows if r['total'] == r['max'] and not r['problem'].split('note:')[0].strip()]
        problems = [r for r in rows if r['problem'] and not r['problem'].startswith('note:')]
        kinds = {}
        for kind, row in zip(plan, rows):
            kinds.setdefault(kind, []).append(float(row['total']))
        print('batch of {} submissions, --jobs {}: {:.1f}s wall (goal <= 60 s), exit code {}'.format(
            len(rows), args.jobs, wall, done.returncode))
        print('  {} full marks, {} with a problem, {:.2f}s of wall time per submission'.format(
            len(full), len(problems), wall / max(1, len(rows))))
        for kind, totals in kinds.items():
            print('  {:22} x{:<3} scores {}'.format(kind, len(totals), sorted(set(totals))))
        if done.returncode != 0:
            print(done.stderr[-2000:])
        return 0 if done.returncode == 0 and len(rows) == args.count else 1
    finally:
        if not args.keep:
            shutil.rmtree(str(work), ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
