"""Proof of fault tcp_shutdown_keeps_handle_event (ServerTCP): the handlers still end (their sockets close), so nobody looks at handle_event.

python3 proofs/tcp_shutdown_keeps_handle_event.py PATH/TO/chatroom.py  -> 0 as the text demands, 1 fault shown, 3 inconclusive.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def scenario(m):
    c.tcp_events(m)


c.main(scenario)
