using XmppPrivacy.Sweeps;

namespace XmppPrivacy.Hosting.Logging;

/// <summary>Deletes daily log files older than <c>Log:RetentionDays</c>.</summary>
public sealed class LogFileSweep(string? filePath, int retentionDays) : ISweep
{
    public string Name => "log-files";

    public ValueTask<int> RunAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken)
    {
        if (filePath is null) return ValueTask.FromResult(0);
        var directory = Path.GetDirectoryName(Path.GetFullPath(filePath))!;
        if (!Directory.Exists(directory)) return ValueTask.FromResult(0);
        var name = Path.GetFileNameWithoutExtension(filePath);
        var extension = Path.GetExtension(filePath) is { Length: > 0 } e ? e : ".log";
        var oldest = DateOnly.FromDateTime(now.UtcDateTime).AddDays(-retentionDays);
        var deleted = 0;
        foreach (var file in Directory.EnumerateFiles(directory, $"{name}-????????{extension}"))
        {
            var stamp = Path.GetFileNameWithoutExtension(file)[(name.Length + 1)..];
            if (DateOnly.TryParseExact(stamp, "yyyyMMdd", out var day) && day < oldest)
            {
                File.Delete(file);
                deleted++;
            }
        }
        return ValueTask.FromResult(deleted);
    }
}
