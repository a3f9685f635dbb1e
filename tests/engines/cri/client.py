#!/usr/bin/python3
"""A CRI client of the tests' own: one RuntimeService call, as kubelet makes it.

    client.py SOCKET METHOD [REQUEST_JSON]

METHOD is a RuntimeService method (RunPodSandbox, ExecSync...); the request
is the CRI message in protobuf's JSON form (field names as in the .proto),
"{}" if absent. Prints the response the same way; bytes fields (ExecSync's
output) are decoded as UTF-8 text. A gRPC error prints "CODE: details" to
stderr and exits 1. The Python module of runtime.proto is made with protoc
into $CRI_PROTO_OUT (default: a directory beside this file's).
"""
import base64
import json
import os
import subprocess
import sys

import grpc
from google.protobuf import json_format

HERE = os.path.dirname(os.path.abspath(__file__))


def runtime_module():
    out = os.environ.get("CRI_PROTO_OUT") or os.path.join(HERE, ".generated")
    if not os.path.exists(os.path.join(out, "runtime_pb2.py")):
        os.makedirs(out, exist_ok=True)
        subprocess.run(["protoc", "-I", HERE, "--python_out=" + out, "runtime.proto"], check=True)
    sys.path.insert(0, out)
    import runtime_pb2  # noqa: E402 (made just above)
    return runtime_pb2


def main():
    if len(sys.argv) not in (3, 4):
        sys.stderr.write(__doc__)
        return 2
    socket, method = sys.argv[1], sys.argv[2]
    pb = runtime_module()
    request_type = getattr(pb, method + "Request")
    response_type = getattr(pb, method + "Response")
    request = json_format.Parse(sys.argv[3] if len(sys.argv) == 4 else "{}", request_type())
    with grpc.insecure_channel("unix://" + socket) as channel:
        call = channel.unary_unary("/runtime.v1.RuntimeService/" + method,
                                   request_serializer=request_type.SerializeToString,
                                   response_deserializer=response_type.FromString)
        try:
            response = call(request, timeout=60)
        except grpc.RpcError as e:
            sys.stderr.write("%s: %s\n" % (e.code().name, e.details()))
            return 1
    result = json_format.MessageToDict(response, preserving_proto_field_name=True,
                                       including_default_value_fields=True)
    for field in response.DESCRIPTOR.fields:
        if field.type == field.TYPE_BYTES:
            result[field.name] = base64.b64decode(result.get(field.name, "")).decode("utf-8", "replace")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
