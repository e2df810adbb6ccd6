#!/usr/bin/env python3
"""Plays systemd's side of Type=notify: binds a datagram socket, and when READY=1 arrives runs
a probe command at that very moment and records whether it succeeded.
Usage: notify_listener.py SOCKET LOG -- PROBE..."""
import os
import socket
import subprocess
import sys

sock_path, log_path = sys.argv[1], sys.argv[2]
probe = sys.argv[sys.argv.index("--") + 1:]
if os.path.exists(sock_path):
    os.unlink(sock_path)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sock_path)
s.settimeout(120)
with open(log_path, "w", buffering=1) as log:
    try:
        while True:
            message = s.recv(4096).decode(errors="replace")
            log.write("message %s\n" % message.strip())
            if "READY=1" in message.split("\n"):
                result = subprocess.run(probe, capture_output=True, text=True, timeout=30)
                log.write("probe exit=%d %s\n" % (result.returncode, (result.stdout + result.stderr).strip()))
                break
    except socket.timeout:
        log.write("timeout waiting for READY=1\n")
