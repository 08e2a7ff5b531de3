"""Every weighted check rests on the text: it quotes the sentences of the assignment or of the rulings that
demand what it asserts, and every quote is really there. docs/checks.md (the list a reader sees) is current,
and `chatroom-check --list-checks` prints it."""

import subprocess
import sys
from pathlib import Path

import pytest

from harness.catalog import SPEC_FILES, checks_in, unfounded_quotes
from harness.plugin import CHECKS_DIR
from harness.report.checklist import render_markdown

ROOT = Path(__file__).resolve().parent.parent
VENDORED = ROOT / 'docs' / 'spec'
SHARED = ROOT.parent / 'shared' / 'spec'


def sources():
    return [(VENDORED / name).read_text(encoding='utf-8') for name in SPEC_FILES]


def test_every_weighted_check_quotes_the_text_it_rests_on():
    infos = checks_in(CHECKS_DIR)
    assert len(infos) > 60
    problems = unfounded_quotes(infos, sources())
    assert not problems, '\n'.join('{}: {}'.format(check, 'quotes nothing' if quote is None else
                                                   'not in the assignment or the rulings: {!r}'.format(quote))
                                   for check, quote in problems)


def test_a_misquote_is_caught():
    infos = checks_in(CHECKS_DIR)
    welcome = next(i for i in infos if i.id == 'tcp.welcome')
    from dataclasses import replace
    altered = replace(welcome, rests_on=("Sends a 'Welcome!' message to the client.",))
    assert unfounded_quotes([altered], sources()) == [('tcp.welcome', "Sends a 'Welcome!' message to the client.")]
    assert unfounded_quotes([replace(welcome, rests_on=())], sources()) == [('tcp.welcome', None)]


PROJECT_RULINGS = '\n## Rulings of this project'


@pytest.mark.skipif(not SHARED.is_dir(), reason='the shared copy of the assignment is not beside this checkout')
def test_vendored_assignment_is_the_shared_one():
    """docs/spec holds the shared assignment and rulings as they are; the project's own rulings (made as
    the harness met new ambiguities, harness/leniency.py keeping each) follow the shared ones."""
    for name in SPEC_FILES:
        vendored = (VENDORED / name).read_text(encoding='utf-8')
        shared = (SHARED / name).read_text(encoding='utf-8')
        ours = vendored.find(PROJECT_RULINGS) if name == 'judgement-calls.md' else -1
        assert (vendored[:ours] if ours >= 0 else vendored).rstrip() == shared.rstrip(), \
            'docs/spec/{} differs from ../shared/spec/{}: copy it again (and keep the project\'s rulings at the ' \
            'end)'.format(name, name)


def test_docs_checks_md_is_current():
    expected = render_markdown(checks_in(CHECKS_DIR)) + '\n'
    assert (ROOT / 'docs' / 'checks.md').read_text(encoding='utf-8') == expected, \
        'docs/checks.md is stale: chatroom-check --list-checks --markdown > docs/checks.md'


def test_list_checks_prints_every_check_and_its_sentence():
    done = subprocess.run([sys.executable, '-m', 'harness.cli', '--list-checks'], capture_output=True, text=True,
                          cwd=str(ROOT), timeout=60, env={'COLUMNS': '200', 'PATH': '/usr/bin:/bin'})
    assert done.returncode == 0, done.stderr
    for info in checks_in(CHECKS_DIR):
        assert info.id in done.stdout
    assert "Sends a 'Welcome' message to the client." in done.stdout
