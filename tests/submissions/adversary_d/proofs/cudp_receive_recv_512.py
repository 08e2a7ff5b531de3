"""Proof of fault cudp_receive_recv_512 (ClientUDP): short datagrams fit in 512 bytes.

python3 proofs/cudp_receive_recv_512.py PATH/TO/chatroom.py  -> 0 as the text demands, 1 fault shown, 3 inconclusive.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def scenario(m):
    c.client_long_message(m, 'ClientUDP')


c.main(scenario)
