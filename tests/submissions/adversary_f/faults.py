"""Planted faults of corpus adversary_f (busy-loop style: non-blocking sockets polled in tight loops).

Each entry: class, edits [(old, new)] applied to chatroom.py (each old occurs exactly once), the sentence of
the assignment or of judgement-calls.md that forbids the fault (verbatim), the proof (exits 0 on the correct
program, 1 on the faulty copy), and why a grader that tests only the obvious path misses it.
"""

FAULTS = {

    # ------------------------------------------------------------------ ServerTCP
    'tcp_name_substring': {
        'class': 'ServerTCP',
        'edits': [(
            "            taken = name in self.clients.values()\n",
            "            taken = name in ' '.join(self.clients.values())\n",
        )],
        'sentence': "Names, 'join' and 'exit' are compared as whole strings, case included: 'Exit' is chat, "
                    "and 'al' is free while 'alice' is in the room.",
        'proof': 'proofs/tcp_name_substring.py',
        'why_missed': "the obvious test joins alice and bob; only a name that is a substring of a member's "
                      "('al' beside 'alice') is refused",
    },
    'tcp_refused_ghost': {
        'class': 'ServerTCP',
        'edits': [(
            "            taken = name in self.clients.values()\n        if taken:\n",
            "            taken = name in self.clients.values()\n            self.clients[conn] = name\n"
            "        if taken:\n",
        )],
        'sentence': "If the name is already in the `clients` dictionary, the method sends a "
                    "'**Name already taken**' message to the client and returns `False`. Otherwise, it performs "
                    "the following actions:",
        'proof': 'proofs/tcp_refused_ghost.py',
        'why_missed': "the refused client still reads 'Name already taken'; only the count (or the name) "
                      "after a refusal shows the ghost entry left in clients",
    },
    'tcp_exit_substring': {
        'class': 'ServerTCP',
        'edits': [(
            "            if message == 'exit':\n",
            "            if 'exit' in message:\n",
        )],
        'sentence': "'join' and 'exit' are commands only as the whole message (TCP) or the whole text after "
                    "the name (UDP): 'I will join later' is chat.",
        'proof': 'proofs/tcp_exit_substring.py',
        'why_missed': "short chat like 'hello' never contains the command word; 'I will exit later' closes "
                      "the sender's connection instead of being relayed",
    },
    'tcp_handler_one_message': {
        'class': 'ServerTCP',
        'edits': [(
            "                self.close_client(client_socket)\n                break\n"
            "            self.broadcast(client_socket, message)\n",
            "                self.close_client(client_socket)\n"
            "            else:\n                self.broadcast(client_socket, message)\n            break\n",
        )],
        'sentence': "This method continuously listens for messages the given client socket **client_socket** "
                    "until the `handle_event` is set.",
        'proof': 'proofs/tcp_handler_one_message.py',
        'why_missed': "each client sends one message in the obvious test; the handler stops after the first "
                      "one, so a second message from the same connection is never relayed",
    },
    'tcp_handler_deadline': {
        'class': 'ServerTCP',
        'edits': [(
            "    def handle_client(self, client_socket):\n        while not self.handle_event.is_set():\n",
            "    def handle_client(self, client_socket):\n        give_up = time.monotonic() + NAME_WAIT\n"
            "        while time.monotonic() < give_up and not self.handle_event.is_set():\n",
        )],
        'sentence': "The received message is decoded and broadcasted to all other clients using the "
                    "**broadcast()** method.",
        'proof': 'proofs/tcp_handler_deadline.py',
        'why_missed': "the deadline copied from the name wait stops the handler 3 s after the join; a quick "
                      "test speaks within 3 s, a member silent for a few seconds is never heard again",
    },
    'tcp_recv_512': {
        'class': 'ServerTCP',
        'edits': [(
            "                data = client_socket.recv(BUFSIZE)\n",
            "                data = client_socket.recv(512)\n",
        )],
        'sentence': "Up to that size a message is one message: a server or client whose receive is smaller "
                    "(recv(512)) and splits or cuts it fails.",
        'proof': 'proofs/tcp_recv_512.py',
        'why_missed': "short messages fit in 512 bytes; a 900-byte message is relayed as two messages, the "
                      "second with the name put in the middle of the text",
    },
    'tcp_class_clients': {
        'class': 'ServerTCP',
        'edits': [
            ("class ServerTCP:\n", "class ServerTCP:\n\n    clients = {}\n"),
            ("        self.clients = {}\n        self.run_event = threading.Event()\n",
             "        self.run_event = threading.Event()\n"),
        ],
        'sentence': "`__init__` creates each object's own state: two ServerTCP (or ServerUDP) objects in one "
                    "process, on two ports, share no clients and no messages",
        'proof': 'proofs/tcp_class_clients.py',
        'why_missed': "one server per test looks right; a second ServerTCP in the same process shares the "
                      "class-level dict (its count and its taken names)",
    },

    # ------------------------------------------------------------------ ClientTCP
    'ctcp_shutdown_substring': {
        'class': 'ClientTCP',
        'edits': [(
            "            if message == 'server-shutdown':\n",
            "            if 'server-shutdown' in message:\n",
        )],
        'sentence': "If the message is **'server-shutdown'**, which indicates that the server is shutting "
                    "down, the method sets the `exit_run` and `exit_receive` events to stop the client's "
                    "operation and exits the loop. Otherwise, the message is displayed to the user.",
        'proof': 'proofs/ctcp_shutdown_substring.py',
        'why_missed': "only the real shutdown message contains the word; a chat line that mentions "
                      "'server-shutdown' stops the client instead of being shown",
    },
    'ctcp_own_name_filter': {
        'class': 'ClientTCP',
        'edits': [(
            "            Screen.show(message)\n",
            "            if message.startswith(self.client_name):\n"
            "                continue   # my own line coming back\n"
            "            Screen.show(message)\n",
        )],
        'sentence': "Otherwise, the message is displayed to the user.",
        'proof': 'proofs/ctcp_own_name_filter.py',
        'why_missed': "with alice and bob no message starts with the receiver's name; 'al' never sees what "
                      "'alice' says",
    },
    'ctcp_connect_until_quiet': {
        'class': 'ClientTCP',
        'edits': [(
            "            if data:\n                reply = data.decode('utf-8', 'replace')\n            break\n",
            "            if not data:\n                break\n"
            "            reply = (reply or '') + data.decode('utf-8', 'replace')\n"
            "            give_up = min(give_up, time.monotonic() + 0.5)   # let the server finish talking\n",
        )],
        'sentence': "A connect_server() that reads or throws away more than the reply loses it.",
        'proof': 'proofs/ctcp_connect_until_quiet.py',
        'why_missed': "nothing else arrives within half a second of the greeting in the obvious test; a "
                      "member who joins or speaks right after it is swallowed into the reply",
    },
    'ctcp_exit_twice': {
        'class': 'ClientTCP',
        'edits': [(
            "                if line is Keyboard.EOF or line == 'exit':\n                    break\n"
            "                self.send(line)\n",
            "                if line is not Keyboard.EOF:\n                    self.send(line)\n"
            "                if line is Keyboard.EOF or line == 'exit':\n                    break\n",
        )],
        'sentence': "two 'exit' arrive as 'exitexit' in one recv() of a server whose reader is a moment late.",
        'proof': 'proofs/ctcp_exit_twice.py',
        'why_missed': "a quick server reads the first 'exit' alone and closes; the second 'exit' goes "
                      "unnoticed unless the bytes the server receives are counted",
    },
    'ctcp_connect_any_reply': {
        'class': 'ClientTCP',
        'edits': [(
            "        if 'Welcome' in reply:\n            return True\n",
            "        if 'Name already taken' not in reply:\n            return True\n",
        )],
        'sentence': "given a reply the text never names ('Server full') it must not return True",
        'proof': 'proofs/ctcp_connect_any_reply.py',
        'why_missed': "the obvious tests send only 'Welcome' (True) and 'Name already taken' (False)",
    },
    'ctcp_sigint_no_exit': {
        'class': 'ClientTCP',
        'edits': [(
            "        except KeyboardInterrupt:\n            pass\n        keyboard.stop()\n",
            "        except KeyboardInterrupt:\n            keyboard.stop()\n"
            "            self.client_socket.close()\n            return\n        keyboard.stop()\n",
        )],
        'sentence': "this loop continues until the `exit_run` event is set or the user types **'exit'** or a "
                    "`KeyboardInterrupt` is detected, at which point the client sends **'exit'** message to the "
                    "server to notify it of the client's leaving",
        'proof': 'proofs/ctcp_sigint_no_exit.py',
        'why_missed': "the obvious test leaves by typing 'exit'; only Ctrl-C skips the 'exit' message",
    },

    # ------------------------------------------------------------------ ServerUDP
    'udp_name_prefix': {
        'class': 'ServerUDP',
        'edits': [(
            "            if name in self.clients.values():\n",
            "            if any(known.startswith(name) for known in self.clients.values()):\n",
        )],
        'sentence': "If the name is already in use, the method sends a **'Name already taken'** message to the "
                    "client and returns `False`.",
        'proof': 'proofs/udp_name_prefix.py',
        'why_missed': "distinct names pass and a duplicate is refused; only a prefix of a member's name "
                      "('al' beside 'alice') is wrongly refused",
    },
    'udp_colon_split': {
        'class': 'ServerUDP',
        'edits': [(
            "        if member is not None and message.startswith(member + ':'):\n"
            "            text = message[len(member) + 1:]\n"
            "        elif ':' in message:\n"
            "            text = message.split(':', 1)[1]\n"
            "        else:\n            return\n",
            "        parts = message.split(':')\n"
            "        if len(parts) < 2:\n            return\n"
            "        text = parts[1]\n",
        )],
        'sentence': "UDP chat relay: '{name}: {text}' (the TCP format) or the datagram as received, "
                    "'{name}:{text}'.",
        'proof': 'proofs/udp_colon_split.py',
        'why_missed': "'hello' has no colon; 'meet at 10:30' is relayed cut at its own colon",
    },
    'udp_join_substring': {
        'class': 'ServerUDP',
        'edits': [(
            "        if text == 'join':\n",
            "        if 'join' in text:\n",
        )],
        'sentence': "'join' and 'exit' are commands only as the whole message (TCP) or the whole text after "
                    "the name (UDP): 'I will join later' is chat.",
        'proof': 'proofs/udp_join_substring.py',
        'why_missed': "chat without the word is relayed; 'I will join later' is taken for a join (and "
                      "answered 'Name already taken') instead of being relayed",
    },
    'udp_stranger_relay': {
        'class': 'ServerUDP',
        'edits': [(
            "        elif member is not None:\n            with self.lock:\n",
            "        else:\n            member = member or message.split(':', 1)[0]   # not joined? use its name\n"
            "            with self.lock:\n",
        )],
        'sentence': "For any other message, it is appended to the server's message list if the client is "
                    "already in the chatroom.",
        'proof': 'proofs/udp_stranger_relay.py',
        'why_missed': "every datagram of the obvious test comes from a member; chat from an address that "
                      "never joined, or already left, is relayed",
    },
    'udp_exit_by_name': {
        'class': 'ServerUDP',
        'edits': [(
            "            self.close_client(addr)\n",
            "            named = message.split(':', 1)[0]\n"
            "            for known, who in list(self.clients.items()):\n"
            "                if who == named:\n"
            "                    addr = known   # the member of that name leaves\n"
            "            self.close_client(addr)\n",
        )],
        'sentence': "`clients` maps addresses to names: whatever name a datagram claims, only the address "
                    "decides whether it comes from a member, and which member.",
        'proof': 'proofs/udp_exit_by_name.py',
        'why_missed': "members leave with their own name; a stranger's 'alice:exit' removes alice",
    },
    'udp_recv_512': {
        'class': 'ServerUDP',
        'edits': [(
            "                    data, addr = self.server_socket.recvfrom(BUFSIZE)\n",
            "                    data, addr = self.server_socket.recvfrom(512)\n",
        )],
        'sentence': "Up to that size a message is one message: a server or client whose receive is smaller "
                    "(recv(512)) and splits or cuts it fails.",
        'proof': 'proofs/udp_recv_512.py',
        'why_missed': "short datagrams fit; a 900-byte chat is cut to its first 512 bytes",
    },
    'udp_close_client_true': {
        'class': 'ServerUDP',
        'edits': [(
            "            if client_addr not in self.clients:\n                return False\n"
            "            name = self.clients.pop(client_addr)\n",
            "            name = self.clients.pop(client_addr, None)\n",
        )],
        'sentence': "`close_client` returns False for a socket/address that is not a client.",
        'proof': 'proofs/udp_close_client_true.py',
        'why_missed': "close_client is only ever called for members; for a stranger it returns True and "
                      "announces 'User None left'",
    },

    # ------------------------------------------------------------------ ClientUDP
    'cudp_receive_idle_stop': {
        'class': 'ClientUDP',
        'edits': [(
            "    def receive(self):\n        while not self.exit_receive.is_set():\n            try:\n"
            "                data, _ = self.client_socket.recvfrom(BUFSIZE)\n"
            "            except (BlockingIOError, InterruptedError, ConnectionResetError):\n"
            "                continue\n",
            "    def receive(self):\n        give_up = time.monotonic() + REPLY_WAIT\n"
            "        while not self.exit_receive.is_set():\n            try:\n"
            "                data, _ = self.client_socket.recvfrom(BUFSIZE)\n"
            "                give_up = time.monotonic() + REPLY_WAIT\n"
            "            except (BlockingIOError, InterruptedError, ConnectionResetError):\n"
            "                if time.monotonic() > give_up:\n"
            "                    break   # the server has gone quiet\n"
            "                continue\n",
        )],
        'sentence': "This method continuously listens for messages from the server until the `exit_receive` "
                    "event is set.",
        'proof': 'proofs/cudp_receive_idle_stop.py',
        'why_missed': "in a quick test messages come every second; after 3 s of silence the receiver stops "
                      "and later messages are never shown",
    },
    'cudp_drain_newest': {
        'class': 'ClientUDP',
        'edits': [(
            "            try:\n                data, _ = self.client_socket.recvfrom(BUFSIZE)\n"
            "            except (BlockingIOError, InterruptedError, ConnectionResetError):\n"
            "                continue\n",
            "            data = None\n            try:\n"
            "                while True:   # empty the socket, the newest message wins\n"
            "                    data, _ = self.client_socket.recvfrom(BUFSIZE)\n"
            "            except (BlockingIOError, InterruptedError, ConnectionResetError):\n"
            "                if data is None:\n                    continue\n",
        )],
        'sentence': "In the loop, the client receives a message from the server and decodes it.",
        'proof': 'proofs/cudp_drain_newest.py',
        'why_missed': "the spinning receiver usually takes each datagram alone; when two are waiting "
                      "together (a join and a chat at once) the older one is dropped",
    },
    'cudp_exit_twice': {
        'class': 'ClientUDP',
        'edits': [(
            "                if typed is Keyboard.EOF or typed == 'exit':\n                    break\n"
            "                self.send(typed)\n",
            "                if typed is not Keyboard.EOF:\n                    self.send(typed)\n"
            "                if typed is Keyboard.EOF or typed == 'exit':\n                    break\n",
        )],
        'sentence': "After 'exit' (typed, or on Ctrl-C) nothing more goes to the server",
        'proof': 'proofs/cudp_exit_twice.py',
        'why_missed': "the server ignores the second 'alice:exit' (no longer a member); only counting the "
                      "datagrams shows two",
    },
    'cudp_connect_any_reply': {
        'class': 'ClientUDP',
        'edits': [(
            "            if answer == 'Welcome':\n",
            "            if answer != 'Name already taken':\n",
        )],
        'sentence': "If the response is 'Welcome', the connection is considered successful, and the method "
                    "returns `True`. Otherwise, it returns `False`.",
        'proof': 'proofs/cudp_connect_any_reply.py',
        'why_missed': "the obvious tests send only 'Welcome' and 'Name already taken'",
    },
    'cudp_str_bytes': {
        'class': 'ClientUDP',
        'edits': [(
            "            text = data.decode('utf-8', 'replace')\n",
            "            text = str(data)[2:-1]\n",
        )],
        'sentence': "Otherwise, the message is displayed to the user.",
        'proof': 'proofs/cudp_str_bytes.py',
        'why_missed': "ASCII chat displays the same; 'héllo' is shown as 'h\\xc3\\xa9llo'",
    },
}
