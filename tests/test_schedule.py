"""Independent checks side by side (harness/schedule.py) give the verdicts of a serial run: the same checks,
in the same order, with the same outcomes, scores and skip reasons; a check that asks for a fixture the
scheduler does not know (an instructor's) still runs, in pytest's own loop."""

import textwrap

from harness.judge import judge
from harness.plugin import REFERENCE

from judging import judge_all

FAULTS = [("outbox.push(WELCOME.encode())", "outbox.push(b'welcome')"),
          ("            if message == EXIT:\n                break\n", ""),
          ("self._send(WELCOME.encode(), client_addr)", "self._send(b'Welcome!', client_addr)")]


def faulty(tmp_path):
    source = REFERENCE.read_text(encoding='utf-8')
    for old, new in FAULTS:
        assert source.count(old) == 1, old
        source = source.replace(old, new)
    path = tmp_path / 'faulty' / 'chatroom.py'
    path.parent.mkdir()
    path.write_text(source, encoding='utf-8')
    return path


def verdicts(run):
    return [(c.id, c.status, c.score, c.message if c.status == 'skipped' else '') for c in run.checks]


def test_serial_and_concurrent_runs_agree(tmp_path):
    path = faulty(tmp_path)
    runs = judge_all({('reference', 'serial'): (REFERENCE, ['--serial', '--no-differential']),
                      ('reference', 'concurrent'): (REFERENCE, ['--no-differential']),
                      ('faulty', 'serial'): (path, ['--serial', '--no-differential']),
                      ('faulty', 'concurrent'): (path, ['--no-differential'])}, at_once=2)
    for name in ('reference', 'faulty'):
        serial, concurrent = runs[(name, 'serial')], runs[(name, 'concurrent')]
        assert verdicts(serial) == verdicts(concurrent), name
    faulty_run = runs[('faulty', 'concurrent')]
    failed = {c.id for c in faulty_run.checks if c.status == 'failed'}
    assert {'tcp.welcome', 'tcp.exit', 'udp.welcome'} <= failed
    assert faulty_run.score < faulty_run.max_score and runs[('reference', 'concurrent')].full_marks


def test_an_instructor_check_with_another_fixture_runs_in_pytest_loop(tmp_path):
    extra = tmp_path / 'extra'
    extra.mkdir()
    (extra / 'test_course.py').write_text(textwrap.dedent('''
        from harness.catalog import check

        @check('course.scratch', weight=1, spec='course', tags=['course'], depends=['structure.ServerTCP'],
               rests_on=('the course',))
        def test_scratch_dir(tmp_path, tcp_server):
            """The instructor's check asks for pytest's tmp_path."""
            (tmp_path / 'note').write_text('seen')
            tcp_server.join('alice')
    '''))
    # In-process judges before and after, as in a full test run: the checks collected from their copy
    # (made for the instructor's modules) must not collide with the same modules collected from the package.
    assert judge(REFERENCE, keyword='test_structure').full_marks
    run = judge(REFERENCE, keyword='test_course or test_structure', extra_checks=extra)
    by_id = {c.id: c for c in run.checks}
    assert by_id['course.scratch'].status == 'passed', by_id['course.scratch'].message
    assert by_id['structure.ServerTCP'].status == 'passed'
    assert judge(REFERENCE, keyword='test_structure').full_marks
