"""What a check is: a pytest test function with metadata beside it.

    @check('tcp.welcome', weight=2, spec='3 ServerTCP.accept_client', tags=['ServerTCP'],
           depends=['structure.ServerTCP'], hint='Send exactly "Welcome" to a client whose name is new.')
    def test_welcome(tcp_server):
        '''A client with a new name is welcomed.'''
        ...

The docstring's first line is what the student reads; `hint` is shown when the check fails, after the
assertion's own account of what was expected and what was seen. Weight, visibility and tags are data
here, never computed elsewhere; a course can override weight and visibility from a TOML file.
"""

from dataclasses import dataclass, field, replace
from typing import Tuple

import pytest

GROUPS = ('structure', 'ServerTCP', 'ServerUDP', 'ClientTCP', 'ClientUDP', 'interop', 'robustness',
          'differential')


@dataclass(frozen=True)
class CheckInfo:
    id: str
    weight: float
    spec: str
    tags: Tuple[str, ...]
    depends: Tuple[str, ...] = ()
    hint: str = ''
    visibility: str = 'visible'          # Gradescope: visible | hidden | after_due_date | after_published
    timeout: float = 15.0                # kept by harness/clock.py, in every mode (not by pytest-timeout)
    description: str = field(default='', compare=False)
    rests_on: Tuple[str, ...] = ()       # the sentences of the assignment or rulings it asserts, verbatim

    @property
    def group(self):
        return self.tags[0] if self.tags else 'other'


def check(id, *, weight=1.0, spec, tags, rests_on=(), depends=(), hint='', visibility='visible', timeout=15.0):
    """`rests_on`: the sentence(s) of ../shared/spec/chatroom-assignment.md or judgement-calls.md that
    demand what the check asserts, quoted verbatim (emphasis marks and line breaks aside): a weighted
    check must have them (tests/test_catalog.py verifies every quote)."""
    if isinstance(rests_on, str):
        rests_on = (rests_on,)

    def decorate(function):
        doc = (function.__doc__ or function.__name__).strip().splitlines()[0]
        info = CheckInfo(id=id, weight=float(weight), spec=spec, tags=tuple(tags), depends=tuple(depends),
                         hint=hint, visibility=visibility, timeout=timeout, description=doc,
                         rests_on=tuple(rests_on))
        return pytest.mark.chatroom_check(info)(function)
    return decorate


def info_of(item):
    marker = item.get_closest_marker('chatroom_check')
    return marker.args[0] if marker else None


def with_overrides(info, overrides):
    """`overrides` maps a check id, or a group name, to {'weight': ..., 'visibility': ...}."""
    changes = {}
    for key in (info.group, info.id):
        for name in ('weight', 'visibility'):
            if name in overrides.get(key, {}):
                changes[name] = overrides[key][name]
    if 'weight' in changes:
        changes['weight'] = float(changes['weight'])
    return replace(info, **changes) if changes else info


def checks_in(folder):
    """Every check defined in the check modules (test_*.py) of `folder`, in the order a run reports them:
    by group, then by file, then as defined. The modules are loaded under private names: they only define
    functions."""
    import importlib.util
    from pathlib import Path
    found = []
    for path in sorted(Path(folder).glob('test_*.py')):
        spec = importlib.util.spec_from_file_location('_catalog_' + path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for name, value in vars(module).items():
            marks = getattr(value, 'pytestmark', []) if name.startswith('test_') else []
            found.extend(mark.args[0] for mark in marks if mark.name == 'chatroom_check')

    def rank(info):
        return GROUPS.index(info.group) if info.group in GROUPS else len(GROUPS)
    return sorted(found, key=rank)


# -- what each check rests on ------------------------------------------------------------------------------

SPEC_FILES = ('chatroom-assignment.md', 'judgement-calls.md')


def normalized(text):
    """Text as quotes in `rests_on` are compared with the assignment: without emphasis marks and with
    single spaces."""
    import re
    return re.sub(r'\s+', ' ', text.replace('*', '').replace('`', '')).strip()


def unfounded_quotes(infos, sources):
    """(check id, quote) for every quote in `rests_on` that `sources` (texts) do not contain, and (check id,
    None) for every weighted check that quotes nothing."""
    haystack = normalized(' '.join(sources))
    problems = []
    for info in infos:
        if info.weight > 0 and not info.rests_on:
            problems.append((info.id, None))
        problems.extend((info.id, quote) for quote in info.rests_on if normalized(quote) not in haystack)
    return problems
