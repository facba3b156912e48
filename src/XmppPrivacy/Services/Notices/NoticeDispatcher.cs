using Microsoft.Extensions.Hosting;

namespace XmppPrivacy.Services.Notices;

/// <summary>Sends the summary of a registration burst once it ended (and its progress reports), checking every second on the injected clock.</summary>
public sealed class NoticeDispatcher(RegistrationNotices notices, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
                await notices.FlushDueAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
