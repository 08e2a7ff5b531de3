"""The conformance checks judged by submissions whose verdict we know.

- Broken variants (tests/submissions/broken.py): the reference with one spec violation each; the checks
  that must catch it fail. Each variant runs only the checks it must fail, for speed.
- Valid variants: full marks on the check files their change can affect, with the leniency note in the
  report where one was needed. Hand-written valid submissions (tests/submissions/valid_*.py): full marks
  on the whole server suite.
- The partial-credit variant: a blocking accept() earns half of the run_event check, every time.

The suite runs in this process through harness.cli.judge() (a nested pytest.main, which works: the inner
session has its own config, rootdir and plugins; only pytest-timeout's alarm of the outer test is cleared
by the inner session, so these tests bound themselves by the inner checks' own timeouts).
"""

import sys
from pathlib import Path

import pytest

from harness.cli import judge
from harness.results import FAILED, PASSED

SUBMISSIONS = Path(__file__).resolve().parent / 'submissions'
sys.path.insert(0, str(SUBMISSIONS))
import broken  # noqa: E402  (a helper module of tests/submissions)

FUNCTIONS = broken.check_functions()


def statuses(run):
    return {c.id: c.status for c in run.checks}


def describe(run):
    return '; '.join('{} {}: {}'.format(c.id, c.status, c.message[:200]) for c in run.checks
                     if c.status != PASSED or c.score < c.weight) or 'all passed'


def test_every_server_check_is_caught_by_some_variant():
    caught = {check for _, must_fail in broken.VARIANTS.values() for check in must_fail}
    missing = sorted(set(FUNCTIONS) - caught)
    assert not missing, 'no broken variant makes these checks fail: {}'.format(missing)


def test_variants_name_only_existing_checks():
    named = {check for _, must_fail in broken.VARIANTS.values() for check in must_fail}
    named |= {check for _, credits in broken.PARTIAL.values() for check in credits}
    assert named <= set(FUNCTIONS), 'unknown check ids: {}'.format(sorted(named - set(FUNCTIONS)))


@pytest.mark.parametrize('name', sorted(broken.VARIANTS))
def test_broken_variant_is_caught(name, tmp_path):
    edits, must_fail = broken.VARIANTS[name]
    path = broken.write(edits, tmp_path, name)
    run = judge(path, keyword=broken.keyword_for(must_fail, FUNCTIONS))
    seen = statuses(run)
    assert run.problem is None
    not_failed = {check: seen.get(check, 'not run') for check in must_fail if seen.get(check) != FAILED}
    assert not not_failed, '{}: these checks should fail but {}; report: {}'.format(name, not_failed, describe(run))
    assert not run.full_marks and run.score < run.max_score
    for result in run.checks:
        if result.status == FAILED:
            assert result.message.strip(), '{} failed without saying why'.format(result.id)
            assert result.hint.strip(), '{} failed without a hint'.format(result.id)


def _assert_full_marks(run, files=broken.SERVER_FILES):
    expected = {check for check, (file, _) in FUNCTIONS.items() if file in files}
    assert run.problem is None
    assert set(statuses(run)) == expected, 'not every check of {} ran: {}'.format(
        files, sorted(expected - set(statuses(run))))
    assert run.full_marks, describe(run)
    assert run.score == run.max_score


@pytest.mark.parametrize('name', sorted(broken.VALID))
def test_valid_variant_gets_full_marks_with_note(name, tmp_path):
    edits, note = broken.VALID[name]
    files = broken.scope_of(name)
    run = judge(broken.write(edits, tmp_path, name), keyword=' or '.join(files))
    _assert_full_marks(run, files)
    notes = [n for c in run.checks for n in c.notes]
    if note is None:
        assert not notes, 'a submission that needs no leniency got notes: {}'.format(notes)
    else:
        assert any(note in n for n in notes), 'the report should note {!r}; notes: {}'.format(note, notes)


@pytest.mark.parametrize('name', ['valid_select.py', 'valid_threads.py'])
def test_hand_written_valid_submission_gets_full_marks(name):
    run = judge(SUBMISSIONS / name, keyword=broken.SERVER_SUITE)
    _assert_full_marks(run)
    notes = ' '.join(n for c in run.checks for n in c.notes)
    if name == 'valid_threads.py':       # 'Welcome!' and the UDP relay as received: both noted
        assert "greeting 'Welcome!' accepted" in notes
        assert 'UDP chat relayed as received' in notes


def test_greeting_note_names_the_greeting_alone(tmp_path):
    """A note quotes the greeting, not the join broadcasts that arrived in the same segment."""
    edits, _ = broken.VALID['tcp_welcome_to_the_chat']
    run = judge(broken.write(edits, tmp_path, 'greeting'), keyword='test_server_tcp.py and test_twenty_clients')
    notes = {n for c in run.checks for n in c.notes}
    assert notes and all(n.startswith("greeting 'Welcome to the chat' accepted") for n in notes), notes


@pytest.mark.parametrize('name', sorted(broken.PARTIAL))
def test_partial_credit_variant(name, tmp_path):
    edits, credits = broken.PARTIAL[name]
    run = judge(broken.write(edits, tmp_path, name), keyword=broken.keyword_for(sorted(credits), FUNCTIONS))
    by_id = {c.id: c for c in run.checks}
    for check, score in credits.items():
        result = by_id[check]
        assert result.status == PASSED and result.score == score, '{}: {} {} ({})'.format(
            check, result.status, result.score, describe(run))
        assert any('partial credit' in n for n in result.notes), result.notes
        assert result.hint, 'a partly credited check should show its hint'
    assert not run.full_marks


def test_unknown_snippet_breaks_loudly():
    with pytest.raises(AssertionError, match='found 0 times'):
        broken.apply([('this text is not in the reference', '')])
