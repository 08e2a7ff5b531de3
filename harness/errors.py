"""What can go wrong when judging a submission, as exceptions: shared by the runner (harness/runner.py),
the sandbox that starts agents (harness/sandbox.py) and everything that reports."""

import signal


class SubmissionProblem(Exception):
    """The submission cannot be judged at all (missing, not Python, blocks at import...). `kind` is a
    short machine-readable reason; str() is the one line a user reads."""

    def __init__(self, kind, message, detail=''):
        super().__init__(message)
        self.kind = kind
        self.detail = detail


class AgentError(Exception):
    """A request to the agent did not give a value."""


class AgentTimeout(AgentError):
    def __init__(self, op, timeout, where=None):
        self.op, self.timeout, self.where = op, timeout, where or []
        text = '{} did not return within {:.1f}s'.format(op, timeout)
        if self.where:
            text += '; it was at ' + '; '.join(self.where[-1:])
        super().__init__(text)


class AgentGone(AgentError):
    def __init__(self, returncode, stderr_tail='', why=None):
        self.returncode = returncode
        self.stderr_tail = stderr_tail
        how = why or describe_exit(returncode)
        super().__init__('the submission\'s process ended ({})'.format(how))


class CallFailed(AgentError):
    """The submission's code raised. `error` is the exception's class name."""

    def __init__(self, error, message, trace):
        self.error, self.message, self.trace = error, message, trace
        super().__init__('{}: {}'.format(error, message) if message else error)


def describe_exit(returncode):
    if returncode is None:
        return 'still running'
    if returncode < 0:
        try:
            return 'killed by {}'.format(signal.Signals(-returncode).name)
        except ValueError:
            return 'killed by signal {}'.format(-returncode)
    return 'exit code {}'.format(returncode)
