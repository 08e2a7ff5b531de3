"""Proof of fault cudp_exit_case_insensitive (ClientUDP): nobody types 'Exit' as chat.

python3 proofs/cudp_exit_case_insensitive.py PATH/TO/chatroom.py  -> 0 as the text demands, 1 fault shown, 3 inconclusive.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def scenario(m):
    c.client_udp_typed(sys.argv[1], ['Exit', 'ping'], ['alice:Exit', 'alice:ping'])


c.main(scenario)
