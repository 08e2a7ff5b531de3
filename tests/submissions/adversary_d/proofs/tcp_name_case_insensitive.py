"""Proof of fault tcp_name_case_insensitive (ServerTCP): 'Alice' beside 'alice' is never tried with plain distinct names.

python3 proofs/tcp_name_case_insensitive.py PATH/TO/chatroom.py  -> 0 as the text demands, 1 fault shown, 3 inconclusive.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def scenario(m):
    c.tcp_join_reply(m, ['alice', 'bob'], 'Alice', 'Welcome')


c.main(scenario)
