"""Planted faults: each is one small change to chatroom.py (a list of exact-snippet edits).

Every fault breaks a sentence of the assignment text or a strict rule / ruling of
judgement-calls.md, and is chosen so that a grader that joins two or three clients with
plain names, sends one message each and shuts a fresh room down would not notice it.
"""

_LEAVE = ("at which point the client sends **'exit'** message to the server to notify it of the "
          "client's leaving")

FAULTS = {
    # ------------------------------------------------------------------ ServerTCP (9)
    'stcp_name_substring': {
        'edits': [("            if name in self._names_in_use:",
                   "            if any(name in taken for taken in self._names_in_use):")],
        'class': 'ServerTCP',
        'sentence': "Names, 'join' and 'exit' are compared as whole strings, case included: 'Exit' is chat, "
                    "and 'al' is free while 'alice' is in the room.",
        'proof': 'proofs/stcp_name_substring.py',
        'why_missed': "plain distinct names (alice, bob, carol) are never substrings of one another",
    },
    'stcp_name_case': {
        'edits': [("            if name in self._names_in_use:",
                   "            if name.lower() in {taken.lower() for taken in self._names_in_use}:")],
        'class': 'ServerTCP',
        'sentence': "Names, 'join' and 'exit' are compared as whole strings, case included: 'Exit' is chat, "
                    "and 'al' is free while 'alice' is in the room.",
        'proof': 'proofs/stcp_name_case.py',
        'why_missed': "the obvious duplicate test reuses the identical name, which is still refused",
    },
    'stcp_exit_prefix': {
        'edits': [("            if text == 'exit':\n                self.broadcast(client_socket, 'exit')",
                   "            if text.startswith('exit'):\n                self.broadcast(client_socket, 'exit')")],
        'class': 'ServerTCP',
        'sentence': "'join' and 'exit' are commands only as the whole message (TCP) or the whole text after "
                    "the name (UDP): 'I will join later' is chat.",
        'proof': 'proofs/stcp_exit_prefix.py',
        'why_missed': "a plain 'exit' still leaves; only chat that begins with 'exit' is swallowed as a leave",
    },
    'stcp_join_substring': {
        'edits': [("            if message == 'join':",
                   "            if 'join' in message:")],
        'class': 'ServerTCP',
        'sentence': "'join' and 'exit' are commands only as the whole message (TCP) or the whole text after "
                    "the name (UDP): 'I will join later' is chat.",
        'proof': 'proofs/stcp_join_substring.py',
        'why_missed': "join announcements and ordinary chat ('hello') are unchanged",
    },
    'stcp_close_nonclient_true': {
        'edits': [("            if client_socket not in self.clients:\n                return False\n"
                   "            name = self.clients.pop(client_socket)",
                   "            if client_socket not in self.clients:\n                return True   # already gone\n"
                   "            name = self.clients.pop(client_socket)")],
        'class': 'ServerTCP',
        'sentence': "`close_client` returns False for a socket/address that is not a client.",
        'proof': 'proofs/stcp_close_nonclient.py',
        'why_missed': "close_client is only reached for real clients on the normal 'exit' path",
    },
    'stcp_refuse_returns_none': {
        'edits': [("                client_socket.close()\n                return False\n"
                   "            try:\n                _send_text(client_socket, 'Welcome')",
                   "                client_socket.close()\n                return\n"
                   "            try:\n                _send_text(client_socket, 'Welcome')")],
        'class': 'ServerTCP',
        'sentence': "If the name is already in the `clients` dictionary, the method sends a "
                    "'**Name already taken**' message to the client and returns `False`.",
        'proof': 'proofs/stcp_refuse_returns_false.py',
        'why_missed': "the refusal goes out on the wire and None is falsy, so 'not result' checks pass",
    },
    'stcp_handle_event_inverted': {
        'edits': [("        self.handle_event = threading.Event() # set = stop handling messages",
                   "        self.handle_event = threading.Event() # set = handling messages\n"
                   "        self.handle_event.set()"),
                  ("        if self.handle_event.is_set():\n            return\n        with self._lock:\n"
                   "            if self.handle_event.is_set() or client_socket not in self.clients:",
                   "        if not self.handle_event.is_set():\n            return\n        with self._lock:\n"
                   "            if not self.handle_event.is_set() or client_socket not in self.clients:"),
                  ("            self.run_event.set()\n            self.handle_event.set()",
                   "            self.run_event.set()\n            self.handle_event.clear()")],
        'class': 'ServerTCP',
        'sentence': "The events mean stop when set: `run_event`/`handle_event` (server) and "
                    "`exit_run`/`exit_receive` (client) start cleared; setting them ends the loops.",
        'proof': 'proofs/stcp_events_start_cleared.py',
        'why_missed': "the inverted event is used consistently, so chat, leave and shutdown all still work",
    },
    'stcp_shared_clients': {
        'edits': [("class ServerTCP:\n",
                   "class ServerTCP:\n    clients = {}                              # client socket -> name\n"),
                  ("        self.clients = {}                     # client socket -> name\n", "")],
        'class': 'ServerTCP',
        'sentence': "`__init__` creates each object's own state: two ServerTCP (or ServerUDP) objects in one "
                    "process, on two ports, share no clients and no messages",
        'proof': 'proofs/stcp_instances_independent.py',
        'why_missed': "a single server per process behaves exactly as before",
    },
    'stcp_name_kept_after_leave': {
        'edits': [("            name = self.clients.pop(client_socket)\n"
                   "            self._names_in_use.discard(name)\n",
                   "            name = self.clients.pop(client_socket)\n")],
        'class': 'ServerTCP',
        'sentence': "If the name is already in the `clients` dictionary, the method sends a "
                    "'**Name already taken**' message to the client and returns `False`. Otherwise, it "
                    "performs the following actions:",
        'proof': 'proofs/stcp_name_reuse.py',
        'why_missed': "count and 'User x left' are right; only a later join under the departed name is refused",
    },

    # ------------------------------------------------------------------ ServerUDP (9)
    'sudp_member_by_claimed_name': {
        'edits': [("            elif addr in self.clients:\n                sender = self.clients[addr]",
                   "            elif name in self.clients.values():\n                sender = name")],
        'class': 'ServerUDP',
        'sentence': "whatever name a datagram claims, only the address decides whether it comes from a member, "
                    "and which member.",
        'proof': 'proofs/sudp_nonmember_chat.py',
        'why_missed': "members always send under their own name, so relays look identical",
    },
    'sudp_exit_by_claimed_name': {
        'edits': [("            elif text == 'exit':\n                self.close_client(addr)",
                   "            elif text == 'exit':\n"
                   "                self.close_client(next((a for a, n in self.clients.items() if n == name), addr))")],
        'class': 'ServerUDP',
        'sentence': "whatever name a datagram claims, only the address decides whether it comes from a member, "
                    "and which member.",
        'proof': 'proofs/sudp_refused_exit.py',
        'why_missed': "a member's own 'name:exit' still removes that member; only a refused address can evict",
    },
    'sudp_sender_by_claimed_name': {
        'edits': [("                self.messages.append((addr, relay))",
                   "                self.messages.append((next((a for a, n in self.clients.items() if n == name), "
                   "addr), relay))")],
        'class': 'ServerUDP',
        'sentence': "This method broadcasts the most recent message in the `messages` list to all connected "
                    "clients in `clients` except for the client who sent the message.",
        'proof': 'proofs/sudp_claimed_sender.py',
        'why_missed': "with honest names the looked-up address is the sender's own address",
    },
    'sudp_repeat_dropped': {
        'edits': [("                relay = '{}: {}'.format(sender, text)\n",
                   "                relay = '{}: {}'.format(sender, text)\n"
                   "                if self.messages and self.messages[-1] == (addr, relay):\n"
                   "                    return   # a retransmitted datagram\n")],
        'class': 'ServerUDP',
        'sentence': "For any other message, it is appended to the server's message list if the client is "
                    "already in the chatroom. The server then broadcasts the message to all connected clients "
                    "using the **broadcast()** method.",
        'proof': 'proofs/sudp_repeat_message.py',
        'why_missed': "one message per client never repeats the previous entry",
    },
    'sudp_join_substring': {
        'edits': [("            if text == 'join':",
                   "            if 'join' in text:")],
        'class': 'ServerUDP',
        'sentence': "'join' and 'exit' are commands only as the whole message (TCP) or the whole text after "
                    "the name (UDP): 'I will join later' is chat.",
        'proof': 'proofs/sudp_join_in_text.py',
        'why_missed': "'alice:join' still joins and ordinary chat is relayed",
    },
    'sudp_name_rstrip': {
        'edits': [("        name = message.split(':', 1)[0]",
                   "        name = message.rstrip(':join')")],
        'class': 'ServerUDP',
        'sentence': "Adds the client's address `client_addr` as a key and the name as a value in the `clients` "
                    "dictionary.",
        'proof': 'proofs/sudp_name_extraction.py',
        'why_missed': "str.rstrip strips characters: alice, bob, carol, dave survive, robin becomes 'rob'",
    },
    'sudp_close_nonmember_announces': {
        'edits': [("            if client_addr not in self.clients:\n                return False\n"
                   "            name = self.clients.pop(client_addr)\n"
                   "            self.messages.append((client_addr, 'User {} left'.format(name)))\n"
                   "            self.broadcast()\n            return True",
                   "            name = self.clients.pop(client_addr, None)\n"
                   "            self.messages.append((client_addr, 'User {} left'.format(name)))\n"
                   "            self.broadcast()\n            return name is not None")],
        'class': 'ServerUDP',
        'sentence': "This method removes a client from the chatroom by deleting their entry from the `clients` "
                    "dictionary and appending a tuple containing the client's address `client_addr` and "
                    "**'User {x} left'**, where `x` is the client's name, to the `messages` list.",
        'proof': 'proofs/sudp_close_nonmember.py',
        'why_missed': "return values are right and a member's single exit is announced correctly",
    },
    'sudp_shared_messages': {
        'edits': [("class ServerUDP:\n",
                   "class ServerUDP:\n    messages = []           # (sender address, message) tuples\n"),
                  ("        self.messages = []      # (sender address, message) tuples\n", "")],
        'class': 'ServerUDP',
        'sentence': "`__init__` creates each object's own state: two ServerTCP (or ServerUDP) objects in one "
                    "process, on two ports, share no clients and no messages",
        'proof': 'proofs/sudp_instances_independent.py',
        'why_missed': "broadcast() always takes the newest entry, which is the current server's own",
    },
    'sudp_short_datagrams': {
        'edits': [("data, addr = self.server_socket.recvfrom(UDP_RECV_SIZE)",
                   "data, addr = self.server_socket.recvfrom(512)")],
        'class': 'ServerUDP',
        'sentence': "If it is a message from an existing client, the server broadcasts the message to all "
                    "other clients using the `broadcast()` method.",
        'proof': 'proofs/sudp_long_message.py',
        'why_missed': "short test messages fit in 512 bytes; only a long text is cut",
    },

    # ------------------------------------------------------------------ ClientTCP (6)
    'ctcp_exit_case_insensitive': {
        'edits': [("                    if line == 'exit':",
                   "                    if line.lower() == 'exit':")],
        'class': 'ClientTCP',
        'sentence': "Names, 'join' and 'exit' are compared as whole strings, case included: 'Exit' is chat, "
                    "and 'al' is free while 'alice' is in the room.",
        'proof': 'proofs/ctcp_exit_case.py',
        'why_missed': "typing 'exit' and ordinary chat behave as before",
    },
    'ctcp_newline_kept': {
        'edits': [("                    if line:\n                        self.send(line)",
                   "                    if line:\n                        self.send(line + '\\n')")],
        'class': 'ClientTCP',
        'sentence': "In this loop, the user can input the text to be sent as a message to the server using "
                    "the `send()` method.",
        'proof': 'proofs/ctcp_typed_line_exact.py',
        'why_missed': "the name, 'exit' and send() itself are exact; relayed chat only gains invisible trailing "
                      "whitespace",
    },
    'ctcp_repeat_hidden': {
        'edits': [("        print(message, flush=True)\n        return True",
                   "        if message != getattr(self, '_last_message', None):\n"
                   "            print(message, flush=True)\n"
                   "        self._last_message = message\n        return True")],
        'class': 'ClientTCP',
        'sentence': "Otherwise, the message is displayed to the user.",
        'proof': 'proofs/ctcp_repeat_shown.py',
        'why_missed': "consecutive messages in a normal room always differ",
    },
    'ctcp_own_name_prefix_hidden': {
        'edits': [("        print(message, flush=True)",
                   "        if not message.startswith(self.client_name):   # don't echo my own lines\n"
                   "            print(message, flush=True)")],
        'class': 'ClientTCP',
        'sentence': "except that received chat and join/leave messages appear in its output",
        'proof': 'proofs/ctcp_own_name_prefix.py',
        'why_missed': "with names that are not prefixes of each other no received message starts with one's name",
    },
    'ctcp_ctrl_c_silent': {
        'edits': [("        except KeyboardInterrupt:\n            pass\n        except OSError:\n            pass\n"
                   "        try:\n            self.send('exit')",
                   "        except KeyboardInterrupt:\n            self.exit_receive.set()\n"
                   "            self.client_socket.close()\n            return\n"
                   "        except OSError:\n            pass\n"
                   "        try:\n            self.send('exit')")],
        'class': 'ClientTCP',
        'sentence': "this loop continues until the `exit_run` event is set or the user types **'exit'** or a "
                    "`KeyboardInterrupt` is detected, " + _LEAVE,
        'proof': 'proofs/ctcp_ctrl_c_sends_exit.py',
        'why_missed': "typed 'exit' and end of input still send 'exit'; only Ctrl-C leaves without it",
    },
    'ctcp_welcome_text_hidden': {
        'edits': [("        print(message, flush=True)",
                   "        if 'Welcome' not in message:   # the greeting was handled by connect_server\n"
                   "            print(message, flush=True)")],
        'class': 'ClientTCP',
        'sentence': "Otherwise, the message is displayed to the user.",
        'proof': 'proofs/ctcp_welcome_text_shown.py',
        'why_missed': "ordinary chat and join/leave messages never contain 'Welcome'",
    },

    # ------------------------------------------------------------------ ClientUDP (6)
    'cudp_exit_prefix': {
        'edits': [("                    if typed == 'exit':",
                   "                    if typed.startswith('exit'):")],
        'class': 'ClientUDP',
        'sentence': "'join' and 'exit' are commands only as the whole message (TCP) or the whole text after "
                    "the name (UDP): 'I will join later' is chat.",
        'proof': 'proofs/cudp_exit_prefix.py',
        'why_missed': "typing exactly 'exit' still leaves with 'alice:exit'",
    },
    'cudp_silence_is_welcome': {
        'edits': [("                return False  # the server never answered",
                   "                return True  # no news is good news")],
        'class': 'ClientUDP',
        'sentence': "If the response is 'Welcome', the connection is considered successful, and the method "
                    "returns `True`. Otherwise, it returns `False`.",
        'proof': 'proofs/cudp_late_refusal.py',
        'why_missed': "a live server answers within milliseconds, so the silent branch is never taken",
    },
    'cudp_shutdown_substring': {
        'edits': [("        if text == 'server-shutdown':",
                   "        if 'server-shutdown' in text:")],
        'class': 'ClientUDP',
        'sentence': "If the message is 'server-shutdown', which indicates that the server is shutting down, "
                    "the method sets the `exit_run` and `exit_receive` events to stop the client's operation "
                    "and exits the loop. Otherwise, the message is displayed to the user.",
        'proof': 'proofs/cudp_shutdown_in_text.py',
        'why_missed': "the real 'server-shutdown' still stops the client; only chat mentioning it is misread",
    },
    'cudp_ascii_only': {
        'edits': [("        self.client_socket.sendto(datagram.encode('utf-8'), (self.server_addr, self.server_port))",
                   "        self.client_socket.sendto(datagram.encode('ascii', 'ignore'), "
                   "(self.server_addr, self.server_port))")],
        'class': 'ClientUDP',
        'sentence': "The message's format that is sent to the server is '`{client_name}:{text}`', where "
                    "`client_name` is the client's name and `text` is the content to be sent.",
        'proof': 'proofs/cudp_non_ascii.py',
        'why_missed': "ASCII names and texts are sent unchanged",
    },
    'cudp_gives_up_after_silence': {
        'edits': [("            ready, _, _ = select.select(watched, [], [], LOOP_TIMEOUT)\n"
                   "            if not ready:\n                continue",
                   "            ready, _, _ = select.select(watched, [], [], 2.0)\n"
                   "            if not ready:\n                break   # two silent seconds: the server is gone")],
        'class': 'ClientUDP',
        'sentence': "This method continuously listens for messages from the server until the `exit_receive` "
                    "event is set.",
        'proof': 'proofs/cudp_silence_then_message.py',
        'why_missed': "a scripted room keeps talking; only a pause of 2 s ends the client",
    },
    'cudp_exit_receive_not_set': {
        'edits': [("        self.exit_run.set()\n        self.exit_receive.set()\n        try:\n"
                   "            self.client_socket.close()",
                   "        self.exit_run.set()\n        try:\n            self.client_socket.close()")],
        'class': 'ClientUDP',
        'sentence': "at which point the client sends 'exit' message to the server to notify it of the "
                    "client's leaving, sets the `exit_receive` event to stop the client's receiving operation "
                    "and exits the loop.",
        'proof': 'proofs/cudp_exit_sets_exit_receive.py',
        'why_missed': "'alice:exit' is sent and run() returns; only the event's state is wrong",
    },
}
