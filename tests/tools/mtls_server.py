"""An HTTPS server that requires a TLS client certificate signed by the test CA and answers
every GET with the certificate's common name as JSON: the upstream of the mutualTLS tests.

    python3 mtls_server.py CA_PEM SERVER_PEM SERVER_KEY   prints `listening PORT` when ready
"""
import http.server
import json
import ssl
import sys

ca, certificate, key = sys.argv[1:4]


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        peer = self.connection.getpeercert()
        subject = dict(pair[0] for pair in peer["subject"])
        body = json.dumps({"client": subject.get("commonName"), "path": self.path}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(certificate, key)
context.load_verify_locations(ca)
context.verify_mode = ssl.CERT_REQUIRED
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.socket = context.wrap_socket(server.socket, server_side=True)
print(f"listening {server.server_address[1]}", flush=True)
server.serve_forever()
