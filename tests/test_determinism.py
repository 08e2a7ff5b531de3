"""The same submission gets the same score every run: a student who runs the self-check twice, or asks for a
regrade, must not see the score change. Each submission is judged several times, two at a time (the way a
batch judges), and every run must give every check the same score.

- Default: the slow timing styles real students write (tests/submissions/valid_space.STYLES: blocking
  calls everywhere, polls of 60 s and socket timeouts of 5 s, sleep-polling loops, polls of 0.05 s),
  twice, without the differential checks and the robustness tier (their faulty versions,
  broken.STYLE_VARIANTS, are judged in tests/test_variants.py).
- With --run-slow: every broken variant, every style variant, the generated valid space and the
  reference, $CHATROOM_DETERMINISM_RUNS times (default 5), beside CPU burners (one per core); each must
  keep one score, and the valid ones their expected marks.
"""

import os
import sys
from pathlib import Path

import pytest

from judging import cpu_burners, judge_all

SUBMISSIONS = Path(__file__).resolve().parent / 'submissions'
REFERENCE = Path(__file__).resolve().parent.parent / 'chatroom.py'
sys.path.insert(0, str(SUBMISSIONS))
import broken  # noqa: E402  (helper modules of tests/submissions)
import valid_space as vs  # noqa: E402

RUNS = int(os.environ.get('CHATROOM_DETERMINISM_RUNS', '5'))


def scores(run):
    assert run.problem is None, run.problem
    return {c.id: c.score for c in run.checks}


def lost_points(run):
    return {c.id: round(c.weight - c.score, 2) for c in run.checks if c.weight > 0 and c.score < c.weight}


def style_choices(style):
    choices = dict(vs.BASELINE)
    choices.update(vs.STYLES[style])
    return choices


def judge_repeatedly(jobs, runs):
    """{key: [RunResult per run]}, every run judging all `jobs` two at a time."""
    results = {key: [] for key in jobs}
    for _ in range(runs):
        for key, run in judge_all(jobs, at_once=2).items():
            results[key].append(run)
    return results


def differences(results):
    """One line per submission whose runs disagree, naming the checks whose scores changed."""
    lines = []
    for key, runs in sorted(results.items()):
        seen = [scores(run) for run in runs]
        changed = sorted(check for check in set().union(*seen) if len({s.get(check) for s in seen}) > 1)
        if changed:
            lines.append('{}: totals {}, changed {}'.format(
                key, [round(sum(s.values()), 2) for s in seen],
                {check: [s.get(check) for s in seen] for check in changed}))
            # what the lower scores said: a flip seen once in hundreds of judges is diagnosed from this
            for number, run in enumerate(runs, 1):
                for c in run.checks:
                    if c.id in changed and c.score < max(s.get(c.id, 0) for s in seen):
                        lines.append('  run {} {}: {}'.format(number, c.id, c.message[:1500]))
    return lines


def test_slow_styles_keep_one_score(tmp_path):
    jobs, expected = {}, {}
    for style in vs.STYLES:
        path = tmp_path / 'valid_{}.py'.format(style)
        path.write_text(vs.source(style_choices(style)), encoding='utf-8')
        jobs[style] = (path, ['--no-differential', '-k', 'not test_robustness'])
        expected[style] = vs.expected_costs(style_choices(style))
    results = judge_repeatedly(jobs, 2)
    assert not differences(results), '\n'.join(differences(results))
    for style, runs in results.items():
        assert lost_points(runs[0]) == expected[style], (style, lost_points(runs[0]), expected[style])


@pytest.mark.slow
@pytest.mark.timeout(8 * 3600)
def test_every_variant_keeps_one_score_beside_cpu_burners(tmp_path):
    jobs, expected = {'reference': (REFERENCE, [])}, {'reference': {}}
    for name, (edits, _) in broken.VARIANTS.items():
        jobs['broken ' + name] = (broken.write(edits, tmp_path / 'broken', name), [])
    for name in broken.STYLE_VARIANTS:
        path = tmp_path / '{}.py'.format(name)
        path.write_text(broken.style_source(name), encoding='utf-8')
        jobs[name] = (path, [])
    for choices in vs.combinations():
        name = vs.name_of(choices)
        path = tmp_path / '{}.py'.format(name)
        path.write_text(vs.source(choices), encoding='utf-8')
        jobs[name] = (path, [])
        expected[name] = vs.expected_costs(choices)
    with cpu_burners():
        results = judge_repeatedly(jobs, RUNS)
    wrong = differences(results)
    for key, marks in expected.items():
        for number, run in enumerate(results[key], 1):
            if lost_points(run) != marks:
                wrong.append('{} run {}: lost {}, expected {}'.format(key, number, lost_points(run), marks))
    distinct = sum(len({round(sum(scores(run).values()), 2) for run in runs}) for runs in results.values())
    print('\n{} runs x {} submissions, beside {} CPU burners: {} distinct totals ({} per submission would be '
          'one score each); {} wrong'.format(RUNS, len(jobs), os.cpu_count(), distinct, len(jobs), len(wrong)))
    assert not wrong, '\n'.join(wrong)
