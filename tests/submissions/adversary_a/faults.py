"""Planted faults: each one is ONE small change to chatroom.py.

'edits' is a list of (old, new) pairs; every old snippet occurs exactly once in
the correct chatroom.py.  'sentence' is quoted from chatroom-assignment.md or
judgement-calls.md (verbatim except that a line wrap inside the quote is a space).
"""

# --------------------------------------------------------------------------- ServerTCP (10)

_TCP_RUN_TAIL = ("        except KeyboardInterrupt:   # Ctrl-C on the TCP server\n"
                 "            pass\n"
                 "        self.shutdown()\n")

FAULTS = {
    'tcp_name_prefix_refused': {
        'edits': [("            name_taken = name in self.clients.values()\n",
                   "            name_taken = any(name in taken for taken in self.clients.values())\n")],
        'class': 'ServerTCP',
        'sentence': "Names, 'join' and 'exit' are compared as whole strings, case included: "
                    "'Exit' is chat, and 'al' is free while 'alice' is in the room.",
        'proof': 'proofs/tcp_name_prefix_refused.py',
        'why_missed': "only a name that is a substring of a member's name ('al' while 'alice' is in) is refused; "
                      "distinct names and the exact duplicate behave correctly",
        'summary': "a new name is refused when it is a substring of a member's name",
    },
    'tcp_name_case_refused': {
        'edits': [("            name_taken = name in self.clients.values()\n",
                   "            name_taken = name.lower() in [taken.lower() for taken in self.clients.values()]\n")],
        'class': 'ServerTCP',
        'sentence': "Names, 'join' and 'exit' are compared as whole strings, case included: "
                    "'Exit' is chat, and 'al' is free while 'alice' is in the room.",
        'proof': 'proofs/tcp_name_case_refused.py',
        'why_missed': "only a name differing from a member's by case ('Alice' vs 'alice') is wrongly refused",
        'summary': "the uniqueness check ignores case",
    },
    'tcp_broadcast_one_recipient': {
        'edits': [("                    receiver.sendall(data)\n"
                   "                except OSError:\n"
                   "                    pass\n",
                   "                    receiver.sendall(data)\n"
                   "                except OSError:\n"
                   "                    pass\n"
                   "                break\n")],
        'class': 'ServerTCP',
        'sentence': "This broadcast message is then sent to all connected clients except for the one "
                    "who sent it, represented by `client_socket_sent`.",
        'proof': 'proofs/tcp_broadcast_one_recipient.py',
        'why_missed': "with two clients there is exactly one other client, so it shows only with a third",
        'summary': "broadcast() stops after the first receiver",
    },
    'tcp_exit_inside_text': {
        'edits': [("                if message == 'exit':\n"
                   "                    self.close_client(client_socket)\n",
                   "                if 'exit' in message:\n"
                   "                    self.close_client(client_socket)\n")],
        'class': 'ServerTCP',
        'sentence': "'join' and 'exit' are commands only as the whole message (TCP) or the whole text "
                    "after the name (UDP):",
        'proof': 'proofs/tcp_exit_inside_text.py',
        'why_missed': "the chat line is still relayed; only a later message from the same connection "
                      "(now closed) reveals that 'I will exit later' ended the session",
        'summary': "handle_client() closes a client whose chat merely contains 'exit'",
    },
    'tcp_join_inside_text': {
        'edits': [("            if message == 'join':\n"
                   "                text = 'User {} joined'.format(name)\n",
                   "            if 'join' in message:\n"
                   "                text = 'User {} joined'.format(name)\n")],
        'class': 'ServerTCP',
        'sentence': "If `message` is 'join', the broadcast message will be '**User {x} joined**'.",
        'proof': 'proofs/tcp_join_inside_text.py',
        'why_missed': "joins and ordinary chat are right; only chat containing the word 'join' is "
                      "turned into 'User x joined'",
        'summary': "broadcast() treats any text containing 'join' as the join command",
    },
    'tcp_close_client_true_for_stranger': {
        'edits': [("            if client_socket not in self.clients:\n"
                   "                return False\n"
                   "            del self.clients[client_socket]\n",
                   "            self.clients.pop(client_socket, None)\n")],
        'class': 'ServerTCP',
        'sentence': "It returns `True` if the client was successfully removed, otherwise `False`.",
        'proof': 'proofs/tcp_close_client_true_for_stranger.py',
        'why_missed': "closing a real client still returns True and removes it; only the return value "
                      "for a socket that is not (or no longer) a client is wrong",
        'summary': "close_client() returns True for a socket that is not a client",
    },
    'tcp_instances_share_clients': {
        'edits': [("class ServerTCP:\n\n    def __init__(self, server_port):\n",
                   "class ServerTCP:\n\n    def __init__(self, server_port, clients={}):\n"),
                  ("        self.clients = {}                    # client socket -> client name\n",
                   "        self.clients = clients               # client socket -> client name\n")],
        'class': 'ServerTCP',
        'sentence': "`__init__` creates each object's own state: two ServerTCP (or ServerUDP) objects in "
                    "one process, on two ports, share no clients and no messages",
        'proof': 'proofs/tcp_instances_share_clients.py',
        'why_missed': "one server per process (or per test, one at a time) behaves perfectly; a mutable "
                      "default argument leaks the clients dict into the next instance",
        'summary': "clients is a mutable default argument shared by every ServerTCP",
    },
    'tcp_repeated_message_dropped': {
        'edits': [("        while not self.handle_event.is_set():\n",
                   "        previous = None\n"
                   "        while not self.handle_event.is_set():\n"),
                  ("            message = data.decode('utf-8', errors='replace')\n"
                   "            with self.clients_lock:",
                   "            message = data.decode('utf-8', errors='replace')\n"
                   "            if message == previous:\n"
                   "                continue\n"
                   "            previous = message\n"
                   "            with self.clients_lock:")],
        'class': 'ServerTCP',
        'sentence': "The received message is decoded and broadcasted to all other clients using the "
                    "**broadcast()** method.",
        'proof': 'proofs/tcp_repeated_message_dropped.py',
        'why_missed': "every distinct message is relayed; only the same text sent twice in a row by one "
                      "client is swallowed the second time",
        'summary': "handle_client() drops a message identical to the previous one",
    },
    'tcp_run_event_no_shutdown': {
        'edits': [(_TCP_RUN_TAIL,
                   "        except KeyboardInterrupt:   # Ctrl-C on the TCP server\n"
                   "            self.shutdown()\n")],
        'class': 'ServerTCP',
        'sentence': "The server will keep running in this way until it receives a **KeyboardInterrupt** or "
                    "the **run_event** is set, at which point the **shutdown** method is invoked to stop "
                    "the server.",
        'proof': 'proofs/tcp_run_event_no_shutdown.py',
        'why_missed': "run() does return promptly after run_event.set(), and shutdown() called directly "
                      "works; only the clients never hear 'server-shutdown' when run_event stops run()",
        'summary': "run() returns on run_event without calling shutdown()",
    },
    'tcp_ctrl_c_no_shutdown': {
        'edits': [(_TCP_RUN_TAIL,
                   "        except KeyboardInterrupt:   # Ctrl-C on the TCP server\n"
                   "            return\n"
                   "        self.shutdown()\n")],
        'class': 'ServerTCP',
        'sentence': "The server will keep running in this way until it receives a **KeyboardInterrupt** or "
                    "the **run_event** is set, at which point the **shutdown** method is invoked to stop "
                    "the server.",
        'proof': 'proofs/tcp_ctrl_c_no_shutdown.py',
        'why_missed': "stopping through run_event or shutdown() is fine; only Ctrl-C (SIGINT to a server "
                      "whose run() is in the main thread) skips the 'server-shutdown' goodbye",
        'summary': "Ctrl-C ends run() without shutdown()",
    },

    # ----------------------------------------------------------------------- ServerUDP (10)
    'udp_stranger_chat_relayed': {
        'edits': [("                        sender = self.clients.get(client_addr)   # the address decides who is talking\n",
                   "                        sender = name if name in self.clients.values() else None   # the claimed name decides\n")],
        'class': 'ServerUDP',
        'sentence': "`clients` maps addresses to names: whatever name a datagram claims, only the address "
                    "decides whether it comes from a member, and which member.",
        'proof': 'proofs/udp_stranger_chat_relayed.py',
        'why_missed': "members' chat is relayed correctly; only a datagram from an address that never "
                      "joined, claiming a member's name, is relayed as that member",
        'summary': "chat is accepted when the claimed name (not the address) is a member",
    },
    'udp_stranger_exit_removes_member': {
        'edits': [("                    elif text == 'exit':\n"
                   "                        self.close_client(client_addr)\n",
                   "                    elif text == 'exit':\n"
                   "                        self.close_client(next((a for a, n in self.clients.items() if n == name), client_addr))\n")],
        'class': 'ServerUDP',
        'sentence': "`clients` maps addresses to names: whatever name a datagram claims, only the address "
                    "decides whether it comes from a member, and which member.",
        'proof': 'proofs/udp_stranger_exit_removes_member.py',
        'why_missed': "a member's own 'exit' works; only an 'exit' from another address claiming the "
                      "member's name wrongly removes the member",
        'summary': "'exit' removes the member with the claimed name, whatever the address",
    },
    'udp_name_case_refused': {
        'edits': [("        if name in self.clients.values():\n"
                   "            self.server_socket.sendto('Name already taken'.encode(), client_addr)\n",
                   "        if name.lower() in [taken.lower() for taken in self.clients.values()]:\n"
                   "            self.server_socket.sendto('Name already taken'.encode(), client_addr)\n")],
        'class': 'ServerUDP',
        'sentence': "Names, 'join' and 'exit' are compared as whole strings, case included: "
                    "'Exit' is chat, and 'al' is free while 'alice' is in the room.",
        'proof': 'proofs/udp_name_case_refused.py',
        'why_missed': "only a name that differs from a member's by case is wrongly refused",
        'summary': "the UDP uniqueness check ignores case",
    },
    'udp_colon_in_text_cut': {
        'edits': [("                name, _, text = message.partition(':')\n",
                   "                name, text = message.split(':')[0], message.split(':')[1]\n")],
        'class': 'ServerUDP',
        'sentence': "The message's format that is sent to the server is '`{client_name}:{text}`', where "
                    "`client_name` is the client's name and `text` is the content to be sent.",
        'proof': 'proofs/udp_colon_in_text_cut.py',
        'why_missed': "join, exit and plain chat work; only a text that itself contains ':' is cut at its "
                      "first colon",
        'summary': "the text is taken as the part between the first and second ':'",
    },
    'udp_join_inside_text': {
        'edits': [("                    if text == 'join':\n"
                   "                        self.accept_client(client_addr, message)\n",
                   "                    if 'join' in text:\n"
                   "                        self.accept_client(client_addr, message)\n")],
        'class': 'ServerUDP',
        'sentence': "'join' and 'exit' are commands only as the whole message (TCP) or the whole text "
                    "after the name (UDP):",
        'proof': 'proofs/udp_join_inside_text.py',
        'why_missed': "joins and ordinary chat are right; chat containing 'join' is answered with "
                      "'Name already taken' instead of being relayed",
        'summary': "any text containing 'join' is treated as a join request",
    },
    'udp_exit_inside_text': {
        'edits': [("                    elif text == 'exit':\n"
                   "                        self.close_client(client_addr)\n",
                   "                    elif 'exit' in text.split():\n"
                   "                        self.close_client(client_addr)\n")],
        'class': 'ServerUDP',
        'sentence': "'join' and 'exit' are commands only as the whole message (TCP) or the whole text "
                    "after the name (UDP):",
        'proof': 'proofs/udp_exit_inside_text.py',
        'why_missed': "a plain 'exit' works; only chat with the word 'exit' in it removes the sender",
        'summary': "a text with the word 'exit' in it removes the sender",
    },
    'udp_close_client_true_for_stranger': {
        'edits': [("        if client_addr not in self.clients:\n"
                   "            return False\n"
                   "        name = self.clients.pop(client_addr)\n",
                   "        name = self.clients.pop(client_addr, None)\n")],
        'class': 'ServerUDP',
        'sentence': "The method returns `True` if the client was successfully removed, otherwise `False`.",
        'proof': 'proofs/udp_close_client_true_for_stranger.py',
        'why_missed': "removing a member works; only an address that is not a member gets True "
                      "(and a 'User None left' broadcast)",
        'summary': "close_client() returns True for an address that is not a client",
    },
    'udp_instances_share_clients': {
        'edits': [("class ServerUDP:\n\n",
                   "class ServerUDP:\n    clients = {}   # client address -> client name\n\n"),
                  ("        self.clients = {}     # client address -> client name\n", "")],
        'class': 'ServerUDP',
        'sentence': "`__init__` creates each object's own state: two ServerTCP (or ServerUDP) objects in "
                    "one process, on two ports, share no clients and no messages",
        'proof': 'proofs/udp_instances_share_clients.py',
        'why_missed': "a single server is perfect; the class-level dict only shows with two servers in "
                      "one process",
        'summary': "clients is a class attribute shared by every ServerUDP",
    },
    'udp_shutdown_reaches_first_only': {
        'edits': [("        for client_addr in list(self.clients):\n"
                   "            try:\n"
                   "                self.server_socket.sendto('server-shutdown'.encode(), client_addr)\n",
                   "        for client_addr in self.clients:\n"
                   "            try:\n"
                   "                self.server_socket.sendto('server-shutdown'.encode(), client_addr)\n")],
        'class': 'ServerUDP',
        'sentence': "This method shuts down the server by sending a '**server-shutdown**' message to all "
                    "connected clients and then closing their connections (**close_client()** method can "
                    "be called for this).",
        'proof': 'proofs/udp_shutdown_reaches_first_only.py',
        'why_missed': "with one client shutdown is perfect; with more, removing entries while iterating "
                      "the dict raises after the first goodbye",
        'summary': "shutdown() mutates clients while iterating it: only the first client is told",
    },
    'udp_non_ascii_dropped': {
        'edits': [("                message = data.decode('utf-8', errors='replace')\n"
                   "                name, _, text = message.partition(':')\n",
                   "                message = data.decode('ascii', errors='ignore')\n"
                   "                name, _, text = message.partition(':')\n")],
        'class': 'ServerUDP',
        'sentence': "For any other message, it is appended to the server's message list if the client is "
                    "already in the chatroom. The server then broadcasts the message to all connected "
                    "clients using the **broadcast()** method.",
        'proof': 'proofs/udp_non_ascii_dropped.py',
        'why_missed': "ASCII chat is relayed intact; only accented letters, symbols or CJK text vanish",
        'summary': "datagrams are decoded as ASCII, dropping every non-ASCII character",
    },

    # ----------------------------------------------------------------------- ClientTCP (6)
    'ctcp_exit_inside_text': {
        'edits': [("                if line == 'exit':\n                    break\n",
                   "                if 'exit' in line:\n                    break\n")],
        'class': 'ClientTCP',
        'sentence': "Names, 'join' and 'exit' are compared as whole strings, case included: "
                    "'Exit' is chat, and 'al' is free while 'alice' is in the room.",
        'proof': 'proofs/ctcp_exit_inside_text.py',
        'why_missed': "typing 'exit' leaves correctly; only a line that merely contains 'exit' "
                      "('I will exit later') also makes the client leave instead of sending it",
        'summary': "run() leaves on any typed line containing 'exit'",
    },
    'ctcp_receive_stops_after_first': {
        'edits': [("            print(message, flush=True)\n",
                   "            print(message, flush=True)\n"
                   "            break\n")],
        'class': 'ClientTCP',
        'sentence': "This method continuously listens for messages from the server until the "
                    "`exit_receive` event is set.",
        'proof': 'proofs/ctcp_receive_stops_after_first.py',
        'why_missed': "the first message is shown and a 'server-shutdown' arriving first is obeyed; a "
                      "'server-shutdown' (or anything) after another message is never read",
        'summary': "receive() returns after displaying one message",
    },
    'ctcp_events_inverted': {
        'edits': [("        self.exit_run = threading.Event()       # set = leave the main loop\n"
                   "        self.exit_receive = threading.Event()   # set = stop receiving\n"
                   "\n"
                   "    def connect_server(self):\n"
                   "        try:\n"
                   "            self.client_socket.settimeout(REPLY_TIMEOUT)\n",
                   "        self.exit_run = threading.Event()       # set = keep the main loop going\n"
                   "        self.exit_receive = threading.Event()   # set = keep receiving\n"
                   "        self.exit_run.set()\n"
                   "        self.exit_receive.set()\n"
                   "\n"
                   "    def connect_server(self):\n"
                   "        try:\n"
                   "            self.client_socket.settimeout(REPLY_TIMEOUT)\n"),
                  ("        while not self.exit_receive.is_set():\n"
                   "            try:\n"
                   "                data = self.client_socket.recv(BUFFER_SIZE)\n",
                   "        while self.exit_receive.is_set():\n"
                   "            try:\n"
                   "                data = self.client_socket.recv(BUFFER_SIZE)\n"),
                  ("                self.exit_run.set()\n"
                   "                self.exit_receive.set()\n"
                   "                break\n"
                   "            message = data.decode('utf-8', errors='replace')\n"
                   "            if message == 'server-shutdown':\n"
                   "                self.exit_run.set()\n"
                   "                self.exit_receive.set()\n",
                   "                self.exit_run.clear()\n"
                   "                self.exit_receive.clear()\n"
                   "                break\n"
                   "            message = data.decode('utf-8', errors='replace')\n"
                   "            if message == 'server-shutdown':\n"
                   "                self.exit_run.clear()\n"
                   "                self.exit_receive.clear()\n"),
                  ("            typed = _keyboard_lines()\n"
                   "            while not self.exit_run.is_set():\n",
                   "            typed = _keyboard_lines()\n"
                   "            while self.exit_run.is_set():\n"),
                  ("        self.exit_receive.set()\n"
                   "        listener.join(2 * POLL_SECONDS + 1)\n"
                   "        _close_quietly(self.client_socket)\n",
                   "        self.exit_receive.clear()\n"
                   "        listener.join(2 * POLL_SECONDS + 1)\n"
                   "        _close_quietly(self.client_socket)\n")],
        'class': 'ClientTCP',
        'sentence': "Events that are set at start and cleared to stop are a failure.",
        'proof': 'proofs/ctcp_events_inverted.py',
        'why_missed': "the client behaves perfectly end to end; only the events' meaning is inverted "
                      "(set while running, cleared to stop)",
        'summary': "exit_run/exit_receive start set and are cleared to stop",
    },
    'ctcp_repeated_line_dropped': {
        'edits': [("            typed = _keyboard_lines()\n"
                   "            while not self.exit_run.is_set():\n",
                   "            typed = _keyboard_lines()\n"
                   "            last_sent = None\n"
                   "            while not self.exit_run.is_set():\n"),
                  ("                try:\n"
                   "                    self.send(line)\n",
                   "                if line == last_sent:\n"
                   "                    continue\n"
                   "                last_sent = line\n"
                   "                try:\n"
                   "                    self.send(line)\n")],
        'class': 'ClientTCP',
        'sentence': "In this loop, the user can input the text to be sent as a message to the server "
                    "using the `send()` method.",
        'proof': 'proofs/ctcp_repeated_line_dropped.py',
        'why_missed': "every distinct line is sent; only the same line typed twice in a row is not sent "
                      "again",
        'summary': "run() does not send a line identical to the previous one",
    },
    'ctcp_ctrl_c_no_exit': {
        'edits': [("                    self.send(line)\n"
                   "                except OSError:\n"
                   "                    break\n"
                   "        except KeyboardInterrupt:\n"
                   "            pass\n",
                   "                    self.send(line)\n"
                   "                except OSError:\n"
                   "                    break\n"
                   "        except KeyboardInterrupt:\n"
                   "            self.exit_receive.set()\n"
                   "            return\n")],
        'class': 'ClientTCP',
        'sentence': "this loop continues until the `exit_run` event is set or the user types **'exit'** or "
                    "a `KeyboardInterrupt` is detected, at which point the client sends **'exit'** message "
                    "to the server to notify it of the client's leaving, sets the `exit_receive` event to "
                    "stop the client's receiving operation and exits the loop.",
        'proof': 'proofs/ctcp_ctrl_c_no_exit.py',
        'why_missed': "typing 'exit' sends 'exit'; only Ctrl-C leaves without telling the server",
        'summary': "Ctrl-C ends run() without sending 'exit'",
    },
    'ctcp_own_name_prefix_hidden': {
        'edits': [("            print(message, flush=True)\n",
                   "            if message.startswith(self.client_name):\n"
                   "                continue   # my own words coming back\n"
                   "            print(message, flush=True)\n")],
        'class': 'ClientTCP',
        'sentence': "except that received chat and join/leave messages appear in its output",
        'proof': 'proofs/ctcp_own_name_prefix_hidden.py',
        'why_missed': "with names like alice/bob nothing is hidden; a client 'al' never shows 'alice: ...'",
        'summary': "receive() hides messages that start with the client's own name",
    },

    # ----------------------------------------------------------------------- ClientUDP (6)
    'cudp_exit_case_insensitive': {
        'edits': [("                if typed_line == 'exit':\n",
                   "                if typed_line.lower() == 'exit':\n")],
        'class': 'ClientUDP',
        'sentence': "Names, 'join' and 'exit' are compared as whole strings, case included: "
                    "'Exit' is chat, and 'al' is free while 'alice' is in the room.",
        'proof': 'proofs/cudp_exit_case_insensitive.py',
        'why_missed': "typing 'exit' works; typing 'EXIT' or 'Exit' leaves instead of sending chat",
        'summary': "run() leaves on 'Exit'/'EXIT' typed in another case",
    },
    'cudp_exit_receive_not_set': {
        'edits': [("        self.exit_receive.set()\n"
                   "        listener.join(2 * POLL_SECONDS + 1)\n"
                   "        try:\n",
                   "        listener.join(2 * POLL_SECONDS + 1)\n"
                   "        try:\n")],
        'class': 'ClientUDP',
        'sentence': "this loop continues until the `exit_run` event is set or the user types 'exit' or a "
                    "`KeyboardInterrupt` is detected, at which point the client sends 'exit' message to the "
                    "server to notify it of the client's leaving, sets the `exit_receive` event to stop the "
                    "client's receiving operation and exits the loop.",
        'proof': 'proofs/cudp_exit_receive_not_set.py',
        'why_missed': "'exit' is sent and run() returns; only the exit_receive event is left cleared",
        'summary': "run() leaves without setting exit_receive",
    },
    'cudp_receive_gives_up_when_idle': {
        'edits': [("                data, _sender = self.client_socket.recvfrom(DATAGRAM_SIZE)\n"
                   "            except socket.timeout:\n"
                   "                continue\n",
                   "                data, _sender = self.client_socket.recvfrom(DATAGRAM_SIZE)\n"
                   "            except socket.timeout:\n"
                   "                break\n")],
        'class': 'ClientUDP',
        'sentence': "This method continuously listens for messages from the server until the "
                    "`exit_receive` event is set.",
        'proof': 'proofs/cudp_receive_gives_up_when_idle.py',
        'why_missed': "messages that follow each other quickly are all shown; after half a second of "
                      "silence receive() has quietly returned and misses everything, 'server-shutdown' included",
        'summary': "receive() returns on its first socket timeout",
    },
    'cudp_run_ignores_exit_run': {
        'edits': [("            keyboard = _keyboard_lines()\n"
                   "            while not self.exit_run.is_set():\n",
                   "            keyboard = _keyboard_lines()\n"
                   "            while True:\n")],
        'class': 'ClientUDP',
        'sentence': "this loop continues until the `exit_run` event is set or the user types 'exit' or a "
                    "`KeyboardInterrupt` is detected, at which point the client sends 'exit' message to the "
                    "server to notify it of the client's leaving, sets the `exit_receive` event to stop the "
                    "client's receiving operation and exits the loop.",
        'proof': 'proofs/cudp_run_ignores_exit_run.py',
        'why_missed': "receive() sets both events on 'server-shutdown', but run() keeps waiting for the "
                      "next typed line",
        'summary': "run()'s loop does not look at exit_run",
    },
    'cudp_chat_after_refusal': {
        'edits': [("            print('Could not join the chatroom.', flush=True)\n"
                   "            return\n"
                   "        listener = threading.Thread(target=self.receive, daemon=True)\n"
                   "        try:\n"
                   "            listener.start()\n"
                   "            keyboard = _keyboard_lines()\n",
                   "            print('Could not join the chatroom.', flush=True)\n"
                   "        listener = threading.Thread(target=self.receive, daemon=True)\n"
                   "        try:\n"
                   "            listener.start()\n"
                   "            keyboard = _keyboard_lines()\n")],
        'class': 'ClientUDP',
        'sentence': "It first connects to the server using the `connect_server()` method. If successful, "
                    "connection is established, and the method start to handle receiving messages from the "
                    "server using the `receive()` method simultaneously with handling user input in the "
                    "main loop.",
        'proof': 'proofs/cudp_chat_after_refusal.py',
        'why_missed': "connect_server() returns False correctly; run() just carries on and sends the "
                      "refused user's typed lines",
        'summary': "run() enters the chat loop even when connect_server() failed",
    },
    'cudp_repeated_display_suppressed': {
        'edits': [("            print(incoming, flush=True)\n",
                   "            if incoming == getattr(self, '_last_shown', None):\n"
                   "                continue   # UDP may deliver a datagram twice\n"
                   "            self._last_shown = incoming\n"
                   "            print(incoming, flush=True)\n")],
        'class': 'ClientUDP',
        'sentence': "Otherwise, the message is displayed to the user.",
        'proof': 'proofs/cudp_repeated_display_suppressed.py',
        'why_missed': "every distinct message is shown; the same message received twice in a row is "
                      "shown once",
        'summary': "receive() does not display a message identical to the previous one",
    },
}
