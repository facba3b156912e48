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

local xmlns_bridge = "urn:xmppprivacy:bridge:1";
local protocol_version = "1";

if module:get_host_type() ~= "local" then
	error("mod_privacy_bridge must be loaded on a VirtualHost, not on the component "..module.host, 0);
end

-- Two archives would break the promise (Prosody's mod_mam keeps everything, by default for everyone).
local modulemanager = require "core.modulemanager";
local mam_message = "mod_privacy_bridge cannot run next to mod_mam on "..module.host
	..": XmppPrivacy keeps the archive; remove \"mam\" from modules_enabled";
if modulemanager.is_loaded(module.host, "mam") then
	error(mam_message, 0);
end

local component_jid = module:get_option_string("privacy_bridge_component", "privacy."..module.host);
if jid_prep(component_jid) ~= component_jid or component_jid == module.host then
	error("privacy_bridge_component must be the normalized JID of the XmppPrivacy component, got: "..component_jid, 0);
end

local function unix_ms(seconds)
	return ("%d"):format(math.floor(seconds * 1000));
end

-- Events wait in a bounded queue and go out in order, in batches: one IQ carries the events queued
-- at the time (up to privacy_bridge_batch_size events, about 256 KiB and 2,000 elements: well within
-- the component's default stanza limits of 1 MiB and 5,000 elements), and up to batches_in_flight
-- batches are on their way at once, so a busy event loop still moves thousands of events a second.
-- Events leave the queue only when the component acknowledged their batch. While the component is
-- away (Prosody queues nothing for a disconnected component) they stay here; its next <hello/>
-- starts the replay.
local queue_size = math.max(1, module:get_option_number("privacy_bridge_queue_size", 10000));
local batch_size = math.max(1, math.min(1000, module:get_option_number("privacy_bridge_batch_size", 250)));
local batch_bytes, batch_elements, batches_in_flight = 256 * 1024, 2000, 16;
-- Per queued event: the event, its size in bytes and its number of elements.
local queue, sizes, weights, head, tail = {}, {}, {}, 1, 0;
-- sent: how many events from the head on are in batches sent (not yet all acknowledged); in_flight:
-- how many of those batches await their answer; acked: batches acknowledged ahead of an older one.
local sent, in_flight, acked = 0, 0, {};
local component_ready, warned_full = false, false;
-- Counts restarts of the sending: each greeting of the component, and each failure. Answers (or
-- timeouts) for batches sent before belong to a connection that is gone or to a failed round: they
-- are ignored and the events are sent again, so a component killed with batches in flight does not
-- stall the queue until those IQs time out.
local generation = 0;

local function queued()
	return tail - head + 1;
end

local pump;

-- After a failure the same events are tried again after retry_delay seconds (5, doubling up to 60),
-- or at once when the component greets us again; until then sending waits.
local retry_delay, retry_pending, waiting = nil, false, false;

local function restart()
	generation, sent, in_flight, acked = generation + 1, 0, 0, {};
end

local function acknowledged(first, count)
	acked[first] = count;
	while acked[head] do
		local n = acked[head];
		acked[head] = nil;
		for i = head, head + n - 1 do
			queue[i], sizes[i], weights[i] = nil, nil, nil;
		end
		head, sent = head + n, sent - n;
	end
	retry_delay = nil;
	pump();
end

local function failed(first, count, error_type, condition)
	-- Only a malformed batch (modify) is refused for good: drop it so it does not block the rest.
	if error_type == "modify" then
		module:log("warn", "The component refused %d bridge events (%s); dropped", count, tostring(condition));
		return acknowledged(first, count);
	end
	-- Anything else keeps the events: Prosody answering for a disconnected component
	-- (wait/remote-server-timeout, cancel/service-unavailable), a timeout, or the component unable to
	-- store them just now (wait/resource-constraint when its disk is full, internal-server-error).
	restart();
	waiting, retry_delay = true, math.min((retry_delay or 2.5) * 2, 60);
	module:log("debug", "Bridge events not delivered (%s); keeping %d events, next try in %ds",
		tostring(condition), queued(), retry_delay);
	if not retry_pending then
		retry_pending = true;
		module:add_timer(retry_delay, function ()
			retry_pending, waiting = false, false;
			pump();
		end);
	end
end

local function send_batch()
	local batch = st.iq({ type = "set", from = module.host, to = component_jid, id = id.medium() })
		:tag("batch", { xmlns = xmlns_bridge });
	local first, count, bytes, elements = head + sent, 0, 0, 0;
	repeat
		local i = first + count;
		batch:add_child(queue[i]);
		bytes, elements, count = bytes + sizes[i], elements + weights[i], count + 1;
		local next_i = first + count;
	until count == batch_size or next_i > tail
		or bytes + sizes[next_i] > batch_bytes or elements + weights[next_i] > batch_elements;
	sent, in_flight = sent + count, in_flight + 1;
	local sent_in = generation;
	module:send_iq(batch:reset(), nil, 30):next(function (response)
		if sent_in ~= generation then
			return;
		end
		in_flight = in_flight - 1;
		-- send_iq also resolves with an error stanza when the reply came straight back (a bounce).
		local reply = response and response.stanza;
		if reply and reply.attr.type == "error" then
			local error_type, condition = reply:get_error();
			return failed(first, count, error_type, condition);
		end
		acknowledged(first, count);
	end, function (err)
		if sent_in ~= generation then
			return;
		end
		in_flight = in_flight - 1;
		failed(first, count, err and err.type, err and err.condition);
	end);
end

pump = function ()
	while component_ready and not waiting and in_flight < batches_in_flight and head + sent <= tail do
		send_batch();
	end
end

-- The queue is full: message copies go first, then session events; account events (registrations,
-- deletions) are never dropped, and neither is anything in flight. Returns false if nothing could go.
local function drop_one()
	for _, kind in ipairs({ "message-copy", "session" }) do
		for i = head + sent, tail do
			if queue[i].name == kind then
				for j = i, tail - 1 do
					queue[j], sizes[j], weights[j] = queue[j + 1], sizes[j + 1], weights[j + 1];
				end
				queue[tail], sizes[tail], weights[tail], tail = nil, nil, nil, tail - 1;
				return true;
			end
		end
	end
	return false;
end

local function count_elements(tag)
	local n = 1;
	for _, child in ipairs(tag.tags) do
		n = n + count_elements(child);
	end
	return n;
end

local function send_event(name, attr, child)
	attr.xmlns = xmlns_bridge;
	if queued() >= queue_size and drop_one() and not warned_full then
		module:log("warn", "Bridge queue full (%d events): dropping the oldest message copies until the component is back", queue_size);
		warned_full = true;
	end
	local event = st.stanza(name, attr);
	if child then
		event:add_child(child);
	end
	tail = tail + 1;
	queue[tail], sizes[tail], weights[tail] = event, #tostring(event), count_elements(event);
	module:log("debug", "Queued <%s/> for %s (%d waiting)", name, component_jid, queued());
	pump();
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
		queued = ("%d"):format(queued());
	}));
	-- The component is (back) here: replay what waited, starting with an event that was in flight
	-- (the component stores each event once, so sending it again is safe).
	restart();
	component_ready, warned_full, waiting, retry_delay = true, false, false, nil;
	pump();
	return true;
end);

-- Incarnation markers. An account deleted and created again under the same name (prosodyctl deluser and
-- adduser, a restored backup, another tool) fires no event here, yet it is someone else. Each account
-- stored by Prosody's internal_hashed has a random salt, made new when it is created: the bridge reports
-- a keyed hash of it (HMAC-SHA-256 with a secret kept in this module's storage, shortened), never the
-- salt or anything else of the credential, and the component compares. A password change makes a new
-- salt too; the bridge keeps the account's marker across the changes it sees (user-password-changed: in-band,
-- prosodyctl shell user:password). Accounts without a salt (other auth providers) get no marker.
local hmac_sha256 = require "util.hashes".hmac_sha256;
local accounts_store = module:open_store("accounts");
local state_store = module:open_store("privacy_bridge");
local markers_store = module:open_store("privacy_bridge_markers");

local marker_secret do
	local saved = state_store:get("@secret");
	marker_secret = saved and saved.key;
	if not marker_secret then
		marker_secret = require "util.hex".to(require "util.random".bytes(32));
		local ok, err = state_store:set("@secret", { key = marker_secret });
		if not ok then
			error("mod_privacy_bridge could not store its marker secret: "..tostring(err), 0);
		end
	end
end

local function salt_mac(username)
	local account = accounts_store:get(username);
	local salt = account and account.salt;
	if type(salt) ~= "string" or salt == "" then
		return nil;
	end
	return hmac_sha256(marker_secret, salt, true):sub(1, 32);
end

-- The marker of the account as it is stored now, or nil.
local function marker_of(username)
	local mac = salt_mac(username);
	if not mac then
		return nil;
	end
	local known = markers_store:get(username);
	if known and known.mac == mac then
		return known.marker;
	end
	markers_store:set(username, { mac = mac; marker = mac });
	return mac;
end

module:hook_global("user-password-changed", function (event)
	if event.host ~= module.host or not event.username then
		return;
	end
	local known = markers_store:get(event.username);
	local mac = salt_mac(event.username);
	if known and mac then
		markers_store:set(event.username, { mac = mac; marker = known.marker });
	end
end);

-- The component asks which of the accounts it holds data for still exist (accounts deleted with
-- `prosodyctl deluser` fire no event); it purges the others.
local user_exists = require "core.usermanager".user_exists;
local max_accounts = 1000;

module:hook("iq-get/host/"..xmlns_bridge..":accounts", function (event)
	local origin, stanza = event.origin, event.stanza;
	if stanza.attr.from ~= component_jid then
		origin.send(st.error_reply(stanza, "cancel", "forbidden"));
		return true;
	end
	local query = stanza.tags[1];
	local reply = st.reply(stanza):tag("accounts", { xmlns = xmlns_bridge; at = unix_ms(time_now()) });
	local count = 0;
	for user in query:childtags("user") do
		count = count + 1;
		if count > max_accounts then
			origin.send(st.error_reply(stanza, "modify", "not-acceptable", "At most 1000 accounts per query"));
			return true;
		end
		local name = user:get_text();
		if name and user_exists(name, module.host) then
			reply:text_tag("user", name, { marker = marker_of(name) });
		end
	end
	origin.send(reply);
	return true;
end);

local function session_handler(event_name)
	return function (event)
		local session = event.session;
		if session.host ~= module.host or not session.username then
			return;
		end
		send_event("session", {
			event = event_name; user = session.username; at = unix_ms(time_now()); marker = marker_of(session.username);
		});
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
		local marker;
		if event_name == "registered" then
			marker = marker_of(event.username);
		else
			markers_store:set(event.username, nil);
		end
		send_event("account", { event = event_name; user = event.username; at = unix_ms(time_now()); marker = marker });
	end;
end

module:hook("user-registered", account_handler("registered"));
module:hook_global("user-deleted", account_handler("deleted"));

-- Archive copies (XEP-0313 archive kept by the component). The component tells us which users have
-- archiving on (<archiving/>); for them only, each archivable one-to-one message is copied to the
-- component, and incoming ones are stamped with the XEP-0359 stanza-id the archive will use.
-- Whether a copy is kept (preferences, JID lists) is the component's decision.
local xmlns_sid = "urn:xmpp:sid:0";
local xmlns_hints = "urn:xmpp:hints";
local jid_split, jid_bare = require "util.jid".split, require "util.jid".bare;
local archiving, archiving_default = {}, false;
local mam_loaded = false;

-- mod_mam loaded after us: log it loudly and copy nothing more, rather than feed two archives.
module:hook("module-loaded", function (event)
	if event.host == module.host and event.module == "mam" then
		mam_loaded = true;
		module:log("error", "%s", mam_message);
	end
end);

local function archives(username)
	if mam_loaded then
		return false;
	end
	local setting = archiving[username];
	if setting == nil then
		return archiving_default;
	end
	return setting;
end

module:hook("iq-set/host/"..xmlns_bridge..":archiving", function (event)
	local origin, stanza = event.origin, event.stanza;
	if stanza.attr.from ~= component_jid then
		origin.send(st.error_reply(stanza, "cancel", "forbidden"));
		return true;
	end
	local list = stanza.tags[1];
	if list.attr.replace == "true" then
		archiving, archiving_default = {}, list.attr.default == "true";
	end
	for user in list:childtags("user") do
		local name = user.attr.name;
		if name then
			archiving[name] = user.attr.archive == "true";
		end
	end
	origin.send(st.reply(stanza));
	return true;
end);

local function archivable(stanza)
	local message_type = stanza.attr.type or "normal";
	if message_type ~= "chat" and message_type ~= "normal" then
		return false;
	end
	if not stanza:get_child("body") then
		return false;
	end
	return not (stanza:get_child("no-store", xmlns_hints) or stanza:get_child("no-permanent-store", xmlns_hints));
end

-- Only this server makes archive claims (an XEP-0359 <stanza-id/>, the legacy <archived/> of
-- urn:xmpp:mam:tmp) for its accounts and for the component, and it adds them itself: any such claim
-- that a client or another server put into a message is forged, in either direction. A claim without
-- a valid "by" is nobody's and is dropped too; claims of other entities (a MUC elsewhere) stay.
local xmlns_mam_tmp = "urn:xmpp:mam:tmp";

local function forged_claim(tag)
	local name, xmlns = tag.name, tag.attr.xmlns;
	if not ((name == "stanza-id" and xmlns == xmlns_sid) or (name == "archived" and xmlns == xmlns_mam_tmp)) then
		return false;
	end
	local by = tag.attr.by and jid_prep(tag.attr.by);
	if not by then
		return true;
	end
	local _, by_host = jid_split(by);
	return by_host == module.host or by_host == component_jid;
end

local function keep_tag(tag)
	if forged_claim(tag) then
		return nil;
	end
	return tag;
end

-- Cheap when there is nothing to remove (the usual case): one look at each top-level child.
local function strip_claims(stanza)
	for _, tag in ipairs(stanza.tags) do
		if forged_claim(tag) then
			stanza:maptags(keep_tag);
			return;
		end
	end
end

local function copy(owner, direction, with, stanza, stanza_id)
	local message = st.clone(stanza);
	message.attr.xmlns = "jabber:client";
	send_event("message-copy", {
		owner = owner; direction = direction; with = with; id = stanza_id; at = unix_ms(time_now());
	}, message);
end

local function outgoing(event)
	local origin, stanza = event.origin, event.stanza;
	if origin.type ~= "c2s" or origin.host ~= module.host or not origin.username then
		return;
	end
	strip_claims(stanza);
	if not (archives(origin.username) and archivable(stanza) and stanza.attr.to) then
		return;
	end
	local with = jid_bare(stanza.attr.to);
	-- A message to one's own account is archived once, when it arrives (incoming).
	if with ~= origin.username.."@"..origin.host then
		copy(origin.username, "out", with, stanza, id.long());
	end
end

local function incoming(event)
	local stanza = event.stanza;
	local username, host = jid_split(stanza.attr.to);
	if host ~= module.host or not username then
		return;
	end
	strip_claims(stanza);
	if archives(username) and archivable(stanza) and stanza.attr.from then
		local stanza_id = id.long();
		stanza:tag("stanza-id", { xmlns = xmlns_sid; id = stanza_id; by = username.."@"..host }):up();
		copy(username, "in", jid_bare(stanza.attr.from), stanza, stanza_id);
	end
end

module:hook("pre-message/bare", outgoing, 1);
module:hook("pre-message/full", outgoing, 1);
module:hook("message/bare", incoming, 1);
module:hook("message/full", incoming, 1);
