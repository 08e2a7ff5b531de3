"""A server whose run() ends by itself while a check uses it (judgement-calls.md, "A server that ends by
itself"): a race that fires once is judged on a second run of the check, so the verdict does not depend on
whether it fired; a crash that happens every time costs what it costs, each weighted check run twice."""

from harness.plugin import REFERENCE

from judging import judge_all

LEAVE = "        self._drop(client_socket)\n"
NAMED = "        name = self._read_name(client_socket)\n"


def edited(tmp_path, name, old, new):
    source = REFERENCE.read_text(encoding='utf-8')
    assert source.count(old) == 1
    path = tmp_path / name / 'chatroom.py'
    path.parent.mkdir()
    path.write_text(source.replace(old, new), encoding='utf-8')
    return path


def ending_once(tmp_path):
    """The reference, whose run() ends when 'bob' joins for the second time in one server (after leaving:
    tcp.name_reusable), the first time only: a marker file remembers, across the agents' processes."""
    marker = str(tmp_path / 'once' / 'ended-once')
    return edited(tmp_path, 'once', NAMED, NAMED +
                  "        if name == 'bob':\n"
                  "            self.bobs = getattr(self, 'bobs', 0) + 1\n"
                  "            if self.bobs == 2 and not os.path.exists({0!r}):\n"
                  "                open({0!r}, 'w').close()\n"
                  "                self.run_event.set()\n"
                  "                close_quietly(client_socket)\n"
                  "                return False\n".format(marker))


def ending_on_every_leave(tmp_path):
    """The reference, whose process ends as a client leaves (before it is announced): every time."""
    return edited(tmp_path, 'always', LEAVE, "        os._exit(3)\n" + LEAVE)


def notes_of(run, text):
    return [c.id for c in run.checks if any(text in note for note in c.notes)]


def test_a_race_that_fires_once_costs_nothing_and_a_crash_costs_its_checks(tmp_path):
    # Only the check that rejoins 'bob' (robustness checks that churn names are not run).
    runs = judge_all({'once': (ending_once(tmp_path), ['-k', 'name_reusable_after_leaving']),
                      'always': (ending_on_every_leave(tmp_path), ['--no-differential']),
                      'reference': (REFERENCE, ['--no-differential'])}, at_once=2)
    once, always, reference = runs['once'], runs['always'], runs['reference']
    assert (tmp_path / 'once' / 'ended-once').exists(), 'the race never fired: the test tried nothing'
    assert reference.score == reference.max_score
    assert once.score == once.max_score, [(c.id, c.message) for c in once.checks if c.status == 'failed']
    assert notes_of(once, 'passed when run again') == ['tcp.name_reusable'], notes_of(once, 'run again')
    lost = [c.id for c in always.checks if c.status == 'failed']
    assert 'tcp.name_reusable' in lost and 'tcp.exit' in lost, lost
    # Each weighted check it fails ran twice (the robustness tier, weighing nothing, once).
    twice = notes_of(always, 'twice')
    assert {'tcp.name_reusable', 'tcp.exit'} <= set(twice), twice
    assert all(c.weight > 0 for c in always.checks if c.id in twice), twice
    assert not notes_of(always, 'passed when run again')
