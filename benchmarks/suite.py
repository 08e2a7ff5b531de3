"""How long the grader takes, as figures to print (not a timed test). Every judge is `chatroom-check`
run as a user runs it, in a fresh process; CPU is the judge's and all its descendants' (agents, the fork
server), from the operating system's accounting of waited-for children.

    python -m benchmarks.suite [--runs 3] [--batch 50] [--skip-batch]

1. The default self-check on the bundled reference, three ways from the same run: as before issue 11
   (serial, agents spawned: CHATROOM_CHECK_NO_FORK=1 --serial), serial with the fork server (--serial),
   and the default (fork server, independent checks side by side); medians of --runs, with the speed-up.
   Goal: <= 3 s wall and <= 3 s CPU on a quiet 2-core machine.
2. A submission whose every method hangs (tests/submissions/hostile_all_hang.py): fully reported, and
   nothing left behind (no agent process, no fork server). Goal: <= 15 s.
3. A faulty submission (the reference with several faults: greeting, leave, shutdown message, count):
   judged. Goal: <= 10 s.
4. A batch of --batch mixed submissions (valid, broken, hostile, hopeless) with the default --jobs.
   Goal (50): <= 90 s.
5. The slow timing styles real students write (tests/submissions/valid_space.STYLES: blocking calls
   everywhere, polls of 60 s and socket timeouts of 5 s, sleep-polling loops, polls of 0.05 s), correct
   and with one fault each (broken.STYLE_VARIANTS), one after another. Goals: each within 4x the
   reference's default self-check of this run; a faulty one within 10 s.
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / 'chatroom.py'
SUBMISSIONS = ROOT / 'tests' / 'submissions'
ALL_HANG = SUBMISSIONS / 'hostile_all_hang.py'


def judge(path, *options, env=None):
    """(wall seconds, CPU seconds of the judge and its descendants, exit code) of one chatroom-check."""
    before = os.times()
    started = time.monotonic()
    done = subprocess.run([sys.executable, '-m', 'harness.cli', str(path), *options], cwd=str(ROOT),
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          env=dict(os.environ, **(env or {})))
    wall = time.monotonic() - started
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return wall, cpu, done.returncode


def leftovers():
    """Agents or fork servers still running (anything of ours that outlived its judge)."""
    found = []
    for entry in os.listdir('/proc') if os.path.isdir('/proc') else []:
        if not entry.isdigit():
            continue
        try:
            with open('/proc/{}/cmdline'.format(entry), 'rb') as source:
                cmdline = source.read().replace(b'\0', b' ').decode('utf-8', 'replace')
        except OSError:
            continue
        if '_chatroom_check_agent' in cmdline or str(ROOT / 'harness' / 'forkserver.py') in cmdline:
            found.append(int(entry))
    return set(found)


def median_of(runs, path, *options, env=None):
    results = [judge(path, *options, env=env) for _ in range(runs)]
    return statistics.median(r[0] for r in results), statistics.median(r[1] for r in results)


def faulty_submission(folder):
    source = REFERENCE.read_text(encoding='utf-8')
    faults = [("outbox.push(WELCOME.encode())", "outbox.push(b'welcome')"),          # greeting
              ("text = 'User {} left'.format(name)", "text = 'User {} has left'.format(name)"),
              ("notice = SERVER_SHUTDOWN.encode()\n        slow =", "notice = b''\n        slow ="),
              ("def get_clients_number(self):\n        return len(self.clients)\n\n    def handle_client",
               "def get_clients_number(self):\n        return 0\n\n    def handle_client")]
    for old, new in faults:
        assert source.count(old) == 1, old
        source = source.replace(old, new)
    path = folder / 'faulty' / 'chatroom.py'
    path.parent.mkdir(parents=True)
    path.write_text(source, encoding='utf-8')
    return path


def mixed_batch(folder, count):
    """`count` submissions, in turn: the reference, generated valid ones, broken variants, hostile ones,
    hopeless ones (syntax error, an import that raises, an empty folder)."""
    sys.path.insert(0, str(SUBMISSIONS))
    import broken
    import valid_space
    kinds = [('reference', REFERENCE.read_text(encoding='utf-8'))]
    kinds += [('valid_' + valid_space.name_of(c), valid_space.source(c)) for c in valid_space.combinations()[:6]]
    kinds += [('broken_' + name, broken.apply(edits)) for name, (edits, _) in sorted(broken.VARIANTS.items())[:8]]
    kinds += [(p.stem, p.read_text(encoding='utf-8')) for p in sorted(SUBMISSIONS.glob('hostile_*.py'))]
    kinds += [('syntax_error', 'class ServerTCP(:\n    pass\n'), ('import_raises', 'raise RuntimeError("x")\n'),
              ('missing', None)]
    for index in range(count):
        name, source = kinds[index % len(kinds)]
        student = folder / 'batch' / '{:02d}-{}'.format(index, name)
        student.mkdir(parents=True)
        if source is None:
            (student / 'readme.txt').write_text('nothing here')
        else:
            (student / 'chatroom.py').write_text(source, encoding='utf-8')
    return folder / 'batch'


def slow_styles(folder, reference_wall):
    sys.path.insert(0, str(SUBMISSIONS))
    import broken
    import valid_space
    print('\n5. Slow timing styles (the reference took {:.2f} s: goal <= {:.1f} s each; faulty <= 10 s)'.format(
        reference_wall, 4 * reference_wall))
    programs = []
    for style in valid_space.STYLES:
        choices = dict(valid_space.BASELINE)
        choices.update(valid_space.STYLES[style])
        programs.append(('valid: ' + style, valid_space.source(choices), False))
    programs += [('faulty: ' + name, broken.style_source(name), True) for name in broken.STYLE_VARIANTS]
    worst = {False: 0.0, True: 0.0}
    for label, source, faulty in programs:
        path = folder / 'styles' / re.sub(r'\W+', '_', label) / 'chatroom.py'
        path.parent.mkdir(parents=True)
        path.write_text(source, encoding='utf-8')
        wall, cpu, code = judge(path)
        worst[faulty] = max(worst[faulty], wall)
        print('   {:<52} wall {:6.2f} s ({:4.1f}x)   CPU {:6.2f} s   exit {}'.format(
            label, wall, wall / reference_wall, cpu, code))
    print('   slowest correct: ' + goal(worst[False] / reference_wall, 4) + ' x the reference')
    print('   slowest faulty:  ' + goal(worst[True], 10) + ' s')


def goal(value, limit):
    return '{:6.2f}  (goal <= {:g}: {})'.format(value, limit, 'met' if value <= limit else 'MISSED')


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python -m benchmarks.suite', description=__doc__.splitlines()[0])
    parser.add_argument('--runs', type=int, default=3, help='runs of the self-check per way (median)')
    parser.add_argument('--batch', type=int, default=50, help='submissions in the batch (default 50)')
    parser.add_argument('--skip-batch', action='store_true')
    parser.add_argument('--skip-styles', action='store_true', help='leave out the slow styles (5.)')
    args = parser.parse_args(argv)
    load = os.getloadavg()[0] if hasattr(os, 'getloadavg') else float('nan')
    print('machine: {} cores, load average {:.2f} at the start'.format(os.cpu_count(), load))

    print('\n1. Self-check on the reference ({} runs each, medians)'.format(args.runs))
    ways = [('serial, spawned agents (before issue 11)', ['--serial'], {'CHATROOM_CHECK_NO_FORK': '1'}),
            ('serial, fork server', ['--serial'], None),
            ('default: fork server, checks side by side', [], None)]
    figures = {}
    for label, options, env in ways:
        figures[label] = median_of(args.runs, REFERENCE, *options, env=env)
        print('   {:<45} wall {:6.2f} s   CPU {:6.2f} s'.format(label, *figures[label]))
    base, best = figures[ways[0][0]], figures[ways[2][0]]
    print('   speed-up over the serial baseline: wall x{:.1f}, CPU x{:.1f}'.format(
        base[0] / best[0], base[1] / best[1]))
    print('   wall: ' + goal(best[0], 3) + '   CPU: ' + goal(best[1], 3))

    print('\n2. Every method hangs (hostile_all_hang.py)')
    before = leftovers()
    wall, cpu, code = judge(ALL_HANG)
    left = sorted(leftovers() - before)
    print('   wall ' + goal(wall, 15) + '   CPU {:.2f} s   exit {}   left running: {}'.format(
        cpu, code, left or 'nothing'))

    with tempfile.TemporaryDirectory(prefix='chatroom-bench-') as scratch:
        scratch = Path(scratch)
        print('\n3. A faulty submission (greeting, leave text, shutdown message, count)')
        wall, cpu, code = judge(faulty_submission(scratch))
        print('   wall ' + goal(wall, 10) + '   CPU {:.2f} s   exit {}'.format(cpu, code))

        if not args.skip_batch:
            folder = mixed_batch(scratch, args.batch)
            print('\n4. A batch of {} mixed submissions, default --jobs ({} cores)'.format(args.batch, os.cpu_count()))
            csv_path = scratch / 'grades.csv'
            started = time.monotonic()
            before = os.times()
            done = subprocess.run([sys.executable, '-m', 'harness.cli', str(folder), '--csv', str(csv_path)],
                                  cwd=str(ROOT), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            wall = time.monotonic() - started
            after = os.times()
            cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
            rows = max(0, len(csv_path.read_text().splitlines()) - 1) if csv_path.exists() else 0
            print('   wall ' + goal(wall, 90 * args.batch / 50) + '   CPU {:.1f} s   rows {}   exit {}'.format(
                cpu, rows, done.returncode))
            if done.returncode != 0:
                print('   ' + re.sub(r'\s+', ' ', done.stderr[-500:]))
        if not args.skip_styles:
            slow_styles(scratch, best[0])
    print('\nleft running after all (agents, fork servers of this checkout): {}'.format(
        sorted(leftovers()) or 'nothing'))
    shutil.rmtree(str(ROOT / '.pytest_cache'), ignore_errors=True)


if __name__ == '__main__':
    main()
