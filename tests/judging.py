"""Judging many submissions at once, for the tests that need whole reports of many variants: each judge is
`python -m harness.cli PATH --json ...` in a process (and session) of its own, a few at a time (they mostly
wait on sockets), killed with its process group on timeout. The grader must give the same verdicts on a
machine that is busy, which a few judges side by side also make it."""

import contextlib
import json
import os
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from harness.results import RunResult

ROOT = Path(__file__).resolve().parent.parent
AT_ONCE = 3


def judge_in_process(path, *options, timeout=600, env=None):
    """The RunResult of `chatroom-check PATH --json OPTIONS`, judged in a process of its own (`env`: variables
    to set for it)."""
    process = subprocess.Popen([sys.executable, '-m', 'harness.cli', str(path), '--json'] + [str(o) for o in options],
                               cwd=str(ROOT), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True, env=dict(os.environ, **(env or {})))
    try:
        out, err = process.communicate(timeout=timeout)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
    assert process.returncode in (0, 1), 'chatroom-check {} exited {}: {}'.format(path, process.returncode, err[-2000:])
    return RunResult.from_dict(json.loads(out))


def judge_all(jobs, at_once=AT_ONCE):
    """{key: RunResult} for jobs {key: (path, [options])} or {key: (path, [options], env)}, `at_once` judges
    at a time."""
    with ThreadPoolExecutor(at_once) as pool:
        futures = {key: pool.submit(judge_in_process, job[0], *job[1], env=job[2] if len(job) > 2 else None)
                   for key, job in jobs.items()}
        return {key: future.result() for key, future in futures.items()}


def selected_params(request, argname):
    """The values of parametrize argument `argname` of the tests of this module that this session runs, so
    that a session-wide batch judges only what was selected (-k) and is not skipped (slow)."""
    module = request.module.__name__
    values = []
    for item in request.session.items:
        if item.get_closest_marker('skip') is not None:       # a slow one without --run-slow
            continue
        if item.module.__name__ == module and hasattr(item, 'callspec') and argname in item.callspec.params:
            value = item.callspec.params[argname]
            if value not in values:
                values.append(value)
    return values


BURN = 'import sys, time\nend = time.monotonic() + float(sys.argv[1])\nwhile time.monotonic() < end:\n    pass\n'


@contextlib.contextmanager
def cpu_burners(count=None, seconds=3600):
    """A busy machine, as a grading host is: `count` processes (default: one per core) that spin until
    killed, or for `seconds` at most, whichever comes first."""
    burners = [subprocess.Popen([sys.executable, '-c', BURN, str(seconds)], start_new_session=True)
               for _ in range(count or os.cpu_count() or 2)]
    try:
        yield burners
    finally:
        for burner in burners:
            burner.kill()
        for burner in burners:
            burner.wait()
