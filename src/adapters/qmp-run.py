#!/usr/bin/python3
"""Runs QMP commands against a QEMU monitor socket in one session, in order (qemu-vm-driver.ts).

Usage: qmp-run.py SOCKET STEPS, STEPS a JSON list whose items are either a QMP command
({"execute": ..., "arguments": ...}, with "pass-fd": true to send this process's fd 3 along with it,
as add-fd takes a file QEMU may not open itself) or a wait for an event
({"wait-event": NAME, "data": {...fields it must have}, "timeout": seconds}).
Prints the commands' returns as a JSON list; the first error ends it with status 1 and the
error's description on standard error. One session matters: QEMU drops an fd set no device uses
when the monitor that added it disconnects, so a file is added and used in the same session.
"""
import json
import socket
import sys
import time


def main():
    path, steps = sys.argv[1], json.loads(sys.argv[2])
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(path)
    reader = sock.makefile('r')
    events = []

    def read():
        line = reader.readline()
        if not line:
            sys.exit('QMP closed the connection')
        return json.loads(line)

    def call(command, fd=None):
        data = (json.dumps(command) + '\n').encode()
        if fd is None:
            sock.sendall(data)
        else:
            socket.send_fds(sock, [data], [fd])
        while True:
            message = read()
            if 'event' in message:
                events.append(message)
            elif 'error' in message:
                sys.exit(f"QMP {command['execute']}: {message['error']['desc']}")
            else:
                return message['return']

    def matches(event, step):
        data = event.get('data', {})
        return event['event'] == step['wait-event'] and all(data.get(k) == v for k, v in step.get('data', {}).items())

    def wait(step):
        deadline = time.monotonic() + step.get('timeout', 60)
        while not any(matches(event, step) for event in events):
            left = deadline - time.monotonic()
            if left <= 0:
                sys.exit(f"no {step['wait-event']} event within {step.get('timeout', 60)} s")
            sock.settimeout(left)
            try:
                message = read()
            except socket.timeout:
                continue
            finally:
                sock.settimeout(None)
            if 'event' in message:
                events.append(message)

    read()  # QEMU's greeting
    call({'execute': 'qmp_capabilities'})
    results = []
    for step in steps:
        if 'wait-event' in step:
            wait(step)
            results.append(None)
        else:
            fd = 3 if step.pop('pass-fd', False) else None
            results.append(call(step, fd))
    print(json.dumps(results))


main()
