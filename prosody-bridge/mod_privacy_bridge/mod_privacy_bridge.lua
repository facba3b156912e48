-- mod_privacy_bridge: tells the XmppPrivacy component what happens on this host.
--
-- Thin by design: hook, stamp, forward. Every decision (what to keep, for how long,
-- what to do about it) belongs to the component. The protocol is described in
-- docs/bridge-protocol.md of the XmppPrivacy repository.
--
-- Nothing of a session is sent but the username: no IP address, no resource.

local st = require "util.stanza";
local id = require "util.id";
local jid_prep = require "util.jid".prep;
local time_now = require "util.time".now;

local xmlns_bridge = "urn:xmppprivacy:bridge:0";
local protocol_version = "0";

if module:get_host_type() ~= "local" then
	error("mod_privacy_bridge must be loaded on a VirtualHost, not on the component "..module.host, 0);
end

local component_jid = module:get_option_string("privacy_bridge_component", "privacy."..module.host);
if jid_prep(component_jid) ~= component_jid or component_jid == module.host then
	error("privacy_bridge_component must be the normalized JID of the XmppPrivacy component, got: "..component_jid, 0);
end

local function unix_ms(seconds)
	return ("%d"):format(math.floor(seconds * 1000));
end

local function send_event(name, attr)
	attr.xmlns = xmlns_bridge;
	local message = st.message({ from = module.host, to = component_jid, id = id.short() }):tag(name, attr);
	module:log("debug", "Sending <%s/> to %s", name, component_jid);
	module:send(message);
end

-- The component asks who we are; only the configured component gets an answer.
module:hook("iq-get/host/"..xmlns_bridge..":hello", function (event)
	local origin, stanza = event.origin, event.stanza;
	if stanza.attr.from ~= component_jid then
		module:log("debug", "Refusing bridge hello from %s", stanza.attr.from);
		origin.send(st.error_reply(stanza, "cancel", "forbidden"));
		return true;
	end
	origin.send(st.reply(stanza):tag("hello", {
		xmlns = xmlns_bridge;
		protocol = protocol_version;
		prosody = prosody.version;
		started = unix_ms(prosody.start_time);
	}));
	return true;
end);

local function session_handler(event_name)
	return function (event)
		local session = event.session;
		if session.host ~= module.host or not session.username then
			return;
		end
		send_event("session", { event = event_name; user = session.username; at = unix_ms(time_now()) });
	end;
end

module:hook("resource-bind", session_handler("start"));
module:hook("resource-unbind", session_handler("end"));

-- Accounts: in-band registrations (user-registered fires on the host) and deletions
-- (user-deleted is fired globally). Only the username, never the session's address.
local function account_handler(event_name)
	return function (event)
		if event.host ~= module.host or not event.username then
			return;
		end
		send_event("account", { event = event_name; user = event.username; at = unix_ms(time_now()) });
	end;
end

module:hook("user-registered", account_handler("registered"));
module:hook_global("user-deleted", account_handler("deleted"));
