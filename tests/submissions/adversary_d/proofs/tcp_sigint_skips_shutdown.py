"""Proof of fault tcp_sigint_skips_shutdown (ServerTCP): shutdown is tested through run_event only.

python3 proofs/tcp_sigint_skips_shutdown.py PATH/TO/chatroom.py  -> 0 as the text demands, 1 fault shown, 3 inconclusive.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def scenario(m):
    c.tcp_sigint(sys.argv[1])


c.main(scenario)
