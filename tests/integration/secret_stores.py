#!/usr/bin/python3
"""Stand-ins for the secret stores runac fetches from, over HTTPS.

  secret_stores.py certs DIR
      A test CA (ca.pem), a server certificate for 127.0.0.1 signed by it
      (good.pem/good.key), one that expired (expired.pem/expired.key), and
      a self-signed one no CA vouches for (untrusted.pem/untrusted.key).

  secret_stores.py serve --cert C --key K --token T --values FILE --port-file P --log L [--slow]
      Answers the documented API paths of HashiCorp Vault (KV v2 at
      secret/, KV v1 at kv1/, and the preflight), 1Password Connect and
      Infisical. FILE holds the values (JSON: vault2, vault1, op, infisical).
      Every request line is appended to L; --slow answers nothing for 60 s.
"""
import argparse
import datetime
import ipaddress
import json
import os
import ssl
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def certs(out):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    def name(cn):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    def write(stem, key, cert):
        with open(os.path.join(out, stem + ".key"), "wb") as f:
            f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
        with open(os.path.join(out, stem + ".pem"), "wb") as f:
            f.write(cert.public_bytes(serialization.Encoding.PEM))

    def make(cn, issuer_name, issuer_key, start, days, ca=False):
        key = ec.generate_private_key(ec.SECP256R1())
        b = (x509.CertificateBuilder().subject_name(name(cn)).issuer_name(issuer_name or name(cn))
             .public_key(key.public_key()).serial_number(x509.random_serial_number())
             .not_valid_before(start).not_valid_after(start + datetime.timedelta(days=days)))
        if ca:
            b = b.add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        else:
            b = b.add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]), critical=False)
        return key, b.sign(issuer_key or key, hashes.SHA256())

    now = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)
    ca_key, ca = make("runac test CA", None, None, now, 2, ca=True)
    write("ca", ca_key, ca)
    write("good", *make("127.0.0.1", ca.subject, ca_key, now, 2))
    write("expired", *make("127.0.0.1", ca.subject, ca_key, now - datetime.timedelta(days=30), 2))
    write("untrusted", *make("127.0.0.1", None, None, now, 2))


class Stores(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        with open(self.server.log, "a") as f:
            f.write(self.path + "\n")
        if self.server.slow:
            time.sleep(60)
            return
        url = urllib.parse.urlsplit(self.path)
        path, query = url.path, dict(urllib.parse.parse_qsl(url.query))
        if path.startswith("/v1/") and self.headers.get("X-Vault-Token") is not None:
            return self.vault(path[len("/v1/"):])
        if self.headers.get("Authorization") != "Bearer " + self.server.token:
            return self.answer(401, {"status": 401, "message": "Invalid token"})
        if path.startswith("/v1/vaults"):
            return self.connect(path[len("/v1/"):], query)
        if path.startswith("/api/v3/secrets/raw/"):
            return self.infisical(urllib.parse.unquote(path[len("/api/v3/secrets/raw/"):]), query)
        self.answer(404, {"message": "not found"})

    # Vault: KV v2 mounted at secret/, KV v1 at kv1/.
    def vault(self, path):
        if self.headers.get("X-Vault-Token") != self.server.token:
            return self.answer(403, {"errors": ["permission denied"]})
        path = urllib.parse.unquote(path)
        mounts = {"secret/": "2", "kv1/": "1"}
        preflight = "sys/internal/ui/mounts/"
        if path.startswith(preflight):
            rest = path[len(preflight):]
            for mount, version in mounts.items():
                if rest.startswith(mount):
                    return self.answer(200, {"data": {"path": mount, "type": "kv", "options": {"version": version}}})
            return self.answer(400, {"errors": ["no mount"]})
        values = self.server.values
        if path == "secret/data/agents/github":
            return self.answer(200, {"data": {"data": {"token": values["vault2"]}, "metadata": {"version": 1}}})
        if path == "kv1/agents/npm":
            return self.answer(200, {"data": {"token": values["vault1"]}})
        self.answer(404, {"errors": []})

    # 1Password Connect: vault "Agents" holds item "github", field "credential".
    def connect(self, path, query):
        flt = query.get("filter", "")
        if path == "vaults":
            return self.answer(200, [{"id": "vlt1", "name": "Agents"}] if flt == 'name eq "Agents"' else [])
        if path == "vaults/vlt1/items":
            return self.answer(200, [{"id": "itm1", "title": "github"}] if flt == 'title eq "github"' else [])
        if path == "vaults/vlt1/items/itm1":
            return self.answer(200, {"id": "itm1", "title": "github", "fields": [
                {"id": "username", "label": "username", "value": "agent"},
                {"id": "password", "label": "credential", "value": self.server.values["op"]}]})
        self.answer(404, {"status": 404, "message": "not found"})

    # Infisical: project proj1, environment prod, folder /agents, ANTHROPIC_API_KEY.
    def infisical(self, name, query):
        where = (query.get("workspaceId"), query.get("environment"), query.get("secretPath"))
        if where == ("proj1", "prod", "/agents") and name == "ANTHROPIC_API_KEY":
            return self.answer(200, {"secret": {"secretKey": name, "secretValue": self.server.values["infisical"]}})
        self.answer(404, {"message": "Secret not found"})


def serve(args):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Stores)
    server.daemon_threads = True
    server.token, server.log, server.slow = args.token, args.log, args.slow
    with open(args.values) as f:
        server.values = json.load(f)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(args.cert, args.key)
    server.socket = tls.wrap_socket(server.socket, server_side=True)
    with open(args.port_file + ".new", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(args.port_file + ".new", args.port_file)
    server.serve_forever()


def main():
    if sys.argv[1:2] == ["certs"]:
        return certs(sys.argv[2])
    p = argparse.ArgumentParser()
    p.add_argument("serve")
    for a in ("--cert", "--key", "--token", "--values", "--port-file", "--log"):
        p.add_argument(a, required=True)
    p.add_argument("--slow", action="store_true")
    serve(p.parse_args())


if __name__ == "__main__":
    main()
