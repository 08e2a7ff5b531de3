"""Proof of fault cudp_shutdown_substring (ClientUDP): no chat line mentions 'server-shutdown'.

python3 proofs/cudp_shutdown_substring.py PATH/TO/chatroom.py  -> 0 as the text demands, 1 fault shown, 3 inconclusive.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def scenario(m):
    c.client_chat_not_shutdown(m, 'ClientUDP')


c.main(scenario)
