"""Planted faults of adversary_e: each a small, student-like edit of chatroom.py that a grader testing the
obvious path (two or three plainly named clients, one short message each, a fresh room, shutdown of a room
nobody left, a quick program) would miss, but that a quoted sentence of the assignment or of
judgement-calls.md forbids. proofs/<name>.py exits 0 on the correct chatroom.py, 1 on the faulty copy."""

FAULTS = {
    # ------------------------------------------------------------------------------------------- ClientTCP
    'ctcp_ctrl_c_no_exit': {
        'class': 'ClientTCP',
        'edits': [("""        except KeyboardInterrupt:
            pass
        try:
            self.send('exit')""",
                   """        except KeyboardInterrupt:
            self.client_socket.close()  # Ctrl-C: just hang up
            return
        try:
            self.send('exit')""")],
        'sentence': "this loop continues until the `exit_run` event is set or the user types **'exit'** or a "
                    "`KeyboardInterrupt` is detected, at which point the client sends **'exit'** message to the "
                    "server to notify it of the client's leaving",
        'proof': 'proofs/ctcp_ctrl_c_no_exit.py',
        'why_missed': "the obvious test leaves by typing 'exit'; Ctrl-C in the input loop is never pressed",
    },
    'ctcp_exit_sent_twice': {
        'class': 'ClientTCP',
        'edits': [("""                if line is None or line == 'exit':
                    break""",
                   """                if line is None or line == 'exit':
                    self.send('exit')  # tell the server we are going
                    break""")],
        'sentence': "**A client sends 'exit' once.** After 'exit' (typed, or on Ctrl-C) nothing more goes to the "
                    "server: two 'exit' arrive as 'exitexit' in one recv() of a server whose reader is a moment "
                    "late.",
        'proof': 'proofs/ctcp_exit_sent_twice.py',
        'why_missed': "a real server reads the first 'exit' and closes; the second one is never looked at",
    },
    'ctcp_exit_case_folded': {
        'class': 'ClientTCP',
        'edits': [("if line is None or line == 'exit':",
                   "if line is None or line.strip().lower() == 'exit':")],
        'sentence': "Names, 'join' and 'exit' are compared as whole strings, case included: 'Exit' is chat",
        'proof': 'proofs/ctcp_exit_case_folded.py',
        'why_missed': "nobody types 'Exit' in the obvious test; 'exit' still works",
    },
    'ctcp_shutdown_substring': {
        'class': 'ClientTCP',
        'edits': [("if incoming == 'server-shutdown':",
                   "if 'server-shutdown' in incoming:")],
        'sentence': "If the message is **'server-shutdown'**, which indicates that the server is shutting down, "
                    "the method sets the `exit_run` and `exit_receive` events to stop the client's operation and "
                    "exits the loop. Otherwise, the message is displayed to the user.",
        'proof': 'proofs/ctcp_shutdown_substring.py',
        'why_missed': "real shutdowns still stop it; only a chat line that mentions 'server-shutdown' is lost",
    },
    'ctcp_pause_drains_socket': {
        'class': 'ClientTCP',
        'edits': [("""        print(answer)
        time.sleep(0.3)
        return 'Welcome' in answer""",
                   """        print(answer)
        time.sleep(0.3)
        self.client_socket.setblocking(False)
        try:
            self.client_socket.recv(4096)  # throw away whatever is left of the greeting
        except BlockingIOError:
            pass
        self.client_socket.setblocking(True)
        return 'Welcome' in answer""")],
        'sentence': "Otherwise, the message is displayed to the user.",
        'proof': 'proofs/ctcp_pause_drains_socket.py',
        'why_missed': "in the obvious test nothing is said in the 0.3 s after a join; a chat line that arrives "
                      "during the pause is read and dropped",
    },
    'ctcp_refused_connect_raises': {
        'class': 'ClientTCP',
        'edits': [("""        try:
            self.client_socket.connect((self.server_addr, self.server_port))
            self.client_socket.send(self.client_name.encode('utf-8'))
            self.client_socket.settimeout(3)""",
                   """        self.client_socket.connect((self.server_addr, self.server_port))
        self.client_socket.send(self.client_name.encode('utf-8'))
        try:
            self.client_socket.settimeout(3)""")],
        'sentence': "a ClientTCP whose connect() is refused returns False (client_tcp.connect_no_server, 1 point); "
                    "letting ConnectionRefusedError out of connect_server() fails it.",
        'proof': 'proofs/ctcp_refused_connect_raises.py',
        'why_missed': "the obvious test always starts the server first",
    },
    'ctcp_ignores_refusal': {
        'class': 'ClientTCP',
        'edits': [("""        if not self.connect_server():
            self.client_socket.close()
            return
        listener""",
                   """        self.connect_server()
        listener""")],
        'sentence': "If successful, connection is established, and the method start to handle receiving messages "
                    "from the server using the `receive()` method simultaneously with handling user input in the "
                    "main loop.",
        'proof': 'proofs/ctcp_ignores_refusal.py',
        'why_missed': "the refused client is judged by the server's count and its 'Name already taken' output; "
                      "that its run() stays in the loop and sends what is typed is not looked at",
    },
    'ctcp_blocking_keyboard_wait': {
        'class': 'ClientTCP',
        'edits': [("line = self.lines.get(timeout=0.5)",
                   "line = self.lines.get()")],
        'sentence': "an input loop that looks at exit_run less often than every 2 s costs run_returns_on_shutdown",
        'proof': 'proofs/ctcp_blocking_keyboard_wait.py',
        'why_missed': "it behaves like the usual input() client: after 'server-shutdown' it ends at the next "
                      "line, which the obvious test always sends (or it closes stdin)",
    },
    # ------------------------------------------------------------------------------------------- ClientUDP
    'cudp_exit_receive_left_clear': {
        'class': 'ClientUDP',
        'edits': [("""        self.send('exit')
        self.exit_receive.set()
""",
                   """        self.send('exit')
""")],
        'sentence': "at which point the client sends 'exit' message to the server to notify it of the client's "
                    "leaving, sets the `exit_receive` event to stop the client's receiving operation and exits "
                    "the loop.",
        'proof': 'proofs/cudp_exit_receive_left_clear.py',
        'why_missed': "the process ends anyway (the receiver is a daemon thread), so a process-level test sees "
                      "a clean leave",
    },
    'cudp_hides_own_prefix': {
        'class': 'ClientUDP',
        'edits': [("""            print(news, flush=True)""",
                   """            if not news.startswith(self.client_name):  # my own echo
                print(news, flush=True)""")],
        'sentence': "Otherwise, the message is displayed to the user.",
        'proof': 'proofs/cudp_hides_own_prefix.py',
        'why_missed': "plain distinct names (alice, bob) never share a prefix; 'alice2: hi' is hidden from alice",
    },
    'cudp_shutdown_endswith': {
        'class': 'ClientUDP',
        'edits': [("if news == 'server-shutdown':",
                   "if news.endswith('server-shutdown'):")],
        'sentence': "If the message is 'server-shutdown', which indicates that the server is shutting down, the "
                    "method sets the `exit_run` and `exit_receive` events to stop the client's operation and "
                    "exits the loop. Otherwise, the message is displayed to the user.",
        'proof': 'proofs/cudp_shutdown_endswith.py',
        'why_missed': "real shutdowns still stop it; a member typing 'server-shutdown' as chat stops everyone else",
    },
    'cudp_recvfrom_512': {
        'class': 'ClientUDP',
        'edits': [("""                packet, _ = self.client_socket.recvfrom(4096)
            except OSError:""",
                   """                packet, _ = self.client_socket.recvfrom(512)
            except OSError:""")],
        'sentence': "Up to that size a message is one message: a server or client whose receive is smaller "
                    "(recv(512)) and splits or cuts it fails.",
        'proof': 'proofs/cudp_recvfrom_512.py',
        'why_missed': "one short message each: nothing near 512 bytes is ever relayed",
    },
    'cudp_any_reply_is_welcome': {
        'class': 'ClientUDP',
        'edits': [("return reply == 'Welcome'",
                   "return reply != 'Name already taken'")],
        'sentence': "If the response is 'Welcome', the connection is considered successful, and the method returns "
                    "`True`. Otherwise, it returns `False`.",
        'proof': 'proofs/cudp_any_reply_is_welcome.py',
        'why_missed': "the real server only ever answers 'Welcome' or 'Name already taken'",
    },
    'cudp_ctrl_c_bare_exit': {
        'class': 'ClientUDP',
        'edits': [("""        except KeyboardInterrupt:
            pass
        self.send('exit')""",
                   """        except KeyboardInterrupt:
            # Ctrl-C: say goodbye straight away
            self.client_socket.sendto(b'exit', (self.server_addr, self.server_port))
            self.exit_receive.set()
            return
        self.send('exit')""")],
        'sentence': "The UDP client sends '{client_name}:{text}': 'alice:join', 'alice:hello', 'alice:exit'. "
                    "'alice: join' (extra space), 'join:alice' (reversed) and a bare 'join' are failures.",
        'proof': 'proofs/cudp_ctrl_c_bare_exit.py',
        'why_missed': "typed 'exit' goes through send() and is right; only the Ctrl-C path sends a bare 'exit'",
    },
    # ------------------------------------------------------------------------------------------- ServerTCP
    'stcp_name_substring': {
        'class': 'ServerTCP',
        'edits': [("taken = name in self.clients.values()",
                   "taken = name in str(list(self.clients.values()))")],
        'sentence': "Names, 'join' and 'exit' are compared as whole strings, case included: 'Exit' is chat, and "
                    "'al' is free while 'alice' is in the room.",
        'proof': 'proofs/stcp_name_substring.py',
        'why_missed': "alice, bob and carol share no substrings; the taken-name test reuses a whole name",
    },
    'stcp_idle_timeout_drops': {
        'class': 'ServerTCP',
        'edits': [("continue  # five quiet seconds: look at handle_event again",
                   "break  # five quiet seconds: the client must be gone")],
        'sentence': "This method continuously listens for messages the given client socket **client_socket** "
                    "until the `handle_event` is set.",
        'proof': 'proofs/stcp_idle_timeout_drops.py',
        'why_missed': "a quick program: every client speaks within 5 s of joining",
    },
    'stcp_recv_512_splits': {
        'class': 'ServerTCP',
        'edits': [("data = client_socket.recv(4096)",
                   "data = client_socket.recv(512)")],
        'sentence': "Up to that size a message is one message: a server or client whose receive is smaller "
                    "(recv(512)) and splits or cuts it fails.",
        'proof': 'proofs/stcp_recv_512_splits.py',
        'why_missed': "short messages only; a 900-byte line is relayed as two messages",
    },
    'stcp_exit_substring': {
        'class': 'ServerTCP',
        'edits': [("if said == 'exit':",
                   "if 'exit' in said:")],
        'sentence': "'join' and 'exit' are commands only as the whole message (TCP) or the whole text after the "
                    "name (UDP): 'I will join later' is chat.",
        'proof': 'proofs/stcp_exit_substring.py',
        'why_missed': "no chat line of the obvious test contains the word 'exit'",
    },
    'stcp_shared_clients': {
        'class': 'ServerTCP',
        'edits': [("class ServerTCP:\n",
                   "class ServerTCP:\n    clients = {}  # socket -> name\n"),
                  ("        self.clients = {}  # member socket -> member name\n", "")],
        'sentence': "`__init__` creates each object's own state: two ServerTCP (or ServerUDP) objects in one "
                    "process, on two ports, share no clients and no messages",
        'proof': 'proofs/stcp_shared_clients.py',
        'why_missed': "one server per program: the class-level dict behaves like an instance one",
    },
    'stcp_shutdown_keeps_handle_event_clear': {
        'class': 'ServerTCP',
        'edits': [("""        self.run_event.set()
        self.handle_event.set()
""",
                   """        self.run_event.set()
""")],
        'sentence': "It then proceeds to close all client sockets, sets the **run_event** and **handle_event** to "
                    "stop the server's operation, and finally closes the server socket.",
        'proof': 'proofs/stcp_shutdown_keeps_handle_event_clear.py',
        'why_missed': "the handler threads still end (their sockets are closed), so the clients see a clean "
                      "shutdown",
    },
    'stcp_slow_accept_poll': {
        'class': 'ServerTCP',
        'edits': [("select.select([self.server_socket], [], [], 1.5)",
                   "select.select([self.server_socket], [], [], 4)")],
        'sentence': "an accept loop that looks at run_event less often than every 2 s earns half of "
                    "tcp.shutdown_run_event",
        'proof': 'proofs/stcp_slow_accept_poll.py',
        'why_missed': "the shutdown still happens and is still delivered, only up to 4 s late; a test that "
                      "waits for it passes",
    },
    'stcp_exit_keeps_entry': {
        'class': 'ServerTCP',
        'edits': [("""            if said == 'exit':
                self.broadcast(client_socket, 'exit')
                self.close_client(client_socket)""",
                   """            if said == 'exit':
                self.broadcast(client_socket, 'exit')
                client_socket.close()""")],
        'sentence': "This method returns the number of currently connected clients by simply returning the length "
                    "of the **clients** dictionary.",
        'proof': 'proofs/stcp_exit_keeps_entry.py',
        'why_missed': "'User x left' is still broadcast; the count is only looked at in a room nobody left",
    },
    'stcp_exit_sets_handle_event': {
        'class': 'ServerTCP',
        'edits': [("""            if said == 'exit':
                self.broadcast(client_socket, 'exit')""",
                   """            if said == 'exit':
                self.handle_event.set()  # this client is done
                self.broadcast(client_socket, 'exit')""")],
        'sentence': "This method continuously listens for messages the given client socket **client_socket** "
                    "until the `handle_event` is set. The received message is decoded and broadcasted to all "
                    "other clients using the **broadcast()** method.",
        'proof': 'proofs/stcp_exit_sets_handle_event.py',
        'why_missed': "in a room nobody leaves, handle_event is only set by shutdown",
    },
    # ------------------------------------------------------------------------------------------- ServerUDP
    'sudp_name_casefold': {
        'class': 'ServerUDP',
        'edits': [("if name in self.clients.values():",
                   "if name.lower() in [n.lower() for n in self.clients.values()]:")],
        'sentence': "**Comparisons are exact.** Names, 'join' and 'exit' are compared as whole strings, case "
                    "included",
        'proof': 'proofs/sudp_name_casefold.py',
        'why_missed': "plain lower-case names; the taken-name test repeats the exact name",
    },
    'sudp_colon_in_text': {
        'class': 'ServerUDP',
        'edits': [("name, _, text = message.partition(':')",
                   "name, text = message.split(':')")],
        'sentence': "The message's format that is sent to the server is '`{client_name}:{text}`', where "
                    "`client_name` is the client's name and `text` is the content to be sent.",
        'proof': 'proofs/sudp_colon_in_text.py',
        'why_missed': "no test line contains a colon; 'see you at 10:30' makes the server shut the room down",
    },
    'sudp_identity_by_name': {
        'class': 'ServerUDP',
        'edits': [("""                elif sender in self.clients:
                    self.messages.append((sender, '{}: {}'.format(self.clients[sender], text)))""",
                   """                elif name in self.clients.values():
                    self.messages.append((sender, '{}: {}'.format(name, text)))""")],
        'sentence': "**A UDP client is its address.** `clients` maps addresses to names: whatever name a datagram "
                    "claims, only the address decides whether it comes from a member, and which member.",
        'proof': 'proofs/sudp_identity_by_name.py',
        'why_missed': "honest clients always claim their own name, so name and address agree",
    },
    'sudp_close_stranger_true': {
        'class': 'ServerUDP',
        'edits': [("""        if client_addr not in self.clients:
            return False
        name = self.clients.pop(client_addr)""",
                   """        name = self.clients.pop(client_addr, 'someone')""")],
        'sentence': "`close_client` returns False for a socket/address that is not a client.",
        'proof': 'proofs/sudp_close_stranger_true.py',
        'why_missed': "only members ever send 'exit' in the obvious test",
    },
    'sudp_shared_messages': {
        'class': 'ServerUDP',
        'edits': [("class ServerUDP:\n",
                   "class ServerUDP:\n    messages = []  # what is waiting to go out\n"),
                  ("        self.messages = []  # (sender address, text) waiting to go out\n", "")],
        'sentence': "`__init__` creates each object's own state: two ServerTCP (or ServerUDP) objects in one "
                    "process, on two ports, share no clients and no messages",
        'proof': 'proofs/sudp_shared_messages.py',
        'why_missed': "one server per program: the class-level list behaves like an instance one",
    },
    'sudp_utf8_name_offset': {
        'class': 'ServerUDP',
        'edits': [("""                name, _, text = message.partition(':')
                if text == 'join':""",
                   """                name = data.split(b':')[0].decode('utf-8', 'replace')
                text = data[len(name) + 1:].decode('utf-8', 'replace')
                if text == 'join':""")],
        'sentence': "If a client sends a message 'join', the **accept_client()** method is called to add the "
                    "client to the chatroom.",
        'proof': 'proofs/sudp_utf8_name_offset.py',
        'why_missed': "ASCII names only: characters and bytes agree, so the slice is right; 'zoë' never joins",
    },
    'sudp_idle_timeout_shutdown': {
        'class': 'ServerUDP',
        'edits': [("""                try:
                    data, sender = self.server_socket.recvfrom(4096)
                except socket.timeout:
                    continue  # a quiet two seconds; listen again""",
                   """                data, sender = self.server_socket.recvfrom(4096)""")],
        'sentence': "This method starts the UDP chatroom server and continuously listen for incoming messages.",
        'proof': 'proofs/sudp_idle_timeout_shutdown.py',
        'why_missed': "a quick program: the room is never quiet for 2 s before the test ends",
    },
}
