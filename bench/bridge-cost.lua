-- bench/bridge-cost.lua: what mod_privacy_bridge costs Prosody's one thread per archived copy, in CPU time.
--
--   lua5.4 bench/bridge-cost.lua [messages] [messages-per-loop-turn] [module-file]
--   (defaults: 10000, 1, prosody-bridge/mod_privacy_bridge/mod_privacy_bridge.lua; run from the repository root)
--
-- Loads the module under Lua 5.4 with Prosody 0.12's own libraries (/usr/lib/prosody: util.stanza, util.id,
-- util.jid, util.events, util.promise, ...) and a stand-in for the module API, with every user archiving, and
-- drives chat messages of about 300 bytes between two local users the way Prosody routes a local message: the
-- same stanza object (as util.xmppstream builds it from c2s) through pre-message/bare, then message/bare. After
-- every [messages-per-loop-turn] messages it runs the module's timers (one turn of the event loop; 1 is the worst
-- case for batching), and every 50 messages it acknowledges what was sent, as the component does. What goes to
-- the component is turned into the bytes written to its socket (tostring, as mod_component's session.send does).
--
-- module:send_iq is Prosody's own logic for it (util.events handlers for the result and the error, util.promise,
-- util.cache, a timer) without core_post_stanza's routing (pre-iq/host, iq/host hooks of the component host,
-- mod_component's handle_stanza): the old path's figure here is a lower bound of what it costs in Prosody.
--
-- Reports process CPU (os.clock) per message and per archived copy (two per message), split by step:
--   hook       the module's pre-message/message handlers, minus what is counted below
--              (claims, archivable checks, ids, the stanza-id stamp, sharing one event);
--   event      building the queued event from the message (clone or serialisation of the message, size count);
--   serialise  turning batches into bytes for the component (the batch text, tostring);
--   send       handing them to the component session and handling the acknowledgements (send_iq, promises,
--              hooks, timers of the module).
-- The split comes from a second pass with a sampling debug.sethook (every 100 VM instructions), which attributes
-- each sample to the innermost step it is in; the totals come from the first pass, without the hook.
package.path = "/usr/lib/prosody/?.lua;" .. package.path;
package.cpath = "/usr/lib/prosody/?.so;" .. package.cpath;

local messages = tonumber(arg[1]) or 10000;
local per_turn = tonumber(arg[2]) or 1;
local module_file = arg[3] or "prosody-bridge/mod_privacy_bridge/mod_privacy_bridge.lua";

local st = require "util.stanza";
local new_events = require "util.events".new;
local promise = require "util.promise";
local new_cache = require "util.cache".new;

local host, component_jid = "localhost", "privacy.localhost";

-- Where the CPU goes: the step the harness is in, refined by the innermost frame that belongs to a step.
local current = "other";

local function load_bridge()
	local events = new_events();
	local timers = {};
	local written = {}; -- ids of what was written to the component, in order
	local pending_iq = {}; -- send_iq: id -> resolve
	local component_session = { type = "component" };
	function component_session.send(data)
		local bytes = tostring(data);
		written[#written + 1] = bytes:match("^<iq[^>]- id='([^']+)'");
		return true;
	end
	local stores = {};
	local function open_store(_, name)
		local data = stores[name] or {};
		stores[name] = data;
		return {
			get = function (_, key) return data[key]; end;
			set = function (_, key, value) data[key] = value; return true; end;
			users = function () return next, data, nil; end;
		};
	end
	local iq_cache;
	local api = {
		host = host; name = "privacy_bridge";
		get_host_type = function () return "local"; end;
		get_option_string = function (_, _, default) return default; end;
		get_option_number = function (_, _, default) return default; end;
		open_store = open_store;
		log = function () end;
		hook = function (_, name, handler, priority) events.add_handler(name, handler, priority); end;
		hook_global = function () end;
		add_timer = function (_, delay, callback)
			local timer = { delay = delay; callback = callback };
			if delay == 0 then
				timers[#timers + 1] = timer;
			end -- a timeout: never due during the run
			return timer;
		end;
		stop_timer = function (_, timer) timer.stopped = true; end;
		-- Prosody 0.12's api:send_iq for an IQ from the host, without the routing (see above).
		send_iq = function (self, stanza, _, timeout)
			iq_cache = iq_cache or new_cache(256, function () end);
			local id = stanza.attr.id;
			local result_event, error_event = "iq-result/host/"..id, "iq-error/host/"..id;
			local p = promise.new(function (resolve, reject)
				local function result_handler(event) resolve(event); return true; end
				local function error_handler(event) reject(event); return true; end
				self:hook(result_event, result_handler, 1);
				self:hook(error_event, error_handler, 1);
				local timeout_handle = self:add_timer(timeout or 120, function () end);
				iq_cache:set("host/"..id, { resolve = resolve; reject = reject; timeout_handle = timeout_handle;
					result_handler = result_handler; error_handler = error_handler });
				pending_iq[id] = function (event)
					events.fire_event(result_event, event);
					events.remove_handler(result_event, result_handler);
					events.remove_handler(error_event, error_handler);
					self:stop_timer(timeout_handle);
					iq_cache:set("host/"..id, nil);
				end;
				component_session.send(stanza);
			end);
			return p;
		end;
		send = function (_, stanza) component_session.send(stanza); end;
	};
	api.get_option_boolean = api.get_option_number;
	local fake_modulemanager = {
		is_loaded = function () return false; end;
		get_module = function (h, name)
			if h == component_jid and name == "component" then
				return { session = component_session };
			end
		end;
	};
	package.loaded["core.modulemanager"] = fake_modulemanager;
	package.loaded["core.usermanager"] = { user_exists = function () return true; end };
	local env = setmetatable({ module = api; prosody = { version = "0.12.3"; start_time = os.time() } }, { __index = _G });
	local chunk = assert(loadfile(module_file, "t", env));
	chunk();

	local function run_timers()
		local due = timers;
		timers = {};
		for _, timer in ipairs(due) do
			if not timer.stopped then
				timer.callback();
			end
		end
	end

	local function fire(name, data)
		return events.fire_event(name, data);
	end

	-- The component greets the bridge, as it does after each handshake.
	local hello = st.iq({ type = "get"; from = component_jid; to = host; id = "h1" }):tag("hello", { xmlns = "urn:xmppprivacy:bridge:1" }):up();
	local origin = { send = function () end };
	fire("iq-get/host/urn:xmppprivacy:bridge:1:hello", { origin = origin; stanza = hello });
	local archiving = st.iq({ type = "set"; from = component_jid; to = host; id = "a1" })
		:tag("archiving", { xmlns = "urn:xmppprivacy:bridge:1"; replace = "true"; default = "true" }):up();
	fire("iq-set/host/urn:xmppprivacy:bridge:1:archiving", { origin = origin; stanza = archiving });

	local function acknowledge()
		local ids = written;
		written = {};
		for _, id in ipairs(ids) do
			local reply = st.stanza("iq", { type = "result"; from = component_jid; to = host; id = id });
			local data = { origin = origin; stanza = reply };
			if pending_iq[id] then
				local resolve = pending_iq[id];
				pending_iq[id] = nil;
				resolve(data);
			else
				-- What mod_iq does with an IQ to the host: the iq/host hooks, then iq-result/host/<id>.
				if fire("iq/host", data) == nil then
					fire("iq-result/host/"..id, data);
				end
			end
		end
		run_timers(); -- promise callbacks and pumps scheduled by the acknowledgements
	end
	return fire, run_timers, acknowledge, function () return #written; end;
end

local body = "Are we still on for lunch at the café near the station? I can be there at half past twelve, "
	.."or a bit later if the meeting runs over — tell me what suits you, and I'll book a table for two.";

local alice = { type = "c2s"; host = host; username = "alice"; full_jid = "alice@localhost/phone" };
local bob = { type = "c2s"; host = host; username = "bob"; full_jid = "bob@localhost/laptop" };

-- A stanza as util.xmppstream builds it from a c2s stream (no xmlns on jabber:client elements).
local function message(i, from, to)
	return st.message({ from = from.full_jid; to = to.username.."@"..host; type = "chat"; id = ("msg-%06d"):format(i) })
		:text_tag("body", body)
		:tag("active", { xmlns = "http://jabber.org/protocol/chatstates" }):up()
		:tag("origin-id", { xmlns = "urn:xmpp:sid:0"; id = ("%08d-3b4a-4e8f-9a61-0c5d2e8b4f13"):format(i) }):up();
end

-- The messages are built before the clock starts: parsing them is Prosody's cost with or without the bridge.
local function build_messages()
	local list = {};
	for i = 1, messages do
		local from, to = alice, bob;
		if i % 2 == 0 then from, to = bob, alice; end
		list[i] = message(i, from, to);
	end
	return list;
end

local function drive(fire, run_timers, acknowledge, list)
	for i = 1, messages do
		local from = i % 2 == 0 and bob or alice;
		local stanza = list[i];
		local data = { origin = from; stanza = stanza };
		current = "hook";
		fire("pre-message/bare", data);
		fire("message/bare", { origin = from; stanza = stanza });
		if i % per_turn == 0 then
			current = "turn";
			run_timers();
		end
		if i % 50 == 0 then
			current = "ack";
			acknowledge();
		end
		current = "other";
	end
	current = "turn";
	run_timers();
	current = "ack";
	acknowledge();
	current = "other";
end

-- Pass 1: CPU time, no hook.
local fire, run_timers, acknowledge = load_bridge();
drive(fire, run_timers, acknowledge, build_messages()); -- warm-up (same number of messages)
fire, run_timers, acknowledge = load_bridge();
local list = build_messages();
collectgarbage();
local t0 = os.clock();
drive(fire, run_timers, acknowledge, list);
local cpu = os.clock() - t0;

-- Pass 2: where it goes.
local step_by_name = {
	-- serialisation of what goes to the component
	__tostring = "serialise"; _dostring = "serialise"; xml_escape = "serialise"; serialise_batch = "serialise";
	-- building the queued event
	clone = "event"; _clone = "event"; copy = "event"; send_event = "event"; enqueue = "event"; measure = "event";
	count_elements = "event"; escaped_size = "event"; message_text = "event";
	-- handing to the component and acknowledgements
	send_iq = "send"; send = "send"; acknowledged = "send"; forget = "send"; write_batch = "send";
	batch_answered = "send"; answered = "send";
};
local samples, total_samples = {}, 0;
local getinfo = debug.getinfo;
-- BRIDGE_COST_FUNCTIONS=1: also the 15 functions (innermost frame) most often sampled.
local functions = os.getenv("BRIDGE_COST_FUNCTIONS") == "1" and {} or nil;
local function sample()
	if functions then
		local info = getinfo(2, "nSl");
		local key = ("%s:%s %s"):format(info.short_src:match("[^/]*$"), info.linedefined, info.name or "?");
		functions[key] = (functions[key] or 0) + 1;
	end
	local step;
	for level = 2, 40 do
		local info = getinfo(level, "n");
		if not info then break; end
		local s = info.name and step_by_name[info.name];
		if s then step = s; break; end
	end
	if not step then
		step = ({ hook = "hook"; turn = "send"; ack = "send" })[current] or "other";
	end
	samples[step] = (samples[step] or 0) + 1;
	total_samples = total_samples + 1;
end
fire, run_timers, acknowledge = load_bridge();
list = build_messages();
collectgarbage();
debug.sethook(sample, "", 100);
drive(fire, run_timers, acknowledge, list);
debug.sethook();

local per_message = cpu / messages * 1e6;
print(("module: %s"):format(module_file));
print(("messages: %d, messages per loop turn: %d, CPU %.3f s"):format(messages, per_turn, cpu));
print(("per message (two archived copies): %.1f us; per copy: %.1f us"):format(per_message, per_message / 2));
for _, step in ipairs({ "hook", "event", "serialise", "send", "other" }) do
	local share = (samples[step] or 0) / math.max(1, total_samples);
	print(("  %-9s %5.1f %%  %6.1f us per copy"):format(step, share * 100, share * per_message / 2));
end
if functions then
	local list = {};
	for key, n in pairs(functions) do list[#list + 1] = { key = key; n = n }; end
	table.sort(list, function (a, b) return a.n > b.n; end);
	for i = 1, math.min(15, #list) do
		print(("  %5.1f %%  %s"):format(list[i].n / total_samples * 100, list[i].key));
	end
end
