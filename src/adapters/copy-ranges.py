"""Writes a new file of pieces of other files, the kernel copying the bytes (copy_file_range).

Node has no copy_file_range with offsets, and on some hosts a copy through a process's buffers is
several times slower than the kernel's (fresh page-cache pages filled by write()). Used by the
folder store (fs-range-copy.ts) to write a blob out as a local file from its chunk files.

stdin: JSON {"path": out, "size": bytes, "pieces": [[file, offset_in_out, length], ...]}; each piece
is read from byte 0 of its file. The file is created 0600 (replaced if it exists), what no piece
covers stays a hole, and it ends at `size`. Falls back to read and write where the kernel cannot copy
between the two files (another file system on an old kernel).
"""

import json
import os
import sys


def copy_piece(source, out, at, length):
    done = 0
    while done < length:
        try:
            moved = os.copy_file_range(source, out, length - done, done, at + done)
        except OSError:
            moved = -1
        if moved <= 0:
            data = os.pread(source, min(length - done, 4 << 20), done)
            if not data:
                raise OSError(f"a piece ends {length - done} bytes early")
            moved = os.pwrite(out, data, at + done)
        done += moved


def main():
    job = json.load(sys.stdin)
    # A new file, not the old one truncated, which would keep its owner and mode.
    try:
        os.unlink(job["path"])
    except FileNotFoundError:
        pass
    out = os.open(job["path"], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        for file, at, length in job["pieces"]:
            source = os.open(file, os.O_RDONLY)
            try:
                copy_piece(source, out, at, length)
            finally:
                os.close(source)
        os.ftruncate(out, job["size"])
    finally:
        os.close(out)


main()
