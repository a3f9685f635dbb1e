#!/usr/bin/python3
"""Listeners of a test's own, each writing one line to LOG for every
connection or datagram that reaches it, so that a test can prove what did
not. `ready` is written once all are bound.

    listeners.py LOG PROTO:ADDRESS:PORT ...   (PROTO tcp or udp; [v6]:PORT)
"""
import selectors
import socket
import sys


def main():
    log = open(sys.argv[1], "a", buffering=1)
    sel = selectors.DefaultSelector()
    for spec in sys.argv[2:]:
        proto, rest = spec.split(":", 1)
        address, port = rest.rsplit(":", 1)
        address = address.strip("[]")
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        s = socket.socket(family, socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((address, int(port)))
        if proto == "tcp":
            s.listen(16)
        sel.register(s, selectors.EVENT_READ, f"{proto} {address} {port}")
    log.write("ready\n")
    while True:
        for key, _ in sel.select():
            s = key.fileobj
            if s.type == socket.SOCK_STREAM:
                conn, _ = s.accept()
                conn.close()
            else:
                s.recvfrom(2048)
            log.write(key.data + "\n")


main()
