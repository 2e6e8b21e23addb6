"""Running the simulator as a process: `python -m channels_sms.simulator` and
`python manage.py run_simulator` share this."""

import argparse
import json
from functools import partial
from pathlib import Path

from channels_sms.simulator.server import SimulatorServer

DEFAULT_PORT = 8025


def add_arguments(parser: argparse.ArgumentParser):
    parser.add_argument("--host", default="127.0.0.1", help="Interface to bind (loopback).")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="0 picks a free port.")
    parser.add_argument(
        "--status-delay-ms",
        type=float,
        default=50,
        help="Delay before each status callback / delivery receipt.",
    )
    parser.add_argument(
        "--accounts",
        type=Path,
        help="JSON file: a list of accounts, each as the body of POST /_sim/accounts.",
    )
    parser.add_argument(
        "--cors-origin",
        action="append",
        default=[],
        help="Browser origin allowed to call the control API (repeatable).",
    )


def serve(*, host, port, status_delay_ms, accounts, cors_origin, write=None):
    write = write or partial(print, flush=True)
    server = SimulatorServer(
        host, port, status_delay=status_delay_ms / 1000, cors_origins=tuple(cors_origin)
    )
    for fields in json.loads(accounts.read_text()) if accounts else []:
        account = server.add_account(**fields)
        write(f"  {account.provider} account {account.sid} (numbers: {account.numbers})")
    write(f"SMS simulator listening on {server.url} (control API: {server.url}/_sim/)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        write("SMS simulator stopped.")
