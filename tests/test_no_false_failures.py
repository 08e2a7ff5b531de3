"""No false failures (issue 9): what the assignment allows earns full marks, on a busy machine too.

- Ctrl-C reaches the submission even when the grader was started with SIGINT ignored (a background job,
  nohup, some CI runners pass that on to every child).
- The reference keeps full marks with CPU burners beside the grader (one per core), as on a busy grading
  host; `--run-slow` repeats this for the generated valid implementations (tests/test_valid_space.py).
"""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from judging import cpu_burners

ROOT = Path(__file__).resolve().parent.parent
CTRL_C_CHECKS = 'run_ctrl_c or shutdown_sigint or test_shutdown_by_ctrl_c'


def ignoring_sigint():
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def test_ctrl_c_reaches_the_submission_when_the_grader_ignores_sigint():
    done = subprocess.run([sys.executable, '-m', 'harness.cli', '--json', '-k', CTRL_C_CHECKS],
                          cwd=str(ROOT), capture_output=True, text=True, timeout=120, preexec_fn=ignoring_sigint)
    results = json.loads(done.stdout)
    checks = {c['id']: c for c in results['checks']}
    assert {'client_tcp.run_ctrl_c', 'client_udp.run_ctrl_c', 'tcp.shutdown_sigint', 'udp.shutdown'} <= set(checks)
    failed = {i: c['message'] for i, c in checks.items() if c['status'] != 'passed'}
    assert not failed, failed


def test_reference_keeps_full_marks_beside_cpu_burners():
    with cpu_burners(seconds=300):
        done = subprocess.run([sys.executable, '-m', 'harness.cli', '--json'], cwd=str(ROOT), capture_output=True,
                              text=True, timeout=600)
    results = json.loads(done.stdout)
    lost = {c['id']: c['message'][:300] for c in results['checks'] if c['score'] < c['weight']}
    assert not lost and results['full_marks'], lost
    assert os.cpu_count()
