"""Judging one submission in this process, and the checks of what a run is given, shared by the command
line (harness/cli.py), batches (harness/batch.py) and the Gradescope autograder (harness/autograder.py):
none of them imports another for these.

    run = judge('path/to/chatroom.py')          # a RunResult (harness/results.py)
"""

import contextlib
import io
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

from . import platform
from .plugin import CHECKS_DIR, config_errors, load_overrides
from .results import RunResult
from .runner import SubmissionProblem, validate_submission
from .sandbox import interpreter_info


@contextlib.contextmanager
def only_our_plugins():
    """pytest without the plugins this Python happens to have installed (a student's pytest-randomly would
    reorder the checks, pytest-benchmark leaves a folder in the working directory): only ours, named."""
    saved = os.environ.get(AUTOLOAD)
    os.environ[AUTOLOAD] = '1'
    try:
        yield ['-p', 'harness.plugin']
    finally:
        if saved is None:
            os.environ.pop(AUTOLOAD, None)
        else:
            os.environ[AUTOLOAD] = saved


AUTOLOAD = 'PYTEST_DISABLE_PLUGIN_AUTOLOAD'


def forget_check_modules(checks):
    """Drop the check modules an earlier judge() in this process imported. pytest imports a test file
    without __init__.py under its bare name ('test_server_tcp'), and refuses to collect a file of the same
    name from another folder while that module is cached: the copy of the checks made for instructor checks
    is such a folder, so a second in-process judge would fail to load them ('import file mismatch')."""
    import sys
    trees = [Path(CHECKS_DIR).resolve(), Path(tempfile.gettempdir()).resolve()]
    for path in Path(checks).rglob('*.py'):
        if not (path.name.startswith('test_') or path.name.endswith('_test.py') or path.name == 'conftest.py'):
            continue
        module = sys.modules.get(path.stem)
        cached = getattr(module, '__file__', None)
        if cached and Path(cached).resolve() != path.resolve() and any(
                tree in Path(cached).resolve().parents for tree in trees):
            del sys.modules[path.stem]


def differential_problem(budget, depth, none=False):
    """What is wrong with the differential options (`none`: --no-differential), or None."""
    for flag, value in (('--differential-budget', budget), ('--differential-depth', depth)):
        if value is not None and value < 0:
            return '{} must be 0 or more'.format(flag)
    if none and depth:
        return '--no-differential and --differential-depth: choose one'
    return None


def judge(path, keyword=None, config=None, junit=None, quiet=True, extra_checks=None, differential_budget=None,
          seed=None, serial=False, python=None, differential_depth=None):
    """Run the conformance suite on one submission in this process; return its RunResult.
    `differential_budget` (random scenarios per protocol), `differential_depth` (the model's transitions
    within so many steps; a budget of 0 alone also means none) and `seed`: None keeps the plugin's defaults;
    `serial`: one check after another instead of independent checks side by side; `python`: the
    interpreter the submission runs under (default: this one)."""
    import pytest

    validate_submission(path)
    check_platform()
    if python:
        interpreter_info(python)          # a one-line SubmissionProblem before anything runs
    with tempfile.TemporaryDirectory(prefix='chatroom-check-') as scratch:
        results = Path(scratch) / 'results.json'
        checks = CHECKS_DIR
        if extra_checks:
            # One tree, so that the checks' conftest (fixtures) applies to the instructor's modules too.
            checks = Path(scratch) / 'checks'
            shutil.copytree(CHECKS_DIR, checks, ignore=shutil.ignore_patterns('__pycache__'))
            shutil.copytree(extra_checks, checks / 'extra', ignore=shutil.ignore_patterns('__pycache__'))
        args = [str(checks), '--submission', str(path), '--results-json', str(results),
                '-p', 'no:cacheprovider', '--rootdir', str(checks), '-c', os.devnull]
        # Every assert of a check carries its own message, and the report keeps only that: pytest's
        # rewriting of asserts would add nothing, and costs a compile of every module of this package
        # (the plugin's distribution is rewritten whole), about a second of CPU where no .pyc is cached.
        args += ['--assert=plain']
        if quiet:
            args += ['-qq', '--no-header', '--no-summary', '-p', 'no:warnings']
        if keyword:
            args += ['-k', keyword]
        if config:
            args += ['--check-config', str(config)]
        if junit:
            args += ['--junitxml', str(junit)]
        if differential_budget is not None:
            args += ['--differential-budget', str(int(differential_budget))]
            if differential_budget == 0 and differential_depth is None:
                differential_depth = 0          # judge(differential_budget=0): no differential checks at all
        if differential_depth is not None:
            args += ['--differential-depth', str(int(differential_depth))]
        if seed is not None:
            args += ['--differential-seed', str(int(seed))]
        if serial:
            args += ['--serial']
        if python:
            args += ['--agent-python', str(python)]
        forget_check_modules(checks)
        with only_our_plugins() as plugins:
            if quiet:
                with contextlib.redirect_stdout(io.StringIO()):
                    code = pytest.main(args + plugins)
            else:
                code = pytest.main(args + plugins)
        if int(code) in (pytest.ExitCode.INTERRUPTED, pytest.ExitCode.INTERNAL_ERROR,
                         pytest.ExitCode.USAGE_ERROR):
            # e.g. a check module that does not import: never a score of 0 / 0 that looks like a grade
            raise SubmissionProblem('harness', 'the checks could not run (pytest exit code {}: {})'.format(
                int(code), 'a check module failed to load' if code == pytest.ExitCode.INTERRUPTED else
                'internal or usage error'))
        if not results.exists():
            raise SubmissionProblem('harness', 'the checks did not run (pytest exit code {})'.format(int(code)))
        with open(results, encoding='utf-8') as source:
            return RunResult.from_dict(json.load(source))


def check_platform():
    """A SubmissionProblem('harness') when CHATROOM_CHECK_PLATFORM asks for a path this machine cannot
    take (or none at all)."""
    try:
        platform.chosen_path()
    except platform.PlatformChoiceError as error:
        raise SubmissionProblem('harness', str(error))


def check_config(path):
    """None when the config file is usable, else the one line to print."""
    if not Path(path).is_file():
        return 'no such config file: {}'.format(path)
    try:
        errors = config_errors(load_overrides(path))
    except Exception as error:  # tomllib.TOMLDecodeError, OSError
        return 'cannot read config {}: {}'.format(path, error)
    return '; '.join(errors) if errors else None


def check_extra_checks(path):
    folder = Path(path)
    if not folder.is_dir():
        return 'no such folder of extra checks: {}'.format(path)
    if not list(folder.glob('test_*.py')) and not list(folder.glob('*_test.py')):
        return 'no check modules (test_*.py) in {}'.format(path)
    return None


def unmatched_config(config, runs):
    """Config entries that name no check or group seen in `runs` (typos, usually)."""
    if not config:
        return []
    names = set()
    for run in runs:
        for result in run.checks:
            names.update((result.id, result.group))
    if not names:
        return []
    return sorted(name for name in load_overrides(config) if name not in names)


# -- locating a chatroom.py in a student's folder --------------------------------------------------------

def looks_like_chatroom(filename):
    """'Chatroom.py', 'chatroom (1).py', 'chatroom-2.py', 'chat_room_final.py': an obvious misnaming."""
    stem, dot, ext = filename.rpartition('.')
    if ext.lower() != 'py' or not dot:
        return False
    letters = re.sub(r'[^a-z]', '', stem.lower())
    return letters.startswith('chatroom') and len(letters) <= len('chatroom') + 8


def locate_chatroom(folder):
    """(path or None, note, problem) for a folder that should hold one chatroom.py."""
    folder = Path(folder)
    exact = folder / 'chatroom.py'
    if exact.is_file():
        return exact, '', ''
    try:
        files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith('.'))
    except OSError as error:
        return None, '', 'cannot list {}: {}'.format(folder, error.strerror)
    candidates = [p for p in files if looks_like_chatroom(p.name)]
    if len(candidates) == 1:
        return candidates[0], ('judged "{}" as chatroom.py: the assignment asks for a file named exactly '
                               'chatroom.py'.format(candidates[0].name)), ''
    shown = ', '.join('"{}"'.format(p.name) for p in files[:10]) or 'nothing'
    if candidates:
        return None, '', 'no chatroom.py, and several files that could be it: {}'.format(
            ', '.join('"{}"'.format(p.name) for p in candidates))
    return None, '', 'no chatroom.py was submitted (found: {})'.format(shown)
