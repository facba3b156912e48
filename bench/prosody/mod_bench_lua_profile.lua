-- Benchmark-only sampling profiler for Prosody (never for production): every `bench_lua_profile_every` Lua VM
-- instructions (default 200) it counts the function running (file:line where it is defined), in the main
-- thread and in every coroutine created after it loads (Prosody runs stanza handlers in coroutines). At
-- shutdown or unload it writes the 60 most-sampled functions, with their share, to `bench_lua_profile_file`.
-- Instruction counts, not CPU time: a comparison of two configurations tells where the extra work is.
-- bench/run-chat-throughput.sh loads it for every configuration when CHAT_BENCH_LUA_PROFILE=DIR is set.
local every = module:get_option_number("bench_lua_profile_every", 200);
local out = module:get_option_string("bench_lua_profile_file", "lua-profile.txt");
local getinfo, sethook = debug.getinfo, debug.sethook;
local counts = {};

local function sample()
	local info = getinfo(2, "S");
	if info then
		local key = info.short_src .. ":" .. (info.linedefined or 0);
		counts[key] = (counts[key] or 0) + 1;
	end
end

local create = coroutine.create;
coroutine.create = function (f) -- luacheck: ignore 122
	local thread = create(f);
	sethook(thread, sample, "", every);
	return thread;
end
coroutine.wrap = function (f) -- luacheck: ignore 122
	local thread = coroutine.create(f);
	return function (...)
		local result = table.pack(coroutine.resume(thread, ...));
		if not result[1] then
			error(result[2], 0);
		end
		return table.unpack(result, 2, result.n);
	end
end
sethook(sample, "", every);
local main = debug.getregistry()[1]; -- LUA_RIDX_MAINTHREAD
if type(main) == "thread" then
	sethook(main, sample, "", every);
end

local function write()
	local list, total = {}, 0;
	for key, n in pairs(counts) do
		list[#list + 1] = { key, n };
		total = total + n;
	end
	table.sort(list, function (a, b) return a[2] > b[2]; end);
	local file = assert(io.open(out, "w"));
	file:write(("samples %d (one per %d instructions)\n"):format(total, every));
	for i = 1, math.min(#list, 60) do
		file:write(("%8d %5.1f%%  %s\n"):format(list[i][2], 100 * list[i][2] / math.max(total, 1), list[i][1]));
	end
	file:close();
end

module:hook_global("server-stopping", write);
function module.unload()
	write();
end
