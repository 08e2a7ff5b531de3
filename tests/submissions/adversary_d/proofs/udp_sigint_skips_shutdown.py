"""Proof of fault udp_sigint_skips_shutdown (ServerUDP): the obvious test calls shutdown() itself.

python3 proofs/udp_sigint_skips_shutdown.py PATH/TO/chatroom.py  -> 0 as the text demands, 1 fault shown, 3 inconclusive.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def scenario(m):
    c.udp_sigint(sys.argv[1])


c.main(scenario)
