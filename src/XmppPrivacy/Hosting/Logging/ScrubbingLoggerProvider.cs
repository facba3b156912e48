using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;

namespace XmppPrivacy.Hosting.Logging;

/// <summary>
/// The component's only log sink: one line per entry to standard error and, when <c>Log:File</c> is set, to
/// a daily file. Every line passes <see cref="IpScrubber"/>; exceptions show their type and stack, never their message (it may carry data).
/// </summary>
public sealed class ScrubbingLoggerProvider(TextWriter console, string? filePath, TimeProvider time) : ILoggerProvider
{
    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<string, Logger> _loggers = new(StringComparer.Ordinal);
    private StreamWriter? _file;
    private string? _fileName;

    public ILogger CreateLogger(string categoryName) => _loggers.GetOrAdd(categoryName, name => new Logger(this, name));

    /// <summary>The file a log line written now goes to (date-stamped).</summary>
    public static string DailyFile(string basePath, DateTimeOffset now)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(basePath))!;
        var name = Path.GetFileNameWithoutExtension(basePath);
        var extension = Path.GetExtension(basePath);
        return Path.Combine(directory, $"{name}-{now.UtcDateTime:yyyyMMdd}{(extension.Length == 0 ? ".log" : extension)}");
    }

    private void Write(string category, LogLevel level, EventId id, string message, Exception? exception)
    {
        var now = time.GetUtcNow();
        var line = new StringBuilder()
            .Append(now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)).Append(' ')
            .Append(Short(level)).Append(' ').Append(category).Append('[').Append(id.Id).Append("] ")
            .Append(IpScrubber.Scrub(message));
        for (var e = exception; e is not null; e = e.InnerException)
            line.Append("\n  ").Append(e.GetType().FullName).Append(" (message withheld)\n").Append(e.StackTrace);
        var text = line.ToString();
        lock (_gate)
        {
            console.WriteLine(text);
            if (filePath is null) return;
            try
            {
                var fileName = DailyFile(filePath, now);
                if (fileName != _fileName)
                {
                    _file?.Dispose();
                    Directory.CreateDirectory(Path.GetDirectoryName(fileName)!);
                    _file = new StreamWriter(new FileStream(fileName, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
                    _fileName = fileName;
                }
                _file!.WriteLine(text);
            }
            catch (IOException)
            {
                // A full or read-only disk must not take the component down; the console still has it.
            }
        }
    }

    private static string Short(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        _ => "crit",
    };

    public void Dispose()
    {
        lock (_gate) _file?.Dispose();
    }

    private sealed class Logger(ScrubbingLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            provider.Write(category, logLevel, eventId, formatter(state, null), exception);
        }
    }
}
