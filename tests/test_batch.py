"""Batch grading through the real command line: a folder of submissions (the reference, a misnamed copy,
broken variants, a hostile one, a missing file, a syntax error), graded in parallel; nothing is lost.
The checks are narrowed with -k to the structure and ServerTCP checks to keep this quick: the batch
machinery is the same for the full suite (benchmarks/batch.py runs it in full)."""

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from harness.batch import find_submissions
from harness.judge import locate_chatroom, looks_like_chatroom
from harness.plugin import REFERENCE

SUBSET = 'test_structure or test_server_tcp'
REF = REFERENCE.read_text()


def chatroom_check(*args, timeout=120):
    return subprocess.run([sys.executable, '-m', 'harness.cli'] + [str(a) for a in args], capture_output=True,
                          text=True, timeout=timeout, cwd=str(Path(REFERENCE).parent))


@pytest.fixture
def course(tmp_path):
    folder = tmp_path / 'course'
    for name in ('alice', 'bob', 'carol'):
        (folder / name).mkdir(parents=True)
    (folder / 'alice' / 'chatroom.py').write_text(REF)
    (folder / 'bob' / 'chatroom (1).py').write_text(REF)                       # misnamed: judged, noted
    (folder / 'carol' / 'notes.txt').write_text('I could not finish')          # no submission at all
    (folder / 'dave.py').write_text('class ServerTCP(:\n    pass\n')            # syntax error
    (folder / 'erin.py').write_text(REF + '\nimport os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n')
    (folder / 'frank.py').write_text(REF + '\ndel ServerTCP\n')                 # broken: a class missing
    (folder / 'gina.py').write_text(REF.replace('Name already taken', 'Name is taken'))  # wrong wire string
    return folder


def read_csv(path):
    with open(path, newline='', encoding='utf-8') as source:
        rows = list(csv.reader(source))
    return rows[0], {row[0]: dict(zip(rows[0], row)) for row in rows[1:]}


def test_batch_grades_every_submission_and_loses_none(course, tmp_path):
    out, grades, page = tmp_path / 'out', tmp_path / 'grades.csv', tmp_path / 'report.html'
    done = chatroom_check(course, '--jobs', 2, '-k', SUBSET, '--csv', grades, '--out', out, '--html', page)
    assert done.returncode == 0, done.stderr
    header, rows = read_csv(grades)
    assert header[:3] == ['name', 'total', 'max'] and header[-1] == 'problem'
    assert 'structure.ServerTCP' in header and 'tcp.welcome' in header
    assert list(rows) == ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'gina']
    full = rows['alice']['max']
    assert float(full) > 0 and rows['alice']['total'] == full and rows['alice']['problem'] == ''
    assert rows['bob']['total'] == full and 'judged "chatroom (1).py" as chatroom.py' in rows['bob']['problem']
    assert rows['carol']['total'] == '0' and 'no chatroom.py was submitted' in rows['carol']['problem']
    assert rows['carol']['max'] == full          # the batch's usual maximum, for a row with no checks
    assert 'syntax error at line 1' in rows['dave']['problem']
    assert 'killed by SIGKILL' in rows['erin']['problem']
    assert float(rows['frank']['total']) < float(full) and rows['frank']['tcp.welcome'] == '0'
    assert rows['gina']['tcp.name_taken'] == '0' and rows['gina']['tcp.welcome'] != '0'
    # per-submission results, written as each finished
    for name in rows:
        data = json.loads((out / name / 'results.json').read_text())
        assert data['batch']['name'] == name
    assert json.loads((out / 'alice' / 'results.json').read_text())['full_marks'] is True
    assert len(json.loads((out / 'batch.json').read_text())['submissions']) == 7
    # progress and the summary table
    assert 'grading' in done.stderr and '7/7' in done.stderr
    for name in rows:
        assert name in done.stderr and name in done.stdout
    assert 'Batch: 7 submissions' in done.stdout
    text = page.read_text()
    assert text.count('<details class="submission"') == 7
    # no agent outlives the batch (they run from the batch's own temporary folders)
    leftovers = subprocess.run(['pgrep', '-f', str(course)], capture_output=True, text=True).stdout.split()
    assert not leftovers


def test_wall_time_cap_stops_a_submission_and_its_agents(tmp_path):
    slow = tmp_path / 'slow'
    slow.mkdir()
    (slow / 'chatroom.py').write_text(REF)          # the full suite takes longer than the cap
    grades = tmp_path / 'grades.csv'
    done = chatroom_check(tmp_path / 'slow', '--timeout', '1.5', '--csv', grades)
    assert done.returncode == 0, done.stderr
    _, rows = read_csv(grades)
    assert 'not finished within the cap of 1.5s' in rows['chatroom']['problem']
    assert not subprocess.run(['pgrep', '-f', str(slow)], capture_output=True, text=True).stdout.split()


def test_bad_input_exits_2(tmp_path):
    assert chatroom_check(tmp_path / 'nowhere', '--csv', tmp_path / 'x.csv').returncode == 2
    (tmp_path / 'empty').mkdir()
    done = chatroom_check(tmp_path / 'empty')
    assert done.returncode == 2 and 'no submissions found' in done.stderr
    (tmp_path / 'bad.toml').write_text('[robustness]\nweigth = 1\n')
    done = chatroom_check(tmp_path / 'empty', '--config', tmp_path / 'bad.toml')
    assert done.returncode == 2 and 'unknown setting' in done.stderr
    done = chatroom_check(tmp_path / 'empty', tmp_path / 'empty', '--gradescope', tmp_path / 'g.json')
    assert done.returncode == 2


def test_finding_submissions(tmp_path):
    (tmp_path / 'a').mkdir()
    (tmp_path / 'a' / 'Chatroom.py').write_text('')
    (tmp_path / 'b').mkdir()
    (tmp_path / 'b' / 'chatroom.py').write_text('')
    (tmp_path / 'b' / 'helper.py').write_text('')
    (tmp_path / 'c').mkdir()
    (tmp_path / 'c' / 'chatroom-v1.py').write_text('')
    (tmp_path / 'c' / 'chatroom-v2.py').write_text('')
    (tmp_path / 'a.py').write_text('')
    (tmp_path / '.hidden').mkdir()
    found = find_submissions([tmp_path])
    assert [s.name for s in found] == ['a', 'a-2', 'b', 'c']
    assert found[0].path.name == 'Chatroom.py' and 'Chatroom.py' in found[0].note
    assert found[2].path.name == 'chatroom.py' and not found[2].note
    assert found[3].path is None and 'several' in found[3].problem
    assert all(looks_like_chatroom(n) for n in ('chatroom (1).py', 'ChatRoom.py', 'chat_room_final.py'))
    assert not any(looks_like_chatroom(n) for n in ('server.py', 'chatroom.txt', 'mychatroom.py'))
    assert locate_chatroom(tmp_path / 'nowhere')[2].startswith('cannot list')
