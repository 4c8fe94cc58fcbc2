"""A tiny full-screen program for the tests: switches to the alternate screen, turns
on the mouse modes named on the command line, and appends every input byte it reads
(as hex, one read per line) to the log file; ``q`` quits.

``python fullscreen_logger.py LOG [1000] [1002] [1003] [1006]``
"""

from __future__ import annotations

import os
import sys
import termios
import tty


def main() -> None:
    log_path, modes = sys.argv[1], sys.argv[2:]
    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    tty.setraw(fd)
    out = sys.stdout
    out.write("\x1b[?1049h\x1b[H\x1b[2J")
    for mode in modes:
        out.write(f"\x1b[?{mode}h")
    out.write("LOGGER READY\r\n")
    out.flush()
    try:
        with open(log_path, "a", encoding="ascii") as log:
            while True:
                data = os.read(fd, 1024)
                log.write(data.hex() + "\n")
                log.flush()
                out.write(f"got {data!r}\r\n")
                out.flush()
                if data == b"q":
                    break
    finally:
        for mode in modes:
            out.write(f"\x1b[?{mode}l")
        out.write("\x1b[?1049l")
        out.flush()
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


if __name__ == "__main__":
    main()
