using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace XmppPrivacy.ChatLoad;

/// <summary>
/// Chat load through a real XMPP server: <c>--pairs</c> sender/receiver pairs of logged-in users; each
/// sender sends <c>--messages</c> one-to-one chat messages (about 300 bytes each, like the archive
/// benchmarks' messages) to its receiver's bare JID, with at most <c>--window</c> sent but not yet
/// delivered per pair (delivery counted at the receiver), optionally paced to <c>--rate</c> messages/s
/// in total. A warm-up of <c>--warmup</c> messages per pair runs first and is not measured.
/// Prints <c>key=value</c> lines: throughput from the first send to the last delivery and the
/// send→delivery latency percentiles. Exit code 1 when not every message arrived in time.
/// </summary>
internal static class Program
{
    private static readonly string[] Bodies =
    [
        "Are we still on for lunch at the café near the station?",
        "Sure — I'll bring yesterday's notes, see you at one.",
        "Running late, the tram is stuck. Order me the soup, merci!",
        "No worries. Did you read Zoë's summary of the report?",
    ];

    private static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "rooms") return await RoomsLoad.RunAsync(args[1..]);
        Options options;
        try
        {
            options = Options.Parse(args);
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync("chatload: " + e.Message);
            await Console.Error.WriteLineAsync(Options.Usage);
            return 2;
        }

        using var stop = new CancellationTokenSource(options.Timeout);
        var pairs = new Pair[options.Pairs];
        var clock = Stopwatch.StartNew();
        try
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, options.Pairs), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = stop.Token },
                async (i, ct) => pairs[i] = await Pair.ConnectAsync(options, i, ct));
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException or System.Net.Sockets.SocketException)
        {
            await Console.Error.WriteLineAsync("chatload: logging in failed: " + e.Message);
            return 1;
        }
        Console.WriteLine($"users={options.Pairs * 2}");
        Console.WriteLine($"login_seconds={clock.Elapsed.TotalSeconds.ToString("F2", CultureInfo.InvariantCulture)}");

        var readers = pairs.Select(p => p.StartReading(stop.Token)).ToArray();
        var exitCode = 0;
        try
        {
            if (options.Warmup > 0)
            {
                var warm = await RunPhaseAsync(pairs, 'w', options.Warmup, options, stop.Token);
                Console.WriteLine($"warmup_messages={warm.Delivered}");
            }
            var result = await RunPhaseAsync(pairs, 'm', options.Messages, options, stop.Token);
            Report(result, options);
            if (result.Errors > 0) exitCode = 1;
        }
        catch (OperationCanceledException)
        {
            var delivered = pairs.Sum(p => p.Delivered);
            await Console.Error.WriteLineAsync(
                $"chatload: timed out after {options.Timeout.TotalSeconds:F0} s with {delivered} of the current phase's messages delivered.");
            exitCode = 1;
        }
        finally
        {
            await Parallel.ForEachAsync(pairs, async (p, _) => await p.DisposeAsync());
            await Task.WhenAll(readers).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        return exitCode;
    }

    private static async Task<PhaseResult> RunPhaseAsync(Pair[] pairs, char phase, int count, Options options, CancellationToken cancellationToken)
    {
        foreach (var pair in pairs) pair.Prepare(phase, count, options.Window);
        var startTicks = Stopwatch.GetTimestamp();
        var startUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var perPairRate = options.Rate > 0 ? options.Rate / pairs.Length : 0;
        var senders = pairs.Select(p => Task.Run(() => p.SendAsync(phase, count, startTicks, perPairRate, cancellationToken), cancellationToken)).ToArray();
        await Task.WhenAll(senders);
        await Task.WhenAll(pairs.Select(p => p.Done.WaitAsync(cancellationToken)));
        var lastTicks = pairs.Max(p => p.LastDeliveryTicks);
        var latencies = new long[pairs.Sum(p => p.Delivered)];
        var at = 0;
        foreach (var pair in pairs)
        {
            Array.Copy(pair.Latencies, 0, latencies, at, pair.Delivered);
            at += pair.Delivered;
        }
        Array.Sort(latencies);
        var seconds = Stopwatch.GetElapsedTime(startTicks, lastTicks).TotalSeconds;
        return new PhaseResult(latencies.Length, pairs.Sum(p => p.Errors), seconds, latencies,
            startUnixMs, startUnixMs + (long)(seconds * 1000));
    }

    private static void Report(PhaseResult result, Options options)
    {
        static string F(double value, string format = "F3") => value.ToString(format, CultureInfo.InvariantCulture);
        double Ms(double percentile)
        {
            var sorted = result.LatencyTicks;
            if (sorted.Length == 0) return double.NaN;
            var rank = Math.Clamp((int)Math.Ceiling(percentile / 100 * sorted.Length) - 1, 0, sorted.Length - 1);
            return sorted[rank] * 1000.0 / Stopwatch.Frequency;
        }
        Console.WriteLine($"pairs={options.Pairs}");
        Console.WriteLine($"window={options.Window}");
        Console.WriteLine($"rate_limit={F(options.Rate, "F0")}");
        Console.WriteLine($"messages={result.Delivered}");
        Console.WriteLine($"errors={result.Errors}");
        Console.WriteLine($"seconds={F(result.Seconds)}");
        Console.WriteLine($"rate={F(result.Delivered / result.Seconds, "F1")}");
        Console.WriteLine($"p50_ms={F(Ms(50))}");
        Console.WriteLine($"p95_ms={F(Ms(95))}");
        Console.WriteLine($"p99_ms={F(Ms(99))}");
        Console.WriteLine($"max_ms={F(Ms(100))}");
        Console.WriteLine($"first_send_unix_ms={result.StartUnixMs}");
        Console.WriteLine($"last_delivery_unix_ms={result.LastUnixMs}");
    }

    private sealed record PhaseResult(int Delivered, int Errors, double Seconds, long[] LatencyTicks, long StartUnixMs, long LastUnixMs);

    /// <summary>One sender and one receiver, and the window between them.</summary>
    private sealed class Pair : IAsyncDisposable
    {
        private readonly int _index;
        private readonly string _receiverJid;
        private C2sClient _sender = null!;
        private C2sClient _receiver = null!;
        private SemaphoreSlim _window = new(1);
        private volatile char _phase;
        private int _expected;
        private TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private Pair(int index, string receiverJid)
        {
            _index = index;
            _receiverJid = receiverJid;
        }

        public long[] Latencies { get; private set; } = [];
        public int Delivered { get; private set; }
        public int Errors { get; private set; }
        public long LastDeliveryTicks { get; private set; }
        public Task Done => _done.Task;

        public static async Task<Pair> ConnectAsync(Options options, int index, CancellationToken cancellationToken)
        {
            var senderName = $"{options.Prefix}{index:D3}a";
            var receiverName = $"{options.Prefix}{index:D3}b";
            var pair = new Pair(index, $"{receiverName}@{options.Domain}");
            pair._sender = await LoginAsync(options, senderName, cancellationToken);
            pair._receiver = await LoginAsync(options, receiverName, cancellationToken);
            return pair;
        }

        private static async Task<C2sClient> LoginAsync(Options options, string user, CancellationToken cancellationToken)
        {
            var client = await C2sClient.ConnectAsync(options.Host, options.Port, options.Domain, cancellationToken);
            if (options.Register)
            {
                await client.RegisterAsync(user, options.Password, cancellationToken);
            }
            await client.LoginAsync(user, options.Password, "load", cancellationToken);
            return client;
        }

        public Task StartReading(CancellationToken cancellationToken) => Task.Run(async () =>
        {
            try
            {
                await _receiver.ReadMessagesAsync(OnMessage, cancellationToken);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException or System.Xml.XmlException)
            {
            }
        }, cancellationToken);

        public void Prepare(char phase, int count, int window)
        {
            _expected = count;
            Latencies = new long[count];
            Delivered = 0;
            Errors = 0;
            LastDeliveryTicks = 0;
            _window = new SemaphoreSlim(window, window);
            _done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _phase = phase; // last: the reader sees everything above once it sees the new phase (volatile)
        }

        public async Task SendAsync(char phase, int count, long startTicks, double ratePerSecond, CancellationToken cancellationToken)
        {
            var text = new StringBuilder(400);
            for (var seq = 0; seq < count; seq++)
            {
                if (ratePerSecond > 0)
                {
                    var due = TimeSpan.FromSeconds(seq / ratePerSecond);
                    var wait = due - Stopwatch.GetElapsedTime(startTicks);
                    if (wait > TimeSpan.FromMilliseconds(1)) await Task.Delay(wait, cancellationToken);
                }
                await _window.WaitAsync(cancellationToken);
                var body = Bodies[(seq + _index) % Bodies.Length];
                text.Clear()
                    .Append("<message to='").Append(_receiverJid).Append("' id='").Append(phase).Append(_index).Append('-').Append(seq)
                    .Append('-').Append(Stopwatch.GetTimestamp()).Append("' type='chat' xml:lang='en'><body>").Append(body)
                    .Append("</body><active xmlns='http://jabber.org/protocol/chatstates'/><origin-id xmlns='urn:xmpp:sid:0' id='")
                    .Append(Guid.NewGuid()).Append("'/></message>");
                await _sender.SendAsync(Encoding.UTF8.GetBytes(text.ToString()), cancellationToken);
            }
        }

        private void OnMessage(string? id, string? type)
        {
            var now = Stopwatch.GetTimestamp();
            if (id is null || id.Length < 2 || id[0] != _phase) return;
            if (type == "error")
            {
                Errors++;
            }
            else
            {
                // id = phase, pair, '-', seq, '-', send timestamp
                var parts = id[1..].Split('-');
                if (parts.Length != 3 || !int.TryParse(parts[1], CultureInfo.InvariantCulture, out var seq)
                    || !long.TryParse(parts[2], CultureInfo.InvariantCulture, out var sent) || seq < 0 || seq >= Latencies.Length)
                    return;
                Latencies[Delivered] = now - sent;
            }
            Delivered++;
            LastDeliveryTicks = now;
            _window.Release();
            if (Delivered == _expected) _done.TrySetResult();
        }

        public async ValueTask DisposeAsync()
        {
            if (_sender is not null) await _sender.DisposeAsync();
            if (_receiver is not null) await _receiver.DisposeAsync();
        }
    }

    private sealed record Options(string Host, int Port, string Domain, string Prefix, string Password, bool Register,
        int Pairs, int Messages, int Warmup, int Window, double Rate, TimeSpan Timeout)
    {
        public const string Usage =
            "usage: xmppprivacy-chatload --port N [--host 127.0.0.1] [--domain localhost] [--prefix load] [--password P] [--register]\n" +
            "                            [--pairs 20] [--messages 1000] [--warmup 50] [--window 100] [--rate 0] [--timeout 600]";

        public static Options Parse(string[] args)
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            var register = false;
            for (var i = 0; i < args.Length; i++)
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
            var options = new Options(
                Get("host", "127.0.0.1"),
                Int("port", 0, 1),
                Get("domain", "localhost"),
                Get("prefix", "load"),
                Get("password", "load-password"),
                register,
                Int("pairs", 20, 1),
                Int("messages", 1000, 1),
                Int("warmup", 50, 0),
                Int("window", 100, 1),
                Int("rate", 0, 0),
                TimeSpan.FromSeconds(Int("timeout", 600, 1)));
            if (values.Count > 0) throw new ArgumentException($"Unknown option --{values.Keys.First()}.");
            return options;
        }
    }
}
