"""The README's first command: the demo runs three real processes and exits 0."""

import subprocess
import sys

import pytest


@pytest.mark.parametrize('transport', ['tcp', 'udp'])
def test_demo_runs_end_to_end(transport):
    argv = [sys.executable, '-m', 'harness.demo'] + (['--udp'] if transport == 'udp' else [])
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert 'alice: hello bob' in done.stdout
    assert 'User bob left' in done.stdout
