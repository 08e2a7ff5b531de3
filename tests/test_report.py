"""The renderers, fed a RunResult built by hand: what a reader sees for a pass, a failure, a skip, a
partial credit and a leniency."""

import io
import json

from rich.console import Console

from harness.report import terminal
from harness.report.gradescope import gradescope
from harness.results import FAILED, PASSED, SKIPPED, CheckResult, RunResult


def result(id, status, score, weight=4.0, group='ServerTCP', **extra):
    return CheckResult(id=id, description='The check {}.'.format(id), group=group, tags=[group],
                       spec='3 ServerTCP.run', weight=weight, visibility='visible', status=status, score=score,
                       **extra)


def sample_run():
    run = RunResult(submission='student/chatroom.py', execution_time=2.5)
    run.checks = [
        result('structure.imports', PASSED, 2.0, weight=2.0, group='structure'),
        result('tcp.welcome', PASSED, 4.0, notes=["greeting 'Welcome!' accepted"]),
        result('tcp.join_broadcast', FAILED, 0.0, message="alice expected 'User carol joined' within 2.0s",
               hint="broadcast 'User x joined'"),
        result('tcp.exit', SKIPPED, 0.0, message='skipped: it needs "tcp.welcome", which failed'),
        result('tcp.shutdown_run_event', PASSED, 3.0, weight=6.0, hint='poll with select()',
               notes=['run() returned only after one more connection arrived: partial credit']),
    ]
    return run


def rendered(run, verbose=False):
    out = io.StringIO()
    terminal.render(run, console=Console(file=out, width=200, color_system=None), verbose=verbose)
    return out.getvalue()


def test_scores_add_up():
    run = sample_run()
    assert run.score == 9.0 and run.max_score == 20.0 and not run.full_marks
    assert [group for group, _ in run.groups()] == ['structure', 'ServerTCP']


def test_round_trip_through_json():
    run = sample_run()
    again = RunResult.from_dict(json.loads(json.dumps(run.to_dict())))
    assert again.to_dict() == run.to_dict()
    assert run.to_dict()['groups']['ServerTCP'] == {'score': 7.0, 'max_score': 18.0}


def test_terminal_report():
    text = rendered(sample_run())
    assert 'student/chatroom.py' in text
    assert 'Score' in text and '9 / 20' in text
    assert "alice expected 'User carol joined'" in text and "hint: broadcast 'User x joined'" in text
    assert 'assignment § 3 ServerTCP.run' in text
    assert 'lenient: greeting' in text and 'partial credit' in text
    assert '◐' in text and '✘' in text and '–' in text and '✔' in text
    assert 'Leniency' in text and '2 check(s)' in text


def test_terminal_report_of_a_problem():
    run = RunResult(submission='x.py', problem='importing chatroom.py did not finish within 5s')
    text = rendered(run)
    assert 'did not finish within 5s' in text and '0 / 0' in text


def test_gradescope_results():
    data = gradescope(sample_run())
    assert data['score'] == 9.0 and data['execution_time'] == 2.5
    by_number = {t['number']: t for t in data['tests']}
    assert by_number['tcp.welcome']['status'] == 'passed'
    assert 'Note: greeting' in by_number['tcp.welcome']['output']
    failed = by_number['tcp.join_broadcast']
    assert failed['status'] == 'failed' and failed['score'] == 0 and failed['max_score'] == 4.0
    assert failed['output'].startswith("alice expected") and "Hint: broadcast 'User x joined'" in failed['output']
    partial = by_number['tcp.shutdown_run_event']
    assert partial['status'] == 'failed' and partial['score'] == 3.0 and 'partial credit' in partial['output']
    assert by_number['tcp.exit']['output'].startswith('skipped: it needs')
    for test in data['tests']:
        assert {'name', 'score', 'max_score', 'status', 'output', 'visibility', 'tags'} <= set(test)
    assert 'output' not in data


def test_gradescope_results_of_a_problem():
    data = gradescope(RunResult(submission='x.py', problem='not a Python file'))
    assert data['output'] == 'not a Python file' and data['tests'] == [] and data['score'] == 0
