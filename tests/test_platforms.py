"""The platform paths (harness/platform.py) and the interpreter a submission runs under (--python).

CHATROOM_CHECK_PLATFORM=posix|windows makes this Linux machine take the macOS and Windows paths: the
reference keeps its marks (on the Windows path the Ctrl-C checks skip as not measurable, and cost nothing),
broken variants still fail the checks naming their fault, hostile submissions are still contained. The
pyenv interpreters judge the reference under 3.9 and 3.13, and a submission that imports `uu` (gone in
3.13) under 3.12 and 3.13. Tests that need an interpreter this machine lacks skip, saying which."""

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import psutil
import pytest

from judging import ROOT, judge_all

SUBMISSIONS = Path(__file__).resolve().parent / 'submissions'
REFERENCE = ROOT / 'chatroom.py'
sys.path.insert(0, str(SUBMISSIONS))
import broken  # noqa: E402  (a helper module of tests/submissions)

PATHS = ('posix', 'windows')
CTRL_C_CHECKS = {'tcp.shutdown_sigint', 'udp.shutdown', 'client_tcp.run_ctrl_c', 'client_udp.run_ctrl_c'}
# Whether a client has read its greeting needs the socket's unread bytes, which only Linux shows.
UNREAD_CHECKS = {'client_tcp.run_shows_early', 'client_udp.run_shows_early'}
# Faults that no Ctrl-C check is needed to see, so that every path must catch them.
VARIANTS = ('tcp_joined_period', 'tcp_count_not_decremented', 'udp_exit_ignored', 'udp_sender_hears_own_chat')
HOSTILE = ('hostile_all_hang.py', 'hostile_fork_bomb.py', 'hostile_run_forever.py')
SERVER_SUITE = 'test_structure.py or test_server_tcp.py or test_server_udp.py'


def cli(*args, env=None, timeout=120):
    return subprocess.run([sys.executable, '-m', 'harness.cli'] + [str(a) for a in args], cwd=str(ROOT),
                          capture_output=True, text=True, timeout=timeout, env=dict(os.environ, **(env or {})))


def processes_under(folder):
    """Processes whose command line or working directory lies under `folder` (an agent's workdir is)."""
    found = []
    for process in psutil.process_iter(['pid', 'cmdline', 'cwd']):
        places = (process.info['cmdline'] or []) + [process.info['cwd'] or '']
        if any(str(folder) in place for place in places):
            found.append(process.info['pid'])
    return found


def interpreter(version):
    """A Python `version` ('3.13') of this machine: pyenv's, else pythonX.Y on PATH; skips without one."""
    pyenv = shutil.which('pyenv')
    if pyenv:
        names = subprocess.run([pyenv, 'versions', '--bare'], capture_output=True, text=True).stdout.split()
        root = subprocess.run([pyenv, 'root'], capture_output=True, text=True).stdout.strip()
        for name in sorted(names, reverse=True):
            candidate = Path(root) / 'versions' / name / 'bin' / 'python'
            if name.startswith(version + '.') and candidate.is_file():
                return str(candidate)
    found = shutil.which('python' + version)
    if found:
        return found
    pytest.skip('no Python {} on this machine'.format(version))


@pytest.fixture(scope='module')
def forced_runs(tmp_path_factory):
    """{(path, name): RunResult} for the reference, the variants and the hostile submissions on each forced
    path, judged side by side, each with a TMPDIR of its own (for the containment check)."""
    scratch = tmp_path_factory.mktemp('forced')
    jobs, tmpdirs = {}, {}
    for path in PATHS:
        # The reference with every check; the differential ones smaller (without /proc every step of a scenario
        # waits out a short window: the default exploration takes 20 s a protocol there).
        small = ['--differential-depth', '1', '--differential-budget', '1']
        for name, (source, options) in [('reference', (REFERENCE, small))] + [
                (name, (broken.write(broken.VARIANTS[name][0], scratch / 'variants', name), ['--no-differential']))
                for name in VARIANTS] + [
                (name, (SUBMISSIONS / name, ['-k', SERVER_SUITE])) for name in HOSTILE]:
            tmpdir = scratch / 'tmp' / path / name
            tmpdir.mkdir(parents=True)
            tmpdirs[(path, name)] = tmpdir
            jobs[(path, name)] = (source, options, {'CHATROOM_CHECK_PLATFORM': path, 'TMPDIR': str(tmpdir)})
    runs = judge_all(jobs, at_once=3)
    return runs, tmpdirs


@pytest.mark.timeout(900)        # the first one waits for the module's batch of judges (forced_runs)
@pytest.mark.parametrize('path', PATHS)
def test_the_reference_keeps_its_marks_on_the_forced_path(forced_runs, path):
    run = forced_runs[0][(path, 'reference')]
    assert run.platform == path and run.platform_emulated
    assert run.full_marks, [(c.id, c.status, c.message[:200]) for c in run.checks if c.weight and c.score < c.weight]
    not_passed = {c.id: c for c in run.checks if c.status != 'passed'}
    assert set(not_passed) == UNREAD_CHECKS | (CTRL_C_CHECKS if path == 'windows' else set()), sorted(not_passed)
    assert all(c.unmeasurable and 'not measurable on' in c.message for c in not_passed.values())
    assert run.unmeasured_weight == sum(c.weight for c in not_passed.values()) > 0
    assert run.score == run.max_score - run.unmeasured_weight


@pytest.mark.timeout(900)        # the first one waits for the module's batch of judges (forced_runs)
@pytest.mark.parametrize('path', PATHS)
@pytest.mark.parametrize('name', VARIANTS)
def test_a_broken_variant_fails_its_checks_on_the_forced_path(forced_runs, path, name):
    run = forced_runs[0][(path, name)]
    failed = {c.id for c in run.checks if c.status == 'failed'}
    missed = set(broken.VARIANTS[name][1]) - failed
    assert not missed, '{} on the {} path: {} did not fail'.format(name, path, sorted(missed))
    assert not run.full_marks


@pytest.mark.timeout(900)        # the first one waits for the module's batch of judges (forced_runs)
@pytest.mark.parametrize('path', PATHS)
@pytest.mark.parametrize('name', HOSTILE)
def test_a_hostile_submission_is_contained_on_the_forced_path(forced_runs, path, name):
    runs, tmpdirs = forced_runs
    run = runs[(path, name)]
    by_id = {c.id: c for c in run.checks}
    assert by_id['tcp.welcome'].status == 'failed' and by_id['udp.welcome'].status != 'passed'
    assert run.score <= 12
    assert not processes_under(tmpdirs[(path, name)]), 'processes of {} outlived the judge'.format(name)


def test_a_platform_this_machine_cannot_take_is_one_line_and_exit_2():
    done = cli('-k', 'structure', env={'CHATROOM_CHECK_PLATFORM': 'beos'})
    assert done.returncode == 2
    assert done.stderr.strip() == "chatroom-check: CHATROOM_CHECK_PLATFORM='beos': use one of linux, posix, windows"


def test_gradescope_output_is_refused_off_linux(tmp_path):
    out = tmp_path / 'results.json'
    done = cli('-k', 'structure', '--gradescope', out, env={'CHATROOM_CHECK_PLATFORM': 'posix'})
    assert done.returncode == 2 and not out.exists()
    assert 'only written on Linux' in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_json_names_the_platform_path_and_interpreter():
    done = cli('-k', 'structure', '--json')
    data = json.loads(done.stdout)
    assert data['platform'] == 'linux' and data['platform_emulated'] is False
    assert data['python'] == {'path': sys.executable,
                              'version': '{}.{}.{}'.format(*sys.version_info[:3])}
    shown = cli('-k', 'structure').stdout
    assert 'on the linux path, Python {}.{}.{} ({})'.format(*sys.version_info[:3], sys.executable) in \
        ' '.join(shown.split())


@pytest.mark.parametrize('version', ['3.9', '3.13'])
def test_the_reference_keeps_its_marks_under_the_course_python(version):
    python = interpreter(version)
    runs = judge_all({version: (REFERENCE, ['--python', python])})
    run = runs[version]
    assert run.python['version'].startswith(version + '.') and run.python['path'] == os.path.abspath(python)
    assert run.full_marks and run.score == run.max_score, \
        [(c.id, c.message[:200]) for c in run.checks if c.weight and c.score < c.weight]


def test_a_module_gone_from_the_course_python_fails_the_import_with_a_clear_message(tmp_path):
    old, new = interpreter('3.12'), interpreter('3.13')
    submission = tmp_path / 'chatroom.py'
    submission.write_text('import uu  # removed from the standard library in 3.13\n' + REFERENCE.read_text())
    runs = judge_all({version: (submission, ['--python', python, '-k', 'test_structure.py'])
                      for version, python in (('3.12', old), ('3.13', new))})
    assert runs['3.12'].full_marks
    imports = {c.id: c for c in runs['3.13'].checks}['structure.imports']
    assert imports.status == 'failed'
    assert imports.message.startswith("importing chatroom.py under Python 3.13") and "No module named 'uu'" in \
        imports.message, imports.message


@pytest.mark.parametrize('kind, says', [('missing', 'no such file'), ('plain', 'not executable'),
                                        ('script', 'not a Python 3.9+ interpreter')])
def test_an_unusable_python_is_one_line_and_exit_2(tmp_path, kind, says):
    given = tmp_path / 'python'
    if kind != 'missing':
        given.write_text('#!/bin/sh\necho hello\n')
        given.chmod(0o755 if kind == 'script' else 0o644)
    done = cli('--python', given, '-k', 'structure')
    assert done.returncode == 2
    assert done.stderr.strip() == 'chatroom-check: --python {}: {}'.format(given, says)


def test_an_old_python_is_refused():
    for version in ('3.8', '3.7', '3.6'):
        try:
            python = interpreter(version)
            break
        except pytest.skip.Exception:
            continue
    else:
        pytest.skip('no Python older than 3.9 on this machine')
    done = cli('--python', python, '-k', 'structure')
    assert done.returncode == 2 and 'is too old (3.9 or later)' in done.stderr


def test_a_batch_runs_its_submissions_under_the_course_python(tmp_path):
    python = interpreter('3.13')
    course = tmp_path / 'course'
    (course / 'uses_uu').mkdir(parents=True)
    (course / 'uses_uu' / 'chatroom.py').write_text('import uu\n' + REFERENCE.read_text())
    (course / 'plain').mkdir()
    (course / 'plain' / 'chatroom.py').write_text(REFERENCE.read_text())
    out = tmp_path / 'out'
    done = cli(course, '--python', python, '-k', 'test_structure.py', '--out', out, timeout=300)
    assert done.returncode == 0, done.stderr
    results = {name: json.loads((out / name / 'results.json').read_text()) for name in ('uses_uu', 'plain')}
    assert all(r['python']['version'].startswith('3.13.') for r in results.values())
    assert results['plain']['full_marks'] and not results['uses_uu']['full_marks']


def test_the_autograder_bundles_the_course_python(tmp_path):
    from harness.autograder import SETTINGS_NAME, bundled_settings
    zipped = tmp_path / 'autograder.zip'
    done = cli('autograder', '-o', zipped, '--python', '/usr/bin/python3.12')
    assert done.returncode == 0 and 'submissions run under /usr/bin/python3.12' in done.stdout, done.stderr
    with zipfile.ZipFile(zipped) as archive:
        archive.extract(SETTINGS_NAME, tmp_path / 'source')
    assert bundled_settings(tmp_path) == {'python': '/usr/bin/python3.12'}
    relative = cli('autograder', '-o', tmp_path / 'other.zip', '--python', 'python3')
    assert relative.returncode == 2 and 'absolute path' in relative.stderr
