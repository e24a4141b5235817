#!/usr/bin/python3
# Stands in for libfuse's fusermount inside fuse2fs's confinement (root-in-place.ts). Kiln has already
# mounted the FUSE connection on the host and handed it to the confined tree as fd 4; libfuse asks
# fusermount for a connection over the socket named by _FUSE_COMMFD, and this passes it fd 4, so
# fuse2fs serves a mount it had no privilege to make. `fusermount -u` (libfuse's unmount) has nothing
# to do: Kiln unmounts on the host.
import os
import socket
import sys

if "-u" not in sys.argv[1:]:
    channel = socket.socket(fileno=int(os.environ["_FUSE_COMMFD"]))
    socket.send_fds(channel, [b"\0"], [4])
