#!/usr/bin/env python3
"""idle_sockets.py HOST PORT [COUNT]

Holds COUNT (default 1000) TCP connections to HOST:PORT open until SIGTERM/SIGINT: three in four
send nothing, one in four sends an unfinished request head and a further header line every five
seconds (slowloris). Connections the server closes are reopened each second, so the pressure
stays. Prints what happened when stopped. Part of tests/bench/floods.sh.
"""

import resource
import signal
import socket
import sys
import time

host, port = sys.argv[1], int(sys.argv[2])
count = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, count + 100)), hard))

stats = {"opened": 0, "closed_by_server": 0, "refused": 0}
running = True


def stop(*_):
    global running
    running = False


signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGINT, stop)


def connect(index):
    try:
        sock = socket.create_connection((host, port), timeout=2)
    except OSError:
        stats["refused"] += 1
        return None
    sock.setblocking(False)
    stats["opened"] += 1
    if index % 4 == 0:
        try:
            sock.send(b"GET /packages.json HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        except OSError:
            pass
    return sock


def closed(sock):
    try:
        return sock.recv(4096) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


sockets = [connect(i) for i in range(count)]
tick = 0
while running:
    time.sleep(1)
    tick += 1
    for i, sock in enumerate(sockets):
        if sock is not None and not closed(sock):
            if i % 4 == 0 and tick % 5 == 0:
                try:
                    sock.send(b"X-Slow: %d\r\n" % tick)
                except OSError:
                    pass
            continue
        if sock is not None:
            stats["closed_by_server"] += 1
            sock.close()
        sockets[i] = connect(i)

held = sum(1 for s in sockets if s is not None)
print("idle sockets: held %d of %d at the end; opened %d, closed by the server %d, refused %d"
      % (held, count, stats["opened"], stats["closed_by_server"], stats["refused"]))
