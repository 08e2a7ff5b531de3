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
    timeout: float = 15.0
    description: str = field(default='', compare=False)

    @property
    def group(self):
        return self.tags[0] if self.tags else 'other'


def check(id, *, weight=1.0, spec, tags, depends=(), hint='', visibility='visible', timeout=15.0):
    def decorate(function):
        doc = (function.__doc__ or function.__name__).strip().splitlines()[0]
        info = CheckInfo(id=id, weight=float(weight), spec=spec, tags=tuple(tags), depends=tuple(depends),
                         hint=hint, visibility=visibility, timeout=timeout, description=doc)
        function = pytest.mark.chatroom_check(info)(function)
        return pytest.mark.timeout(timeout)(function)
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
