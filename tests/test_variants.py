"""The conformance checks judged by submissions whose verdict we know.

- Broken variants (tests/submissions/broken.py): the reference with one spec violation each, judged by
  every weighted check (the differential ones aside): the checks naming the fault fail, and no other check
  loses a point but the collateral the table lists with its reason (proportional scoring). They are judged
  a few at a time, each in a process of its own (tests/judging.py).
- Valid variants: full marks on the check files their change can affect, with the leniency note in the
  report where one was needed. Hand-written valid submissions (tests/submissions/valid_*.py): full marks
  on the whole server suite.
- The partial-credit variant: a blocking accept() earns half of the run_event check, every time.

The other tests judge in this process through harness.judge.judge() (a nested pytest.main, which works: the inner
session has its own config, rootdir and plugins; only pytest-timeout's alarm of the outer test is cleared
by the inner session, so these tests bound themselves by the inner checks' own timeouts).
"""

import sys
from pathlib import Path

import pytest

from harness.judge import judge
from harness.results import FAILED, PASSED
from judging import judge_all, selected_params

SUBMISSIONS = Path(__file__).resolve().parent / 'submissions'
sys.path.insert(0, str(SUBMISSIONS))
import broken  # noqa: E402  (a helper module of tests/submissions)

FUNCTIONS = broken.check_functions(broken.VARIANT_FILES)


def statuses(run):
    return {c.id: c.status for c in run.checks}


def describe(run):
    return '; '.join('{} {}: {}'.format(c.id, c.status, c.message[:200]) for c in run.checks
                     if c.status != PASSED or c.score < c.weight) or 'all passed'


def test_every_server_check_is_caught_by_some_variant():
    caught = {check for _, must_fail in broken.VARIANTS.values() for check in must_fail}
    missing = sorted(check for check, (file, _) in FUNCTIONS.items() if file in broken.SERVER_FILES
                     and check not in caught)
    assert not missing, 'no broken variant makes these checks fail: {}'.format(missing)


def test_variants_name_only_existing_checks():
    named = {check for _, must_fail in broken.VARIANTS.values() for check in must_fail}
    named |= {check for _, credits in broken.PARTIAL.values() for check in credits}
    assert named <= set(FUNCTIONS), 'unknown check ids: {}'.format(sorted(named - set(FUNCTIONS)))


# The checks a variant is judged by: every weighted one but the differential checks (which see any
# behavioural fault, and take seconds), plus the robustness checks a variant is about.
WEIGHTED = 'not test_robustness.py and not test_differential.py'


@pytest.fixture(scope='module')
def broken_runs(request, tmp_path_factory):
    """Every selected broken variant judged (a few at a time, in processes of their own)."""
    folder = tmp_path_factory.mktemp('broken')
    jobs = {}
    for name in selected_params(request, 'name'):
        if name not in broken.VARIANTS:
            continue
        edits, must_fail = broken.VARIANTS[name]
        robust = [c for c in must_fail if FUNCTIONS[c][0] == 'test_robustness.py']
        keyword = WEIGHTED if not robust else '({}) or {}'.format(WEIGHTED, broken.keyword_for(robust, FUNCTIONS))
        jobs[name] = (broken.write(edits, folder, name), ['-k', keyword, '--no-differential'])
    return judge_all(jobs)


@pytest.mark.timeout(1800)        # the first one waits for the module's batch of judges (broken_runs)
@pytest.mark.parametrize('name', sorted(broken.VARIANTS))
def test_broken_variant_costs_its_own_checks_only(name, broken_runs):
    """The checks naming the fault fail; no other check loses a point, but the collateral listed, with its
    reason, in broken.COLLATERAL (judgement-calls.md: one fault, its own checks)."""
    run = broken_runs[name]
    _, must_fail = broken.VARIANTS[name]
    seen = statuses(run)
    assert run.problem is None
    not_failed = {check: seen.get(check, 'not run') for check in must_fail if seen.get(check) != FAILED}
    assert not not_failed, '{}: these checks should fail but {}; report: {}'.format(name, not_failed, describe(run))
    lost = {c.id for c in run.checks if c.weight > 0 and c.score < c.weight}
    beyond = sorted(lost - set(must_fail) - broken.collateral(name, seen))
    assert not beyond, '{} also cost {} (allowed: its own checks {} and the collateral {}); report: {}'.format(
        name, beyond, must_fail, sorted(broken.collateral(name)), describe(run))
    for result in run.checks:
        if result.status == FAILED:
            assert result.message.strip(), '{} failed without saying why'.format(result.id)
            assert result.hint.strip(), '{} failed without a hint'.format(result.id)


@pytest.fixture(scope='module')
def style_runs(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp('styles')
    jobs = {}
    for name in selected_params(request, 'style_variant'):
        path = folder / (name + '.py')
        path.write_text(broken.style_source(name), encoding='utf-8')
        jobs[name] = (path, ['-k', WEIGHTED, '--no-differential'])
    return judge_all(jobs)


@pytest.mark.timeout(1800)
@pytest.mark.parametrize('style_variant', sorted(broken.STYLE_VARIANTS))
def test_slow_style_with_one_fault_costs_its_own_checks_only(style_variant, style_runs):
    """A fault in a program of a slow timing style (polls of 60 s, blocking calls, sleep-polling loops) is
    caught like any other, and costs nothing else but what the style itself costs (valid_space)."""
    import valid_space
    run = style_runs[style_variant]
    _, _, must_fail, collateral = broken.STYLE_VARIANTS[style_variant]
    seen = statuses(run)
    assert run.problem is None
    not_failed = {check: seen.get(check, 'not run') for check in must_fail if seen.get(check) != FAILED}
    assert not not_failed, '{}: {}; report: {}'.format(style_variant, not_failed, describe(run))
    allowed = set(must_fail) | set(collateral) | set(valid_space.expected_costs(broken.style_choices(style_variant)))
    lost = {c.id for c in run.checks if c.weight > 0 and c.score < c.weight}
    assert lost <= allowed, '{} also cost {}; report: {}'.format(style_variant, sorted(lost - allowed), describe(run))


def test_collateral_names_only_variants_and_checks():
    assert set(broken.COLLATERAL) <= set(broken.VARIANTS)
    known = set(broken.check_functions(broken.ALL_FILES)) | {'*'}
    for name, (checks, why) in broken.COLLATERAL.items():
        assert why and set(checks) <= known, (name, sorted(set(checks) - known))
        assert not set(checks) & set(broken.VARIANTS[name][1]), name


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
