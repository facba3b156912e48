using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using XmppPrivacy.Hosting.Logging;
using XmppPrivacy.Tests.Support;

namespace XmppPrivacy.Tests.Hosting.Logging;

public sealed class ScrubbingLoggerProviderTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 10, 9, 43, TimeSpan.Zero);

    [Fact]
    public void A_line_is_written_without_the_address_and_with_time_level_category_and_event()
    {
        var console = new StringWriter();
        using var provider = new ScrubbingLoggerProvider(console, null, new FakeTimeProvider(Now));

        provider.CreateLogger("XmppPrivacy.Test").Log(LogLevel.Warning, new EventId(1010), "Connection from {Address} lost", "203.0.113.7");

        var line = console.ToString().TrimEnd();
        Assert.Equal("2026-11-23T10:09:43.000Z warn XmppPrivacy.Test[1010] Connection from [ip] lost", line);
    }

    [Fact]
    public void An_exceptions_message_never_appears_only_its_type()
    {
        var console = new StringWriter();
        using var provider = new ScrubbingLoggerProvider(console, null, new FakeTimeProvider(Now));
        var failure = new InvalidOperationException("Password=hunter2 at 198.51.100.4",
            new IOException("inner secret from 2001:db8::7"));

        provider.CreateLogger("XmppPrivacy.Test").LogError(failure, "Handler failed");

        var text = console.ToString();
        Assert.Contains("Handler failed", text, StringComparison.Ordinal);
        Assert.Contains("System.InvalidOperationException (message withheld)", text, StringComparison.Ordinal);
        Assert.Contains("System.IO.IOException (message withheld)", text, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", text, StringComparison.Ordinal);
        Assert.DoesNotContain("inner secret", text, StringComparison.Ordinal);
        Assert.DoesNotContain("198.51.100.4", text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_log_file_is_named_after_the_day_and_scrubbed_too()
    {
        using var directory = new TempDirectory();
        var console = new StringWriter();
        using (var provider = new ScrubbingLoggerProvider(console, directory.File("xmpp-privacy.log"), new FakeTimeProvider(Now)))
            provider.CreateLogger("XmppPrivacy.Test").LogError("Refused {Address}", "2001:db8::42");

        var file = directory.File("xmpp-privacy-20261123.log");
        var text = File.ReadAllText(file);
        Assert.Contains("Refused [ip]", text, StringComparison.Ordinal);
        Assert.DoesNotContain("2001:db8::42", text, StringComparison.Ordinal);
        Assert.Equal([file], Directory.GetFiles(directory.Path));
    }

    [Fact]
    public void A_new_day_goes_to_a_new_file()
    {
        using var directory = new TempDirectory();
        var time = new FakeTimeProvider(Now);
        using (var provider = new ScrubbingLoggerProvider(TextWriter.Null, directory.File("xmpp-privacy.log"), time))
        {
            var logger = provider.CreateLogger("XmppPrivacy.Test");
            logger.LogError("first day");
            time.Advance(TimeSpan.FromDays(1));
            logger.LogError("second day");
        }

        Assert.Contains("first day", File.ReadAllText(directory.File("xmpp-privacy-20261123.log")), StringComparison.Ordinal);
        Assert.Contains("second day", File.ReadAllText(directory.File("xmpp-privacy-20261124.log")), StringComparison.Ordinal);
        Assert.DoesNotContain("second day", File.ReadAllText(directory.File("xmpp-privacy-20261123.log")), StringComparison.Ordinal);
    }
}
