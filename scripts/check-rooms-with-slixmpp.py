#!/usr/bin/python3
"""Checks the rooms of a running XmppPrivacy with an independent client (slixmpp's xep_0045, Debian python3-slixmpp).

One or more accounts enter a room (the first creates it) and say 15 messages between them, taking turns; a
newcomer enters afterwards and must receive exactly the last ten, in order, each with a delay stamp, and the
subject after them. With --newcomer-only nobody speaks: a newcomer entering the same room later (after the
component was restarted, say) must again receive exactly those ten. Prints what it saw; exits 0 only if all of
that held. The accounts must exist.

    python3 scripts/check-rooms-with-slixmpp.py --port 5222 --speaker alice:secret --speaker bob:secret --newcomer carol:secret
    python3 scripts/check-rooms-with-slixmpp.py --port 5222 --newcomer-only --newcomer dave:secret
"""
import argparse
import asyncio
import logging
import sys

import slixmpp


class Occupant(slixmpp.ClientXMPP):
    def __init__(self, jid, password, room, nick):
        super().__init__(jid, password)
        self.room, self.nick = room, nick
        for plugin in ("xep_0030", "xep_0045", "xep_0203"):
            self.register_plugin(plugin)
        self["feature_mechanisms"].unencrypted_plain = True  # loopback only
        self.events = []  # ("message", body, stamp) and ("subject", text) in the order they came
        self.entered = asyncio.Event()
        self.started = asyncio.Event()
        self.add_event_handler("session_start", self.on_start)
        self.add_event_handler("groupchat_message", self.on_message)
        self.add_event_handler("groupchat_subject", self.on_subject)

    async def on_start(self, _):
        self.send_presence()
        self.started.set()

    def enter(self, history):
        # slixmpp asks for no history by default (maxchars=9); the newcomer asks for more than the room keeps.
        self["xep_0045"].join_muc(self.room, self.nick, maxhistory=history)

    def on_message(self, msg):
        if msg["body"]:
            stamp = msg["delay"]["stamp"] if msg.xml.find("{urn:xmpp:delay}delay") is not None else None
            self.events.append(("message", msg["body"], stamp))

    def on_subject(self, msg):
        self.events.append(("subject", msg["subject"]))
        self.entered.set()


async def run(args):
    def occupant(account, nick):
        user, password = account.split(":", 1)
        return Occupant(f"{user}@{args.server}", password, args.room, nick)

    speakers = [] if args.newcomer_only else [occupant(s, f"Speaker {k + 1}") for k, s in enumerate(args.speaker)]
    newcomer = occupant(args.newcomer, "Newcomer")
    for client in speakers + [newcomer]:
        client.connect(address=(args.host, args.port), disable_starttls=True, force_starttls=False)
    for k, speaker in enumerate(speakers):
        await asyncio.wait_for(speaker.started.wait(), 20)
        speaker.enter("0")
        await asyncio.wait_for(speaker.entered.wait(), 20)
        if k == 0:
            # The first speaker created the room, which stays locked (201) until its creator accepts the default
            # configuration with the empty instant-room form, as Gajim and Conversations do.
            await speaker["xep_0045"].set_room_config(args.room, speaker["xep_0004"].make_form(ftype="submit"))
    for i in range(1, 16 if speakers else 1):
        speakers[(i - 1) % len(speakers)].send_message(mto=args.room, mbody=f"slixmpp {i}", mtype="groupchat")
        await asyncio.sleep(0.05)
    for _ in range(100 if speakers else 0):
        if all(any(e[0] == "message" and e[1] == "slixmpp 15" for e in s.events) for s in speakers):
            break
        await asyncio.sleep(0.1)
    for k, speaker in enumerate(speakers):
        print(f"speaker {k + 1} saw {sum(1 for e in speaker.events if e[0] == 'message')} messages")
    await asyncio.wait_for(newcomer.started.wait(), 20)
    newcomer.enter("20")
    await asyncio.wait_for(newcomer.entered.wait(), 20)
    await asyncio.sleep(0.5)  # anything sent after the subject would show up here
    history = [e for e in newcomer.events if e[0] == "message"]
    print("newcomer saw: " + "; ".join(e[1] if e[0] == "message" else "subject" for e in newcomer.events))
    ok = [e[1] for e in history] == [f"slixmpp {i}" for i in range(6, 16)]
    ok = ok and all(e[2] is not None for e in history)
    ok = ok and newcomer.events and newcomer.events[-1][0] == "subject"
    for client in speakers + [newcomer]:
        client.disconnect()
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5222)
    parser.add_argument("--server", default="localhost")
    parser.add_argument("--room", default="slixmpp@rooms.localhost")
    parser.add_argument("--speaker", action="append", default=[], help="user:password (once per speaker)")
    parser.add_argument("--newcomer", required=True, help="user:password")
    parser.add_argument("--newcomer-only", action="store_true", help="nobody speaks; the room has its ten already")
    parser.add_argument("--debug", action="store_true")
    args = parser.parse_args()
    if not args.speaker and not args.newcomer_only:
        parser.error("give --speaker at least once, or --newcomer-only")
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.ERROR)
    try:
        ok = asyncio.get_event_loop().run_until_complete(asyncio.wait_for(run(args), 60))
    except Exception as e:  # report any failure as a failed check
        print(f"FAIL: {type(e).__name__}: {e}")
        ok = False
    print("ok" if ok else "FAIL: the newcomer did not get exactly the last ten messages with delays and then the subject")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
