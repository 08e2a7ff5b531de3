"""Every correct implementation the assignment allows gets full marks (issue 9).

tests/submissions/valid_space.py generates student-style chatroom.py files that differ in the freedoms the
text leaves open (greeting printed or not, prompts, leave order, threads or select, input() in the main
thread, bare `except: pass`, ...), crossed pairwise. Each must score full marks on every weighted check,
the differential ones included, except the few points the rulings charge to a partly free option
(valid_space.expected_costs): no more, no less. They are judged a few at a time, each in a process of its
own (tests/judging.py), which also makes the machine busy. The default run judges the pairwise core
(valid_space.fast_core(): every pair of options in some program, but the pairs of a slow option, which
only its style's row holds); --run-slow adds the rest of pairwise_core() and the single variants.

With --run-slow the same verdicts must hold in consecutive runs beside CPU burners (one per core), as on
a busy grading host, and every broken variant must still fail the checks naming its fault. The number of
loaded runs is $CHATROOM_LOADED_RUNS (default 10).
"""

import itertools
import os
import sys
from pathlib import Path

import pytest

from judging import cpu_burners, judge_all, selected_params

SUBMISSIONS = Path(__file__).resolve().parent / 'submissions'
REFERENCE = Path(__file__).resolve().parent.parent / 'chatroom.py'
sys.path.insert(0, str(SUBMISSIONS))
import broken  # noqa: E402  (helper modules of tests/submissions)
import valid_space as vs  # noqa: E402

COMBINATIONS = {vs.name_of(choices): choices for choices in vs.combinations()}
# The default run judges the fast pairwise core (every pair of options in some program, but the pairs of a
# slow option); --run-slow adds those and each option alone on the baseline, which names the option a
# failure is about.
CORE = {vs.name_of(choices) for choices in vs.fast_core()}
LOADED_RUNS = int(os.environ.get('CHATROOM_LOADED_RUNS', '10'))
WEIGHTED = ['-k', 'not test_robustness']     # what these tests judge: the robustness tier weighs nothing


def lost_points(run):
    """{check id: points lost} over the weighted checks."""
    return {c.id: round(c.weight - c.score, 2) for c in run.checks if c.weight > 0 and c.score < c.weight}


def explain(run):
    return '; '.join('{} {} ({}/{}): {}'.format(c.id, c.status, c.score, c.weight, c.message[:300])
                     for c in run.checks if c.weight > 0 and c.score < c.weight)


def forbidden(first, second):
    (f1, o1), (f2, o2) = first, second
    return any({(a, b), (c, d)} == {(f1, o1), (f2, o2)} for a, b, c, d, _ in vs.RULES)


def test_the_space_is_wide_and_covers_every_pair_of_options():
    assert len(vs.FREEDOMS) >= 12 and len(COMBINATIONS) >= 30
    assert not vs.uncovered_pairs(vs.pairwise_core())
    options = [(freedom, option) for freedom, choices in vs.FREEDOMS.items() for option in choices]
    missing, broken_rule = [], []
    for first, second in itertools.combinations(options, 2):
        if first[0] == second[0]:
            continue
        together = [c for c in COMBINATIONS.values() if c[first[0]] == first[1] and c[second[0]] == second[1]]
        if forbidden(first, second):
            broken_rule += [(first, second)] if together else []
        elif not together:
            missing.append((first, second))
    assert not missing, 'pairs of options no combination holds: {}'.format(missing[:10])
    assert not broken_rule, 'combinations that hold a forbidden pair: {}'.format(broken_rule[:10])


def test_generated_files_are_distinct_and_compile():
    sources = {name: vs.source(choices) for name, choices in COMBINATIONS.items()}
    assert len(set(sources.values())) == len(sources)
    for name, text in sources.items():
        compile(text, name, 'exec')


@pytest.fixture(scope='module')
def valid_runs(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp('valid_space')
    jobs = {}
    for name in selected_params(request, 'name'):
        path = folder / (name + '.py')
        path.write_text(vs.source(COMBINATIONS[name]), encoding='utf-8')
        jobs[name] = (path, WEIGHTED)
    return judge_all(jobs)


@pytest.mark.timeout(3600)      # the first one waits for the module's batch of judges (valid_runs)
@pytest.mark.parametrize('name', [name if name in CORE else pytest.param(name, marks=pytest.mark.slow)
                                  for name in sorted(COMBINATIONS)])
def test_valid_implementation_gets_full_marks(name, valid_runs):
    """Full marks on every weighted check, but the ruling-backed cost of a partly free option."""
    run = valid_runs[name]
    assert run.problem is None, run.problem
    expected = vs.expected_costs(COMBINATIONS[name])
    assert lost_points(run) == expected, '{} ({}): lost {}, expected to lose only {}: {}'.format(
        name, differs_from_baseline(COMBINATIONS[name]), lost_points(run), expected, explain(run))


def differs_from_baseline(choices):
    return ', '.join('{}={}'.format(k, v) for k, v in choices.items() if vs.BASELINE[k] != v) or 'the baseline'


@pytest.mark.slow
@pytest.mark.timeout(6 * 3600)
def test_verdicts_hold_beside_cpu_burners(tmp_path):
    """LOADED_RUNS consecutive runs beside one CPU burner per core: the reference and every valid
    implementation keep their marks; then, still loaded, every broken variant fails the checks naming its
    fault."""
    jobs = {'reference': (REFERENCE, [])}
    expected = {'reference': {}}
    for name, choices in COMBINATIONS.items():
        path = tmp_path / (name + '.py')
        path.write_text(vs.source(choices), encoding='utf-8')
        jobs[name] = (path, WEIGHTED)
        expected[name] = vs.expected_costs(choices)
    wrong = []
    with cpu_burners():
        for round_number in range(1, LOADED_RUNS + 1):
            for name, run in judge_all(jobs, at_once=2).items():
                if run.problem is not None or lost_points(run) != expected[name]:
                    wrong.append('run {}, {}: lost {} (expected {}): {}'.format(
                        round_number, name, lost_points(run), expected[name], explain(run)))
        variants = {name: (broken.write(edits, tmp_path / 'broken', name), ['--no-differential'])
                    for name, (edits, _) in broken.VARIANTS.items()}
        for name, run in judge_all(variants, at_once=2).items():
            failed = {c.id for c in run.checks if c.status == 'failed'}
            missed = set(broken.VARIANTS[name][1]) - failed
            if missed:
                wrong.append('broken {}: {} did not fail'.format(name, sorted(missed)))
    print('\n{} loaded runs of {} valid implementations, and {} broken variants once: {} wrong'.format(
        LOADED_RUNS, len(jobs), len(broken.VARIANTS), len(wrong)))
    assert not wrong, '\n'.join(wrong)
