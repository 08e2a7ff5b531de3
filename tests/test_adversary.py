"""The adversary corpora (tests/submissions/adversary_*): each an independent correct chatroom.py, written by
someone who had read only the assignment and judgement-calls.md, never the checks, in a style unlike the
reference's, and about 30 faults planted in it that a grader testing the obvious path would miss, each
proven wrong by a loopback script of its own (proofs/, run by the corpus's prove.py). The checks must keep
the implementation at full marks and give no fault full marks.

Each submission is judged a few at a time, in a process of its own: the correct implementation by every
weighted check (the robustness tier weighs nothing and is left out), a fault by the weighted checks of the
class it was planted in (its class's fixed checks, its interop pairing and its differential check), which
is where it must lose marks; --run-slow judges every fault by every weighted check."""

import importlib.util
from pathlib import Path

import pytest

from judging import judge_all, selected_params

SUBMISSIONS = Path(__file__).resolve().parent / 'submissions'
CORPORA = sorted(path.name for path in SUBMISSIONS.glob('adversary_*') if (path / 'faults.py').is_file())
WEIGHTED = ['-k', 'not test_robustness']
# pytest -k matches the check modules' and functions' names: test_server_tcp also selects interop's
# test_server_tcp_with_reference_clients.
CLASS_CHECKS = {
    'ServerTCP': 'test_server_tcp or test_random_scenarios_tcp',
    'ServerUDP': 'test_server_udp or test_random_scenarios_udp',
    'ClientTCP': 'test_client_tcp or test_clients_tcp or test_client_scenarios_tcp',
    'ClientUDP': 'test_client_udp or test_clients_udp or test_client_scenarios_udp',
}


def judged_by(corpus, name, everything):
    """The -k options a case is judged with."""
    if name is None or everything:
        return WEIGHTED
    checks = CLASS_CHECKS[faults_of(corpus)[name]['class']]
    return ['-k', 'test_structure or ({}) and not test_robustness'.format(checks)]


def faults_of(corpus):
    spec = importlib.util.spec_from_file_location('faults_' + corpus, str(SUBMISSIONS / corpus / 'faults.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.FAULTS


def faulty_source(corpus, name):
    source = (SUBMISSIONS / corpus / 'chatroom.py').read_text(encoding='utf-8')
    for old, new in faults_of(corpus)[name]['edits']:
        assert source.count(old) == 1, (corpus, name, old[:60])
        source = source.replace(old, new)
    return source


# The default test command judges every correct implementation and the faults of the newest corpus (written
# after the checks it was first judged by); the older corpora's faults, long caught, with --run-slow (the
# newest, busy loops, takes about 4 minutes alone here).
RECENT = CORPORA[-1:]
CASES = [(corpus, name) for corpus in CORPORA for name in [None] + sorted(faults_of(corpus))]
PARAMS = [pytest.param((corpus, name), id='{}-{}'.format(corpus, name or 'correct'),
                       marks=[pytest.mark.slow] if name is not None and corpus not in RECENT else [])
          for corpus, name in CASES]


@pytest.fixture(scope='module')
def corpus_runs(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp('adversary')
    jobs = {}
    for corpus, name in selected_params(request, 'case'):
        path = folder / corpus / (name or 'correct') / 'chatroom.py'
        path.parent.mkdir(parents=True)
        path.write_text((SUBMISSIONS / corpus / 'chatroom.py').read_text(encoding='utf-8') if name is None
                        else faulty_source(corpus, name), encoding='utf-8')
        jobs[(corpus, name)] = (path, judged_by(corpus, name, request.config.getoption('--run-slow')))
    return judge_all(jobs)


def test_each_corpus_is_complete():
    assert len(CORPORA) >= 1
    for corpus in CORPORA:
        faults = faults_of(corpus)
        assert len(faults) >= 25, corpus
        for name, fault in faults.items():
            assert (SUBMISSIONS / corpus / fault['proof']).is_file(), (corpus, name)
            assert fault['sentence'] and fault['class'] in ('ServerTCP', 'ServerUDP', 'ClientTCP', 'ClientUDP')
            faulty_source(corpus, name)           # every snippet occurs exactly once


@pytest.mark.timeout(1800)         # the first one waits for the module's batch of judges (corpus_runs)
@pytest.mark.parametrize('case', PARAMS)
def test_correct_at_full_marks_and_every_fault_caught(case, corpus_runs):
    corpus, name = case
    run = corpus_runs[case]
    assert run.problem is None, run.problem
    lost = {c.id: (c.score, c.weight, c.message[:300]) for c in run.checks if c.weight > 0 and c.score < c.weight}
    if name is None:
        assert not lost, '{}: the correct implementation lost marks: {}'.format(corpus, lost)
    else:
        fault = faults_of(corpus)[name]
        assert lost, '{} {} ({}: {}) got full marks'.format(corpus, name, fault['class'], fault['sentence'])
