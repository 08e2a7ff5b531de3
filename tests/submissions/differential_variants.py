"""Broken variants of the reference chatroom.py that the fixed checks miss and only a sequence of actions
reveals: the targets of the differential checks (harness/checks/test_differential.py).

VARIANTS maps a name to a Variant: `edits`, a list of (old, new) snippets applied to the reference in order,
each of which must occur exactly once (a change to the reference breaks this table loudly instead of
silently testing the reference); the protocol whose differential check must fail; `max_steps`, the most
steps the shrunk replay may have (the steps the bug needs, plus one of slack where hypothesis's shrinker can
stop one step short of the minimum); `budget`, scenarios per protocol that find it with the default seed and
the others the tests use; the story: the plausible student bug, and why the fixed checks miss it; and
`signature`, a regex the report must match. Every variant earns full marks from the fixed checks (every
check that carries marks passes); a zero-weight robustness check that trips over it is named in
`robustness_may_fail` (documentation: zero-weight checks are not asserted, some are load-sensitive).
"""

from dataclasses import dataclass
from pathlib import Path
from typing import List, Tuple

REFERENCE = Path(__file__).resolve().parent.parent.parent / 'chatroom.py'
BUDGET = 25


@dataclass(frozen=True)
class Variant:
    edits: List[Tuple[str, str]]
    protocol: str
    max_steps: int
    budget: int
    bug: str
    missed_because: str
    signature: str                        # a regex the report's replay must match
    robustness_may_fail: Tuple[str, ...] = ()   # zero-weight checks that stumble on the bug (see the note)


# -- snippets of the reference ---------------------------------------------------------------------------

TCP_CLIENTS = "self.clients = {}                 # client socket -> name\n"
UDP_CLIENTS = "self.clients = {}                 # client address -> name\n"
TCP_TAKEN = "            taken = name in self.clients.values()\n            if not taken:\n                # Registered"
UDP_TAKEN = ("            taken = name in self.clients.values()\n            if not taken:\n"
             "                self.clients[client_addr] = name\n")
TCP_REFUSE = ("            discard_unread(client_socket)\n            close_quietly(client_socket)\n"
              "            return False\n        self._accepted = client_socket\n")
TCP_RUN_ACCEPT = "                if self.accept_client():\n"
TCP_HANDLE_START = "    def handle_client(self, client_socket):\n        while not self.handle_event.is_set():\n"
TCP_HANDLE_EXIT = "            if message == EXIT:\n                break\n            self.broadcast(client_socket, message)\n"
TCP_HANDLE_END = "        # a client dropped concurrently (see _drop) is announced once, never as 'User  left'.\n" \
                 "        self._drop(client_socket)\n"
UDP_RECORD = ("    def _record(self, addr, text):\n        self.messages.append((addr, text))\n"
              "        if len(self.messages) > 2 * UDP_MESSAGES_KEPT:\n            del self.messages[:-UDP_MESSAGES_KEPT]\n")

VARIANTS = {
    # A list of names beside the dict, for a quick 'taken' test; the append sits before the check instead of
    # in the 'not taken' branch, so a refused join adds a second copy and the holder's leave removes one.
    'tcp_refused_name_sticks': Variant(
        edits=[(TCP_CLIENTS, TCP_CLIENTS + "        self._names = []\n"),
               (TCP_TAKEN, TCP_TAKEN.replace("taken = name in self.clients.values()\n",
                                             "taken = name in self._names\n            self._names.append(name)\n")),
               ("            del self.clients[client_socket]\n",
                "            self._names.remove(self.clients.pop(client_socket))\n")],
        protocol='tcp', max_steps=5, budget=BUDGET,
        bug="a name stays taken after its holder left, but only if a join with that name was refused before",
        missed_because="tcp.name_taken refuses a name but nobody leaves; tcp.name_reusable reuses a name that "
                       "was never refused; tcp.count refuses 'bob', bob leaves, but nobody joins as bob again",
        signature=r"\d\. \w+ joins \u2192 expected 'Welcome', got 'Name already taken'"),

    # 'exit' is announced and the client removed, but the loop goes on (no break) and the socket stays open;
    # when the client then closes its socket, the empty recv() is announced as a leave once more.
    'tcp_leave_announced_twice': Variant(
        edits=[(TCP_HANDLE_START, TCP_HANDLE_START.replace(
                    "\n        while", "\n        name = self.clients.get(client_socket)\n        while")),
               (TCP_HANDLE_EXIT, "            if message == EXIT:\n"
                                 "                with self._lock:\n"
                                 "                    self.clients.pop(client_socket, None)\n"
                                 "                self._send_to_all('User {} left'.format(name).encode(), "
                                 "exclude=client_socket)\n"
                                 "                continue\n"
                                 "            self.broadcast(client_socket, message)\n"),
               (TCP_HANDLE_END, "        with self._lock:\n"
                                "            self.clients.pop(client_socket, None)\n"
                                "            self._outboxes.pop(client_socket, None)\n"
                                "        close_quietly(client_socket)\n"
                                "        self._send_to_all('User {} left'.format(name).encode(), "
                                "exclude=client_socket)\n")],
        protocol='tcp', max_steps=4, budget=BUDGET,
        bug="'User x left' is broadcast twice: on 'exit', and again when the client then closes its socket",
        missed_because="tcp.exit sees the first 'User bob left' and never looks again; the leaver's socket "
                       "closes only at the check's teardown",
        signature=r"(expected nothing more, got|expected '[^']*', got) 'User \w+ left'",
        # its churn of join/exit/close cycles reads the duplicate 'User churn left' as the next cycle's and
        # then joins too early: 'Name already taken' (a confused report, but weight 0)
        robustness_may_fail=('robust.churn',)),

    # Every accepted connection gets a handler thread, refused ones too (the server leaves them open); when a
    # connection ends, the handler removes 'the client with that name': for a refused one, the holder.
    'tcp_refused_hangup_evicts_holder': Variant(
        edits=[(TCP_CLIENTS, TCP_CLIENTS + "        self._conn_names = {}\n"),
               ("        outbox = _Outbox(client_socket)\n        with self._lock:\n",
                "        outbox = _Outbox(client_socket)\n        self._conn_names[client_socket] = name\n"
                "        with self._lock:\n"),
               (TCP_REFUSE, "            self._accepted = client_socket\n            return False\n"
                            "        self._accepted = client_socket\n"),
               (TCP_RUN_ACCEPT, "                self._accepted = None\n                self.accept_client()\n"
                                "                if self._accepted is not None:\n"),
               (TCP_HANDLE_END, "        name = self._conn_names.pop(client_socket, None)\n"
                                "        for sock, held in list(self.clients.items()):\n"
                                "            if held == name:\n"
                                "                self._drop(sock)\n"
                                "        close_quietly(client_socket)\n")],
        protocol='tcp', max_steps=3, budget=BUDGET,
        bug="when a client refused for a taken name hangs up, the server removes (and disconnects) the client "
            "that holds the name: the count drops and the holder is thrown out",
        missed_because="tcp.name_taken and tcp.count keep the refused connection open until the check ends, "
                       "so the count and the holder are checked before the hang-up",
        signature=r"tries to join as '\w+' \u2192 .*(get_clients_number\(\)|closed it|left)"),

    # A name -> address map beside clients, used to address broadcasts; it is updated before the 'taken'
    # check, so a refused join points the holder's name at the refused address.
    'udp_refused_join_steals_address': Variant(
        edits=[(UDP_CLIENTS, UDP_CLIENTS + "        self._addr_of = {}\n"),
               (UDP_TAKEN, UDP_TAKEN.replace("            if not taken:\n",
                                             "            self._addr_of[name] = client_addr\n            if not taken:\n")),
               ("            name = self.clients.pop(client_addr, None)\n",
                "            name = self.clients.pop(client_addr, None)\n            self._addr_of.pop(name, None)\n"),
               ("            targets = [addr for addr in self.clients if addr != sender]\n",
                "            targets = [addr for addr in self._addr_of.values() if addr != sender]\n")],
        protocol='udp', max_steps=4, budget=BUDGET,
        bug="after another address tried a client's name and was refused, the server sends that client's "
            "broadcasts to the refused address: the client is forgotten, the stranger hears the room",
        missed_because="udp.name_taken checks the reply and the count after the refused join, but sends no "
                       "broadcast afterwards",
        signature=r"the client refused as '\w+' expected nothing more|expected '[^']+'( or '[^']+')?, got nothing"),

    # The history is capped by refusing to append once it holds 6 entries (instead of dropping old ones);
    # broadcast() sends messages[-1], which is then forever the 5th message.
    'udp_history_capped': Variant(
        edits=[(UDP_RECORD, "    def _record(self, addr, text):\n        if len(self.messages) < 6:\n"
                            "            self.messages.append((addr, text))\n")],
        protocol='udp', max_steps=8, budget=BUDGET,
        bug="after 6 joins, leaves and chats, every broadcast repeats the 6th message instead of the new one",
        missed_because="no fixed UDP check makes more than 6 messages on one server (robust.bad_bytes_udp, the most, makes 6)",
        signature=r"expected ('[^']+'( or '[^']+')?|nothing more), got '[^']+'"),
}


def apply(edits, source=None):
    text = REFERENCE.read_text(encoding='utf-8') if source is None else source
    for old, new in edits:
        found = text.count(old)
        if found != 1:
            raise AssertionError('snippet found {} times in the reference (expected once): {!r}'.format(found, old))
        text = text.replace(old, new)
    return text


def write(name, directory):
    """The variant `name` as DIRECTORY/NAME/chatroom.py."""
    target = Path(directory) / name
    target.mkdir(parents=True, exist_ok=True)
    path = target / 'chatroom.py'
    path.write_text(apply(VARIANTS[name].edits), encoding='utf-8')
    return path
