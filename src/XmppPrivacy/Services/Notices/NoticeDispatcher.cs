using Microsoft.Extensions.Hosting;

namespace XmppPrivacy.Services.Notices;

/// <summary>Sends burst alerts once their window has passed, checking every second on the injected clock.</summary>
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
