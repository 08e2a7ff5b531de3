"""The Gradescope autograder: build the zip, lay out a temporary directory as Gradescope does
(source/ = the unpacked zip, submission/, results/), run setup.sh and run_autograder against it, read
results.json. The isolation test runs a hostile submission as root and needs root."""

import contextlib
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import textwrap
import zipfile
from pathlib import Path

import pytest

from harness.autograder import build
from harness.plugin import REFERENCE

EXTRA_CHECK = '''
from harness.catalog import check


@check('course.fresh_count', weight=2, spec='3 ServerTCP.get_clients_number', tags=['course'],
       depends=['structure.ServerTCP'], visibility='hidden', hint='A new server has no clients.')
def test_fresh_count(tcp_server):
    """A fresh ServerTCP has no clients (an instructor-only check)."""
    assert tcp_server.count() == 0
'''

COURSE = '''
[robustness]      # each robustness check is worth 1
weight = 1
["tcp.welcome"]
visibility = "hidden"
'''


@pytest.fixture(scope='module')
def autograder_zip(tmp_path_factory):
    folder = tmp_path_factory.mktemp('build')
    (folder / 'extra').mkdir()
    (folder / 'extra' / 'test_course.py').write_text(EXTRA_CHECK)
    (folder / 'course.toml').write_text(COURSE)
    output = folder / 'autograder.zip'
    build(output, config=folder / 'course.toml', extra_checks=folder / 'extra')
    return output


@contextlib.contextmanager
def gradescope_layout(archive):
    """A directory laid out like Gradescope's /autograder, with the zip `archive` unpacked in source/,
    world-enterable like the real one (so that what keeps the submission out is the autograder's own
    lock-down, not pytest's private tmp_path)."""
    root = Path(tempfile.mkdtemp(prefix='autograder-root-'))
    os.chmod(str(root), 0o755)
    (root / 'source').mkdir()
    (root / 'submission').mkdir()
    with zipfile.ZipFile(archive) as unpacking:
        unpacking.extractall(root / 'source')
    for name in ('setup.sh', 'run_autograder'):   # zipfile does not restore modes
        os.chmod(str(root / 'source' / name), 0o755)
    try:
        yield root
    finally:
        shutil.rmtree(str(root), ignore_errors=True)


@pytest.fixture
def gradescope_root(autograder_zip):
    with gradescope_layout(autograder_zip) as root:
        yield root


def environment(root):
    env = dict(os.environ, CHATROOM_AUTOGRADER_ROOT=str(root), CHATROOM_AUTOGRADER_PYTHON=sys.executable,
               CHATROOM_AUTOGRADER_USER='nobody')
    env.pop('CHATROOM_CHECK_AGENT_USER', None)
    return env


def run_autograder(root, timeout=120):
    """Gradescope's two steps; returns results.json."""
    env = environment(root)
    if not (root / 'source' / 'python-path').exists():
        subprocess.run(['bash', str(root / 'source' / 'setup.sh')], env=env, check=True, timeout=timeout,
                       capture_output=True)
    done = subprocess.run([str(root / 'source' / 'run_autograder')], env=env, timeout=timeout,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    with open(root / 'results' / 'results.json', encoding='utf-8') as source:
        return json.load(source)


def test_zip_layout(autograder_zip):
    with zipfile.ZipFile(autograder_zip) as archive:
        names = set(archive.namelist())
        modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
    for needed in ('setup.sh', 'run_autograder', 'requirements.txt', 'config.toml',
                   'extra_checks/test_course.py', 'chatroom_check/chatroom.py',
                   'chatroom_check/harness/autograder.py', 'chatroom_check/harness/checks/conftest.py'):
        assert needed in names
    assert modes['run_autograder'] & stat.S_IXUSR and modes['setup.sh'] & stat.S_IXUSR
    assert not any('__pycache__' in name or name.endswith('.pyc') for name in names)


def test_missing_submission_scores_zero_with_a_message(gradescope_root):
    (gradescope_root / 'submission' / 'README.txt').write_text('I forgot')
    results = run_autograder(gradescope_root)
    assert results['score'] == 0
    assert 'no chatroom.py was submitted' in results['output']
    assert 'README.txt' in results['output']
    assert results['tests'][0]['status'] == 'failed'


def test_ambiguous_misnaming_is_not_guessed(gradescope_root):
    for name in ('Chatroom.py', 'chatroom (2).py'):
        shutil.copyfile(REFERENCE, gradescope_root / 'submission' / name)
    results = run_autograder(gradescope_root)
    assert results['score'] == 0
    assert 'several files' in results['output'] and 'chatroom (2).py' in results['output']


def test_syntax_error_scores_zero_with_a_message(gradescope_root):
    (gradescope_root / 'submission' / 'chatroom.py').write_text('class ServerTCP(:\n    pass\n')
    results = run_autograder(gradescope_root)
    assert results['score'] == 0
    assert 'syntax error at line 1' in results['output']


def test_misnamed_reference_gets_full_marks_with_config_and_extra_checks(gradescope_root):
    """'chatroom (1).py' is an obvious misnaming: judged, with a note. The course config weights the
    robustness group (1 per check) and hides tcp.welcome; the instructor's extra check runs, hidden."""
    shutil.copyfile(REFERENCE, gradescope_root / 'submission' / 'chatroom (1).py')
    results = run_autograder(gradescope_root)
    tests = {t['number']: t for t in results['tests']}
    assert 'judged "chatroom (1).py" as chatroom.py' in results['output']
    assert tests['course.fresh_count']['score'] == 2 and tests['course.fresh_count']['visibility'] == 'hidden'
    robustness = [t for t in results['tests'] if t['number'].startswith('robust.')]
    assert robustness and all(t['max_score'] == 1 for t in robustness)
    assert tests['tcp.welcome']['visibility'] == 'hidden'
    assert results['score'] == sum(t['max_score'] for t in results['tests']), [
        (t['number'], t['output']) for t in results['tests'] if t['score'] < t['max_score']]
    assert stat.S_IMODE(os.stat(str(gradescope_root)).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(str(gradescope_root / 'results')).st_mode) == 0o700


HOSTILE = '''
"""A submission that implements nothing and tries to borrow the reference (and the checks, the config,
the results) from wherever the autograder keeps them."""
import json, os, sys

ROOT = {root!r}
LOG = {log!r}
TARGETS = [
    os.path.join(ROOT, 'source', 'chatroom_check', 'chatroom.py'),
    os.path.join(ROOT, 'source', 'chatroom_check', 'harness', 'checks', 'test_server_tcp.py'),
    os.path.join(ROOT, 'source', 'config.toml'),
    os.path.join(ROOT, 'source', 'extra_checks', 'test_course.py'),
    os.path.join(ROOT, 'results', 'results.json'),
]
own = os.path.realpath(__file__)


def attempt(path, how):
    try:
        if how == 'write':
            with open(path, 'w') as out:
                out.write('{{"score": 1000}}')
            return 'written'
        if how == 'list':
            return 'listed: ' + ','.join(os.listdir(path)[:5])
        with open(path) as source:
            return 'read {{}} chars'.format(len(source.read()))
    except Exception as error:
        return type(error).__name__


def search():
    """Every other chatroom.py this user can see, on its Python's path and in the usual places."""
    found = []
    roots = [p for p in sys.path if p and os.path.isdir(p)] + [ROOT, '/opt', '/srv', '/home', '/usr/local']
    for top in roots:
        for folder, dirs, files in os.walk(top):
            if folder.count(os.sep) - top.count(os.sep) > 6:
                dirs[:] = []
            for name in files:
                if name == 'chatroom.py' or (name.endswith('.py') and name.startswith('test_server')):
                    path = os.path.realpath(os.path.join(folder, name))
                    if path != own and not path.startswith(os.path.dirname(own) + os.sep):
                        found.append(path)
    return sorted(set(found))


report = {{'uid': os.getuid(), 'attempts': {{}}}}
for path in TARGETS:
    report['attempts'][path] = attempt(path, 'read')
report['attempts'][os.path.join(ROOT, 'results')] = attempt(os.path.join(ROOT, 'results'), 'list')
report['attempts']['write ' + TARGETS[-1]] = attempt(TARGETS[-1], 'write')
for folder in os.listdir('/tmp'):       # other agents' workdirs (the reference's, in interop checks)
    path = os.path.join('/tmp', folder)
    try:
        theirs = folder.startswith('chatroom-check-') and os.stat(path).st_uid != os.getuid()
    except OSError:
        continue
    if theirs:
        report['attempts'][path] = attempt(os.path.join(path, 'chatroom.py'), 'read')
if not os.path.exists(os.path.join(LOG, 'searched')):
    open(os.path.join(LOG, 'searched'), 'w').close()
    report['found'] = {{path: attempt(path, 'read') for path in search()}}
with open(os.path.join(LOG, 'report-{{}}.json'.format(os.getpid())), 'w') as out:
    json.dump(report, out)

# Borrow the reference's classes if any copy could be read.
for path in [TARGETS[0]] + list(report.get('found', {{}})):
    try:
        with open(path) as source:
            exec(compile(source.read(), path, 'exec'), globals())
        break
    except Exception:
        pass
'''


@pytest.mark.skipif(os.geteuid() != 0, reason='the autograder drops privileges only when it runs as root')
def test_hostile_submission_cannot_read_the_reference_checks_config_or_results(gradescope_root):
    log = Path(tempfile.mkdtemp(prefix='hostile-log-'))
    os.chmod(str(log), 0o777)        # the only place the hostile submission may write its findings
    try:
        (gradescope_root / 'submission' / 'chatroom.py').write_text(
            textwrap.dedent(HOSTILE.format(root=str(gradescope_root), log=str(log))))
        results = run_autograder(gradescope_root)
        reports = [json.loads(p.read_text()) for p in log.glob('report-*.json')]
        # Control: the same code run as root does read the reference, so the test can see a leak.
        for old in log.iterdir():
            old.unlink()
        subprocess.run([sys.executable, str(gradescope_root / 'submission' / 'chatroom.py')], cwd=str(log),
                       capture_output=True, timeout=60)
        control = [json.loads(p.read_text()) for p in log.glob('report-*.json')]
    finally:
        shutil.rmtree(str(log), ignore_errors=True)
    # It does import cleanly and quietly (2 marks, and 1 for the robustness check the course weights);
    # nothing else of the reference's reached it.
    assert {t['number'] for t in results['tests'] if t['score']} <= {'structure.imports', 'robust.quiet_import'}
    assert results['score'] <= 3
    assert reports, 'the hostile submission never ran'
    assert all(r['uid'] == 65534 for r in reports)
    reference = gradescope_root / 'source' / 'chatroom_check' / 'chatroom.py'
    assert reference.exists()     # it is there (root can read it): the submission just cannot
    for report in reports:
        for target, outcome in report['attempts'].items():
            vanished = target.startswith('/tmp/') and outcome == 'FileNotFoundError'  # a finished agent's
            assert outcome == 'PermissionError' or vanished, (target, outcome)
    assert control[0]['uid'] == 0 and control[0]['attempts'][str(reference)].startswith('read ')
    found = [r['found'] for r in reports if 'found' in r]
    assert len(found) == 1
    readable = {path: outcome for path, outcome in found[0].items() if outcome != 'PermissionError'}
    assert not readable, readable


def test_a_check_module_that_does_not_load_is_the_autograders_failure_not_a_zero(tmp_path):
    (tmp_path / 'extra').mkdir()
    (tmp_path / 'extra' / 'test_broken.py').write_text('import no_such_module_anywhere\n')
    build(tmp_path / 'autograder.zip', extra_checks=tmp_path / 'extra')
    root = tmp_path / 'root'
    (root / 'submission').mkdir(parents=True)
    with zipfile.ZipFile(tmp_path / 'autograder.zip') as archive:
        archive.extractall(root / 'source')
    os.chmod(str(root / 'source' / 'run_autograder'), 0o755)
    shutil.copyfile(REFERENCE, root / 'submission' / 'chatroom.py')
    results = run_autograder(root)
    assert results['score'] == 0
    assert 'The autograder failed' in results['output'] and 'not your fault' in results['output']


# -- the Gradescope environment is the local one --------------------------------------------------------------

def requirement_names(lines):
    import re
    names = set()
    for line in lines:
        line = line.split('#', 1)[0].strip()
        if line:
            names.add(re.split(r'[<>=!;\[ ]', line, 1)[0].strip().lower())
    return names


def test_requirements_name_every_runtime_dependency_but_the_load_tests():
    """The zip installs requirements.txt, not pyproject.toml: a dependency missing there (psutil was) makes
    a check 'not measurable' on Gradescope only, and its score differ from the local run's."""
    try:
        import tomllib
    except ImportError:  # Python < 3.11
        import tomli as tomllib
    root = Path(REFERENCE).parent
    with open(root / 'pyproject.toml', 'rb') as source:
        runtime = requirement_names(tomllib.load(source)['project']['dependencies'])
    bundled = requirement_names((root / 'harness' / 'autograder_files' / 'requirements.txt').read_text().splitlines())
    assert runtime - {'locust'} <= bundled, sorted(runtime - {'locust'} - bundled)


def test_the_zips_differential_settings_judge_every_submission(tmp_path):
    archive = tmp_path / 'autograder.zip'
    build(archive, differential_depth=1, differential_budget=0)
    with gradescope_layout(archive) as root:
        shutil.copyfile(REFERENCE, root / 'submission' / 'chatroom.py')
        results = run_autograder(root)
    tests = {t['number']: t for t in results['tests']}
    for check in ('differential.tcp', 'differential.udp'):
        assert tests[check]['score'] == tests[check]['max_score'], tests[check]['output']
        assert '--differential-depth 1 --differential-budget 0 --seed 0' in tests[check]['output'], \
            tests[check]['output']


def test_setup_fails_when_the_course_python_is_missing(tmp_path):
    archive = tmp_path / 'autograder.zip'
    build(archive, python='/usr/bin/python3.99-not-here')
    with gradescope_layout(archive) as root:
        done = subprocess.run(['bash', str(root / 'source' / 'setup.sh')], env=environment(root),
                              capture_output=True, text=True, timeout=120)
    assert done.returncode != 0, done.stdout
    assert 'setup failed' in done.stderr and '/usr/bin/python3.99-not-here' in done.stderr, done.stderr
    assert 'ready' not in done.stdout


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0, reason='setup.sh as Gradescope runs it: as root')
def test_gradescope_run_of_the_reference_is_the_local_run(tmp_path):
    """As Gradescope runs it: setup.sh as root with nothing given (a venv under the root, requirements.txt
    from the package registry, the user chatroom-student), then run_autograder; the reference's results
    there are the local run's, check by check, and the run ends when its results are written (no
    folder left in the working directory either)."""
    from harness.judge import judge
    config = tmp_path / 'course.toml'
    config.write_text('[robustness]\nweight = 1\n')
    archive = tmp_path / 'autograder.zip'
    build(archive, config=config)
    workdir = tmp_path / 'cwd'
    workdir.mkdir()
    with gradescope_layout(archive) as root:
        env = {key: value for key, value in os.environ.items() if not key.startswith('CHATROOM_')}
        env['CHATROOM_AUTOGRADER_ROOT'] = str(root)
        done = subprocess.run(['bash', str(root / 'source' / 'setup.sh')], env=env, cwd=str(workdir),
                              capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stderr[-3000:]
        shutil.copyfile(REFERENCE, root / 'submission' / 'chatroom.py')
        started = time.monotonic()
        done = subprocess.run([str(root / 'source' / 'run_autograder')], env=env, cwd=str(workdir),
                              capture_output=True, text=True, timeout=300)
        wall = time.monotonic() - started
        assert done.returncode == 0, done.stderr[-3000:]
        with open(root / 'results' / 'results.json', encoding='utf-8') as source:
            there = json.load(source)
    local = judge(REFERENCE, config=config)
    here = {c.id: c.score for c in local.checks}
    scores = {t['number']: t['score'] for t in there['tests']}
    assert scores == here, {k: (scores.get(k), here.get(k)) for k in set(scores) | set(here)
                            if scores.get(k) != here.get(k)}
    assert there['score'] == local.max_score == sum(t['max_score'] for t in there['tests'])
    assert wall < there['execution_time'] + 10, (wall, there['execution_time'])
    assert not list(workdir.iterdir()), list(workdir.iterdir())
