#!/usr/bin/python3
"""Checks the opt-in archive of a running XmppPrivacy with an independent client (slixmpp).

Two accounts are registered in-band (or logged in). Before the first one opts in, nothing is archived;
it then turns archiving on with a standard XEP-0441 preferences IQ, the two exchange messages, the
first one disconnects and comes back, and pages through its history backwards (like Conversations,
10 per page) and forwards (like Gajim, 70 per page): every message must come exactly once, in order.
With --expires-after N (the component's Archive:ExpiresAfter in seconds) it then waits until the
messages are past retention and checks that nothing is served any more.

    make run    # in another terminal
    /usr/bin/python3 scripts/check-archive-with-slixmpp.py --port 5222
"""
import argparse
import asyncio
import logging
import sys
import time

import slixmpp

from inband import refuse, register_in_band


class Account(slixmpp.ClientXMPP):
    def __init__(self, jid, password):
        super().__init__(jid, password)
        for plugin in ("xep_0030", "xep_0059", "xep_0297", "xep_0313", "xep_0441"):
            self.register_plugin(plugin)
        register_in_band(self, refuse)
        self["feature_mechanisms"].unencrypted_plain = True  # loopback only
        self.started = asyncio.get_event_loop().create_future()
        self.received = []
        self.add_event_handler("session_start", self.on_start)
        self.add_event_handler("failed_auth", lambda _: self.started.done() or self.started.set_exception(RuntimeError("authentication failed")))
        self.add_event_handler("message", self.on_message)

    def on_start(self, _):
        self.send_presence()
        if not self.started.done():
            self.started.set_result(True)

    def on_message(self, message):
        if message["type"] in ("chat", "normal") and message["body"]:
            self.received.append(message["body"])


async def connect(jid, password, host, port):
    account = Account(jid, password)
    account.connect(address=(host, port), disable_starttls=True, force_starttls=False)
    await asyncio.wait_for(account.started, 30)
    return account


async def history(account, reverse, page_size):
    """Every archived body, oldest first, paging with RSM like a client does."""
    bodies, pages = [], 0
    async for page in account["xep_0313"].retrieve(iterator=True, reverse=reverse, rsm={"max": page_size}):
        pages += 1
        results = [m["mam_result"]["forwarded"]["stanza"]["body"] for m in page["mam"]["results"]]
        bodies = results + bodies if reverse else bodies + results
    return bodies, pages


async def wait_for(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while not await condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting until {what}")
        await asyncio.sleep(0.5)


async def check(args):
    stamp = time.strftime("%H%M%S")
    alice_jid, bob_jid = f"{args.prefix}a{stamp}@{args.server}", f"{args.prefix}b{stamp}@{args.server}"
    alice = await connect(alice_jid, "alice-password", args.host, args.port)
    bob = await connect(bob_jid, "bob-password", args.host, args.port)
    print(f"registered {alice_jid} and {bob_jid}")

    default, _, _ = await alice["xep_0441"].get_preferences(timeout=10)
    print(f"archiving preference before opting in: default={default}")
    if default != "never":
        raise RuntimeError("archiving must be off until the user turns it on")
    bob.send_message(mto=alice_jid, mbody="before opt-in", mtype="chat")
    await wait_for(lambda: asyncio.sleep(0, "before opt-in" in alice.received), 10, "alice got the first message")
    before, _ = await history(alice, reverse=True, page_size=10)
    print(f"archived before opting in: {len(before)} messages")
    if before:
        raise RuntimeError("something was archived before opting in")

    await alice["xep_0441"].set_preferences(default="always", timeout=10)
    default, _, _ = await alice["xep_0441"].get_preferences(timeout=10)
    print(f"archiving preference after opting in: default={default}")
    sent = []
    for i in range(args.messages):
        sender, to = (bob, alice_jid) if i % 4 else (alice, bob_jid)
        body = f"message {i} from {sender.boundjid.user}"
        sender.send_message(mto=to, mbody=body, mtype="chat")
        sent.append(body)
        await asyncio.sleep(0.01)

    async def all_archived():
        got, _ = await history(alice, reverse=False, page_size=70)
        return len(got) >= len(sent)
    await wait_for(all_archived, 30, "every message is archived")

    alice.disconnect()
    await alice.disconnected
    alice = await connect(alice_jid, "alice-password", args.host, args.port)
    print("alice reconnected")
    backwards, back_pages = await history(alice, reverse=True, page_size=10)
    forwards, fwd_pages = await history(alice, reverse=False, page_size=70)
    print(f"backwards, 10 per page: {len(backwards)} messages in {back_pages} pages; "
          f"forwards, 70 per page: {len(forwards)} messages in {fwd_pages} pages")
    for name, got in (("backwards", backwards), ("forwards", forwards)):
        if got != sent:
            raise RuntimeError(f"paging {name} did not give every message exactly once in order: {got[:5]}...")

    if args.expires_after:
        wait = args.expires_after + 1
        print(f"waiting {wait} s until the messages are past retention ...")
        await asyncio.sleep(wait)
        expired, _ = await history(alice, reverse=True, page_size=10)
        print(f"served after retention: {len(expired)} messages")
        if expired:
            raise RuntimeError("messages past retention were served")

    for account in (alice, bob):
        account.disconnect()
    print("OK")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5222)
    parser.add_argument("--server", default="localhost")
    parser.add_argument("--prefix", default="archive", help="account names are PREFIX + a/b + the time")
    parser.add_argument("--messages", type=int, default=60)
    parser.add_argument("--expires-after", type=int, default=0, metavar="SECONDS")
    parser.add_argument("--debug", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.ERROR)
    logging.getLogger("asyncio").setLevel(logging.DEBUG if args.debug else logging.CRITICAL)
    try:
        asyncio.get_event_loop().run_until_complete(asyncio.wait_for(check(args), 120 + args.expires_after))
    except Exception as e:  # any failure is a failed check
        print(f"FAIL: {type(e).__name__}: {e}")
        sys.exit(1)


if __name__ == "__main__":
    main()
