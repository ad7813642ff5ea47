"""A webhook receiver for the tests. Usage: receiver.py LOG verify SECRET | receiver.py LOG STATUS.

With `verify`, the Standard Webhooks library checks each request's signature: 204 when it holds,
400 with the library's reason otherwise. With a status, every request gets it (3xx with a Location,
5xx and 4xx with a long body). Each request is appended to LOG as one JSON line. Prints the port it
listens on, then serves until killed."""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOG = sys.argv[1]
MODE = sys.argv[2]
if MODE == "verify":
    from standardwebhooks import Webhook

    WEBHOOK = Webhook(sys.argv[3])


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        headers = {name.lower(): value for name, value in self.headers.items()}
        if MODE == "verify":
            try:
                WEBHOOK.verify(body, headers)
                status, verdict = 204, "verified"
            except Exception as error:  # the library's reason goes back to the sender
                status, verdict = 400, f"{type(error).__name__}: {error}"
        else:
            status, verdict = int(MODE), None
        with open(LOG, "a") as log:
            log.write(json.dumps({"path": self.path, "headers": headers, "body": body.decode(),
                                  "status": status, "verdict": verdict}) + "\n")
        self.send_response(status)
        if 300 <= status < 400:
            self.send_header("Location", "/elsewhere")
        answer = b"" if status == 204 else (verdict or "receiver says no; " * 100).encode()
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_port, flush=True)
server.serve_forever()
