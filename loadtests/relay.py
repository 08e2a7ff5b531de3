"""The smallest broadcast servers that speak enough of the chat protocol to be benchmarked: the ceiling.

    python -m loadtests.relay --tcp|--udp [--port 0]      prints 'TCP relay on 127.0.0.1:PORT' and serves

TCP: one thread, selectors, non-blocking sockets. The first recv() of a connection is its name; the reply
is 'Welcome'; every later recv() goes to every other client as '{name}: {data}'. Bytes a client does not
take now wait in its buffer; a client with more than 1 MiB waiting is dropped (as the reference does), so
one client that never reads stalls nobody. No name checks, no join/leave notices: it is a ceiling.
UDP: '{name}:join' gets 'Welcome'; '{name}:{text}' goes to every other joined address as '{name}: {text}'.
Loopback only. Stops on SIGINT/SIGTERM.
"""

import argparse
import selectors
import signal
import socket
import sys

MAX_BACKLOG = 1 << 20


def serve_tcp(port):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(('127.0.0.1', port))
    listener.listen(socket.SOMAXCONN)
    listener.setblocking(False)
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ, None)
    names = {}          # socket -> prefix bytes (None until the name came)
    pending = {}        # socket -> bytearray waiting to be sent
    print('TCP relay on 127.0.0.1:{}'.format(listener.getsockname()[1]), flush=True)

    def drop(sock):
        names.pop(sock, None)
        pending.pop(sock, None)
        try:
            selector.unregister(sock)
        except (KeyError, ValueError):
            pass
        sock.close()

    def push(sock, data):
        waiting = pending.get(sock)
        if waiting:
            if len(waiting) + len(data) > MAX_BACKLOG:
                drop(sock)
            else:
                waiting += data
            return
        try:
            sent = sock.send(data)
        except BlockingIOError:
            sent = 0
        except OSError:
            drop(sock)
            return
        if sent < len(data):
            pending[sock] = bytearray(data[sent:])
            selector.modify(sock, selectors.EVENT_READ | selectors.EVENT_WRITE)

    while True:
        for key, events in selector.select():
            sock = key.fileobj
            if sock is listener:
                try:
                    client, _ = listener.accept()
                except OSError:
                    continue
                client.setblocking(False)
                client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                names[client] = None
                selector.register(client, selectors.EVENT_READ)
                continue
            if sock not in names:
                continue
            if events & selectors.EVENT_WRITE:
                waiting = pending.get(sock)
                try:
                    sent = sock.send(waiting) if waiting else 0
                except BlockingIOError:
                    sent = 0
                except OSError:
                    drop(sock)
                    continue
                del waiting[:sent]
                if not waiting:
                    pending.pop(sock, None)
                    selector.modify(sock, selectors.EVENT_READ)
            if events & selectors.EVENT_READ:
                try:
                    data = sock.recv(65536)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b''
                if not data:
                    drop(sock)
                    continue
                if names[sock] is None:
                    names[sock] = data.strip() + b': '
                    push(sock, b'Welcome')
                    continue
                message = names[sock] + data
                for other in [s for s, name in names.items() if name is not None and s is not sock]:
                    push(other, message)


def serve_udp(port):
    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for option in (getattr(socket, 'SO_RCVBUFFORCE', None), socket.SO_RCVBUF):
        if option is not None:
            try:
                server.setsockopt(socket.SOL_SOCKET, option, 4 << 20)
                break
            except OSError:
                pass
    server.bind(('127.0.0.1', port))
    clients = {}
    print('UDP relay on 127.0.0.1:{}'.format(server.getsockname()[1]), flush=True)
    while True:
        data, addr = server.recvfrom(65536)
        name, _, text = data.partition(b':')
        if text == b'join':
            clients[addr] = name + b': '
            server.sendto(b'Welcome', addr)
        elif addr in clients:
            message = clients[addr] + text
            for other in clients:
                if other != addr:
                    try:
                        server.sendto(message, other)
                    except OSError:
                        pass


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python -m loadtests.relay', description=__doc__.splitlines()[0])
    transport = parser.add_mutually_exclusive_group(required=True)
    transport.add_argument('--tcp', action='store_true')
    transport.add_argument('--udp', action='store_true')
    parser.add_argument('--port', type=int, default=0)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        (serve_tcp if args.tcp else serve_udp)(args.port)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == '__main__':
    sys.exit(main())
