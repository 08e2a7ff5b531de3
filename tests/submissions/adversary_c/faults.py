"""Planted faults for adversary_c: each is one small, student-like change to chatroom.py.

Every fault survives a grader that joins two or three clients with plain distinct names, sends one
short message each and shuts a fresh room down; its proof reaches the state where it shows.
"""

S_TCP_UNIQUE = ("If the name is already in the `clients` dictionary, the method sends a "
                "'**Name already taken**' message to the client and returns `False`.")
S_EXACT = "Names, 'join' and 'exit' are compared as whole strings, case included: 'Exit' is chat, and 'al' is free while 'alice' is in the room."
S_COMMANDS = ("'join' and 'exit' are commands only as the whole message (TCP) or the whole text after "
              "the name (UDP): 'I will join later' is chat.")
S_SIZE = ("No weighted check sends a text over 1000 bytes (with the name, what one recv(1024) takes whole, "
          "TCP or UDP); longer ones are the robustness tier's (robust.long_message).")
S_INDEPENDENT = ("two ServerTCP (or ServerUDP) objects in one process, on two ports, share no clients and "
                 "no messages")
S_CLOSE_FALSE = "`close_client` returns False for a socket/address that is not a client."
S_UDP_ADDR = ("whatever name a datagram claims, only the address decides whether it comes from a member, "
              "and which member.")
S_DISPLAY = "Otherwise, the message is displayed to the user."
S_EXIT_ONCE = "After 'exit' (typed, or on Ctrl-C) nothing more goes to the server"
S_RUN_EXIT = ("this loop continues until the `exit_run` event is set or the user types **'exit'** or a "
              "`KeyboardInterrupt` is detected, at which point the client sends **'exit'** message to the "
              "server to notify it of the client's leaving")
S_UDP_RUN_EXIT = ("this loop continues until the `exit_run` event is set or the user types 'exit' or a "
                  "`KeyboardInterrupt` is detected, at which point the client sends 'exit' message to the "
                  "server to notify it of the client's leaving")

FAULTS = {
    # ------------------------------------------------------------------ ServerTCP
    'tcp_name_check_keys': {
        'class': 'ServerTCP',
        'edits': [("                if name in self.clients.values():\n                    client_socket.send(",
                   "                if name in self.clients:\n                    client_socket.send(")],
        'sentence': S_TCP_UNIQUE,
        'proof': 'proofs/tcp_name_check_keys.py',
        'why_missed': 'looks the name up among the keys (sockets): never refuses, and a grader with '
                      'distinct names never sends a taken one',
    },
    'tcp_name_substring': {
        'class': 'ServerTCP',
        'edits': [("                if name in self.clients.values():\n                    client_socket.send(",
                   "                if name in ' '.join(self.clients.values()):\n                    client_socket.send(")],
        'sentence': S_EXACT,
        'proof': 'proofs/tcp_name_substring.py',
        'why_missed': "substring test refuses 'al' while 'alice' is in; real duplicates are still refused "
                      'and plain distinct names are never prefixes of each other',
    },
    'tcp_exit_case': {
        'class': 'ServerTCP',
        'edits': [("            message = data.decode(errors='replace')\n            if message == 'exit':",
                   "            message = data.decode(errors='replace')\n            if message.lower() == 'exit':")],
        'sentence': S_EXACT,
        'proof': 'proofs/tcp_exit_case.py',
        'why_missed': "only a chat text 'Exit'/'EXIT' shows it; 'exit' itself still works",
    },
    'tcp_join_in_chat': {
        'class': 'ServerTCP',
        'edits': [("            if message == 'join':\n                text = 'User {} joined'",
                   "            if 'join' in message:\n                text = 'User {} joined'")],
        'sentence': S_COMMANDS,
        'proof': 'proofs/tcp_join_in_chat.py',
        'why_missed': "the joins themselves still read 'User x joined'; only a chat containing 'join' is "
                      'turned into a join announcement',
    },
    'tcp_close_client_true': {
        'class': 'ServerTCP',
        'edits': [("            if client_socket not in self.clients:\n                return False\n"
                   "            del self.clients[client_socket]",
                   "            self.clients.pop(client_socket, None)")],
        'sentence': S_CLOSE_FALSE,
        'proof': 'proofs/tcp_close_client_true.py',
        'why_missed': 'close_client on a member still works; only a socket that is not (or no longer) a '
                      'client gets True',
    },
    'tcp_exit_keeps_entry': {
        'class': 'ServerTCP',
        'edits': [("            if message == 'exit':\n                self.broadcast(client_socket, 'exit')\n"
                   "                self.close_client(client_socket)",
                   "            if message == 'exit':\n                self.broadcast(client_socket, 'exit')\n"
                   "                client_socket.close()")],
        'sentence': 'This method closes the connection for a given client socket by removing the user from the '
                    '`clients` dictionary and closing the socket.',
        'proof': 'proofs/tcp_exit_keeps_entry.py',
        'why_missed': "'User x left' is still announced and the socket closed; the stale entry only shows in "
                      'the count after a leave and when the name is reused',
    },
    'tcp_sigint_skips_shutdown': {
        'class': 'ServerTCP',
        'edits': [("            print('\\nServer stopped with Ctrl-C')\n        self.shutdown()\n\n\nclass ClientTCP",
                   "            print('\\nServer stopped with Ctrl-C')\n            return\n        self.shutdown()\n\n\nclass ClientTCP")],
        'sentence': 'The server will keep running in this way until it receives a **KeyboardInterrupt** or the '
                    '**run_event** is set, at which point the **shutdown** method is invoked to stop the server.',
        'proof': 'proofs/tcp_sigint_skips_shutdown.py',
        'why_missed': 'stopping by run_event or shutdown() is correct; only Ctrl-C (after a leave) leaves the '
                      "room without 'server-shutdown'",
    },
    'tcp_shared_clients': {
        'class': 'ServerTCP',
        'edits': [("class ServerTCP:\n", "class ServerTCP:\n    clients = {}\n"),
                  ("        self.clients = {}                     # client socket -> name\n", "")],
        'sentence': S_INDEPENDENT,
        'proof': 'proofs/tcp_shared_clients.py',
        'why_missed': 'one server per process behaves exactly like the correct one',
    },
    'tcp_recv_512': {
        'class': 'ServerTCP',
        'edits': [("                data = client_socket.recv(1024)\n            except OSError:\n                data = b''",
                   "                data = client_socket.recv(512)\n            except OSError:\n                data = b''")],
        'sentence': S_SIZE,
        'proof': 'proofs/tcp_recv_512.py',
        'why_missed': 'short messages fit; a 900-byte text is relayed as two chat messages',
    },
    # ------------------------------------------------------------------ ServerUDP
    'udp_name_check_keys': {
        'class': 'ServerUDP',
        'edits': [("        if name in self.clients.values():\n            self.server_socket.sendto(",
                   "        if name in self.clients:\n            self.server_socket.sendto(")],
        'sentence': "If the name is already in use, the method sends a **'Name already taken'** message to the "
                    'client and returns `False`.',
        'proof': 'proofs/udp_name_check_keys.py',
        'why_missed': 'checks the keys (addresses): a taken name is never refused; distinct names never meet it',
    },
    'udp_name_case': {
        'class': 'ServerUDP',
        'edits': [("        if name in self.clients.values():\n            self.server_socket.sendto(",
                   "        if name.lower() in [n.lower() for n in self.clients.values()]:\n"
                   "            self.server_socket.sendto(")],
        'sentence': S_EXACT,
        'proof': 'proofs/udp_name_case.py',
        'why_missed': "'Alice' is refused while 'alice' is in; plain distinct names differ in more than case",
    },
    'udp_split_colon': {
        'class': 'ServerUDP',
        'edits': [("                    text = message[len(sender) + 1:]",
                   "                    text = message.split(':')[1]")],
        'sentence': "UDP chat relay: '{name}: {text}' (the TCP format) or the datagram as received, '{name}:{text}'.",
        'proof': 'proofs/udp_split_colon.py',
        'why_missed': "a text with its own ':' ('meet at 10:30') loses everything after it",
    },
    'udp_stranger_relay': {
        'class': 'ServerUDP',
        'edits': [("                elif sender is not None:\n                    self.messages.append((addr, '{}: {}'.format(sender, text)))",
                   "                else:\n                    self.messages.append((addr, '{}: {}'.format(sender or message.split(':')[0], text)))")],
        'sentence': S_UDP_ADDR,
        'proof': 'proofs/udp_stranger_relay.py',
        'why_missed': 'members relay correctly; only a datagram from an address that never joined (or was '
                      'refused) claiming a name is relayed',
    },
    'udp_exit_keeps_entry': {
        'class': 'ServerUDP',
        'edits': [("        name = self.clients.pop(client_addr)", "        name = self.clients[client_addr]")],
        'sentence': "This method removes a client from the chatroom by deleting their entry from the `clients` "
                    "dictionary and appending a tuple containing the client's address `client_addr` and "
                    "**'User {x} left'**, where `x` is the client's name, to the `messages` list.",
        'proof': 'proofs/udp_exit_keeps_entry.py',
        'why_missed': "'User x left' is still broadcast; the entry stays, seen only in the count after a leave "
                      'or when the name comes back',
    },
    'udp_close_client_true': {
        'class': 'ServerUDP',
        'edits': [("        if client_addr not in self.clients:\n            return False\n"
                   "        name = self.clients.pop(client_addr)",
                   "        name = self.clients.pop(client_addr, None)")],
        'sentence': S_CLOSE_FALSE,
        'proof': 'proofs/udp_close_client_true.py',
        'why_missed': "members leave correctly; an address that never joined gets True and 'User None left' "
                      'is broadcast',
    },
    'udp_shared_messages': {
        'class': 'ServerUDP',
        'edits': [("class ServerUDP:\n", "class ServerUDP:\n    messages = []\n"),
                  ("        self.messages = []                    # (sender address, text)\n", "")],
        'sentence': S_INDEPENDENT,
        'proof': 'proofs/udp_shared_messages.py',
        'why_missed': 'one server per process relays exactly like the correct one',
    },
    'udp_recv_512': {
        'class': 'ServerUDP',
        'edits': [("                    data, addr = self.server_socket.recvfrom(1024)",
                   "                    data, addr = self.server_socket.recvfrom(512)")],
        'sentence': S_SIZE,
        'proof': 'proofs/udp_recv_512.py',
        'why_missed': 'short datagrams fit; a 900-byte text is cut at 512 bytes',
    },
    'udp_join_in_chat': {
        'class': 'ServerUDP',
        'edits': [("                if text == 'join':\n                    self.accept_client(addr, message)",
                   "                if 'join' in text:\n                    self.accept_client(addr, message)")],
        'sentence': S_COMMANDS,
        'proof': 'proofs/udp_join_in_chat.py',
        'why_missed': "joins still work; a member's chat containing 'join' is answered 'Name already taken' "
                      'and never relayed',
    },
    # ------------------------------------------------------------------ ClientTCP
    'ctcp_or_welcome': {
        'class': 'ClientTCP',
        'edits': [("        if 'Welcome' in reply:\n", "        if 'Welcome' or 'welcome' in reply:\n")],
        'sentence': 'The method returns `True` if the connection is successful; otherwise, it returns `False`.',
        'proof': 'proofs/ctcp_or_welcome.py',
        'why_missed': "the classic `'a' or 'b' in x` is always true; only a refused name shows it",
    },
    'ctcp_exit_case': {
        'class': 'ClientTCP',
        'edits': [("                if text is None or text == 'exit':",
                   "                if text is None or text.lower() == 'exit':")],
        'sentence': S_EXACT,
        'proof': 'proofs/ctcp_exit_case.py',
        'why_missed': "typing 'exit' works; typing 'Exit' leaves instead of chatting",
    },
    'ctcp_exit_twice': {
        'class': 'ClientTCP',
        'edits': [("                if text is None or text == 'exit':\n                    break\n",
                   "                if text == 'exit':\n                    self.send(text)\n"
                   "                if text is None or text == 'exit':\n                    break\n")],
        'sentence': S_EXIT_ONCE,
        'proof': 'proofs/ctcp_exit_twice.py',
        'why_missed': "the server's reader usually takes the first 'exit' alone; leaving is not in the short "
                      'scenario at all',
    },
    'ctcp_ctrl_c_silent': {
        'class': 'ClientTCP',
        'edits': [("        except KeyboardInterrupt:\n            pass\n        try:\n            self.send('exit')",
                   "        except KeyboardInterrupt:\n            return\n        try:\n            self.send('exit')")],
        'sentence': S_RUN_EXIT,
        'proof': 'proofs/ctcp_ctrl_c_silent.py',
        'why_missed': "typed 'exit' and server shutdown are fine; only Ctrl-C ends without telling the server",
    },
    'ctcp_shutdown_substring': {
        'class': 'ClientTCP',
        'edits': [("            if message == 'server-shutdown':", "            if 'server-shutdown' in message:")],
        'sentence': "If the message is **'server-shutdown'**, which indicates that the server is shutting down, "
                    "the method sets the `exit_run` and `exit_receive` events to stop the client's operation and "
                    'exits the loop.',
        'proof': 'proofs/ctcp_shutdown_substring.py',
        'why_missed': "the real 'server-shutdown' still stops it; a chat mentioning server-shutdown stops it too",
    },
    'ctcp_own_name_filter': {
        'class': 'ClientTCP',
        'edits': [("            print(message, flush=True)",
                   "            if not message.startswith(self.client_name):\n                print(message, flush=True)")],
        'sentence': S_DISPLAY,
        'proof': 'proofs/ctcp_own_name_filter.py',
        'why_missed': "an 'echo filter' that also hides others' messages when the client's name is their prefix "
                      "('al' hides 'alice: ...')",
    },
    # ------------------------------------------------------------------ ClientUDP
    'cudp_any_reply_welcome': {
        'class': 'ClientUDP',
        'edits': [("        return reply.startswith('Welcome')", "        return len(reply) > 0")],
        'sentence': "If the response is 'Welcome', the connection is considered successful, and the method "
                    'returns `True`. Otherwise, it returns `False`.',
        'proof': 'proofs/cudp_any_reply_welcome.py',
        'why_missed': "any reply counts as joined; only 'Name already taken' shows it",
    },
    'cudp_exit_in_text': {
        'class': 'ClientUDP',
        'edits': [("                if line == 'exit' or line is None:",
                   "                if line is None or 'exit' in line:")],
        'sentence': S_COMMANDS,
        'proof': 'proofs/cudp_exit_in_text.py',
        'why_missed': "typing 'exit' works; a line that only mentions exit ends the client",
    },
    'cudp_exit_twice_ctrl_c': {
        'class': 'ClientUDP',
        'edits': [("        except KeyboardInterrupt:\n            sys.stdout.write('\\n')",
                   "        except KeyboardInterrupt:\n            self.send('exit')")],
        'sentence': S_EXIT_ONCE,
        'proof': 'proofs/cudp_exit_twice_ctrl_c.py',
        'why_missed': "typed 'exit' sends one; Ctrl-C sends two 'name:exit' datagrams",
    },
    'cudp_bare_exit': {
        'class': 'ClientUDP',
        'edits': [("        try:\n            self.send('exit')\n        except OSError:\n            pass\n"
                   "        self.exit_receive.set()\n        try:\n            self.client_socket.shutdown",
                   "        try:\n            self.client_socket.sendto(b'exit', (self.server_addr, self.server_port))\n"
                   "        except OSError:\n            pass\n"
                   "        self.exit_receive.set()\n        try:\n            self.client_socket.shutdown")],
        'sentence': "The UDP client sends '{client_name}:{text}': 'alice:join', 'alice:hello', 'alice:exit'.",
        'proof': 'proofs/cudp_bare_exit.py',
        'why_missed': "join and chat carry the name; only the leave is a bare 'exit', and nobody leaves in the "
                      'short scenario',
    },
    'cudp_recv_256': {
        'class': 'ClientUDP',
        'edits': [("                data, addr = self.client_socket.recvfrom(1024)",
                   "                data, addr = self.client_socket.recvfrom(256)")],
        'sentence': S_SIZE,
        'proof': 'proofs/cudp_recv_256.py',
        'why_missed': 'short messages fit; a long one is shown cut at 256 bytes',
    },
    'cudp_repeat_filter': {
        'class': 'ClientUDP',
        'edits': [("            sys.stdout.write(text + '\\n')\n            sys.stdout.flush()",
                   "            if text != getattr(self, 'last_text', None):\n"
                   "                sys.stdout.write(text + '\\n')\n                sys.stdout.flush()\n"
                   "            self.last_text = text")],
        'sentence': S_DISPLAY,
        'proof': 'proofs/cudp_repeat_filter.py',
        'why_missed': "a 'duplicate datagram' filter also hides a message that is really sent twice in a row",
    },
    'cudp_shutdown_one_event': {
        'class': 'ClientUDP',
        'edits': [("            if text == 'server-shutdown':\n                self.exit_run.set()\n"
                   "                self.exit_receive.set()\n                break",
                   "            if text == 'server-shutdown':\n                self.exit_run.set()\n"
                   "                break")],
        'sentence': "If the message is 'server-shutdown', which indicates that the server is shutting down, the "
                    "method sets the `exit_run` and `exit_receive` events to stop the client's operation and "
                    'exits the loop.',
        'proof': 'proofs/cudp_shutdown_one_event.py',
        'why_missed': 'the loop still ends and run() still returns (exit_run); only exit_receive stays clear',
    },
}
