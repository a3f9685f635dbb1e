#!/usr/bin/python3
# The kernel's audit switch, for the tests that need it on (or off):
#   kernel_audit.py get      prints 1 or 0
#   kernel_audit.py set N    AUDIT_SET enabled=N
# runac itself never changes it; the tests put back what they found.
import socket
import struct
import sys

NETLINK_AUDIT, AUDIT_GET, AUDIT_SET = 9, 1000, 1001
NLM_F_REQUEST, NLM_F_ACK, NLMSG_ERROR = 1, 4, 2
AUDIT_STATUS_ENABLED = 1


def ask(kind, payload=b""):
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_AUDIT)
    s.settimeout(2)
    s.send(struct.pack("=LHHLL", 16 + len(payload), kind, NLM_F_REQUEST | NLM_F_ACK, 1, 0) + payload)
    while True:
        data = s.recv(65536)
        _, got, _, _, _ = struct.unpack("=LHHLL", data[:16])
        if got == NLMSG_ERROR:
            (err,) = struct.unpack("=i", data[16:20])
            if err:
                sys.exit(f"kernel_audit: {'get' if kind == AUDIT_GET else 'set'}: error {-err}")
            if kind == AUDIT_SET:
                return None
        elif got == kind:
            return data[16:]


if sys.argv[1:] == ["get"]:
    print(struct.unpack("=LL", ask(AUDIT_GET)[:8])[1])
elif len(sys.argv) == 3 and sys.argv[1] == "set":
    # struct audit_status: mask, enabled, then fields the mask leaves alone.
    ask(AUDIT_SET, struct.pack("=LL", AUDIT_STATUS_ENABLED, int(sys.argv[2])) + b"\0" * 32)
else:
    sys.exit("usage: kernel_audit.py get | set 0|1")
