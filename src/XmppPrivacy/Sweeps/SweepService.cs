using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.DependencyInjection;
using XmppPrivacy.Hosting;
using XmppPrivacy.Hosting.Options;
using XmppPrivacy.Storage;

namespace XmppPrivacy.Sweeps;

/// <summary>
/// Runs every feature's expiry: once at start (catching up whatever accumulated while the component was
/// down), then every <c>Sweeps:Interval</c> on the injected <see cref="TimeProvider"/>. Each run is persisted
/// and measured.
/// </summary>
public sealed partial class SweepService(
    IEnumerable<ISweep> sweeps, SweepRunStore runs, IDatabase database, Metrics metrics, TimeProvider time, SweepsOptions options,
    ILogger<SweepService> logger) : BackgroundService
{
    private readonly TaskCompletionSource _firstRound = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static void DeclareMetrics(IServiceCollection services)
    {
        services.AddSingleton(new MetricDeclaration("xmppprivacy_sweep_runs_total", "Sweep runs, per sweep.", Label: "sweep"));
        services.AddSingleton(new MetricDeclaration("xmppprivacy_sweep_deleted_total", "Items deleted by sweeps, per sweep.", Label: "sweep"));
        services.AddSingleton(new MetricDeclaration("xmppprivacy_sweep_failures_total", "Sweep runs that failed, per sweep.", Label: "sweep"));
    }

    /// <summary>Completes when the catch-up round at start has finished.</summary>
    public Task FirstRound => _firstRound.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await RunAllAsync(stoppingToken);
            _firstRound.TrySetResult();
            using var timer = new PeriodicTimer(options.Interval, time);
            while (await timer.WaitForNextTickAsync(stoppingToken))
                await RunAllAsync(stoppingToken);
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
    /// One round of every sweep; a failing sweep is logged and does not stop the others. The round ends with a
    /// checkpoint, so what the sweeps (and account deletions since the last round) deleted is gone from the
    /// database's log as well as from its file within one interval.
    /// </summary>
    public async Task RunAllAsync(CancellationToken cancellationToken)
    {
        foreach (var sweep in sweeps)
        {
            var now = time.GetUtcNow();
            var started = time.GetTimestamp();
            try
            {
                var deleted = await sweep.RunAsync(now, options.BatchSize, cancellationToken);
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
        try
        {
            if (!await database.CheckpointAsync(cancellationToken)) LogCheckpointBusy(logger);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            LogCheckpointFailed(logger, e.GetType().Name);
        }
    }

    [LoggerMessage(EventId = 1403, Level = LogLevel.Information, Message = "The database log could not be emptied after the sweeps (a reader was active); the next round tries again")]
    private static partial void LogCheckpointBusy(ILogger logger);

    [LoggerMessage(EventId = 1404, Level = LogLevel.Error, Message = "Emptying the database log after the sweeps failed with {ExceptionType}")]
    private static partial void LogCheckpointFailed(ILogger logger, string exceptionType);

    [LoggerMessage(EventId = 1401, Level = LogLevel.Debug, Message = "Sweep {Sweep} deleted {Deleted} items in {Elapsed}")]
    private static partial void LogSwept(ILogger logger, string sweep, int deleted, TimeSpan elapsed);

    [LoggerMessage(EventId = 1402, Level = LogLevel.Error, Message = "Sweep {Sweep} failed with {ExceptionType}")]
    private static partial void LogSweepFailed(ILogger logger, string sweep, string exceptionType);
}
