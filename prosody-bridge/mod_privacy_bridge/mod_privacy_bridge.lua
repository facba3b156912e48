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
-- the component's default stanza limits of 1 MiB and 5,000 elements). One batch is on its way at a time,
-- unless there is enough for full ones (then up to batches_in_flight), so a busy event loop moves thousands
-- of events a second in few, large batches.
-- Events leave the queue only when the component acknowledged their batch. While the component is
-- away (Prosody queues nothing for a disconnected component) they stay here; its next <hello/>
-- starts the replay.
local queue_size = math.max(1, module:get_option_number("privacy_bridge_queue_size", 10000));
local batch_size = math.max(1, math.min(1000, module:get_option_number("privacy_bridge_batch_size", 250)));
local batch_bytes, batch_elements, batches_in_flight = 256 * 1024, 2000, 16;

-- What survives. Account and session events are written to Prosody's storage when they are queued and
-- removed when the component acknowledged them (or they were dropped): a restart, a crash or a reload
-- keeps them. Message copies stay in memory while Prosody runs: writing and removing one record per copy
-- costs about 0.4 ms of Prosody's one thread with internal storage (measured), as much as everything
-- else the bridge does for a copy. They are written out together, once, when Prosody stops or the
-- module is unloaded or reloaded, and read back when it loads; only a crash loses them.
local queue_store = module:open_store("privacy_bridge_queue");
local state_store = module:open_store("privacy_bridge");
local persisted = { account = true, session = true };

-- The queue holds positions head..tail: the event at each (nil once dropped), its size in bytes, its
-- number of elements and its sequence number (its storage key, and its order across restarts).
local queue, sizes, weights, seqs = {}, {}, {}, {};
local head, tail, live, next_seq = 1, 0, 0, 1;

-- When the queue is full, message copies go first, then session events, account events last. Per kind,
-- the positions of the events not sent yet, oldest first, so a drop takes the front of one list: O(1).
local drop_order = { "message-copy", "session", "account" };
local unsent, dropped, unreported, warned = {}, {}, {}, {};
for _, kind in ipairs(drop_order) do
	unsent[kind], dropped[kind], unreported[kind] = { first = 1, last = 0 }, 0, 0;
end

local function push_back(list, pos)
	list.last = list.last + 1;
	list[list.last] = pos;
end

local function push_front(list, pos)
	list.first = list.first - 1;
	list[list.first] = pos;
end

local function pop_front(list)
	local pos = list[list.first];
	list[list.first], list.first = nil, list.first + 1;
	return pos;
end

-- sent: how many positions from the head on are in batches sent (not yet all acknowledged); in_flight:
-- how many of those batches await their answer; acked: batches acknowledged ahead of an older one.
local sent, in_flight, acked = 0, 0, {};
-- Drops not yet reported to the component: one batch at a time carries a <dropped/> with the counts.
local report_in_flight = false;
local component_ready, unloaded = false, false;
-- Each greeting of the component, and each failure, restarts the sending (restart, below): answers (or
-- timeouts) for batches sent before belong to a connection that is gone or to a failed round: they are
-- ignored and the events are sent again, so a component killed with batches in flight does not stall the
-- queue until those batches time out.
-- Batches on their way: id -> { first, span, count, report, sent (time) }. A restart forgets them all, so a late
-- answer to one of them is ignored (it then goes on to Prosody's mod_iq, which drops it).
local batches = {};

local pump;

-- After a failure the same events are tried again after retry_delay seconds (5, doubling up to 60),
-- or at once when the component greets us again; until then sending waits.
local retry_delay, retry_pending, waiting = nil, false, false;

-- Takes the event at pos out of the queue (and out of storage).
local function forget(pos)
	local event = queue[pos];
	if not event then
		return;
	end
	if persisted[event.name] then
		queue_store:set(("%d"):format(seqs[pos]), nil);
	end
	queue[pos], sizes[pos], weights[pos], seqs[pos], live = nil, nil, nil, nil, live - 1;
end

-- Everything sent but not acknowledged is unsent again, and goes out again from the head on.
local function restart()
	for pos = head + sent - 1, head, -1 do
		local event = queue[pos];
		if event then
			push_front(unsent[event.name], pos);
		end
	end
	batches, sent, in_flight, acked, report_in_flight = {}, 0, 0, {}, false;
end

local function reported(report)
	if report then
		for kind, n in pairs(report) do
			unreported[kind] = unreported[kind] - n;
		end
		report_in_flight = false;
	end
end

local function acknowledged(first, span, report)
	reported(report);
	if span > 0 then
		acked[first] = span;
	end
	while acked[head] do
		local n = acked[head];
		acked[head] = nil;
		for pos = head, head + n - 1 do
			forget(pos);
		end
		head, sent = head + n, sent - n;
	end
	retry_delay = nil;
	pump();
end

local function failed(first, span, count, report, error_type, condition)
	-- Only a malformed batch (modify) is refused for good: drop it so it does not block the rest.
	if error_type == "modify" then
		module:log("warn", "The component refused %d bridge events (%s); dropped", count, tostring(condition));
		return acknowledged(first, span, report);
	end
	-- Anything else keeps the events: Prosody answering for a disconnected component
	-- (wait/remote-server-timeout, cancel/service-unavailable), a timeout, or the component unable to
	-- store them just now (wait/resource-constraint when its disk is full, internal-server-error).
	restart();
	waiting, retry_delay = true, math.min((retry_delay or 2.5) * 2, 60);
	module:log("debug", "Bridge events not delivered (%s); keeping %d events, next try in %ds",
		tostring(condition), live, retry_delay);
	if not retry_pending then
		retry_pending = true;
		module:add_timer(retry_delay, function ()
			retry_pending, waiting = false, false;
			pump();
		end);
	end
end

local function unreported_drops()
	if report_in_flight then
		return nil;
	end
	local report;
	for kind, n in pairs(unreported) do
		if n > 0 then
			report = report or {};
			report[kind] = n;
		end
	end
	return report;
end

-- Batches go to the component as text, written once and handed to its XEP-0114 session as they are (what
-- mod_component's own handler does for a stanza routed to it, minus the routing: no stanza is built, no
-- pre-iq/iq hooks run, and the text is not serialised again). The answers are matched by id in one iq/host hook
-- (below); a batch unanswered after batch_timeout seconds counts as failed.
local batch_timeout = 30;
local xml_escape = st.xml_escape;
local get_module = modulemanager.get_module;
local batch_prefix, batch_counter = id.short(), 0;
local watchdog_pending = false;

local function event_text(event)
	local xml = event.xml;
	if not xml then
		return tostring(event);
	end
	local attr = event.attr;
	local peer_id = attr["peer-id"];
	return "<message-copy owner='"..attr.owner.."' direction='"..attr.direction.."' with='"..xml_escape(attr.with)
		.."' id='"..attr.id..(peer_id and ("' peer-id='"..peer_id) or "").."' at='"..attr.at.."'>"..xml.."</message-copy>";
end

local function watchdog()
	local now, late = time_now(), nil;
	for batch_id, batch in pairs(batches) do
		if now - batch.sent >= batch_timeout and (not late or batch.first < batches[late].first) then
			late = batch_id;
		end
	end
	if late then
		local batch = batches[late];
		batches[late] = nil;
		in_flight = in_flight - 1;
		failed(batch.first, batch.span, batch.count, batch.report, "wait", "remote-server-timeout");
	end
	if next(batches) then
		return batch_timeout / 3;
	end
	watchdog_pending = false;
end

local function send_batch()
	local report = unreported_drops();
	batch_counter = batch_counter + 1;
	local batch_id = batch_prefix..("%x"):format(batch_counter);
	local parts = { "<iq type='set' from='", module.host, "' to='", component_jid, "' id='", batch_id,
		"'><batch xmlns='", xmlns_bridge, "'>" };
	if report then
		local counts = {};
		for kind, n in pairs(report) do
			counts[#counts + 1] = (" %s='%d'"):format(kind, n);
		end
		parts[#parts + 1] = "<dropped"..table.concat(counts).."/>";
		report_in_flight = true;
	end
	-- A batch covers the positions from first to first + span - 1, dropped ones included.
	local first, span, count, bytes, elements = head + sent, 0, 0, 0, 0;
	while first + span <= tail do
		local pos = first + span;
		local event = queue[pos];
		if event then
			if count > 0 and (count == batch_size or bytes + sizes[pos] > batch_bytes or elements + weights[pos] > batch_elements) then
				break;
			end
			parts[#parts + 1] = event_text(event);
			pop_front(unsent[event.name]);
			bytes, elements, count = bytes + sizes[pos], elements + weights[pos], count + 1;
		end
		span = span + 1;
	end
	sent = sent + span;
	if count == 0 and not report then
		return acknowledged(first, span); -- only dropped events were left
	end
	parts[#parts + 1] = "</batch></iq>";
	in_flight = in_flight + 1;
	-- mod_component's instance on the component's host keeps the connected session (false when there is none).
	local component = get_module(component_jid, "component");
	local session = component and component.session;
	if not session then
		-- What Prosody answers for a component that is not connected.
		in_flight = in_flight - 1;
		return failed(first, span, count, report, "wait", "remote-server-timeout");
	end
	batches[batch_id] = { first = first; span = span; count = count; report = report; sent = time_now() };
	if not watchdog_pending then
		watchdog_pending = true;
		module:add_timer(batch_timeout / 3, watchdog);
	end
	session.send(table.concat(parts));
end

-- The component's answer to a batch: an empty result, or an error.
module:hook("iq/host", function (event)
	local stanza = event.stanza;
	local batch = batches[stanza.attr.id];
	if not batch or stanza.attr.from ~= component_jid or unloaded then
		return;
	end
	local iq_type = stanza.attr.type;
	if iq_type ~= "result" and iq_type ~= "error" then
		return;
	end
	batches[stanza.attr.id] = nil;
	in_flight = in_flight - 1;
	if iq_type == "error" then
		local error_type, condition = stanza:get_error();
		failed(batch.first, batch.span, batch.count, batch.report, error_type, condition);
	else
		acknowledged(batch.first, batch.span, batch.report);
	end
	return true;
end, 10);

-- With a batch on its way, another goes out only when it can be full: what comes meanwhile waits for the
-- answer and goes out with it, so a busy server sends fewer, larger batches (fewer answers to read, fewer
-- transactions in the component) instead of one small batch per turn of its event loop.
pump = function ()
	while component_ready and not waiting and not unloaded and in_flight < batches_in_flight
		and (in_flight == 0 or tail - (head + sent) + 1 >= batch_size)
		and (head + sent <= tail or unreported_drops()) do
		send_batch();
	end
end

local function count_drop(kind)
	dropped[kind], unreported[kind] = dropped[kind] + 1, unreported[kind] + 1;
	if not warned[kind] then
		warned[kind] = true;
		module:log("warn", "Bridge queue full (%d events) while the component is away: dropping %s events"
			.." (message copies first, then session events, account events last); counted and reported to the component",
			queue_size, kind);
	end
end

-- The queue is full: makes room for an event of kind incoming, or returns false when that event itself
-- is the one to go (nothing of a lower kind waits, or everything waiting is already on its way).
local function make_room(incoming)
	-- Batches on their way to a component whose connection has closed will never be answered: their events wait
	-- again (they go out after its next hello) and make room in order like any other, instead of holding the
	-- queue until the watchdog gives up on them while newer account events are dropped.
	if sent > 0 then
		local component = get_module(component_jid, "component");
		if not (component and component.session) then
			component_ready = false;
			restart();
		end
	end
	for _, kind in ipairs(drop_order) do
		local list = unsent[kind];
		if list.first <= list.last then
			forget(pop_front(list));
			count_drop(kind);
			return true;
		end
		if kind == incoming then
			count_drop(kind);
			return false;
		end
	end
	count_drop(incoming);
	return false;
end

-- An event's size in bytes (an upper bound: what event_text writes, the escaping of "with" at its longest) and
-- its number of elements, which bound a batch. A message copy is text already (its size is known); its elements
-- are counted in one walk over the tags, without serialising anything.
local function count_elements(tag)
	local elements = 1;
	local tags = tag.tags;
	for i = 1, #tags do
		elements = elements + count_elements(tags[i]);
	end
	return elements;
end

local function measure(event)
	if event.xml then
		local attr = event.attr;
		return #event.xml + #attr.owner + #attr.with * 6 + #attr.id + 100, event.elements + 1;
	end
	return #tostring(event), count_elements(event);
end

-- Queues an event; stored is true when it is in storage already (read back at load).
local function enqueue(event, seq, stored)
	if live >= queue_size and not make_room(event.name) then
		if stored then
			queue_store:set(("%d"):format(seq), nil);
		end
		return;
	end
	tail, live = tail + 1, live + 1;
	queue[tail], seqs[tail] = event, seq;
	sizes[tail], weights[tail] = measure(event);
	push_back(unsent[event.name], tail);
	if persisted[event.name] and not stored then
		local ok, err = queue_store:set(("%d"):format(seq), st.preserialize(event)); -- never a message copy
		if not ok then
			module:log("warn", "Could not keep a bridge %s event in storage (%s); it waits in memory only", event.name, tostring(err));
		end
	end
end

-- Events queued while Prosody handles one batch of network input go out together: the pump runs once,
-- on the next turn of the event loop, instead of sending an IQ for each event as it comes.
local pump_scheduled = false;
local function scheduled_pump()
	pump_scheduled = false;
	pump();
end

local function schedule_pump()
	if not pump_scheduled then
		pump_scheduled = true;
		module:add_timer(0, scheduled_pump);
	end
end

local stanza_mt = st.stanza_mt;

-- Session and account events (a stanza, kept in storage). attr is ours (names, JIDs Prosody validated, ids,
-- times), so the event is built without util.stanza's checks of every attribute.
local function send_event(name, attr)
	attr.xmlns = xmlns_bridge;
	local event = setmetatable({ name = name; attr = attr; tags = {} }, stanza_mt);
	next_seq = next_seq + 1;
	enqueue(event, next_seq - 1, false);
	schedule_pump();
end

-- Message copies still waiting are written out together when Prosody stops or the module goes (unload,
-- reload); account and session events are in storage already.
local function save_copies()
	local copies = {};
	for pos = head, tail do
		local event = queue[pos];
		if event and not persisted[event.name] then
			copies[#copies + 1] = { seq = seqs[pos]; attr = event.attr; xml = event.xml; elements = event.elements };
		end
	end
	if #copies == 0 then
		return;
	end
	local ok, err = state_store:set("@copies", copies);
	if ok then
		module:log("info", "Kept %d message copies for the component until the bridge loads again", #copies);
	else
		module:log("warn", "Could not keep %d message copies for the component (%s); they are lost", #copies, tostring(err));
	end
end

-- What waited before the module was (re)loaded, in its order, within the queue's bound.
local function load_saved()
	local items = {};
	for key in queue_store:users() do
		local seq = tonumber(key);
		local data = seq and queue_store:get(key);
		if data then
			items[#items + 1] = { seq = seq; event = st.deserialize(data) };
		end
	end
	local copies = state_store:get("@copies");
	if copies then
		state_store:set("@copies", nil);
		for _, item in ipairs(copies) do
			local event;
			if item.xml then
				event = { name = "message-copy"; attr = item.attr; xml = item.xml; elements = item.elements };
			elseif item.event then -- kept by an earlier version of the module, as a stanza
				local old = st.deserialize(item.event);
				local message = old.tags[1];
				event = message and { name = "message-copy"; attr = old.attr; xml = tostring(message); elements = count_elements(message) };
			end
			if event then
				items[#items + 1] = { seq = item.seq; event = event };
			end
		end
	end
	table.sort(items, function (a, b) return a.seq < b.seq; end);
	for _, item in ipairs(items) do
		next_seq = math.max(next_seq, item.seq + 1);
		enqueue(item.event, item.seq, persisted[item.event.name]);
	end
	if #items > 0 then
		module:log("info", "%d bridge events from before wait for the component", live);
	end
end

load_saved();
module:hook_global("server-stopping", save_copies);

function module.unload()
	save_copies();
	unloaded = true;
end

-- A reload keeps whether the component is there, so what waits goes out without waiting for its next hello.
-- The component's rooms domain, as its <hello/> names it: messages to or from it (private messages
-- between room occupants, invitations) are never copied into personal archives.
local rooms_domain = nil;

function module.save()
	return { component_ready = component_ready, rooms_domain = rooms_domain };
end

function module.restore(saved)
	component_ready = saved.component_ready == true;
	rooms_domain = saved.rooms_domain;
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
	local rooms = stanza.tags[1].attr.rooms;
	rooms_domain = rooms and jid_prep(rooms) or nil;
	origin.send(st.reply(stanza):tag("hello", {
		xmlns = xmlns_bridge;
		protocol = protocol_version;
		prosody = prosody.version;
		started = unix_ms(prosody.start_time);
		queued = ("%d"):format(live);
	}));
	-- The component is (back) here: replay what waited, starting with an event that was in flight
	-- (the component stores each event once, so sending it again is safe).
	local lost = {};
	for _, kind in ipairs(drop_order) do
		if warned[kind] then
			lost[#lost + 1] = ("%d %s"):format(unreported[kind], kind);
		end
	end
	if #lost > 0 then
		module:log("warn", "While the component was away the bridge queue was full and dropped events: %s (%d in all since the module loaded)",
			table.concat(lost, ", "), dropped["message-copy"] + dropped.session + dropped.account);
	end
	restart();
	component_ready, warned, waiting, retry_delay = true, {}, false, nil;
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

-- One look at each top-level child: a <body/> (jabber:client, as Prosody keeps it: no xmlns), and no hint.
local function archivable(stanza, peer)
	local message_type = stanza.attr.type;
	if message_type and message_type ~= "chat" and message_type ~= "normal" then
		return false;
	end
	if rooms_domain then
		local _, peer_host = jid_split(peer);
		if peer_host == rooms_domain then
			return false;
		end
	end
	local body = false;
	local tags = stanza.tags;
	for i = 1, #tags do
		local tag = tags[i];
		local name, xmlns = tag.name, tag.attr.xmlns;
		if xmlns == nil or xmlns == "jabber:client" then
			body = body or name == "body";
		elseif xmlns == xmlns_hints and (name == "no-store" or name == "no-permanent-store") then
			return false;
		end
	end
	return body;
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
	local tags = stanza.tags;
	for i = 1, #tags do
		if forged_claim(tags[i]) then
			stanza:maptags(keep_tag);
			return;
		end
	end
end

-- A message copy is queued as the text of the message, written once, now (the stanza goes on to other modules
-- and to the recipient, which may change it): no clone, no tree kept, and its batch only joins texts.
local function copy(owner, direction, with, stanza, stanza_id)
	local attr = stanza.attr;
	local xmlns = attr.xmlns;
	attr.xmlns = "jabber:client";
	local xml = tostring(stanza);
	attr.xmlns = xmlns;
	local event = {
		name = "message-copy";
		attr = { owner = owner; direction = direction; with = with; id = stanza_id; at = unix_ms(time_now()) };
		xml = xml; elements = count_elements(stanza);
	};
	next_seq = next_seq + 1;
	enqueue(event, next_seq - 1, false);
	schedule_pump();
	return event;
end

-- One message between two local users who both archive is one event: the sender's outgoing copy, which
-- the recipient's incoming copy shares (peer-id, its archive id) when the message arrives. Prosody routes
-- a local message synchronously, from pre-message/* on to message/*, and the pump runs only on the next
-- turn of the event loop, so the sender's copy is still in the queue, unsent, when it arrives.
local shared_stanza, shared_event, shared_pos;

local function outgoing(event)
	local origin, stanza = event.origin, event.stanza;
	if origin.type ~= "c2s" or origin.host ~= module.host or not origin.username then
		return;
	end
	shared_stanza, shared_event = nil, nil;
	strip_claims(stanza);
	if not (stanza.attr.to and archives(origin.username) and archivable(stanza, stanza.attr.to)) then
		return;
	end
	local with = jid_bare(stanza.attr.to);
	-- A message to one's own account is archived once, when it arrives (incoming).
	if with ~= origin.username.."@"..origin.host then
		local copied = copy(origin.username, "out", with, stanza, id.long());
		if queue[tail] == copied then
			shared_stanza, shared_event, shared_pos = stanza, copied, tail;
		end
	end
end

-- The sender's copy of this very message, still waiting to be sent, when the recipient is its "with".
local function shared_copy(stanza, recipient)
	local event = shared_event;
	if shared_stanza ~= stanza or queue[shared_pos] ~= event or shared_pos < head + sent or event.attr.with ~= recipient then
		return nil;
	end
	return event;
end

local function incoming(event)
	local stanza = event.stanza;
	local username, host = jid_split(stanza.attr.to);
	if host ~= module.host or not username then
		return;
	end
	-- The message the sender's copy was just taken from: its claims are gone and it is archivable already.
	local checked = shared_stanza == stanza;
	if not checked then
		strip_claims(stanza);
	end
	if stanza.attr.from and archives(username) and (checked or archivable(stanza, stanza.attr.from)) then
		local stanza_id, owner = id.long(), username.."@"..host;
		stanza:add_direct_child(setmetatable({
			name = "stanza-id"; attr = { xmlns = xmlns_sid; id = stanza_id; by = owner }; tags = {};
		}, stanza_mt));
		local shared = shared_copy(stanza, owner);
		if shared then
			shared.attr["peer-id"] = stanza_id;
			sizes[shared_pos] = sizes[shared_pos] + #stanza_id + 11; -- peer-id='...'
		else
			copy(username, "in", jid_bare(stanza.attr.from), stanza, stanza_id);
		end
	end
	shared_stanza, shared_event = nil, nil;
end

module:hook("pre-message/bare", outgoing, 1);
module:hook("pre-message/full", outgoing, 1);
module:hook("message/bare", incoming, 1);
module:hook("message/full", incoming, 1);
