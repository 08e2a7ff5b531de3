"""Proof of fault tcp_name_checked_in_keys (ServerTCP): the keys are sockets, so no name is ever taken; only a duplicate name shows it.

python3 proofs/tcp_name_checked_in_keys.py PATH/TO/chatroom.py  -> 0 as the text demands, 1 fault shown, 3 inconclusive.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def scenario(m):
    c.tcp_join_reply(m, ['alice', 'bob'], 'alice', 'Name already taken')


c.main(scenario)
