"""A local SMTP server for the tests (the testkit's SmtpServer), on aiosmtpd.

Usage: python3 smtp_server.py DIR
Listens on 127.0.0.1 on a port the OS picks and prints it on the first line of stdout. Each
accepted message is written to DIR as <n>.eml (temporary name, then rename), with the
envelope recipients in an X-Envelope-To header line in front. Recipients whose local part
starts with "tempfail" get 451 (a transient refusal), "reject" get 550 (a permanent one).
Exits when stdin closes, so it never outlives the test process that started it.
"""

import asyncio
import itertools
import os
import sys
import threading

from aiosmtpd.smtp import SMTP


class Store:
    def __init__(self, directory):
        self.directory = directory
        self.counter = itertools.count(1)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0].lower()
        if local.startswith("tempfail"):
            return "451 4.3.0 Mailbox temporarily unavailable, try again later"
        if local.startswith("reject"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        n = next(self.counter)
        final = os.path.join(self.directory, f"{n:06d}.eml")
        tmp = final + ".tmp"
        with open(tmp, "wb") as f:
            f.write(b"X-Envelope-To: " + ", ".join(envelope.rcpt_tos).encode() + b"\r\n")
            f.write(envelope.original_content)
        os.rename(tmp, final)
        return "250 2.0.0 Ok: queued"


def exit_when_stdin_closes():
    sys.stdin.read()
    os._exit(0)


async def main():
    directory = sys.argv[1]
    os.makedirs(directory, exist_ok=True)
    handler = Store(directory)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="smtp.test.localhost"), "127.0.0.1", 0
    )
    print(server.sockets[0].getsockname()[1], flush=True)
    threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
    async with server:
        await server.serve_forever()


asyncio.run(main())
