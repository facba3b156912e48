using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Security;
using System.Text;
using System.Threading.Channels;
using System.Xml.Linq;

namespace XmppPrivacy.ChatLoad;

/// <summary>
/// Multi-user chat load (XEP-0045) through a real XMPP server, for bench/run-rooms.sh; the same code runs against
/// the component's rooms domain and against Prosody's own mod_muc. <c>xmppprivacy-chatload rooms MODE ...</c>:
/// <list type="bullet">
/// <item><c>fanout</c>: <c>--occupants</c> users enter one room; the first <c>--senders</c> of them each send
/// <c>--messages</c> groupchat messages (after <c>--warmup</c> unmeasured ones), at most <c>--window</c> of them not
/// yet reflected back to the sender and at most <c>--sender-rate</c> a second each (the component refuses more than
/// 10 a second from one occupant). Measured: deliveries (every occupant's copy, the sender's reflection included) per
/// second from the first send to the last delivery, and send→reflection latency at the sender.</item>
/// <item><c>joins</c>: one user enters the room and sends <c>--history-messages</c> messages; then <c>--joins</c> other
/// users enter one after the other, each timed from its presence sent to the room's subject (which follows the
/// history), and leave again. Reports p50/p99 and how many history messages each got.</item>
/// <item><c>populate</c>: <c>--clients</c> users enter <c>--rooms</c> rooms named <c>--room</c> + number (creating
/// them), send <c>--messages</c> messages in each, wait for their reflections and leave. With <c>--messages 0</c> it
/// only enters and leaves ("touching" rooms), checking the history length against <c>--expect-history</c>.</item>
/// </list>
/// Prints <c>key=value</c> lines; exit code 1 when something was refused, lost or late.
/// </summary>
internal static class RoomsLoad
{
    private const string Marker = "rb|";

    private static readonly string[] Texts =
    [
        "Are we still on for lunch at the café near the station?",
        "Sure — I'll bring yesterday's notes, see you at one.",
        "Running late, the tram is stuck. Order me the soup, merci!",
        "No worries. Did you read Zoë's summary of the report?",
    ];

    public static async Task<int> RunAsync(string[] args)
    {
        RoomsOptions options;
        try
        {
            options = RoomsOptions.Parse(args);
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync("chatload rooms: " + e.Message);
            await Console.Error.WriteLineAsync(RoomsOptions.Usage);
            return 2;
        }
        using var stop = new CancellationTokenSource(options.Timeout);
        try
        {
            return options.Mode switch
            {
                "fanout" => await FanoutAsync(options, stop.Token),
                "joins" => await JoinsAsync(options, stop.Token),
                _ => await PopulateAsync(options, stop.Token),
            };
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync($"chatload rooms {options.Mode}: timed out after {options.Timeout.TotalSeconds:F0} s.");
            return 1;
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or System.Net.Sockets.SocketException or System.Xml.XmlException)
        {
            await Console.Error.WriteLineAsync($"chatload rooms {options.Mode}: {e.Message}");
            return 1;
        }
    }

    // ---------------------------------------------------------------- fan-out

    private static async Task<int> FanoutAsync(RoomsOptions o, CancellationToken ct)
    {
        var room = $"{o.Room}@{o.Muc}";
        var members = await ConnectAllAsync(o, "o", o.Occupants, ct);
        try
        {
            var clock = Stopwatch.StartNew();
            foreach (var m in members) await m.EnterAsync(room, ct);
            Console.WriteLine($"occupants={members.Length}");
            Console.WriteLine($"join_all_seconds={F(clock.Elapsed.TotalSeconds)}");

            var state = new FanoutState(o.Senders, members.Length);
            foreach (var m in members)
            {
                var self = m;
                m.Fast = stanza => state.OnStanza(self, stanza);
            }
            if (o.Warmup > 0)
            {
                var warm = await RunFanoutPhaseAsync(members, state, 'w', o.Warmup, room, o, ct);
                Console.WriteLine($"warmup_deliveries={warm.Deliveries}");
            }
            var result = await RunFanoutPhaseAsync(members, state, 'm', o.Messages, room, o, ct);
            Console.WriteLine($"senders={o.Senders}");
            Console.WriteLine($"sender_rate_limit={o.SenderRate}");
            Console.WriteLine($"window={o.Window}");
            Console.WriteLine($"messages={result.Messages}");
            Console.WriteLine($"deliveries={result.Deliveries}");
            Console.WriteLine($"expected_deliveries={(long)o.Senders * o.Messages * members.Length}");
            Console.WriteLine($"errors={result.Errors}");
            Console.WriteLine($"seconds={F(result.Seconds)}");
            Console.WriteLine($"deliveries_per_s={F(result.Deliveries / result.Seconds, "F0")}");
            Console.WriteLine($"messages_per_s={F(result.Messages / result.Seconds, "F1")}");
            Console.WriteLine($"p50_ms={F(Percentile(result.Latencies, 50))}");
            Console.WriteLine($"p99_ms={F(Percentile(result.Latencies, 99))}");
            Console.WriteLine($"max_ms={F(Percentile(result.Latencies, 100))}");
            return result.Errors == 0 && result.Deliveries == (long)o.Senders * o.Messages * members.Length ? 0 : 1;
        }
        finally
        {
            await DisposeAllAsync(members);
        }
    }

    private sealed record FanoutResult(long Messages, long Deliveries, long Errors, double Seconds, double[] Latencies);

    private static async Task<FanoutResult> RunFanoutPhaseAsync(Member[] members, FanoutState state, char phase, int count, string room,
        RoomsOptions o, CancellationToken ct)
    {
        state.Prepare(phase, o.Window, (long)o.Senders * count * members.Length);
        var start = Stopwatch.GetTimestamp();
        var interval = o.SenderRate > 0 ? TimeSpan.FromSeconds(1.0 / o.SenderRate) : TimeSpan.Zero;
        var senders = Enumerable.Range(0, o.Senders).Select(s => Task.Run(async () =>
        {
            var member = members[s];
            var text = new StringBuilder(400);
            var next = Stopwatch.GetTimestamp();
            for (var seq = 0; seq < count; seq++)
            {
                if (interval > TimeSpan.Zero)
                {
                    // At most one message per interval, however long the window held the previous one back.
                    var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), next);
                    if (wait > TimeSpan.FromMilliseconds(1)) await Task.Delay(wait, ct);
                    next = Math.Max(next, Stopwatch.GetTimestamp()) + (long)(interval.TotalSeconds * Stopwatch.Frequency);
                }
                await state.Windows[s].WaitAsync(ct);
                text.Clear().Append("<message to='").Append(room).Append("' type='groupchat' id='").Append(phase).Append(s).Append('-').Append(seq)
                    .Append("'><body>").Append(Marker).Append(phase).Append('|').Append(s).Append('|').Append(seq).Append('|')
                    .Append(Stopwatch.GetTimestamp()).Append("| ").Append(SecurityElement.Escape(Texts[(seq + s) % Texts.Length]))
                    .Append("</body><origin-id xmlns='urn:xmpp:sid:0' id='").Append(Guid.NewGuid()).Append("'/></message>");
                await member.Client.SendAsync(Encoding.UTF8.GetBytes(text.ToString()), ct);
            }
        }, ct)).ToArray();
        await Task.WhenAll(senders);
        await state.Done.WaitAsync(ct);
        var seconds = Stopwatch.GetElapsedTime(start, state.LastDeliveryTicks).TotalSeconds;
        var latencies = state.Latencies.ToArray();
        Array.Sort(latencies);
        return new FanoutResult((long)o.Senders * count, state.Deliveries, state.Errors, seconds, latencies);
    }

    /// <summary>Counts what every occupant receives; the reader tasks of all occupants call <see cref="OnStanza"/>.</summary>
    private sealed class FanoutState(int senders, int occupants)
    {
        private long _deliveries, _errors, _expected, _lastTicks;
        private volatile char _phase;
        private TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public SemaphoreSlim[] Windows { get; private set; } = [];
        public ConcurrentBag<double> Latencies { get; private set; } = [];
        public long Deliveries => Interlocked.Read(ref _deliveries);
        public long Errors => Interlocked.Read(ref _errors);
        public long LastDeliveryTicks => Interlocked.Read(ref _lastTicks);
        public Task Done => _done.Task;

        public void Prepare(char phase, int window, long expected)
        {
            Windows = Enumerable.Range(0, senders).Select(_ => new SemaphoreSlim(window, window)).ToArray();
            Latencies = [];
            _deliveries = 0;
            _errors = 0;
            _lastTicks = 0;
            _expected = expected;
            _done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _phase = phase;
        }

        public void OnStanza(Member member, XElement stanza)
        {
            if (stanza.Name.LocalName != "message") return;
            var now = Stopwatch.GetTimestamp();
            if ((string?)stanza.Attribute("type") == "error")
            {
                // A refused message comes back to its sender only, with the id it was sent with.
                var id = (string?)stanza.Attribute("id");
                if (id is { Length: > 1 } && id[0] == _phase && int.TryParse(id[1..].Split('-')[0], CultureInfo.InvariantCulture, out var who)
                    && who >= 0 && who < Windows.Length)
                {
                    Interlocked.Increment(ref _errors);
                    Windows[who].Release();
                    // The refused message reaches nobody: its copies are no longer expected, so the phase can end.
                    if (Interlocked.Add(ref _expected, -occupants) <= Interlocked.Read(ref _deliveries)) _done.TrySetResult();
                }
                return;
            }
            if (stanza.Elements().Any(e => e.Name.LocalName == "delay")) return; // history, not a live message
            var body = stanza.Elements().FirstOrDefault(e => e.Name.LocalName == "body")?.Value;
            if (body is null || !body.StartsWith(Marker, StringComparison.Ordinal) || body.Length < Marker.Length + 2 || body[Marker.Length] != _phase) return;
            var parts = body.Split('|', 6);
            if (parts.Length < 5 || !int.TryParse(parts[2], CultureInfo.InvariantCulture, out var sender) || sender < 0 || sender >= Windows.Length
                || !long.TryParse(parts[4], CultureInfo.InvariantCulture, out var sent)) return;
            if (member.Index == sender)
            {
                Latencies.Add((now - sent) * 1000.0 / Stopwatch.Frequency);
                Windows[sender].Release();
            }
            Interlocked.Exchange(ref _lastTicks, now);
            if (Interlocked.Increment(ref _deliveries) >= Interlocked.Read(ref _expected)) _done.TrySetResult();
        }
    }

    // ---------------------------------------------------------------- joins

    private static async Task<int> JoinsAsync(RoomsOptions o, CancellationToken ct)
    {
        var room = $"{o.Room}@{o.Muc}";
        var members = await ConnectAllAsync(o, "j", o.Joins + 1, ct);
        try
        {
            var host = members[0];
            await host.EnterAsync(room, ct);
            for (var i = 0; i < o.HistoryMessages; i++)
            {
                if (i > 0 && o.SenderRate > 0) await Task.Delay(TimeSpan.FromSeconds(1.0 / o.SenderRate), ct);
                await host.Client.SendAsync($"<message to='{room}' type='groupchat' id='h{i}'><body>history {i}: {SecurityElement.Escape(Texts[i % Texts.Length])}</body></message>", ct);
                await host.WaitForAsync(s => s.Name.LocalName == "message" && (string?)s.Attribute("id") == $"h{i}", ct);
            }
            var latencies = new double[o.Joins];
            int minHistory = int.MaxValue, maxHistory = 0, wrong = 0;
            for (var j = 0; j < o.Joins; j++)
            {
                var member = members[j + 1];
                var start = Stopwatch.GetTimestamp();
                var history = await member.EnterAsync(room, ct);
                latencies[j] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                minHistory = Math.Min(minHistory, history);
                maxHistory = Math.Max(maxHistory, history);
                if (o.ExpectHistory >= 0 && history != o.ExpectHistory) wrong++;
                await member.LeaveAsync(room, ct);
            }
            Array.Sort(latencies);
            Console.WriteLine($"joins={o.Joins}");
            Console.WriteLine($"history_messages_sent={o.HistoryMessages}");
            Console.WriteLine($"history_min={minHistory}");
            Console.WriteLine($"history_max={maxHistory}");
            Console.WriteLine($"join_p50_ms={F(Percentile(latencies, 50))}");
            Console.WriteLine($"join_p99_ms={F(Percentile(latencies, 99))}");
            Console.WriteLine($"join_max_ms={F(Percentile(latencies, 100))}");
            if (wrong > 0) await Console.Error.WriteLineAsync($"chatload rooms joins: {wrong} joins got a history other than {o.ExpectHistory} messages.");
            return wrong == 0 ? 0 : 1;
        }
        finally
        {
            await DisposeAllAsync(members);
        }
    }

    // ---------------------------------------------------------------- populate / touch

    private static async Task<int> PopulateAsync(RoomsOptions o, CancellationToken ct)
    {
        var members = await ConnectAllAsync(o, "p", Math.Min(o.Clients, o.Rooms), ct);
        try
        {
            var start = Stopwatch.GetTimestamp();
            long done = 0, wrongHistory = 0;
            var latencies = new ConcurrentBag<double>();
            var progress = Task.Run(async () =>
            {
                while (!ct.IsCancellationRequested && Interlocked.Read(ref done) < o.Rooms)
                {
                    await Task.Delay(TimeSpan.FromSeconds(10), ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    await Console.Error.WriteLineAsync($"  {Interlocked.Read(ref done)} of {o.Rooms} rooms after {Stopwatch.GetElapsedTime(start).TotalSeconds:F0} s");
                }
            }, ct);
            await Task.WhenAll(members.Select((member, c) => Task.Run(async () =>
            {
                for (var r = c; r < o.Rooms; r += members.Length)
                {
                    var room = $"{o.Room}{r:D5}@{o.Muc}";
                    var entered = Stopwatch.GetTimestamp();
                    var history = await member.EnterAsync(room, ct);
                    latencies.Add(Stopwatch.GetElapsedTime(entered).TotalMilliseconds);
                    if (o.ExpectHistory >= 0 && history != o.ExpectHistory) Interlocked.Increment(ref wrongHistory);
                    for (var i = 0; i < o.Messages; i++)
                        await member.Client.SendAsync($"<message to='{room}' type='groupchat' id='p{r}-{i}'><body>{r}/{i} {SecurityElement.Escape(Texts[(r + i) % Texts.Length])}</body></message>", ct);
                    for (var i = 0; i < o.Messages; i++)
                    {
                        var reflected = await member.WaitForAsync(s => s.Name.LocalName == "message"
                            && ((string?)s.Attribute("from"))?.StartsWith(room + "/", StringComparison.OrdinalIgnoreCase) == true
                            && s.Elements().Any(e => e.Name.LocalName == "body"), ct);
                        if ((string?)reflected.Attribute("type") == "error") throw new InvalidOperationException($"{room} refused a message: {reflected}");
                    }
                    await member.LeaveAsync(room, ct);
                    Interlocked.Increment(ref done);
                }
            }, ct)));
            var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            await progress;
            var sorted = latencies.ToArray();
            Array.Sort(sorted);
            Console.WriteLine($"rooms={done}");
            Console.WriteLine($"messages={done * o.Messages}");
            Console.WriteLine($"seconds={F(seconds)}");
            Console.WriteLine($"rooms_per_s={F(done / seconds, "F1")}");
            Console.WriteLine($"enter_p50_ms={F(Percentile(sorted, 50))}");
            Console.WriteLine($"enter_p99_ms={F(Percentile(sorted, 99))}");
            Console.WriteLine($"wrong_history={wrongHistory}");
            if (wrongHistory > 0) await Console.Error.WriteLineAsync($"chatload rooms populate: {wrongHistory} rooms showed a history other than {o.ExpectHistory} messages.");
            return wrongHistory == 0 ? 0 : 1;
        }
        finally
        {
            await DisposeAllAsync(members);
        }
    }

    // ---------------------------------------------------------------- clients

    /// <summary>A logged-in user with its reader: stanzas go to <see cref="Fast"/> when set, otherwise into a queue.</summary>
    private sealed class Member(C2sClient client, int index, string nick) : IAsyncDisposable
    {
        private readonly Channel<XElement> _queue = Channel.CreateUnbounded<XElement>(new UnboundedChannelOptions { SingleReader = true });
        private Task? _reader;

        public C2sClient Client { get; } = client;
        public int Index { get; } = index;
        public string Nick { get; } = nick;
        public volatile Action<XElement>? Fast;

        public void StartReading(CancellationToken ct) => _reader = Task.Run(async () =>
        {
            try
            {
                await Client.ReadStanzasAsync(stanza =>
                {
                    if (Fast is { } fast) fast(stanza);
                    else _queue.Writer.TryWrite(stanza);
                }, ct);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException or System.Xml.XmlException)
            {
            }
            finally
            {
                _queue.Writer.TryComplete();
            }
        }, ct);

        public async Task<XElement> WaitForAsync(Func<XElement, bool> match, CancellationToken ct)
        {
            while (true)
            {
                var stanza = await _queue.Reader.ReadAsync(ct);
                if (match(stanza)) return stanza;
            }
        }

        /// <summary>Enters the room and returns how many history messages came before the subject (which ends the entry).</summary>
        public async Task<int> EnterAsync(string room, CancellationToken ct)
        {
            await Client.SendAsync($"<presence to='{room}/{Nick}'><x xmlns='http://jabber.org/protocol/muc'/></presence>", ct);
            var history = 0;
            while (true)
            {
                var stanza = await WaitForAsync(s => ((string?)s.Attribute("from"))?.StartsWith(room, StringComparison.OrdinalIgnoreCase) == true, ct);
                if ((string?)stanza.Attribute("type") == "error") throw new InvalidOperationException($"Entering {room} failed: {stanza}");
                if (stanza.Name.LocalName != "message") continue;
                var hasBody = stanza.Elements().Any(e => e.Name.LocalName == "body");
                if (stanza.Elements().Any(e => e.Name.LocalName == "subject") && !hasBody) return history;
                if (hasBody && stanza.Elements().Any(e => e.Name.LocalName == "delay")) history++;
            }
        }

        public async Task LeaveAsync(string room, CancellationToken ct)
        {
            var self = $"{room}/{Nick}";
            await Client.SendAsync($"<presence to='{self}' type='unavailable'/>", ct);
            await WaitForAsync(s => s.Name.LocalName == "presence" && (string?)s.Attribute("type") == "unavailable"
                && string.Equals((string?)s.Attribute("from"), self, StringComparison.OrdinalIgnoreCase), ct);
        }

        public async ValueTask DisposeAsync()
        {
            await Client.DisposeAsync();
            if (_reader is not null) await _reader.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private static async Task<Member[]> ConnectAllAsync(RoomsOptions o, string role, int count, CancellationToken ct)
    {
        var members = new Member[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (i, token) =>
        {
            var user = $"{o.Prefix}{role}{i:D3}";
            var client = await C2sClient.ConnectAsync(o.Host, o.Port, o.Domain, token);
            if (o.Register) await client.RegisterAsync(user, o.Password, token);
            await client.LoginAsync(user, o.Password, "load", token);
            var member = new Member(client, i, $"{role}{i:D3}");
            member.StartReading(ct);
            members[i] = member;
        });
        return members;
    }

    private static async Task DisposeAllAsync(Member[] members) =>
        await Parallel.ForEachAsync(members.Where(m => m is not null), async (m, _) => await m.DisposeAsync());

    private static double Percentile(double[] sorted, double percentile)
    {
        if (sorted.Length == 0) return double.NaN;
        var rank = Math.Clamp((int)Math.Ceiling(percentile / 100 * sorted.Length) - 1, 0, sorted.Length - 1);
        return sorted[rank];
    }

    private static string F(double value, string format = "F3") => value.ToString(format, CultureInfo.InvariantCulture);

    private sealed record RoomsOptions(string Mode, string Host, int Port, string Domain, string Muc, string Room, string Prefix, string Password,
        bool Register, int Occupants, int Senders, int Messages, int Warmup, int Window, double SenderRate, int Joins, int HistoryMessages,
        int ExpectHistory, int Rooms, int Clients, TimeSpan Timeout)
    {
        public const string Usage =
            "usage: xmppprivacy-chatload rooms fanout|joins|populate --port N --muc DOMAIN [--host 127.0.0.1] [--domain localhost] [--room NAME]\n" +
            "         [--prefix r] [--password P] [--register] [--timeout 600]\n" +
            "  fanout:   [--occupants 100] [--senders 100] [--messages 10] [--warmup 2] [--window 1] [--sender-rate 8]\n" +
            "  joins:    [--joins 50] [--history-messages 12] [--expect-history 10] [--sender-rate 8]\n" +
            "  populate: [--rooms 10000] [--clients 100] [--messages 10] [--expect-history -1]";

        public static RoomsOptions Parse(string[] args)
        {
            if (args.Length == 0 || args[0] is not ("fanout" or "joins" or "populate")) throw new ArgumentException("Give a mode: fanout, joins or populate.");
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            var register = false;
            for (var i = 1; i < args.Length; i++)
            {
                if (args[i] == "--register")
                {
                    register = true;
                    continue;
                }
                if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
                    throw new ArgumentException($"Unexpected argument '{args[i]}'.");
                values[args[i][2..]] = args[++i];
            }
            string Get(string key, string fallback) => values.Remove(key, out var v) ? v : fallback;
            int Int(string key, int fallback, int min) =>
                int.TryParse(Get(key, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture, out var v) && v >= min
                    ? v : throw new ArgumentException($"--{key} must be a whole number of at least {min}.");
            var mode = args[0];
            var options = new RoomsOptions(mode,
                Get("host", "127.0.0.1"), Int("port", 0, 1), Get("domain", "localhost"),
                Get("muc", "") is { Length: > 0 } muc ? muc : throw new ArgumentException("--muc is required."),
                Get("room", mode), Get("prefix", "r"), Get("password", "load-password"), register,
                Int("occupants", 100, 1), Int("senders", 100, 1), Int("messages", mode == "populate" ? 10 : 10, 0), Int("warmup", 2, 0),
                Int("window", 1, 1), Int("sender-rate", 8, 0), Int("joins", 50, 1), Int("history-messages", 12, 0),
                Int("expect-history", mode == "joins" ? 10 : -1, -1), Int("rooms", 10000, 1), Int("clients", 100, 1),
                TimeSpan.FromSeconds(Int("timeout", 600, 1)));
            if (values.Count > 0) throw new ArgumentException($"Unknown option --{values.Keys.First()}.");
            if (options.Senders > options.Occupants) throw new ArgumentException("--senders must not exceed --occupants.");
            return options;
        }
    }
}
