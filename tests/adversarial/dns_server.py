#!/usr/bin/python3
"""A DNS server of a test's own, UDP and TCP on ADDRESS port 53, answering
from the records on its command line, and writing one line "NAME TYPE" to
LOG for every question that reaches it, so that a test can prove which
names never left the container. `ready` is written once it listens.

    dns_server.py LOG ADDRESS NAME=TYPE:VALUE[/TTL] ...   (TYPE A, AAAA, CNAME)

A CNAME's target is answered in the same reply when the server has it;
any other name gets NXDOMAIN.
"""
import selectors
import socket
import struct
import sys

TYPES = {"A": 1, "AAAA": 28, "CNAME": 5}
NAMES = {v: k for k, v in TYPES.items()}


def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def decode_question(msg):
    labels, at = [], 12
    while msg[at]:
        labels.append(msg[at + 1:at + 1 + msg[at]].decode())
        at += msg[at] + 1
    qtype, = struct.unpack("!H", msg[at + 1:at + 3])
    return ".".join(labels).lower(), qtype, at + 5


def answer(records, query):
    name, qtype, end = decode_question(query)
    rrs, owner = [], name
    for _ in range(8):  # a CNAME chain inside the zone
        cname = [r for r in records.get(owner, []) if r[0] == 5]
        if cname and qtype != 5:
            rrs.append((owner,) + cname[0])
            owner = cname[0][1]
            continue
        rrs += [(owner,) + r for r in records.get(owner, []) if r[0] == qtype]
        break
    known = name in records
    flags = 0x8180 if known else 0x8183
    header = query[:2] + struct.pack("!HHHHH", flags, 1, len(rrs), 0, 0)
    body = b""
    for owner, rtype, value, ttl in rrs:
        if rtype == 1:
            data = socket.inet_pton(socket.AF_INET, value)
        elif rtype == 28:
            data = socket.inet_pton(socket.AF_INET6, value)
        else:
            data = encode_name(value)
        body += encode_name(owner) + struct.pack("!HHIH", rtype, 1, ttl, len(data)) + data
    return header + query[12:end] + body


def main():
    log = open(sys.argv[1], "a", buffering=1)
    address = sys.argv[2]
    records = {}
    for spec in sys.argv[3:]:
        name, rest = spec.split("=", 1)
        rtype, value = rest.split(":", 1)
        value, _, ttl = value.partition("/")
        ttl = ttl or 60
        records.setdefault(name.lower(), []).append((TYPES[rtype], value, int(ttl)))
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    udp = socket.socket(family, socket.SOCK_DGRAM)
    udp.bind((address, 53))
    tcp = socket.socket(family, socket.SOCK_STREAM)
    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    tcp.bind((address, 53))
    tcp.listen(16)
    sel = selectors.DefaultSelector()
    sel.register(udp, selectors.EVENT_READ)
    sel.register(tcp, selectors.EVENT_READ)
    log.write("ready\n")

    def logged(query):
        name, qtype, _ = decode_question(query)
        log.write(f"{name} {NAMES.get(qtype, qtype)}\n")
        return answer(records, query)

    while True:
        for key, _ in sel.select():
            if key.fileobj is udp:
                query, peer = udp.recvfrom(4096)
                udp.sendto(logged(query), peer)
            else:
                conn, _ = tcp.accept()
                conn.settimeout(2)
                try:
                    size, = struct.unpack("!H", conn.recv(2))
                    query = b""
                    while len(query) < size:
                        query += conn.recv(size - len(query))
                    reply = logged(query)
                    conn.sendall(struct.pack("!H", len(reply)) + reply)
                except (OSError, struct.error):
                    pass
                conn.close()


main()
