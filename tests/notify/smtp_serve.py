#!/usr/bin/python3
"""Runs one SMTP server of smtp_lab.py (STARTTLS + AUTH) until killed, for
shell tests.

Usage: /usr/bin/python3 smtp_serve.py FOLDER PASSWORD
Writes FOLDER/ready.json: {"url": ..., "cafile": ..., "messages": folder}.
Each delivered message lands in the messages folder as NNN.eml (envelope in
NNN.json).
"""

import json
import os
import signal
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from smtp_lab import Lab  # noqa: E402


def main():
    folder, password = sys.argv[1], sys.argv[2]
    os.makedirs(folder, exist_ok=True)
    lab = Lab(folder)
    srv = lab.start("starttls", password=password)
    info = {"url": srv.url, "cafile": lab.cert, "messages": srv.folder}
    tmp = os.path.join(folder, "ready.json.tmp")
    with open(tmp, "w") as f:
        json.dump(info, f)
    os.rename(tmp, os.path.join(folder, "ready.json"))
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    done.wait()
    lab.close()


if __name__ == "__main__":
    main()
