"""pytest plugin: `--submission PATH` chooses the chatroom.py that the conformance checks judge."""

from pathlib import Path

import pytest

REFERENCE = Path(__file__).resolve().parent.parent / 'chatroom.py'


def pytest_addoption(parser):
    group = parser.getgroup('chatroom-check')
    group.addoption('--submission', metavar='PATH', default=None,
                    help='the chatroom.py to judge (default: the bundled reference)')


@pytest.fixture(scope='session')
def submission_path(pytestconfig):
    chosen = pytestconfig.getoption('submission')
    return Path(chosen).resolve() if chosen else REFERENCE
