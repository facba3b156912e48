using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace XmppPrivacy.Services.Uploads;

/// <summary>
/// Before anything is served: makes the upload folders (a folder that cannot be made stops the process with the
/// reason), removes the temporary files of uploads an earlier process did not finish, and reconciles rows with
/// files both ways. Expired files are never served meanwhile: every download checks the expiry itself.
/// </summary>
public sealed partial class UploadStartup(UploadFiles files, UploadStore store, ILogger<UploadStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        files.EnsureFolders();
        var interrupted = files.RemoveInterrupted();
        var reconciled = await store.ReconcileAsync(cancellationToken);
        if (interrupted + reconciled > 0) LogReconciled(logger, interrupted, reconciled);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 6003, Level = LogLevel.Warning, Message = "Removed {Interrupted} unfinished uploads and {Orphans} files or rows without their counterpart left by an earlier run")]
    private static partial void LogReconciled(ILogger logger, int interrupted, int orphans);
}
