using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using XmppPrivacy.Hosting;

namespace XmppPrivacy.Sweeps;

/// <summary>
/// Runs every feature's expiry: once at start (catching up whatever accumulated while the component was
/// down), then each at its own interval (<see cref="ISweep.Interval"/>, else <c>Sweeps:Interval</c>) on the
/// injected <see cref="TimeProvider"/>. Each run is persisted and measured.
/// </summary>
public sealed partial class SweepService(
    IEnumerable<ISweep> sweeps, SweepRunStore runs, Metrics metrics, TimeProvider time, SweepSchedule schedule,
    ILogger<SweepService> logger) : BackgroundService
{
    private readonly TaskCompletionSource _firstRound = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Dictionary<string, long> _lastRun = new(StringComparer.Ordinal);

    /// <summary>Completes when the catch-up round at start has finished.</summary>
    public Task FirstRound => _firstRound.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await RunAllAsync(stoppingToken);
            _firstRound.TrySetResult();
            // Tick at the shortest interval any sweep asks for; each sweep runs when its own interval has passed.
            var tick = sweeps.Select(s => s.Interval ?? schedule.Interval).Append(schedule.Interval).Min();
            using var timer = new PeriodicTimer(tick, time);
            while (await timer.WaitForNextTickAsync(stoppingToken))
                await RunAllAsync(stoppingToken, onlyDue: tick / 2);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            _firstRound.TrySetResult();
        }
    }

    /// <summary>
    /// One round of every sweep (or, with <paramref name="onlyDue"/>, of those whose interval has passed, within
    /// that tolerance); a failing sweep is logged and does not stop the others.
    /// </summary>
    public async Task RunAllAsync(CancellationToken cancellationToken, TimeSpan? onlyDue = null)
    {
        foreach (var sweep in sweeps)
        {
            if (onlyDue is { } tolerance && _lastRun.TryGetValue(sweep.Name, out var last)
                && time.GetElapsedTime(last) + tolerance < (sweep.Interval ?? schedule.Interval))
                continue;
            var now = time.GetUtcNow();
            var started = time.GetTimestamp();
            _lastRun[sweep.Name] = started;
            try
            {
                var deleted = await sweep.RunAsync(now, schedule.BatchSize, cancellationToken);
                await runs.RecordAsync(sweep.Name, now, deleted, cancellationToken);
                metrics.Increment("xmppprivacy_sweep_runs_total", "sweep", sweep.Name);
                metrics.Increment("xmppprivacy_sweep_deleted_total", "sweep", sweep.Name, deleted);
                LogSwept(logger, sweep.Name, deleted, time.GetElapsedTime(started));
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception e)
            {
                metrics.Increment("xmppprivacy_sweep_failures_total", "sweep", sweep.Name);
                LogSweepFailed(logger, sweep.Name, e.GetType().Name);
            }
        }
    }

    [LoggerMessage(EventId = 1401, Level = LogLevel.Debug, Message = "Sweep {Sweep} deleted {Deleted} items in {Elapsed}")]
    private static partial void LogSwept(ILogger logger, string sweep, int deleted, TimeSpan elapsed);

    [LoggerMessage(EventId = 1402, Level = LogLevel.Error, Message = "Sweep {Sweep} failed with {ExceptionType}")]
    private static partial void LogSweepFailed(ILogger logger, string sweep, string exceptionType);
}

/// <summary>How often and in what batch size sweeps run.</summary>
public sealed record SweepSchedule(TimeSpan Interval, int BatchSize);
