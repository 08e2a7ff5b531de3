"""Batch grading: every submission of a course in one command.

    chatroom-check DIR [PATH...] [--jobs N] [--csv grades.csv] [--out results/] [--html report.html]
                   [--config course.toml] [--extra-checks DIR] [--timeout SECONDS] [--as-user USER]
                   [--differential-depth N] [--differential-budget N | --no-differential] [--seed N]

Submissions are `DIR/*/chatroom.py` (one folder per student: the folder's name is the student's) and
`DIR/*.py` (one file per student: the file's stem), or files given directly. A student folder without a
chatroom.py but with one obviously misnamed file ('Chatroom.py', 'chatroom (1).py', 'chatroom-v2.py') is
judged from that file, with a note; with none, or several, it is a row with a problem and no marks.

Each submission is judged in a subprocess of its own (`python -m harness.cli PATH --results-json FILE`),
`--jobs` at a time, under a wall-time cap: one that is missing, does not compile, hangs, or kills its
judge costs its own row, never the batch or another row. Each result is written as soon as it is known
(`--out DIR/NAME/results.json`); the CSV and the HTML page at the end (also after Ctrl-C, with what was
done). Exit code 0 when the batch ran, whatever the grades; 2 on bad input (no submissions, bad flags).
"""

import contextlib
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from . import platform
from .catalog import GROUPS
from .judge import locate_chatroom, unmatched_config
from .results import RunResult, write_json
from .sandbox import interpreter_info

DEFAULT_TIMEOUT = 300.0
STDERR_LIMIT = 64 * 1024
EXIT_RAN, EXIT_BAD_INPUT = 0, 2
PACKAGE_PARENT = str(Path(__file__).resolve().parent.parent)


class BatchInputError(Exception):
    """The batch cannot start: a path does not exist, or no submission was found."""


@dataclass
class Submission:
    name: str
    path: Optional[Path]               # the file to judge; None when there is none
    note: str = ''                     # e.g. a misnamed file that was accepted
    problem: str = ''                  # known before judging: no file


@dataclass
class Graded:
    submission: Submission
    run: RunResult
    wall_time: float = 0.0
    stderr: str = ''
    extra: dict = field(default_factory=dict)

    @property
    def name(self):
        return self.submission.name

    def to_dict(self):
        data = self.run.to_dict()
        data['batch'] = {'name': self.name, 'note': self.submission.note, 'wall_time': round(self.wall_time, 3)}
        return data


# -- finding submissions ---------------------------------------------------------------------------------

def find_submissions(paths):
    """Submissions named by `paths` (files, or folders of submissions), with unique names, in order."""
    found = []
    for path in paths:
        path = Path(path)
        if path.is_file():
            found.append(Submission(path.parent.name if path.name == 'chatroom.py' else path.stem, path))
        elif path.is_dir():
            entries = sorted(p for p in path.iterdir() if not p.name.startswith(('.', '_')))
            for entry in entries:
                if entry.is_dir():
                    located, note, problem = locate_chatroom(entry)
                    found.append(Submission(entry.name, located, note, problem))
                elif entry.is_file() and entry.suffix == '.py':
                    found.append(Submission(entry.stem, entry))
        else:
            raise BatchInputError('no such file or folder: {}'.format(path))
    if not found:
        raise BatchInputError('no submissions found in {} (expected DIR/*/chatroom.py or DIR/*.py)'.format(
            ', '.join(str(p) for p in paths)))
    seen = Counter()
    for submission in found:
        seen[submission.name] += 1
        if seen[submission.name] > 1:
            submission.name = '{}-{}'.format(submission.name, seen[submission.name])
    return found


# -- judging one submission in a subprocess -----------------------------------------------------------------

class Workers:
    """The judges running now, so that Ctrl-C (or an error) can stop every one of them."""

    def __init__(self):
        self.procs = set()
        self.lock = threading.Lock()
        self.stopping = False

    def add(self, proc):
        with self.lock:
            self.procs.add(proc)
            return not self.stopping

    def discard(self, proc):
        with self.lock:
            self.procs.discard(proc)

    def stop_all(self):
        with self.lock:
            self.stopping = True
            procs = list(self.procs)
        for proc in procs:
            stop(proc)


def stop(proc, grace=5.0):
    """Ask the judge to stop (it kills its agents), then kill it with all it started."""
    platform.terminate_tree(proc.pid)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass
    platform.kill_tree(proc.pid)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=grace)


def worker_command(path, results, options):
    cmd = [sys.executable, '-m', 'harness.cli', str(path), '--results-json', str(results), '--batch-worker']
    for flag, value in (('--config', options.get('config')), ('--extra-checks', options.get('extra_checks')),
                        ('-k', options.get('keyword')), ('--python', options.get('python'))):
        if value:
            cmd += [flag, str(Path(value).resolve()) if flag in ('--config', '--extra-checks') else value]
    for flag, value in (('--differential-budget', options.get('differential_budget')),
                        ('--differential-depth', options.get('differential_depth')),
                        ('--seed', options.get('seed'))):
        if value is not None:
            cmd += [flag, str(value)]
    if options.get('no_differential'):
        cmd.append('--no-differential')
    return cmd


def last_line(text):
    lines = [line for line in text.strip().splitlines() if line.strip()]
    for line in lines:
        if line.startswith('chatroom-check: ') and 'warning:' not in line:
            return line[len('chatroom-check: '):]
    return lines[-1].strip() if lines else ''


def judge_one(submission, options, workers, scratch):
    """Grade one submission in its own process; always returns a Graded, never raises for its sake."""
    started = time.monotonic()
    label = str(submission.path or submission.name)
    if submission.problem or submission.path is None:
        return Graded(submission, RunResult(submission=label, problem=submission.problem or 'no file'))
    handle, results = tempfile.mkstemp(suffix='.json', dir=scratch)
    os.close(handle)
    results = Path(results)
    results.unlink()      # the judge writes it only when the checks ran
    env = dict(os.environ)
    # The judge's agents make their workdirs here; removed below even if the judge was killed. Enterable
    # (not listable) by others, for agents that run as an unprivileged user (--as-user).
    private_tmp = Path(tempfile.mkdtemp(prefix='tmp-', dir=scratch))
    os.chmod(str(private_tmp), 0o711)
    env['TMPDIR'] = str(private_tmp)
    env['PYTHONPATH'] = os.pathsep.join(filter(None, [PACKAGE_PARENT, env.get('PYTHONPATH')]))
    if options.get('as_user'):
        env['CHATROOM_CHECK_AGENT_USER'] = options['as_user']
    timeout = options.get('timeout') or DEFAULT_TIMEOUT
    proc = subprocess.Popen(worker_command(submission.path, results, options), stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                            **platform.isolation_options())
    stderr = bytearray()

    def read_stderr():
        for chunk in iter(lambda: proc.stderr.read1(65536), b''):
            if len(stderr) < STDERR_LIMIT:
                stderr.extend(chunk[:STDERR_LIMIT - len(stderr)])
    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    problem = None
    try:
        if not workers.add(proc):
            stop(proc)
            problem = 'not judged: the batch was stopped'
        else:
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                stop(proc)
                problem = 'not finished within the cap of {:g}s: stopped (a submission that hangs?)'.format(timeout)
    finally:
        workers.discard(proc)
        if proc.poll() is None:
            stop(proc)
        reader.join(timeout=5)
        with contextlib.suppress(OSError):
            proc.stderr.close()
    text = stderr.decode('utf-8', 'replace')
    run = None
    if problem is None and results.exists():
        try:
            with open(results, encoding='utf-8') as source:
                run = RunResult.from_dict(json.load(source))
        except (OSError, ValueError, TypeError, KeyError) as error:
            problem = 'the judge wrote unreadable results ({})'.format(error)
    if run is None:
        if problem is None:
            code = proc.returncode
            if code == 2:
                problem = last_line(text) or 'the submission could not be judged'
            elif code is not None and code < 0:
                problem = 'the judge was killed by {} (the submission\'s doing?)'.format(
                    signal.Signals(-code).name if -code in signal.valid_signals() else -code)
            else:
                problem = 'the judge failed (exit code {}): {}'.format(code, last_line(text) or 'no message')
        run = RunResult(submission=label, problem=problem)
    run.submission = label
    with contextlib.suppress(OSError):
        results.unlink()
    shutil.rmtree(str(private_tmp), ignore_errors=True)
    return Graded(submission, run, time.monotonic() - started, text)


# -- the batch -----------------------------------------------------------------------------------------

def check_columns(graded):
    """Check ids over all submissions: in the catalog's group order, then as first seen."""
    order = {}
    for item in graded:
        for result in item.run.checks:
            order.setdefault(result.id, (GROUPS.index(result.group) if result.group in GROUPS else len(GROUPS),
                                         len(order)))
    return sorted(order, key=order.get)


def typical_max(graded):
    maxima = Counter(item.run.max_score for item in graded if item.run.checks)
    return maxima.most_common(1)[0][0] if maxima else None


def row_problem(item):
    parts = []
    if item.run.problem:
        parts.append(item.run.problem)
    if item.submission.note:
        parts.append('note: ' + item.submission.note)
    return '; '.join(parts)


def write_csv(path, graded):
    columns = check_columns(graded)
    usual = typical_max(graded)
    with open(path, 'w', newline='', encoding='utf-8') as out:
        writer = csv.writer(out)
        writer.writerow(['name', 'total', 'max'] + columns + ['problem'])
        for item in graded:
            scores = {c.id: c.score for c in item.run.checks}
            maximum = item.run.max_score if item.run.checks else usual
            writer.writerow([item.name, '{:g}'.format(item.run.score),
                             '' if maximum is None else '{:g}'.format(maximum)]
                            + ['{:g}'.format(scores[c]) if c in scores else '' for c in columns]
                            + [row_problem(item)])


VERDICT_COLOURS = {'full marks': 'green', 'partial': 'yellow', 'no marks': 'red', 'problem': 'red'}


def verdict(item):
    if item.run.problem and not item.run.checks:
        return 'problem'
    if item.run.full_marks:
        return 'full marks'
    return 'partial' if item.run.score > 0 else 'no marks'


def summary_table(graded, wall):
    from rich.table import Table
    usual = typical_max(graded)
    table = Table(title='Batch: {} submissions in {:.1f}s'.format(len(graded), wall), title_justify='left')
    for name, justify in (('submission', 'left'), ('score', 'right'), ('result', 'left'),
                          ('time', 'right'), ('problem / note', 'left')):
        table.add_column(name, justify=justify, overflow='fold')
    colours = VERDICT_COLOURS
    for item in graded:
        kind = verdict(item)
        maximum = item.run.max_score if item.run.checks else usual
        table.add_row(item.name, '{:g} / {}'.format(item.run.score, '?' if maximum is None else '{:g}'.format(maximum)),
                      '[{}]{}[/]'.format(colours[kind], kind), '{:.1f}s'.format(item.wall_time),
                      row_problem(item)[:200])
    return table


def default_jobs():
    """Two judges per core: a judge mostly waits on its submission's sockets (a batch of 50 mixed
    submissions on 2 cores: 96 s with 2 at once, 72 s with 4, 65 s with 6, the same verdicts)."""
    return 2 * (os.cpu_count() or 1)


def run_batch(submissions, options, on_done=None, console=None):
    """Judge `submissions`; returns [Graded] in the submissions' order (also after Ctrl-C: the ones done)."""
    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn,
                               TimeElapsedColumn)
    console = console or Console(stderr=True, highlight=False)
    jobs = max(1, options.get('jobs') or default_jobs())
    out_dir = Path(options['out']) if options.get('out') else None
    done = {}
    workers = Workers()
    with tempfile.TemporaryDirectory(prefix='chatroom-batch-') as scratch, \
            Progress(SpinnerColumn(), TextColumn('[bold]grading'), BarColumn(), MofNCompleteColumn(),
                     TimeElapsedColumn(), TextColumn('{task.fields[last]}'), console=console,
                     transient=False) as progress:
        os.chmod(scratch, 0o711)
        task = progress.add_task('grading', total=len(submissions), last='')
        pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix='batch')
        futures = {pool.submit(judge_one, s, options, workers, scratch): i for i, s in enumerate(submissions)}
        try:
            for future in as_completed(futures):
                index = futures[future]
                try:
                    item = future.result()
                except Exception as error:  # a bug of ours: keep the row, say what happened
                    sub = submissions[index]
                    item = Graded(sub, RunResult(submission=str(sub.path or sub.name),
                                                 problem='the batch failed on it: {!r}'.format(error)))
                done[index] = item
                if out_dir is not None:
                    target = out_dir / item.name
                    target.mkdir(parents=True, exist_ok=True)
                    write_json(target / 'results.json', item.to_dict())
                    if item.stderr.strip():
                        (target / 'judge-stderr.txt').write_text(item.stderr, encoding='utf-8')
                kind = verdict(item)
                maximum = item.run.max_score if item.run.checks else typical_max(done.values())
                progress.console.print('[{}]{:>10}[/] {}  {:g}/{}  {:.1f}s{}'.format(
                    VERDICT_COLOURS[kind], kind, item.name, item.run.score,
                    '?' if maximum is None else '{:g}'.format(maximum), item.wall_time,
                    ('  ' + row_problem(item)[:120]) if row_problem(item) else ''), markup=True,
                    highlight=False)
                progress.update(task, advance=1, last=item.name)
                if on_done:
                    on_done(item)
        except KeyboardInterrupt:
            workers.stop_all()
            for future in futures:
                future.cancel()
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    return [done[i] for i in sorted(done)]


def main(args, paths):
    """The CLI's batch mode (args: the parsed chatroom-check arguments)."""
    from rich.console import Console
    for flag in ('gradescope', 'junit'):
        if getattr(args, flag):
            print('chatroom-check: --{} is for one submission, not a batch'.format(flag), file=sys.stderr)
            return EXIT_BAD_INPUT
    if args.jobs is not None and args.jobs < 1:
        print('chatroom-check: --jobs must be at least 1', file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.timeout is not None and args.timeout <= 0:
        print('chatroom-check: --timeout must be positive', file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.as_user:
        from .runner import resolve_user
        try:
            resolve_user(args.as_user)
        except KeyError:
            print('chatroom-check: --as-user {}: no such user'.format(args.as_user), file=sys.stderr)
            return EXIT_BAD_INPUT
        if os.geteuid() != 0:
            print('chatroom-check: --as-user needs root', file=sys.stderr)
            return EXIT_BAD_INPUT
    try:
        submissions = find_submissions(paths or [Path('.')])
    except BatchInputError as error:
        print('chatroom-check: {}'.format(error), file=sys.stderr)
        return EXIT_BAD_INPUT
    options = {'jobs': args.jobs, 'config': args.config, 'extra_checks': args.extra_checks,
               'keyword': args.keyword, 'timeout': args.timeout, 'out': args.out, 'as_user': args.as_user,
               'python': interpreter_info(args.python)['path'] if args.python else None,
               'differential_budget': args.differential_budget, 'differential_depth': args.differential_depth,
               'no_differential': args.no_differential, 'seed': args.seed}
    started = time.monotonic()
    interrupted = False
    graded = []

    def keep(item):
        graded.append(item)
    try:
        run_batch(submissions, options, on_done=keep)
    except KeyboardInterrupt:
        interrupted = True
    order = {s.name: i for i, s in enumerate(submissions)}
    graded.sort(key=lambda item: order[item.name])
    wall = time.monotonic() - started
    write_outputs(args, graded, wall)
    if args.json:
        json.dump({'wall_time': round(wall, 3), 'submissions': [g.to_dict() for g in graded]}, sys.stdout,
                  indent=2)
        print()
    else:
        Console(highlight=False).print(summary_table(graded, wall))
    for name in unmatched_config(args.config, [g.run for g in graded]):
        print('chatroom-check: warning: config entry [{}] matches no check or group'.format(name),
              file=sys.stderr)
    if interrupted:
        print('chatroom-check: interrupted: {} of {} submissions graded'.format(len(graded), len(submissions)),
              file=sys.stderr)
        return 130
    return EXIT_RAN


def write_outputs(args, graded, wall):
    if args.csv:
        write_csv(args.csv, graded)
    if args.results_json:
        write_json(args.results_json, {'wall_time': round(wall, 3), 'submissions': [g.to_dict() for g in graded]})
    if args.html:
        from .report import html
        html.write(args.html, html.render_batch(graded, wall))
    if args.out:
        summary = [{'name': g.name, 'score': g.run.score, 'max_score': g.run.max_score,
                    'problem': g.run.problem, 'note': g.submission.note, 'verdict': verdict(g),
                    'results': str(Path(g.name) / 'results.json')} for g in graded]
        Path(args.out).mkdir(parents=True, exist_ok=True)
        write_json(Path(args.out) / 'batch.json', {'wall_time': round(wall, 3), 'submissions': summary})
