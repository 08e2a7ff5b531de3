"""Planted faults of adversary_d: each a small, student-like change to chatroom.py that the obvious test
(two or three clients with plain distinct names, one short message each, shutdown of a fresh room) misses,
but that a sentence of the assignment or of judgement-calls.md forbids.  prove.py checks them all.
"""

S_TCP_TAKEN = ("If the name is already in the `clients` dictionary, the method sends a '**Name already taken**' "
               "message to the client and returns `False`.")
S_UDP_TAKEN = "If the name is already in use, the method sends a **'Name already taken'** message to the client and returns `False`."
S_CASE = "Names, 'join' and 'exit' are compared as whole strings, case included"
S_PREFIX = "'Exit' is chat, and 'al' is free while 'alice' is in the room."
S_COMMAND = ("'join' and 'exit' are commands only as the whole message (TCP) or the whole text after the name (UDP): "
             "'I will join later' is chat.")
S_CLOSE_FALSE = "`close_client` returns False for a socket/address that is not a client."
S_SIZE = ("Up to that size a message is one message: a server or client whose receive is smaller (recv(512)) and "
          "splits or cuts it fails.")
S_INDEPENDENT = ("two ServerTCP (or ServerUDP) objects in one process, on two ports, share no clients and no "
                 "messages")
S_SHUTDOWN_EVENTS = ("It then proceeds to close all client sockets, sets the **run_event** and **handle_event** to stop "
                     "the server's operation, and finally closes the server socket.")
S_EVENTS_INVERTED = "Events that are set at start and cleared to stop are a failure."
S_TCP_SIGINT = ("The server will keep running in this way until it receives a **KeyboardInterrupt** or the "
                "**run_event** is set, at which point the **shutdown** method is invoked to stop the server.")
S_UDP_SIGINT = ("The server continues to run until a **KeyboardInterrupt** is detected or an error occurs, at which "
                "point the **shutdown()** method is invoked to stop the server.")
S_EXIT_ONCE = "After 'exit' (typed, or on Ctrl-C) nothing more goes to the server"
S_TCP_CTRL_C = ("or a `KeyboardInterrupt` is detected, at which point the client sends **'exit'** message to the "
                "server to notify it of the client's leaving")
S_UDP_CTRL_C = ("or a `KeyboardInterrupt` is detected, at which point the client sends 'exit' message to the server "
                "to notify it of the client's leaving")
S_TCP_SHUTDOWN_MSG = ("If the message is **'server-shutdown'**, which indicates that the server is shutting down, the "
                      "method sets the `exit_run` and `exit_receive` events")
S_UDP_SHUTDOWN_MSG = ("If the message is 'server-shutdown', which indicates that the server is shutting down, the "
                      "method sets the `exit_run` and `exit_receive` events")
S_BOTH_EVENTS = "the method sets the `exit_run` and `exit_receive` events to stop the client's operation and exits the loop."
S_NO_SERVER = "letting ConnectionRefusedError out of connect_server() fails it."
S_TCP_WELCOME = ("If the response contains **'Welcome'**, it indicates that the client has successfully joined the "
                 "chatroom. The method returns `True` if the connection is successful; otherwise, it returns `False`.")
S_UDP_WELCOME = ("If the response is 'Welcome', the connection is considered successful, and the method returns "
                 "`True`. Otherwise, it returns `False`.")
S_ADDRESS = ("whatever name a datagram claims, only the address decides whether it comes from a member, and which "
             "member.")
S_BOB_NAME = "relayed in the TCP format it must carry bob's name ('bob: hi')."
S_RELAY = "UDP chat relay: '{name}: {text}' (the TCP format) or the datagram as received, '{name}:{text}'."
S_JOIN_STORED = ("Appends a tuple containing the client's address `client_addr` and **'User {x} joined'** to the "
                 "`messages` list, where `x` is the client's name.")


def fault(cls, edits, sentence, name, why):
    return {'class': cls, 'edits': edits, 'sentence': sentence, 'proof': 'proofs/{}.py'.format(name),
            'why_missed': why}


_F = [
    # ------------------------------------------------------------------ ServerTCP
    ('tcp_name_checked_in_keys', 'ServerTCP',
     [("            if name in self.clients.values():", "            if name in self.clients:")],
     S_TCP_TAKEN, 'the keys are sockets, so no name is ever taken; only a duplicate name shows it'),
    ('tcp_name_case_insensitive', 'ServerTCP',
     [("            if name in self.clients.values():",
       "            if name.lower() in [n.lower() for n in self.clients.values()]:")],
     S_CASE, "'Alice' beside 'alice' is never tried with plain distinct names"),
    ('tcp_name_prefix_taken', 'ServerTCP',
     [("            if name in self.clients.values():",
       "            if any(n.startswith(name) for n in self.clients.values()):")],
     S_PREFIX, "only a name that is the start of another ('al' beside 'alice') is refused"),
    ('tcp_name_never_released', 'ServerTCP',
     [("        self._newcomer = None                  # the socket accept_client() last admitted",
       "        self._newcomer = None                  # the socket accept_client() last admitted\n"
       "        self._used_names = set()"),
      ("            if name in self.clients.values():",
       "            if name in self.clients.values() or name in self._used_names:"),
      ("            self.clients[conn] = name\n", "            self.clients[conn] = name\n            self._used_names.add(name)\n")],
     S_TCP_TAKEN, 'only rejoining under the name of someone who left shows it'),
    ('tcp_exit_substring', 'ServerTCP',
     [("            if said == 'exit':", "            if 'exit' in said:")],
     S_COMMAND, "a chat line that merely contains 'exit' is not sent by the obvious test"),
    ('tcp_exit_case_insensitive', 'ServerTCP',
     [("            if said == 'exit':", "            if said.lower() == 'exit':")],
     S_CASE, "'Exit' typed as chat is not in the obvious test"),
    ('tcp_close_unknown_true', 'ServerTCP',
     [("            if client_socket not in self.clients:\n                return False\n"
       "            del self.clients[client_socket]",
       "            self.clients.pop(client_socket, None)")],
     S_CLOSE_FALSE, 'close_client is only ever called on members on the obvious path'),
    ('tcp_shutdown_keeps_handle_event', 'ServerTCP',
     [("        self.run_event.set()\n        self.handle_event.set()\n        self._closed = True",
       "        self.run_event.set()\n        self._closed = True")],
     S_SHUTDOWN_EVENTS, 'the handlers still end (their sockets close), so nobody looks at handle_event'),
    ('tcp_handle_event_inverted', 'ServerTCP',
     [("        self.handle_event.set()\n        self._closed = True", "        self.handle_event.clear()\n        self._closed = True"),
      ("        self.handle_event = threading.Event()  # set: stop the handlers",
       "        self.handle_event = threading.Event()  # set: stop the handlers\n        self.handle_event.set()"),
      ("        while not self.handle_event.is_set():", "        while self.handle_event.is_set():"),
      ("                if not self.handle_event.is_set():", "                if self.handle_event.is_set():")],
     S_EVENTS_INVERTED, 'the room behaves the same; only the event states are inverted'),
    ('tcp_sigint_skips_shutdown', 'ServerTCP',
     [("        except KeyboardInterrupt:\n            pass\n        self.shutdown()\n\n\nclass ClientTCP:",
       "        except KeyboardInterrupt:\n            return\n        self.shutdown()\n\n\nclass ClientTCP:")],
     S_TCP_SIGINT, 'shutdown is tested through run_event only'),
    ('tcp_handler_recv_512', 'ServerTCP',
     [("                data = client_socket.recv(CHUNK)", "                data = client_socket.recv(512)")],
     S_SIZE, 'one short message each never reaches 512 bytes'),
    ('tcp_clients_class_attribute', 'ServerTCP',
     [("class ServerTCP:\n\n    def __init__(self, server_port):",
       "class ServerTCP:\n    clients = {}\n\n    def __init__(self, server_port):"),
      ("        self.clients = {}                      # client socket -> name\n", "")],
     S_INDEPENDENT, 'one server per process hides the shared dictionary'),
    # ------------------------------------------------------------------ ClientTCP
    ('ctcp_exit_case_insensitive', 'ClientTCP',
     [("                if line is None or line == 'exit':",
       "                if line is None or line.lower() == 'exit':")],
     S_CASE, "nobody types 'Exit' as chat on the obvious path"),
    ('ctcp_exit_sent_twice', 'ClientTCP',
     [("                if line is None or line == 'exit':\n                    break",
       "                if line == 'exit':\n                    self.send(line)\n                    break\n"
       "                if line is None:\n                    break")],
     S_EXIT_ONCE, "a server reading 'exit' first sees the leave; the second 'exit' goes unnoticed"),
    ('ctcp_ctrl_c_no_exit', 'ClientTCP',
     [("        except KeyboardInterrupt:\n            pass\n        stop_typing.set()",
       "        except KeyboardInterrupt:\n            stop_typing.set()\n            self.exit_receive.set()\n"
       "            return\n        stop_typing.set()")],
     S_TCP_CTRL_C, 'clients leave by typing exit on the obvious path'),
    ('ctcp_shutdown_substring', 'ClientTCP',
     [("            if text == 'server-shutdown':", "            if 'server-shutdown' in text:")],
     S_TCP_SHUTDOWN_MSG, "no chat line mentions 'server-shutdown' on the obvious path"),
    ('ctcp_exit_receive_not_set', 'ClientTCP',
     [("            if text == 'server-shutdown':\n                self.exit_run.set()\n                self.exit_receive.set()\n",
       "            if text == 'server-shutdown':\n                self.exit_run.set()\n")],
     S_BOTH_EVENTS, 'receive() still breaks out of its loop, so the client stops as expected'),
    ('ctcp_connect_refused_raises', 'ClientTCP',
     [("        try:\n            self.client_socket.settimeout(REPLY_WAIT)\n"
       "            self.client_socket.connect((self.server_addr, self.server_port))\n",
       "        self.client_socket.settimeout(REPLY_WAIT)\n"
       "        self.client_socket.connect((self.server_addr, self.server_port))\n        try:\n")],
     S_NO_SERVER, 'the obvious test always starts the server first'),
    ('ctcp_connect_any_reply', 'ClientTCP',
     [("        return 'Welcome' in reply", "        return bool(reply)")],
     S_TCP_WELCOME, 'with distinct names every reply is Welcome'),
    ('ctcp_receive_recv_512', 'ClientTCP',
     [("                data = self.client_socket.recv(CHUNK)", "                data = self.client_socket.recv(512)")],
     S_SIZE, 'short messages fit in 512 bytes'),
    # ------------------------------------------------------------------ ServerUDP
    ('udp_name_checked_in_keys', 'ServerUDP',
     [("        if name in self.clients.values():\n            self._tell(client_addr",
       "        if name in self.clients:\n            self._tell(client_addr")],
     S_UDP_TAKEN, 'the keys are addresses; only a duplicate name shows it'),
    ('udp_name_case_insensitive', 'ServerUDP',
     [("        if name in self.clients.values():\n            self._tell(client_addr",
       "        if name.lower() in [n.lower() for n in self.clients.values()]:\n            self._tell(client_addr")],
     S_CASE, "'Alice' beside 'alice' is not tried"),
    ('udp_join_substring', 'ServerUDP',
     [("        if said == 'join':", "        if 'join' in said:")],
     S_COMMAND, "no chat line contains 'join' on the obvious path"),
    ('udp_exit_suffix', 'ServerUDP',
     [("        elif said == 'exit':", "        elif said.endswith('exit'):")],
     S_COMMAND, "no chat line ends in 'exit' on the obvious path"),
    ('udp_close_unknown_true', 'ServerUDP',
     [("        if client_addr not in self.clients:\n            return False\n        name = self.clients.pop(client_addr)",
       "        name = self.clients.pop(client_addr, None)")],
     S_CLOSE_FALSE, 'close_client only meets members on the obvious path'),
    ('udp_chat_split_on_every_colon', 'ServerUDP',
     [("        if datagram.startswith(member + ':'):\n            said = datagram[len(member) + 1:]\n"
       "        else:\n            said = datagram.partition(':')[2]",
       "        said = datagram.split(':')[1]")],
     S_RELAY, "a short chat line like 'hello' has no colon"),
    ('udp_stranger_relayed', 'ServerUDP',
     [("        if member is None:\n            # only a 'join' is heard from an address that is not in the room\n"
       "            if datagram.rpartition(':')[2] == 'join' and ':' in datagram:\n"
       "                self.accept_client(addr, datagram)\n            return",
       "        if member is None:\n            member = datagram.partition(':')[0]\n"
       "            if datagram.rpartition(':')[2] == 'join' and ':' in datagram:\n"
       "                self.accept_client(addr, datagram)\n                return")],
     S_ADDRESS, 'only a datagram from an address that never joined shows it'),
    ('udp_claimed_name_relayed', 'ServerUDP',
     [("            self.messages.append((addr, '{}: {}'.format(member, said)))",
       "            self.messages.append((addr, '{}: {}'.format(datagram.partition(':')[0], said)))")],
     S_BOB_NAME, 'every real client claims its own name'),
    ('udp_join_not_in_messages', 'ServerUDP',
     [("        self.messages.append((client_addr, 'User {} joined'.format(name)))\n        self.broadcast()",
       "        for other in list(self.clients):\n            if other != client_addr:\n"
       "                self._tell(other, 'User {} joined'.format(name))")],
     S_JOIN_STORED, 'the others still receive the join; only the messages list lacks it'),
    ('udp_sigint_skips_shutdown', 'ServerUDP',
     [("        except KeyboardInterrupt:\n            pass\n        except OSError:",
       "        except KeyboardInterrupt:\n            return\n        except OSError:")],
     S_UDP_SIGINT, 'the obvious test calls shutdown() itself'),
    ('udp_server_recv_512', 'ServerUDP',
     [("                    data, addr = self.server_socket.recvfrom(CHUNK)",
       "                    data, addr = self.server_socket.recvfrom(512)")],
     S_SIZE, 'short datagrams fit in 512 bytes'),
    ('udp_messages_class_attribute', 'ServerUDP',
     [("class ServerUDP:\n\n    def __init__(self, server_port):",
       "class ServerUDP:\n    messages = []\n\n    def __init__(self, server_port):"),
      ("        self.messages = []     # (sender address, text) to broadcast\n", "")],
     S_INDEPENDENT, 'one server per process hides the shared list'),
    # ------------------------------------------------------------------ ClientUDP
    ('cudp_exit_case_insensitive', 'ClientUDP',
     [("                if typed is None or typed == 'exit':",
       "                if typed is None or typed.lower() == 'exit':")],
     S_CASE, "nobody types 'Exit' as chat"),
    ('cudp_exit_sent_twice', 'ClientUDP',
     [("                if typed is None or typed == 'exit':\n                    break",
       "                if typed == 'exit':\n                    self.send(typed)\n                    break\n"
       "                if typed is None:\n                    break")],
     S_EXIT_ONCE, 'a second exit datagram from a non-member is ignored by servers'),
    ('cudp_ctrl_c_no_exit', 'ClientUDP',
     [("        except KeyboardInterrupt:\n            pass\n        halt_input.set()",
       "        except KeyboardInterrupt:\n            halt_input.set()\n            self.exit_receive.set()\n"
       "            return\n        halt_input.set()")],
     S_UDP_CTRL_C, 'clients leave by typing exit on the obvious path'),
    ('cudp_shutdown_substring', 'ClientUDP',
     [("            if note == 'server-shutdown':", "            if 'server-shutdown' in note:")],
     S_UDP_SHUTDOWN_MSG, "no chat line mentions 'server-shutdown'"),
    ('cudp_exit_receive_not_set', 'ClientUDP',
     [("            if note == 'server-shutdown':\n                self.exit_run.set()\n                self.exit_receive.set()\n",
       "            if note == 'server-shutdown':\n                self.exit_run.set()\n")],
     S_BOTH_EVENTS, 'receive() still leaves its loop'),
    ('cudp_connect_any_reply', 'ClientUDP',
     [("        return greeting.decode('utf-8', 'replace') == 'Welcome'", "        return bool(greeting)")],
     S_UDP_WELCOME, 'with distinct names every reply is Welcome'),
    ('cudp_receive_recv_512', 'ClientUDP',
     [("                packet, _ = self.client_socket.recvfrom(CHUNK)",
       "                packet, _ = self.client_socket.recvfrom(512)")],
     S_SIZE, 'short datagrams fit in 512 bytes'),
]

FAULTS = {name: fault(cls, edits, sentence, name, why) for name, cls, edits, sentence, why in _F}
