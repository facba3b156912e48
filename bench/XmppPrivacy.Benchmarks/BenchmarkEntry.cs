using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

namespace XmppPrivacy.Benchmarks;

public static class BenchmarkEntry
{
    // Results and logs go to bench/BenchmarkDotNet.Artifacts (git-ignored) wherever the run starts from;
    // --artifacts <dir> on the command line still wins.
    // `--ingest-cpu BATCHES [ROUNDS] [PART]` measures the batched ingest's wall and CPU time per message (IngestCpu.cs).
    // `--sweep-groups [ROWS] [BATCH] [files-only]` fills the real store with ROWS expired messages over 24 hourly files and times the real
    // sweep while ingest goes on (SweepGroups.cs). `--pages-groups [ROWS] [QUERIES]` times newest pages over a week of
    // hourly files (PagesGroups.cs).
    public static void Main(string[] args)
    {
        if (args is ["--pages-groups", .. var pages])
        {
            PagesGroups.Run(pages is [var count, ..] ? int.Parse(count, System.Globalization.CultureInfo.InvariantCulture) : 1_000_000,
                pages is [_, var queries] ? int.Parse(queries, System.Globalization.CultureInfo.InvariantCulture) : 1000);
            return;
        }
        if (args is ["--sweep-groups", .. var sweep])
        {
            SweepGroups.Run(sweep is [var count, ..] ? int.Parse(count, System.Globalization.CultureInfo.InvariantCulture) : 1_000_000,
                sweep is [_, var batch, ..] ? int.Parse(batch, System.Globalization.CultureInfo.InvariantCulture) : 250,
                sweep is [_, _, "files-only"]);
            return;
        }
        if (args is ["--ingest-cpu", var batches, .. var rest])
        {
            IngestCpu.Run(int.Parse(batches, System.Globalization.CultureInfo.InvariantCulture),
                rest is [var rounds, ..] ? int.Parse(rounds, System.Globalization.CultureInfo.InvariantCulture) : 3,
                rest is [_, var part] ? part : "store");
            return;
        }
        BenchmarkSwitcher.FromAssembly(typeof(BenchmarkEntry).Assembly)
            .Run(args, DefaultConfig.Instance.WithArtifactsPath(ArtifactsPath()));
    }

    private static string ArtifactsPath()
    {
        // The executable runs from bench/XmppPrivacy.Benchmarks/bin/<configuration>/<tfm>/.
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "XmppPrivacy.Benchmarks.csproj")))
                return Path.Combine(dir.Parent!.FullName, "BenchmarkDotNet.Artifacts");
        return Path.Combine(Directory.GetCurrentDirectory(), "BenchmarkDotNet.Artifacts");
    }
}
