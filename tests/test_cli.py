"""chatroom-check from the outside: exit codes, one clear line for bad input, the output formats, and the
pytest entry point. Runs the console script in subprocesses (each killed at teardown if still running);
-k keeps the runs short where the point is the interface, not the checks."""

import json
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / 'chatroom.py'
SUBMISSIONS = Path(__file__).resolve().parent / 'submissions'
sys.path.insert(0, str(SUBMISSIONS))
import broken  # noqa: E402

QUICK = 'test_structure.py'          # four checks, about a second
EXIT_FULL_MARKS, EXIT_NOT_FULL, EXIT_BAD_INPUT = 0, 1, 2


@pytest.fixture
def cli():
    started = []

    def run(*args, timeout=120, program=('chatroom-check',)):
        proc = subprocess.Popen(list(program) + [str(a) for a in args], cwd=str(ROOT), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        started.append(proc)
        out, err = proc.communicate(timeout=timeout)
        return proc.returncode, out, err

    yield run
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_full_marks_exit_0(cli):
    code, out, err = cli(REFERENCE, '-k', QUICK)
    assert code == EXIT_FULL_MARKS, err
    assert 'Score' in out and '12 / 12' in out


def test_not_full_marks_exit_1(cli, tmp_path):
    edits, _ = broken.VARIANTS['udp_not_bound_at_init']
    code, out, err = cli(broken.write(edits, tmp_path, 'v'), '-k', QUICK)
    assert code == EXIT_NOT_FULL, err
    assert 'not bound' in out


def _bad_input(tmp_path):
    binary = tmp_path / 'binary.py'
    binary.write_bytes(b'\x7fELF\x00\x00\x01\x02')
    syntax = tmp_path / 'syntax.py'
    syntax.write_text('class ServerTCP:\n    def __init__(self, server_port)\n        pass\n')
    empty_dir = tmp_path / 'empty'
    empty_dir.mkdir()
    return {'missing': (tmp_path / 'nope.py', 'no such file'),
            'directory': (empty_dir, 'no submissions found'),
            'binary': (binary, 'not a Python file'),
            'syntax': (syntax, 'syntax error at line 2')}


@pytest.mark.parametrize('case', ['missing', 'directory', 'binary', 'syntax'])
def test_bad_input_is_one_clear_line(cli, tmp_path, case):
    path, words = _bad_input(tmp_path)[case]
    code, out, err = cli(path, timeout=30)
    assert code == EXIT_BAD_INPUT, (out, err)
    assert 'Traceback' not in err and 'Traceback' not in out
    lines = err.strip().splitlines()
    assert lines and lines[0].startswith('chatroom-check: ') and words in lines[0], err
    assert len(lines) <= 2, err           # a syntax error also shows the offending line


def test_json_output(cli):
    code, out, err = cli(REFERENCE, '-k', QUICK, '--json')
    assert code == EXIT_FULL_MARKS, err
    data = json.loads(out)
    assert data['full_marks'] is True and data['score'] == data['max_score'] == 12
    assert {c['id'] for c in data['checks']} == {'structure.imports', 'structure.ServerTCP', 'structure.ClientTCP',
                                                 'structure.ServerUDP', 'structure.ClientUDP',
                                                 'structure.server_tcp_attributes',
                                                 'structure.server_udp_attributes'}
    for result in data['checks']:
        assert set(result) >= {'id', 'description', 'group', 'status', 'score', 'weight', 'notes', 'hint'}


def test_gradescope_and_junit_files(cli, tmp_path):
    edits, _ = broken.VARIANTS['udp_not_bound_at_init']
    path = broken.write(edits, tmp_path, 'v')
    grades, junit = tmp_path / 'results.json', tmp_path / 'junit.xml'
    code, out, err = cli(path, '-k', QUICK, '--gradescope', grades, '--junit', junit)
    assert code == EXIT_NOT_FULL, err
    data = json.loads(grades.read_text())
    assert isinstance(data['score'], (int, float)) and isinstance(data['execution_time'], (int, float))
    assert data['score'] == 9
    assert len(data['tests']) == 7
    for test in data['tests']:
        assert {'name', 'score', 'max_score', 'status', 'output', 'visibility', 'tags'} <= set(test), test
        assert test['status'] in ('passed', 'failed')
        assert test['visibility'] in ('visible', 'hidden', 'after_due_date', 'after_published')
        assert isinstance(test['tags'], list) and test['tags'] == ['structure']
        assert 0 <= test['score'] <= test['max_score']
    failed = [t for t in data['tests'] if t['status'] == 'failed']
    assert len(failed) == 1 and 'server_socket' in failed[0]['output'] and 'Hint:' in failed[0]['output']
    suite = ElementTree.parse(str(junit)).getroot()
    cases = suite.iter('testcase')
    assert sum(1 for _ in cases) == 7
    assert sum(1 for _ in suite.iter('failure')) == 1


def test_pytest_entry_point(cli):
    code, out, err = cli('--submission', 'chatroom.py', '-q', '-p', 'no:randomly',
                         program=(sys.executable, '-m', 'pytest'), timeout=180)
    assert code == 0, out[-2000:] + err[-2000:]
    assert ' passed' in out and 'failed' not in out
