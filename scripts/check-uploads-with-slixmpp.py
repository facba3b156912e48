#!/usr/bin/python3
"""Checks XmppPrivacy's file uploads with an independent client (slixmpp's xep_0363, Debian python3-slixmpp
and python3-aiohttp).

Logs in (or registers), finds the upload service through the server's disco#items, uploads a random file
to it, then to the upload and the clipboard services by name, downloads both over HTTP and compares them byte for byte, and asks for a
slot larger than the advertised maximum. With --expires-after N it then waits until the clipboard's file
(kept N seconds by a demo started with XMPPPRIVACY_Upload__Services=clipboard.localhost=Ns) is no longer
served; with --upload-expires-after M as well (XMPPPRIVACY_Upload__ExpiresAfter=Ms, M > N), that the upload
service's file is still served then and stops being served after its own retention. Prints what it saw;
exits 0 only if everything held.

    python3 scripts/check-uploads-with-slixmpp.py --port 5222 --user tester --password secret --register
"""
import argparse
import asyncio
import io
import logging
import os
import sys
import time

import aiohttp
import slixmpp

from inband import register_in_band


class Check(slixmpp.ClientXMPP):
    def __init__(self, jid, password, register, upload, clipboard, expires_after, upload_expires_after):
        super().__init__(jid, password)
        self.ok = False
        self.upload = upload
        self.clipboard = clipboard
        self.expires_after = expires_after
        self.upload_expires_after = upload_expires_after
        for plugin in ("xep_0030", "xep_0363"):
            self.register_plugin(plugin)
        if register:
            register_in_band(self, lambda condition: self.fail(f"registration refused: {condition}"), say=print)
        self.add_event_handler("session_start", self.on_start)
        self.add_event_handler("failed_auth", lambda _: self.fail("authentication failed"))

    def fail(self, why):
        print(f"FAIL: {why}")
        self.disconnect()

    async def upload_and_fetch(self, http, name, content_type):
        data = os.urandom(100_000)
        url = await self["xep_0363"].upload_file(name, size=len(data), content_type=content_type,
                                                 input_file=io.BytesIO(data), domain=self.boundjid.domain, timeout=10)
        async with http.get(url) as response:
            body = await response.read()
            if response.status != 200 or body != data:
                raise RuntimeError(f"{url} answered {response.status} with {len(body)} bytes, not the file")
            print(f"{self['xep_0363'].upload_service}: uploaded {name} and got it back byte-identical "
                  f"(Content-Disposition: {response.headers.get('Content-Disposition')})")
        return url

    async def wait_gone(self, http, url, service, expires_after):
        """Waits until the file at url is no longer served (404), at most expires_after plus two minutes."""
        deadline = time.monotonic() + expires_after + 120
        while True:
            async with http.get(url) as response:
                if response.status == 404:
                    print(f"{service}: the file is no longer served")
                    return
            if time.monotonic() > deadline:
                raise RuntimeError(f"{service}'s file is still served")
            await asyncio.sleep(1)

    async def discover(self):
        """What xep_0363's find_upload_service does; slixmpp 1.8.3's own passes coroutines to asyncio.wait,
        which Debian's Python 3.11 refuses."""
        upload = self["xep_0363"]
        items = await self["xep_0030"].get_items(jid=self.boundjid.domain, timeout=10)
        for jid, _, _ in items["disco_items"]["items"]:
            info = await self["xep_0030"].get_info(jid=jid, timeout=10)
            identities = {(i[0], i[1]) for i in info["disco_info"]["identities"]}
            if ("store", "file") in identities and "urn:xmpp:http:upload:0" in info["disco_info"]["features"]:
                upload.upload_service = slixmpp.JID(jid)
                for form in info["disco_info"].iterables:
                    values = form["values"]
                    if values.get("FORM_TYPE") == ["urn:xmpp:http:upload:0"]:
                        upload.max_file_size = int(values["max-file-size"])
                print(f"found {jid}: store/file, max-file-size {upload.max_file_size}")
                return
        raise RuntimeError("no upload service is listed by the server")

    async def on_start(self, _):
        upload = self["xep_0363"]
        try:
            await self.discover()
            async with aiohttp.ClientSession() as http:
                await self.upload_and_fetch(http, "photo.png", "image/png")
                print(f"max-file-size {upload.max_file_size}")
                try:
                    await upload.request_slot(upload.upload_service, "big.bin", int(upload.max_file_size) + 1, timeout=10)
                    raise RuntimeError("a slot above max-file-size was granted")
                except slixmpp.exceptions.IqError as e:
                    if e.iq["error"]["condition"] != "not-acceptable":
                        raise RuntimeError(f"oversize answered {e.iq['error']['condition']}")
                    print("oversize: not-acceptable")
                upload.upload_service = slixmpp.JID(self.upload)
                kept = await self.upload_and_fetch(http, "scan.pdf", "application/pdf")
                upload.upload_service = slixmpp.JID(self.clipboard)
                url = await self.upload_and_fetch(http, "note.txt", "text/plain")
                if self.expires_after is not None:
                    await self.wait_gone(http, url, self.clipboard, self.expires_after)
                if self.upload_expires_after is not None:
                    async with http.get(kept) as response:
                        if response.status != 200:
                            raise RuntimeError(f"{self.upload}'s file answered {response.status} before its own expiry")
                    print(f"{self.upload}: its file is still served")
                    await self.wait_gone(http, kept, self.upload, self.upload_expires_after)
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
    parser.add_argument("--upload", default="upload.localhost")
    parser.add_argument("--clipboard", default="clipboard.localhost")
    parser.add_argument("--expires-after", type=int, default=None, help="the clipboard's retention in seconds")
    parser.add_argument("--upload-expires-after", type=int, default=None,
                        help="the upload service's retention in seconds (longer than the clipboard's)")
    parser.add_argument("--debug", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.ERROR)
    logging.getLogger("asyncio").setLevel(logging.DEBUG if args.debug else logging.CRITICAL)

    client = Check(f"{args.user}@{args.server}", args.password, args.register, args.upload, args.clipboard, args.expires_after,
                   args.upload_expires_after)
    client["feature_mechanisms"].unencrypted_plain = True  # loopback only
    client.connect(address=(args.host, args.port), disable_starttls=True, force_starttls=False)
    timeout = 60 + max(args.expires_after or 0, args.upload_expires_after or 0) + 120
    try:
        asyncio.get_event_loop().run_until_complete(asyncio.wait_for(client.disconnected, timeout))
    except asyncio.TimeoutError:
        print("FAIL: timed out")
    sys.exit(0 if client.ok else 1)


if __name__ == "__main__":
    main()
