"""Child process: python3 _client_driver.py CHATROOM.py tcp|udp NAME PORT

Runs ClientTCP/ClientUDP(NAME, PORT).run() in the main thread with this
process's stdin as the keyboard, then prints a marker line with the events.
"""
import importlib.util
import socket
import sys

socket.gethostbyname = lambda host: '127.0.0.1'

path, kind, name, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
spec = importlib.util.spec_from_file_location('chatroom', path)
chatroom = importlib.util.module_from_spec(spec)
sys.modules['chatroom'] = chatroom
spec.loader.exec_module(chatroom)

client = (chatroom.ClientTCP if kind == 'tcp' else chatroom.ClientUDP)(name, port)
outcome = 'returned'
try:
    client.run()
except KeyboardInterrupt:
    outcome = 'KeyboardInterrupt escaped run()'
except SystemExit:
    outcome = 'sys.exit() in run()'
except BaseException as exc:
    outcome = 'run() raised %r' % (exc,)
print('\n__RUN_RETURNED__ outcome=%s exit_run=%s exit_receive=%s'
      % (outcome.replace(' ', '_'), client.exit_run.is_set(), client.exit_receive.is_set()),
      flush=True)
