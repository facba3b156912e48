"""In-band registration (XEP-0077) for the check scripts: the account is registered, or logged into when it
exists already (a `conflict` answer); any other refusal goes to `on_refused` with its condition."""
from slixmpp.exceptions import IqError


def register_in_band(client, on_refused, say=None):
    client.register_plugin("xep_0077")
    client._always_send_everything = True  # slixmpp queues IQs until the session starts; registration comes before
    client["xep_0077"].force_registration = True

    async def on_register(_):
        iq = client.Iq()
        iq["type"] = "set"
        iq["register"]["username"] = client.boundjid.user
        iq["register"]["password"] = client.password
        try:
            await iq.send(timeout=10)
            if say:
                say(f"registered {client.boundjid.bare}")
        except IqError as e:
            condition = e.iq["error"]["condition"]
            if condition != "conflict":
                on_refused(condition)
            elif say:
                say(f"{client.boundjid.bare} exists already; logging in")

    client.add_event_handler("register", on_register)


def refuse(condition):
    """The `on_refused` of a script that stops at the first failure."""
    raise RuntimeError(f"registration refused: {condition}")
