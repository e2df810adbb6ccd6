"""Serves a fake release directory on loopback, like a release host.

Files under <dir>/download/<version>/ are served as they are; /latest and /channels/<name>
redirect to /tag/<version>, as GitHub's releases page and k3s's channel server do.
Usage: release_server.py DIR VERSION PORT_FILE
"""
import functools
import http.server
import sys


class ReleaseHandler(http.server.SimpleHTTPRequestHandler):
    version = ""

    def do_GET(self):
        if self.path == "/latest" or self.path.startswith("/channels/"):
            self.send_response(302)
            self.send_header("Location", "/tag/" + self.version)
            self.end_headers()
            return
        if self.path.startswith("/tag/"):
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        super().do_GET()

    def log_message(self, *args):
        pass


def main():
    directory, version, port_file = sys.argv[1:4]
    ReleaseHandler.version = version
    handler = functools.partial(ReleaseHandler, directory=directory)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    with open(port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    import os
    os.rename(port_file + ".tmp", port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
