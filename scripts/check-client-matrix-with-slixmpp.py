#!/usr/bin/python3
"""The client matrix's slixmpp row (docs/clients.md): slixmpp over STARTTLS, trusting the server's certificate.

Two accounts are registered in-band over TLS: the client under test and its peer. The client turns archiving on
(XEP-0441), receives two messages while online, replies, goes offline, receives the two messages sent meanwhile
from offline storage when it reconnects, then pages through its archive of the conversation backwards (10 per
page, as poezio and Conversations do) and forwards: the whole conversation must come once and in order. It also
lists the server's disco#items (with the services' names) and asks each service for its disco#info.

    make run    # in another terminal
    /usr/bin/python3 scripts/check-client-matrix-with-slixmpp.py --port 5222 --ca-cert var/demo/certs/localhost.crt
"""
import argparse
import asyncio
import logging
import sys
import time

import slixmpp

from inband import refuse, register_in_band

ONLINE = ["online one from bob", "online two from bob"]
REPLY = "reply from the client"
OFFLINE = ["offline one from bob", "offline two from bob"]
EXPECTED = ONLINE + [REPLY] + OFFLINE


class Account(slixmpp.ClientXMPP):
    def __init__(self, jid, password, ca_cert):
        super().__init__(jid, password)
        for plugin in ("xep_0030", "xep_0059", "xep_0297", "xep_0313", "xep_0441"):
            self.register_plugin(plugin)
        self.ca_certs = ca_cert
        register_in_band(self, refuse)
        self.started = asyncio.get_event_loop().create_future()
        self.received = []
        self.tls = None
        self.add_event_handler("session_start", self.on_start)
        self.add_event_handler("ssl_invalid_cert", lambda _: self.fail("the server's certificate was not trusted"))
        self.add_event_handler("failed_auth", lambda _: self.fail("authentication failed"))
        self.add_event_handler("message", self.on_message)

    def fail(self, why):
        if not self.started.done():
            self.started.set_exception(RuntimeError(why))

    def on_start(self, _):
        ssl = self.transport.get_extra_info("ssl_object") if self.transport else None
        self.tls = ssl.version() if ssl else None
        self.send_presence()
        if not self.started.done():
            self.started.set_result(True)

    def on_message(self, message):
        if message["type"] in ("chat", "normal") and message["body"]:
            self.received.append(message["body"])


async def connect(jid, password, args):
    account = Account(jid, password, args.ca_cert)
    account.connect(address=(args.host, args.port), force_starttls=True, disable_starttls=False)
    await asyncio.wait_for(account.started, 60)
    if not account.tls:
        raise RuntimeError(f"{jid} is not on TLS")
    return account


async def wait_for(condition, what, timeout=60):
    deadline = time.monotonic() + timeout
    while not await condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting until {what}")
        await asyncio.sleep(0.5)


def received(account, bodies):
    async def check():
        return all(b in account.received for b in bodies)
    return check


async def history(account, peer, reverse, page_size):
    """The conversation with peer in the archive, oldest first, paged with RSM as a client does."""
    bodies = []
    async for page in account["xep_0313"].retrieve(with_jid=slixmpp.JID(peer), iterator=True, reverse=reverse,
                                                    rsm={"max": page_size}):
        results = [m["mam_result"]["forwarded"]["stanza"]["body"] for m in page["mam"]["results"]]
        bodies = results + bodies if reverse else bodies + results
    return bodies


async def discover(account, server, domains, names):
    items = await account["xep_0030"].get_items(jid=server, timeout=20)
    listed = {item[0]: item[2] for item in items["disco_items"]["items"]}
    for domain, name in zip(domains, names):
        print(f"disco#items of {server}: {domain} named {listed.get(domain)!r}")
        if listed.get(domain) != name:
            raise RuntimeError(f"{domain} is not listed as {name!r}")
        info = await account["xep_0030"].get_info(jid=domain, timeout=20)
        identities = [f"{i[0]}/{i[1]}/{i[3]}" for i in info["disco_info"]["identities"]]
        print(f"{domain}: identities {identities}, {len(info['disco_info']['features'])} features")
        if "urn:xmpp:ping" not in info["disco_info"]["features"]:
            raise RuntimeError(f"{domain} does not answer disco#info as a service")
    return listed


async def check(args):
    stamp = time.strftime("%H%M%S")
    client_jid, peer_jid = f"{args.prefix}{stamp}@{args.server}", f"{args.prefix}peer{stamp}@{args.server}"
    client = await connect(client_jid, "client-password", args)
    peer = await connect(peer_jid, "peer-password", args)
    print(f"registered {client_jid} and {peer_jid} over {client.tls}, the certificate trusted")

    await client["xep_0441"].set_preferences(default="always", timeout=20)
    default, _, _ = await client["xep_0441"].get_preferences(timeout=20)
    print(f"archiving preference: default={default}")
    if default != "always":
        raise RuntimeError("archiving did not turn on")

    for body in ONLINE:
        peer.send_message(mto=client_jid, mbody=body, mtype="chat")
    await wait_for(received(client, ONLINE), "the client received the messages sent while online")
    client.send_message(mto=peer_jid, mbody=REPLY, mtype="chat")
    await wait_for(received(peer, [REPLY]), "the peer received the reply")
    print("online: 2 received, 1 sent")

    client.disconnect()
    await client.disconnected
    for body in OFFLINE:
        peer.send_message(mto=client_jid, mbody=body, mtype="chat")
    await asyncio.sleep(0.5)
    client = await connect(client_jid, "client-password", args)
    await wait_for(received(client, OFFLINE), "the reconnected client received the offline messages")
    print(f"reconnected: received {client.received}")

    async def all_archived():
        return len(await history(client, peer_jid, reverse=False, page_size=70)) >= len(EXPECTED)
    await wait_for(all_archived, "the whole conversation is archived")
    backwards = await history(client, peer_jid, reverse=True, page_size=2)
    forwards = await history(client, peer_jid, reverse=False, page_size=70)
    print(f"history backwards, 2 per page: {backwards}")
    print(f"history forwards: {forwards}")
    for name, got in (("backwards", backwards), ("forwards", forwards)):
        if got != EXPECTED:
            raise RuntimeError(f"the history {name} is not the conversation once and in order")

    await discover(client, args.server, args.domains.split(","), args.names.split(","))
    for account in (client, peer):
        account.disconnect()
    print("OK")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5222)
    parser.add_argument("--server", default="localhost")
    parser.add_argument("--ca-cert", required=True, help="the server's certificate (or its CA), to trust")
    parser.add_argument("--prefix", default="matrix")
    parser.add_argument("--domains", default="privacy.localhost,upload.localhost,rooms.localhost")
    parser.add_argument("--names", default="Privacy service,File upload,Chat rooms")
    parser.add_argument("--debug", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.ERROR)
    logging.getLogger("asyncio").setLevel(logging.DEBUG if args.debug else logging.CRITICAL)
    try:
        asyncio.get_event_loop().run_until_complete(asyncio.wait_for(check(args), 240))
    except Exception as e:  # any failure is a failed check
        print(f"FAIL: {type(e).__name__}: {e}")
        sys.exit(1)


if __name__ == "__main__":
    main()
