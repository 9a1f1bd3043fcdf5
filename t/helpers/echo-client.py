#!/usr/bin/env python3
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
"""echo-client.py PORT: one connection to 127.0.0.1:PORT that sends a
line, reads its echo and closes. Against examples/closewait-server the
server then reads the EOF and never closes: a socket in CLOSE_WAIT."""
import socket
import sys

s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(b"hello\n")
with s.makefile("rb") as echo:
    echo.readline()
s.close()
