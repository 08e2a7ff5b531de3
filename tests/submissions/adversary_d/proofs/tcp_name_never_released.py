"""Proof of fault tcp_name_never_released (ServerTCP): only rejoining under the name of someone who left shows it.

python3 proofs/tcp_name_never_released.py PATH/TO/chatroom.py  -> 0 as the text demands, 1 fault shown, 3 inconclusive.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def scenario(m):
    c.tcp_reuse_after_leave(m)


c.main(scenario)
