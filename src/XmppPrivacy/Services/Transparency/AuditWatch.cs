using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using XmppPrivacy.Services.Notices;

namespace XmppPrivacy.Services.Transparency;

/// <summary>
/// Runs the retention audit every <c>Transparency:AuditInterval</c> and tells the admins when a promise is
/// broken — once per broken set, and once more when all hold again — not at every run.
/// </summary>
public sealed partial class AuditWatch(RetentionAudit audit, RegistrationNotices admins, TransparencyOptions options, TimeProvider time,
    ILogger<AuditWatch> logger) : BackgroundService
{
    private string _lastReported = "";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.AuditInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) await RunOnceAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One audit; returns the message sent to the admins, if any.</summary>
    public async Task<string?> RunOnceAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<AuditLine> lines;
        try
        {
            lines = await audit.RunAsync(null, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogAuditFailed(logger, e.GetType().Name);
            return null;
        }
        var broken = lines.Where(l => !l.Pass).ToList();
        var key = string.Join(",", broken.Select(l => l.Store.Key));
        if (key == _lastReported) return null;
        _lastReported = key;
        var text = broken.Count == 0
            ? "Retention audit: every promise holds again."
            : "Retention audit: a promise is broken.\n" + string.Join("\n", broken.Select(l =>
                $"- {l.Store.Key}: oldest {RetentionAudit.Age(l.Measured.OldestAge)}, {l.Measured.Count} item(s); promise {l.Promise}"));
        LogBroken(logger, broken.Count);
        await admins.NotifyAdminsAsync(text, cancellationToken);
        return text;
    }

    [LoggerMessage(EventId = 2301, Level = LogLevel.Warning, Message = "Retention audit: {Broken} store(s) break their promise")]
    private static partial void LogBroken(ILogger logger, int broken);

    [LoggerMessage(EventId = 2302, Level = LogLevel.Error, Message = "Retention audit failed with {ExceptionType}")]
    private static partial void LogAuditFailed(ILogger logger, string exceptionType);
}
