using XmppPrivacy.Hosting.Options;
using Microsoft.Extensions.Time.Testing;
using XmppPrivacy.Hosting;
using XmppPrivacy.Storage;
using XmppPrivacy.Sweeps;
using XmppPrivacy.Tests.Support;

namespace XmppPrivacy.Tests.Sweeps;

public sealed class SweepServiceTests : IAsyncLifetime, IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 10, 0, 0, 123, TimeSpan.Zero);

    private readonly TempDirectory _directory = new();
    private readonly FakeTimeProvider _time = new(Start);
    private readonly Metrics _metrics = new();
    private readonly TestLog _log = new();
    private SqliteDatabase _database = null!;
    private SweepRunStore _runs = null!;

    public async Task InitializeAsync()
    {
        _database = new SqliteDatabase(_directory.File("test.db"), XmppPrivacy.Hosting.Catalogue.Schemas);
        await _database.MigrateAsync(CancellationToken.None);
        _runs = new SweepRunStore(_database);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _directory.Dispose();

    private SweepService Service(params ISweep[] sweeps) =>
        new(sweeps, _runs, _database, _metrics, _time, new SweepsOptions { Interval = TimeSpan.FromMinutes(1), BatchSize = 250 }, _log.For<SweepService>());

    [Fact]
    public async Task A_round_records_each_sweeps_last_run_at_the_clocks_time()
    {
        var sweep = new FakeSweep("archive", deletes: 7);

        await Service(sweep).RunAllAsync(CancellationToken.None);

        var runs = await _runs.LastRunsAsync(CancellationToken.None);
        Assert.Equal(Start, runs["archive"]);
        Assert.Equal([(Start, 250)], sweep.Calls);
        Assert.Equal(1, _metrics.Counter("xmppprivacy_sweep_runs_total", "sweep", "archive"));
        Assert.Equal(7, _metrics.Counter("xmppprivacy_sweep_deleted_total", "sweep", "archive"));
    }

    [Fact]
    public async Task A_later_round_replaces_the_last_run()
    {
        var service = Service(new FakeSweep("archive", deletes: 1));

        await service.RunAllAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromDays(8));
        await service.RunAllAsync(CancellationToken.None);

        var runs = await _runs.LastRunsAsync(CancellationToken.None);
        Assert.Equal(Start + TimeSpan.FromDays(8), Assert.Single(runs).Value);
    }

    [Fact]
    public async Task A_throwing_sweep_does_not_stop_the_others()
    {
        var before = new FakeSweep("before", deletes: 1);
        var after = new FakeSweep("after", deletes: 2);

        await Service(before, new ThrowingSweep(), after).RunAllAsync(CancellationToken.None);

        var runs = await _runs.LastRunsAsync(CancellationToken.None);
        Assert.Equal(["after", "before"], runs.Keys.Order(StringComparer.Ordinal));
        Assert.Single(after.Calls);
        Assert.Equal(1, _metrics.Counter("xmppprivacy_sweep_failures_total", "sweep", "throwing"));
        var logged = Assert.Single(_log.Errors);
        Assert.DoesNotContain(ThrowingSweep.Detail, logged.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cancelled_round_stops_and_records_nothing_more()
    {
        using var cancel = new CancellationTokenSource();
        var after = new FakeSweep("after", deletes: 0);
        var cancelling = new FakeSweep("cancelling", deletes: 0, onRun: () => cancel.Cancel());

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Service(cancelling, after).RunAllAsync(cancel.Token));

        Assert.Empty(after.Calls);
    }

    [Fact]
    public async Task The_service_runs_a_catch_up_round_at_start_then_on_the_clock()
    {
        var sweep = new FakeSweep("archive", deletes: 0);
        var service = Service(sweep);

        await service.StartAsync(CancellationToken.None);
        await service.FirstRound.WaitAsync(FakeServer.Patience);
        Assert.Equal([Start], sweep.Calls.Select(c => c.Now));
        // The timer is created just after the first round completes: keep the fake clock moving until it ticks.
        var second = sweep.WaitForCallsAsync(2);
        for (var minutes = 0; !second.IsCompleted && minutes < 200; minutes++)
        {
            _time.Advance(TimeSpan.FromMinutes(1));
            await Task.WhenAny(second, Task.Delay(50));
        }
        await second.WaitAsync(FakeServer.Patience);
        await service.StopAsync(CancellationToken.None);

        var later = sweep.Calls[1].Now - Start;
        Assert.True(later >= TimeSpan.FromMinutes(1) && later.Ticks % TimeSpan.TicksPerMinute == 0, $"second round at +{later}");
    }

    private sealed class FakeSweep(string name, int deletes, Action? onRun = null) : ISweep
    {
        private readonly List<(DateTimeOffset Now, int BatchSize)> _calls = [];
        private readonly List<(int Count, TaskCompletionSource Done)> _waiters = [];

        public string Name => name;

        public IReadOnlyList<(DateTimeOffset Now, int BatchSize)> Calls
        {
            get
            {
                lock (_calls) return _calls.ToList();
            }
        }

        public Task WaitForCallsAsync(int count)
        {
            lock (_calls)
            {
                if (_calls.Count >= count) return Task.CompletedTask;
                var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add((count, done));
                return done.Task;
            }
        }

        public ValueTask<int> RunAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken)
        {
            onRun?.Invoke();
            cancellationToken.ThrowIfCancellationRequested();
            lock (_calls)
            {
                _calls.Add((now, batchSize));
                foreach (var waiter in _waiters.Where(w => _calls.Count >= w.Count)) waiter.Done.TrySetResult();
            }
            return ValueTask.FromResult(deletes);
        }
    }

    private sealed class ThrowingSweep : ISweep
    {
        public const string Detail = "disk /var/lib/secret is gone";

        public string Name => "throwing";

        public ValueTask<int> RunAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken) =>
            throw new IOException(Detail);
    }
}
