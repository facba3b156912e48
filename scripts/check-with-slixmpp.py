#!/usr/bin/python3
"""Checks a running XmppPrivacy with an independent client (slixmpp, Debian python3-slixmpp).

Registers an account in-band (or logs in), lists the server's disco#items, and asks each component
domain for disco#info, ping and version. Prints what it saw; exits 0 only if every answer came.

    python3 scripts/check-with-slixmpp.py --port 5222 --user tester --password secret --register
"""
import argparse
import asyncio
import logging
import sys

import slixmpp

from inband import register_in_band


class Check(slixmpp.ClientXMPP):
    def __init__(self, jid, password, domains, register):
        super().__init__(jid, password)
        self.domains = domains
        self.ok = False
        for plugin in ("xep_0030", "xep_0199", "xep_0092"):
            self.register_plugin(plugin)
        if register:
            register_in_band(self, lambda condition: self.fail(f"registration refused: {condition}"), say=print)
        self.add_event_handler("session_start", self.on_start)
        self.add_event_handler("failed_auth", lambda _: self.fail("authentication failed"))

    def fail(self, why):
        print(f"FAIL: {why}")
        self.disconnect()

    async def on_start(self, _):
        try:
            items = await self["xep_0030"].get_items(jid=self.boundjid.domain, timeout=10)
            found = {item[0] for item in items["disco_items"]["items"]}
            print(f"disco#items of {self.boundjid.domain}: {', '.join(sorted(found))}")
            for domain in self.domains:
                if domain not in found:
                    raise RuntimeError(f"{domain} is not listed by the server")
                info = await self["xep_0030"].get_info(jid=domain, timeout=10)
                identities = [f"{i[0]}/{i[1]}" for i in info["disco_info"]["identities"]]
                features = sorted(info["disco_info"]["features"])
                rtt = await self["xep_0199"].ping(jid=domain, timeout=10)
                version = await self["xep_0092"].get_version(domain, timeout=10)
                print(f"{domain}: identities {identities}, features {features}, "
                      f"ping {rtt * 1000:.1f} ms, version {version['software_version']['name']} "
                      f"{version['software_version']['version']}")
            self.ok = True
        except Exception as e:  # report any failure as a failed check
            print(f"FAIL: {type(e).__name__}: {e}")
        self.disconnect()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5222)
    parser.add_argument("--server", default="localhost")
    parser.add_argument("--user", default="tester")
    parser.add_argument("--password", default="tester-password")
    parser.add_argument("--register", action="store_true")
    parser.add_argument("--domains", default="privacy.localhost,upload.localhost,rooms.localhost")
    parser.add_argument("--debug", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.ERROR)
    logging.getLogger("asyncio").setLevel(logging.DEBUG if args.debug else logging.CRITICAL)

    client = Check(f"{args.user}@{args.server}", args.password, args.domains.split(","), args.register)
    client["feature_mechanisms"].unencrypted_plain = True  # loopback only
    client.connect(address=(args.host, args.port), disable_starttls=True, force_starttls=False)
    try:
        asyncio.get_event_loop().run_until_complete(asyncio.wait_for(client.disconnected, 60))
    except asyncio.TimeoutError:
        print("FAIL: timed out")
    sys.exit(0 if client.ok else 1)


if __name__ == "__main__":
    main()
