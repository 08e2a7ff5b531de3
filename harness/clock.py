"""A check's time limit, kept by the harness itself in every mode (side by side, --serial, -k, a batch,
the autograder): never by an exception raised into whatever the main thread is doing (pytest-timeout's
signal method does that, and raised inside pytest's own hooks it ends the whole run without results).

Whoever runs a check (harness/schedule.py in its threads, harness/plugin.py in pytest's loop) makes a
CheckClock and binds it to the thread that runs the check. Every agent started or taken in that thread
registers with it (harness/runner.py). When the time is up, the clock kills those agents, so that every
wait of the check on the submission ends at once, and the check's outcome is a failure that says it ran
out of time, whatever the check then raises. Nothing else is interrupted: a check that still runs goes on
until its own bounded waits end, and its late outcome is ignored.
"""

import threading
import time

_local = threading.local()


def current():
    """The clock of the check this thread runs, or None."""
    return getattr(_local, 'clock', None)


def register(agent):
    """Put `agent` (harness.runner.Agent) under the current check's clock, if any: it is killed when the
    check runs out of time. An agent registered after that is killed at once."""
    clock = current()
    if clock is not None:
        clock.add(agent)


def allowed_seconds(seconds):
    """A check that needs more than its declared timeout (the differential checks, with a large budget)
    asks for it here: the clock then runs for at least `seconds` more. False when no clock runs."""
    clock = current()
    if clock is None:
        return False
    clock.extend(seconds)
    return True


class CheckClock:
    """`seconds` for one check; `on_expiry()` is called once, from the clock's own thread, when they are
    up (after the agents were killed)."""

    def __init__(self, seconds, on_expiry=None):
        self.started = time.monotonic()
        self.deadline = self.started + seconds
        self.on_expiry = on_expiry
        self.expired = False
        self.stopped = False
        self.agents = []
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        self.thread = threading.Thread(target=self._watch, name='check-clock', daemon=True)

    def start(self):
        self.thread.start()
        return self

    @property
    def allowed(self):
        """The seconds the check was allowed in the end (its timeout, or more where it asked)."""
        return self.deadline - self.started

    def extend(self, seconds):
        with self.lock:
            self.deadline = max(self.deadline, time.monotonic() + seconds)
            self.changed.notify_all()

    def add(self, agent):
        with self.lock:
            self.agents.append(agent)
            expired = self.expired
        if expired:
            agent.release()

    def stop(self):
        """The check is over (in time or not): no expiry from now on."""
        with self.lock:
            self.stopped = True
            self.changed.notify_all()

    def _watch(self):
        with self.lock:
            while not self.stopped and time.monotonic() < self.deadline:
                self.changed.wait(self.deadline - time.monotonic())
            if self.stopped:
                return
            self.expired = True
            agents = list(self.agents)
        if self.on_expiry is not None:
            self.on_expiry()              # the verdict first: killed agents make the check fail otherwise
        for agent in agents:
            agent.release()

    def message(self):
        return 'the check ran out of time ({:.0f}s): the submission did not respond'.format(self.allowed)


class detached:
    """`with detached():` what this thread starts is under no check's clock (work every check shares)."""

    def __enter__(self):
        self.saved = current()
        _local.clock = None

    def __exit__(self, *exc):
        _local.clock = self.saved
        return False


class shared:
    """`with shared(clock):` a helper thread of a check works under the check's `clock` (from current() in
    the check's thread; None: under none): agents it starts or takes die when the check runs out of time."""

    def __init__(self, clock):
        self.clock = clock

    def __enter__(self):
        self.saved = current()
        _local.clock = self.clock
        return self.clock

    def __exit__(self, *exc):
        _local.clock = self.saved
        return False


class bound:
    """`with bound(clock):` the code in this thread runs under `clock` (started here, stopped on exit)."""

    def __init__(self, clock):
        self.clock = clock

    def __enter__(self):
        self.saved = current()
        _local.clock = self.clock.start()
        return self.clock

    def __exit__(self, *exc):
        self.clock.stop()
        _local.clock = self.saved
        return False
