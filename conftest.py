"""Project-wide pytest set-up: keeps the repository root importable so tests import `chatroom` and the
packages without an install."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def pytest_addoption(parser):
    parser.addoption('--run-slow', action='store_true',
                     help='also run tests marked slow (long soak and budget runs, minutes each)')


def pytest_collection_modifyitems(config, items):
    if config.getoption('--run-slow'):
        return
    import pytest
    skip = pytest.mark.skip(reason='slow: run with --run-slow')
    for item in items:
        if 'slow' in item.keywords:
            item.add_marker(skip)
