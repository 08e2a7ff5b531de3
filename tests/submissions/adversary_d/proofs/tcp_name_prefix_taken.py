"""Proof of fault tcp_name_prefix_taken (ServerTCP): only a name that is the start of another ('al' beside 'alice') is refused.

python3 proofs/tcp_name_prefix_taken.py PATH/TO/chatroom.py  -> 0 as the text demands, 1 fault shown, 3 inconclusive.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def scenario(m):
    c.tcp_join_reply(m, ['alice', 'bob'], 'al', 'Welcome')


c.main(scenario)
