"""How much of the reference's behaviour the checks pin down, measured with a maintained mutation tool
(cosmic-ray, https://cosmic-ray.readthedocs.io): every mutant of the reference chatroom.py that cosmic-ray
makes (a comparison reversed, `not` added, a number changed, a loop run zero times, an exception type
swapped, ...) is judged by `chatroom-check` as a student's file would be; the mutant is killed when it does
not get full marks. A mutant that survives is either a fault the checks miss, or listed with a one-line
reason in benchmarks/mutation_equivalents.toml as equivalent (a timeout constant, a log line: no
behaviour the text asks for changes).

    pip install -e '.[mutation]'
    python -m benchmarks.mutation [--workers 2] [--operators REGEX] [--limit N] [--all-replacements] [--keep DIR]
    python -m benchmarks.mutation --only-listed      # are the listed equivalents still given full marks?

Prints the mutants generated, killed (and those of them listed as equivalent: a check that takes points from
a program that behaves as the text asks, or an entry that matches more than equivalent mutants), equivalent
(with their reasons) and surviving (each with its place and the changed line), and the wall time; exits 1
while a non-equivalent mutant survives. Each worker is a
cosmic-ray http-worker judging in a folder of its own (a copy of the reference): the bundled reference,
which the interop checks pair a submission with, is never mutated. About
20 minutes here with 2 workers (434 mutants; --all-replacements: 742).
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / 'chatroom.py'
EQUIVALENTS = Path(__file__).resolve().parent / 'mutation_equivalents.toml'
# The judge a mutant gets: everything weighted (the robustness tier weighs nothing, and its load-sensitive
# checks would only slow this down), the default differential exploration.
TEST_COMMAND = '{python} -m harness.cli chatroom.py -k "not test_robustness"'
JUDGE_TIMEOUT = 300.0
# Of the ten or so operators cosmic-ray puts in place of one binary, comparison or unary operator, the ones
# kept by default: the opposite (+ for -, == for !=, is for is not) and, for an ordering, its boundary
# (> for >=); the others at the same place almost always die or live with these, and judging every one
# would take hours here (742 mutants at all replacements, about 430 with these). --all-replacements: all.
KEPT_REPLACEMENTS = {
    'Add': {'Sub'}, 'Sub': {'Add'}, 'Mul': {'Div'}, 'Div': {'Mul'}, 'FloorDiv': {'Mul'}, 'Mod': {'Mul'},
    'LShift': {'RShift'}, 'RShift': {'LShift'}, 'BitAnd': {'BitOr'}, 'BitOr': {'BitAnd'},
    'Eq': {'NotEq'}, 'NotEq': {'Eq'}, 'Is': {'IsNot'}, 'IsNot': {'Is'}, 'In': {'NotIn'}, 'NotIn': {'In'},
    'Lt': {'GtE', 'LtE'}, 'LtE': {'Gt', 'Lt'}, 'Gt': {'LtE', 'GtE'}, 'GtE': {'Lt', 'Gt'},
    'USub': {'UAdd'}, 'UAdd': {'USub'}, 'Delete': {'Not', 'USub', 'Invert'}, 'Not': {'Delete'},
}
REPLACEMENT = re.compile(r'Replace(?:Binary|Comparison|Unary)Operator_([A-Za-z]+?)_([A-Za-z]+)$')


def kept(operator):
    """Whether the default run judges the mutants of `operator` (see KEPT_REPLACEMENTS)."""
    found = REPLACEMENT.search(operator)
    return found is None or found.group(2) in KEPT_REPLACEMENTS.get(found.group(1), {found.group(2)})


def cosmic_ray():
    """The cosmic-ray executable beside this Python, or None."""
    for candidate in (Path(sys.executable).parent / 'cosmic-ray', shutil.which('cosmic-ray')):
        if candidate and Path(candidate).exists():
            return str(candidate)
    return None


def free_port():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def load_equivalents(path=EQUIVALENTS):
    """[{'line': regex of the mutated source line, 'function': regex of the whole name of the function it
    is in (optional), 'operator': regex (optional), 'reason': ...}] from the reviewed file."""
    try:
        import tomllib
    except ImportError:  # Python < 3.11
        import tomli as tomllib
    with open(path, 'rb') as source:
        return tomllib.load(source).get('equivalent', [])


def equivalent_reason(mutant, equivalents):
    for entry in equivalents:
        if re.search(entry.get('operator', ''), mutant['operator']) and re.search(entry['line'], mutant['source']) \
                and re.fullmatch(entry.get('function', '.*'), mutant['function'] or ''):
            occurrence = entry.get('occurrence')        # one, or a list where the same line recurs
            if occurrence is None or mutant['occurrence'] in (occurrence if isinstance(occurrence, list) else
                                                              [occurrence]):
                return entry['reason']
    return None


def mutants_of(session, source_lines, cr):
    """One dict per mutant of the session: operator, occurrence, line number, the source line, outcome."""
    dump = subprocess.run([cr, 'dump', str(session)], capture_output=True, text=True, check=True).stdout
    found = []
    for line in dump.splitlines():
        item, result = json.loads(line)
        for mutation in item['mutations']:
            number = mutation['start_pos'][0]
            found.append({'operator': mutation['operator_name'], 'occurrence': mutation['occurrence'],
                          'function': mutation.get('definition_name'),
                          'line': number, 'source': source_lines[number - 1].strip(),
                          'outcome': (result or {}).get('test_outcome'),
                          'worker': (result or {}).get('worker_outcome'), 'diff': (result or {}).get('diff', '')})
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python -m benchmarks.mutation', description=__doc__.splitlines()[0])
    parser.add_argument('--workers', type=int, default=os.cpu_count() or 2, help='judges at once (default: cores)')
    parser.add_argument('--operators', default=None, metavar='REGEX',
                        help='only the operators matching REGEX (default: all of cosmic-ray core)')
    parser.add_argument('--limit', type=int, default=None, help='only the first N mutants (a quick look)')
    parser.add_argument('--all-replacements', action='store_true',
                        help='every replacement of an operator, not only its opposite and boundary (hours)')
    parser.add_argument('--keep', metavar='DIR', help='keep the session (sqlite) and the workers\' folders here')
    parser.add_argument('--only-listed', action='store_true',
                        help='only the mutants listed as equivalent: any killed is a check that takes points from a '
                             'program that behaves as the text asks, or an entry that matches too much (11 min here)')
    args = parser.parse_args(argv)
    cr = cosmic_ray()
    if cr is None:
        print("benchmarks.mutation: cosmic-ray is not installed: pip install -e '.[mutation]'", file=sys.stderr)
        return 2
    scratch = Path(args.keep or tempfile.mkdtemp(prefix='chatroom-mutation-'))
    scratch.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    ports = [free_port() for _ in range(max(1, args.workers))]
    config = scratch / 'cosmic-ray.toml'
    config.write_text('\n'.join([
        '[cosmic-ray]', 'module-path = "chatroom.py"', 'timeout = {}'.format(JUDGE_TIMEOUT),
        'excluded-modules = []',
        'test-command = {}'.format(json.dumps(TEST_COMMAND.format(python=sys.executable))),
        '[cosmic-ray.distributor]', 'name = "http"',
        '[cosmic-ray.distributor.http]',
        'worker-urls = [{}]'.format(', '.join('"http://127.0.0.1:{}"'.format(p) for p in ports)), '']))
    (scratch / 'chatroom.py').write_text(REFERENCE.read_text(encoding='utf-8'), encoding='utf-8')
    session = scratch / 'session.sqlite'
    if session.exists():
        session.unlink()
    subprocess.run([cr, 'init', str(config), str(session)], cwd=str(scratch), check=True)
    made = _narrow(session, args.operators, args.limit, args.all_replacements,
                   listed=load_equivalents() if args.only_listed else None)
    workers = []
    try:
        for index, port in enumerate(ports):
            folder = scratch / 'worker{}'.format(index)
            folder.mkdir(exist_ok=True)
            (folder / 'chatroom.py').write_text(REFERENCE.read_text(encoding='utf-8'), encoding='utf-8')
            workers.append(subprocess.Popen([cr, 'http-worker', '--port', str(port)], cwd=str(folder),
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                            start_new_session=True))
        _wait_listening(ports)
        subprocess.run([cr, 'exec', str(config), str(session)], cwd=str(scratch), check=True)
    finally:
        for worker in workers:
            try:
                os.killpg(worker.pid, signal.SIGTERM)
            except OSError:
                pass
            worker.wait()
    wall = time.monotonic() - started
    report = summarize(mutants_of(session, REFERENCE.read_text(encoding='utf-8').splitlines(), cr),
                       load_equivalents())
    print_report(report, wall, made)
    if not args.keep:
        shutil.rmtree(str(scratch), ignore_errors=True)
    return 1 if report['surviving'] else 0


def _narrow(session, operators, limit, all_replacements=False, listed=None):
    """Keep only the work items of the operators matching `operators` (and kept(), unless
    `all_replacements`), and, with `listed` (the equivalents), only those it lists; the first `limit`."""
    import sqlite3
    source = REFERENCE.read_text(encoding='utf-8').splitlines()
    with sqlite3.connect(str(session)) as db:
        rows = db.execute('SELECT job_id, operator_name, occurrence, start_pos_row, definition_name '
                          'FROM mutation_specs ORDER BY job_id').fetchall()

        def is_listed(operator, occurrence, line, function):
            return equivalent_reason({'operator': operator, 'occurrence': occurrence, 'function': function,
                                      'source': source[line - 1].strip()}, listed) is not None
        keep = [job for job, operator, occurrence, line, function in rows
                if (operators is None or re.search(operators, operator)) and (all_replacements or kept(operator))
                and (listed is None or is_listed(operator, occurrence, line, function))]
        if limit is not None:
            keep = keep[:limit]
        drop = [row[0] for row in rows if row[0] not in set(keep)]
        for table in ('mutation_specs', 'work_items'):
            db.executemany('DELETE FROM {} WHERE job_id = ?'.format(table), [(job,) for job in drop])
    return len(rows)


def _wait_listening(ports, within=30.0):
    end = time.monotonic() + within
    for port in ports:
        while True:
            try:
                socket.create_connection(('127.0.0.1', port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > end:
                    raise SystemExit('benchmarks.mutation: a cosmic-ray worker did not start on port {}'.format(port))
                time.sleep(0.1)


def summarize(mutants, equivalents):
    killed, equivalent, surviving, incompetent = [], [], [], []
    for mutant in mutants:
        if mutant['outcome'] == 'killed':
            killed.append(dict(mutant, reason=equivalent_reason(mutant, equivalents)))
        elif mutant['outcome'] == 'survived':
            reason = equivalent_reason(mutant, equivalents)
            (equivalent if reason else surviving).append(dict(mutant, reason=reason))
        else:
            incompetent.append(mutant)
    return {'generated': len(mutants), 'killed': killed, 'equivalent': equivalent, 'surviving': surviving,
            'incompetent': incompetent}


def print_report(report, wall, made=None):
    judged = len(report['killed']) + len(report['equivalent']) + len(report['surviving'])
    print('\nMutation testing of the reference chatroom.py (cosmic-ray core operators), judged by chatroom-check')
    print('  generated  {}{}'.format(report['generated'], '' if made in (None, report['generated']) else
                                     ' judged, of the {} cosmic-ray made (see --all-replacements)'.format(made)))
    print('  killed     {}'.format(len(report['killed'])))
    print('  equivalent {} (listed in benchmarks/mutation_equivalents.toml)'.format(len(report['equivalent'])))
    print('  surviving  {}'.format(len(report['surviving'])))
    if report['incompetent']:
        print('  not judged {} (the worker failed or timed out: see --keep)'.format(len(report['incompetent'])))
    if judged:
        print('  kill rate  {:.1%} of the non-equivalent mutants'.format(
            len(report['killed']) / max(1, judged - len(report['equivalent']))))
    print('  wall       {:.0f} min'.format(wall / 60))
    listed_but_killed = [mutant for mutant in report['killed'] if mutant.get('reason')]
    print('  killed though listed equivalent {}{}'.format(len(listed_but_killed), (
        ' (below: a check that takes points from a program that behaves as the text asks, or an entry that matches '
        'more than equivalent mutants: narrow it)') if listed_but_killed else ''))
    for title, rows in (('Killed though listed equivalent', listed_but_killed), ('Equivalent', report['equivalent']),
                        ('Surviving', report['surviving'])):
        if rows:
            print('\n{}:'.format(title))
            for mutant in sorted(rows, key=lambda m: m['line']):
                print('  chatroom.py:{:<4} {:<16} {:<42} {}'.format(mutant['line'], (mutant['function'] or '')[:16],
                                                                  mutant['operator'][5:47], mutant['source'][:60]))
                if mutant.get('reason'):
                    print('       ' + mutant['reason'])


if __name__ == '__main__':
    sys.exit(main())
