"""The project's own test modules must not share a name with a check module: pytest imports both under
their bare names (no packages), so an in-process judge() run while tests/test_X.py is loaded could not
load harness/checks/test_X.py, and every judged submission would fail with 'a check module failed to load'."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_no_test_module_shadows_a_check_module():
    checks = {p.name for p in (ROOT / 'harness' / 'checks').glob('test_*.py')}
    tests = {p.name for p in (ROOT / 'tests').glob('test_*.py')}
    assert checks and tests
    assert not checks & tests, 'rename these tests: {}'.format(sorted(checks & tests))
