"""benchmarks/mutation_equivalents.toml is read by benchmarks.mutation: every entry must load, its regexes
compile and match a line of the reference, and an entry's `occurrence` (one, or a list) must narrow it."""

import re
from pathlib import Path

from benchmarks import mutation

REFERENCE_LINES = [line.strip() for line in
                   (Path(__file__).resolve().parent.parent / 'chatroom.py').read_text(encoding='utf-8').splitlines()]


def test_every_entry_has_a_reason_and_matches_a_line_of_the_reference():
    entries = mutation.load_equivalents()
    assert entries
    for entry in entries:
        assert entry.get('reason'), entry
        for key in ('line', 'function', 'operator'):
            if key in entry:
                re.compile(entry[key])
        assert any(re.search(entry['line'], line) for line in REFERENCE_LINES), entry


def test_an_occurrence_list_narrows_an_entry():
    entries = [{'line': '^break$', 'function': 'loop', 'operator': 'Break', 'occurrence': [0, 2], 'reason': 'r'}]
    mutant = {'operator': 'core/ReplaceBreakWithContinue', 'source': 'break', 'function': 'loop'}
    assert mutation.equivalent_reason(dict(mutant, occurrence=2), entries) == 'r'
    assert mutation.equivalent_reason(dict(mutant, occurrence=1), entries) is None
    entries[0]['occurrence'] = 1
    assert mutation.equivalent_reason(dict(mutant, occurrence=1), entries) == 'r'
    assert mutation.equivalent_reason(dict(mutant, occurrence=0), entries) is None
