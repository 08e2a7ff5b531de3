"""ServerTCP: run_event and handle_event start cleared and are set (= stop) by shutdown()."""
import _common as C


def scenario(mod, path, cleanups):
    srv = C.tcp_server(mod, cleanups)
    s = srv.server
    C.check(not s.run_event.is_set() and not s.handle_event.is_set(),
            'expected run_event and handle_event to start cleared, saw run_event={} handle_event={}'.format(
                s.run_event.is_set(), s.handle_event.is_set()))
    C.call_deadline('shutdown()', s.shutdown)
    C.check(s.run_event.is_set() and s.handle_event.is_set(),
            'expected shutdown() to set run_event and handle_event, saw run_event={} handle_event={}'.format(
                s.run_event.is_set(), s.handle_event.is_set()))


C.main(scenario)
