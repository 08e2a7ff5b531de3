"""Checks of the file's shape: it imports cleanly and has the classes, methods and instance variables the
assignment names (sections 2, 3, 4 and 5)."""

import pytest

from harness import leniency
from harness.catalog import check
from harness.runner import Agent, SubmissionProblem, start_server

SPEC_METHODS = {
    'ServerTCP': {'__init__': ['self', 'server_port'], 'accept_client': ['self'],
                  'close_client': ['self', 'client_socket'],
                  'broadcast': ['self', 'client_socket_sent', 'message'], 'shutdown': ['self'],
                  'get_clients_number': ['self'], 'handle_client': ['self', 'client_socket'],
                  'run': ['self']},
    'ClientTCP': {'__init__': ['self', 'client_name', 'server_port'], 'connect_server': ['self'],
                  'send': ['self', 'text'], 'receive': ['self'], 'run': ['self']},
    'ServerUDP': {'__init__': ['self', 'server_port'], 'accept_client': ['self', 'client_addr', 'message'],
                  'close_client': ['self', 'client_addr'], 'broadcast': ['self'], 'shutdown': ['self'],
                  'get_clients_number': ['self'], 'run': ['self']},
    'ClientUDP': {'__init__': ['self', 'client_name', 'server_port'], 'connect_server': ['self'],
                  'send': ['self', 'text'], 'receive': ['self'], 'run': ['self']},
}


IMPORTS = ('You are required to implement all four classes in one Python file named chatroom.py',
           'The server file should import the ServerTCP or ServerUDP class from the chatroom.py file, while the '
           'client file should import the ClientTCP or ClientUDP class from the chatroom.py file.')
STRUCTURE = ('You are required to adhere to the class structure, method descriptions, and naming conventions for '
             'both methods and instance variables as outlined in the sections below.',
             'Extra parameters with defaults are allowed.')


@check('structure.imports', weight=2, spec='2 Important notes (1), 5 Attachments (2)', tags=['structure'],
       rests_on=IMPORTS,
       hint='Keep code that starts servers, reads input or loops under `if __name__ == "__main__":`.')
def test_imports_cleanly(submission_path):
    """chatroom.py imports (as server.py and client.py import it) without raising or hanging."""
    with Agent(submission_path) as agent:
        try:
            found = agent.import_submission()
        except SubmissionProblem as problem:
            pytest.fail(str(problem) + ('\n' + problem.detail if problem.detail else ''), pytrace=False)
    effects = import_side_effects(found)
    if effects:
        leniency.note(leniency.import_side_effects(effects))


def import_side_effects(found):
    effects = []
    if found['new_threads']:
        effects.append('started threads {}'.format(found['new_threads']))
    if found['new_sockets']:
        effects.append('opened {} socket(s)'.format(found['new_sockets']))
    return effects


def signature_problems(cls, method, seen, params):
    """What is wrong with `seen` (the agent's [name, has default, kind] per parameter) against the
    skeleton's `params`; extra parameters that have defaults (or *args, **kwargs) are allowed, noted."""
    shown = '{}.{}({})'.format(cls, method, ', '.join(p[0] for p in seen))
    expected = '{}.{}({})'.format(cls, method, ', '.join(params))
    positional = [p for p in seen if p[2] in ('POSITIONAL_ONLY', 'POSITIONAL_OR_KEYWORD')]
    if [p[0] for p in positional[:len(params)]] != params:
        return '{} should be {}'.format(shown, expected), None
    required_extra = [p[0] for p in positional[len(params):] if not p[1]] + \
        [p[0] for p in seen if p[2] == 'KEYWORD_ONLY' and not p[1]]
    if required_extra:
        return '{} should be {} (extra parameters need default values)'.format(shown, expected), None
    if len(seen) > len(params):
        return None, leniency.extra_parameters(shown, expected)
    return None, None


def _class_check(cls):
    def shape(agent, request):
        found = agent.request('inspect').get(cls)
        assert found is not None, 'class {} is missing'.format(cls)
        problems = []
        for method, params in SPEC_METHODS[cls].items():
            seen = found.get(method, 'missing')
            if seen == 'missing':
                problems.append('{}.{} is missing'.format(cls, method))
            elif seen is not None:
                problem, allowed = signature_problems(cls, method, seen, params)
                if problem:
                    problems.append(problem)
                elif allowed:
                    leniency.note(allowed)
        if problems:
            # The class is there: the other checks still run, calling its methods as the skeleton does (by
            # position); a missing method costs the checks that need it, not the class.
            request.node.user_properties.append(('blocks_dependents', False))
            problems.append('(the other checks of {} still run)'.format(cls))
        assert not problems, '; '.join(problems)
    shape.__doc__ = 'Class {} exists with the assignment\'s methods and parameter names.'.format(cls)
    # One check per class: a missing class skips only the checks that need it.
    return check('structure.' + cls, weight=1, spec='5 Attachments (1)', tags=['structure'],
                 depends=['structure.imports'], rests_on=STRUCTURE,
                 hint='Use exactly the class, method and parameter names of the assignment\'s skeleton.')(shape)


test_server_tcp_class = _class_check('ServerTCP')
test_client_tcp_class = _class_check('ClientTCP')
test_server_udp_class = _class_check('ServerUDP')
test_client_udp_class = _class_check('ClientUDP')


def _attribute_problems(agent, obj, expected):
    problems = []
    for name, kind in expected.items():
        try:
            state = agent.get(obj, name)
        except Exception as error:
            problems.append('{} is missing ({})'.format(name, error))
            continue
        problem = kind(state)
        if problem:
            problems.append('{} {}'.format(name, problem))
    return problems


def is_event_cleared(state):
    if state['type'] != 'Event':
        return 'should be a threading.Event, is a {}'.format(state['type'])
    if state['is_set']:
        return 'should start cleared (set means stop), but is set'
    return None


def is_empty(kind, lenient=None):
    """A `kind` that starts empty; with `lenient` (a note maker), one that does not is only noted."""
    def check_state(state):
        if state['type'] != kind:
            return 'should be a {}, is a {}'.format(kind, state['type'])
        if state.get('len'):
            if lenient is not None:
                leniency.note(lenient(state['repr']))
                return None
            return 'should start empty, holds {}'.format(state['repr'])
        return None
    return check_state


def is_bound_socket(kind, listening):
    def check_state(state):
        if state['type'] != 'socket':
            return 'should be a socket, is a {}'.format(state['type'])
        if state.get('closed'):
            return 'is closed'
        if state.get('kind') != kind:
            return 'should be a {} socket, is {}'.format(kind, state.get('kind'))
        if not state.get('sockname') or not state['sockname'][1]:
            return 'is not bound to a port'
        if listening and not state.get('listening'):
            return 'is bound but not listening after __init__'
        return None
    return check_state


def equals_port(port, how):
    # Constructed with port 0, a server may keep the 0 it was given (the text: "the port number on which
    # the server will listen", set from the parameter) or store the port actually bound: both are right.
    accepted = (port, 0) if how == 'port 0' else (port,)

    def check_state(state):
        if state.get('value') not in accepted:
            return 'should be the port the server listens on ({}), is {}'.format(port, state['repr'])
        return None
    return check_state


@check('structure.server_tcp_attributes', weight=3, spec='3 ServerTCP.__init__', tags=['structure'],
       depends=['structure.ServerTCP'],
       rests_on=('This method initializes the server socket, binds it to the local address and the given server port '
                 'server_port, and sets the socket to listen for incoming connections.',
                 'Initializes the clients dictionary to store the client addresses and names, and the run_event and '
                 "handle_event threading events to control the server's running and message handling states.",
                 'The events mean stop when set: run_event/handle_event (server) and exit_run/exit_receive (client) '
                 'start cleared; setting them ends the loops.'),
       hint='__init__ binds and listens, and creates clients = {}, run_event and handle_event (cleared).')
def test_server_tcp_attributes(agent):
    """ServerTCP.__init__ sets server_port, a listening server_socket, clients, run_event, handle_event."""
    port, how = start_server(agent, 'ServerTCP')
    problems = _attribute_problems(agent, 'server', {
        'server_port': equals_port(port, how),
        'server_socket': is_bound_socket('SOCK_STREAM', listening=True),
        'clients': is_empty('dict'),
        'run_event': is_event_cleared,
        'handle_event': is_event_cleared,
    })
    assert not problems, '; '.join(problems)


@check('structure.server_udp_attributes', weight=3, spec='4 ServerUDP.__init__', tags=['structure'],
       depends=['structure.ServerUDP'],
       rests_on=('This method initializes the server socket, binds it to the local address and the specified server '
                 'port server_port, and sets up the clients dictionary to keep track of connected clients.',
                 'messages: A list that stores messages to be broadcasted to clients.'),
       hint='__init__ binds a UDP socket and creates clients = {} and messages = [].')
def test_server_udp_attributes(agent):
    """ServerUDP.__init__ sets server_port, a bound UDP server_socket, clients and messages."""
    port, how = start_server(agent, 'ServerUDP')
    problems = _attribute_problems(agent, 'server', {
        'server_port': equals_port(port, how),
        'server_socket': is_bound_socket('SOCK_DGRAM', listening=False),
        'clients': is_empty('dict'),
        'messages': is_empty('list', lenient=leniency.messages_not_empty),
    })
    assert not problems, '; '.join(problems)
