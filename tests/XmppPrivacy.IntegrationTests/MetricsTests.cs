using XmppPrivacy.IntegrationTests.Infrastructure;

namespace XmppPrivacy.IntegrationTests;

/// <summary><c>/metrics</c> as Prometheus reads it: checked with the Prometheus project's own text-format parser.</summary>
[Collection(RealServers.Name)]
public sealed class MetricsTests
{
    private const string Parse = """
        import sys
        from prometheus_client.parser import text_string_to_metric_families
        for family in text_string_to_metric_families(open(sys.argv[1]).read()):
            for sample in family.samples:
                labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
                print(family.name, family.type, bool(family.documentation), sample.name, labels, sample.value, sep="|")
        """;

    [Fact]
    public async Task Metrics_parse_as_the_Prometheus_text_format_with_help_type_counters_runtime_and_process()
    {
        await using var prosody = await ProsodyServer.StartAsync();
        await using var component = await ComponentUnderTest.StartAsync(prosody);
        await component.WaitForAllConnectedAsync();
        await Repo.WaitUntilAsync(async () => await component.MetricAsync("xmppprivacy_bridge_hello_total") >= 1, TimeSpan.FromSeconds(20), "the bridge answered");
        var text = await component.MetricsAsync();
        var file = Path.Combine(component.State, "metrics.txt");
        var script = Path.Combine(component.State, "parse.py");
        await File.WriteAllTextAsync(file, text);
        await File.WriteAllTextAsync(script, Parse);

        var (code, output) = await Repo.RunAsync("/usr/bin/python3", [script, file]);

        Assert.True(code == 0, output);
        var samples = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('|')).ToList();
        Assert.Contains(samples, s => s[0] == "xmppprivacy_bridge_hello" && s[1] == "counter" && s[2] == "True" && s[3] == "xmppprivacy_bridge_hello_total" && double.Parse(s[5]) >= 1);
        Assert.Contains(samples, s => s[0] == "xmppprivacy_sweep_runs" && s[1] == "counter" && s[4] == "sweep=archive");
        Assert.Contains(samples, s => s[0] == "xmppprivacy_archive_oldest_message_age_seconds" && s[1] == "gauge");
        Assert.Contains(samples, s => s[0] == "process_cpu_seconds" && s[1] == "counter");
        Assert.Contains(samples, s => s[0] == "dotnet_collection_count" && s[1] == "counter");
        // Counts only: no label value anywhere is an account, a JID or an address.
        Assert.DoesNotContain(samples, s => s[4].Contains('@') || s[4].Contains("127.0.0"));
    }
}
