"""Child process: python3 _server_driver.py CHATROOM.py tcp|udp PORT

Builds ServerTCP/ServerUDP(PORT), prints __READY__, runs run() in the main
thread (so that Ctrl-C reaches it the way it reaches a person's server), then
prints a marker line.
"""
import importlib.util
import socket
import sys

socket.gethostbyname = lambda host: '127.0.0.1'

path, kind, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
spec = importlib.util.spec_from_file_location('chatroom', path)
chatroom = importlib.util.module_from_spec(spec)
sys.modules['chatroom'] = chatroom
spec.loader.exec_module(chatroom)

server = (chatroom.ServerTCP if kind == 'tcp' else chatroom.ServerUDP)(port)
print('__READY__', flush=True)
outcome = 'returned'
try:
    server.run()
except KeyboardInterrupt:
    outcome = 'KeyboardInterrupt escaped run()'
except BaseException as exc:
    outcome = 'run() raised %r' % (exc,)
print('\n__RUN_RETURNED__ outcome=%s' % outcome.replace(' ', '_'), flush=True)
