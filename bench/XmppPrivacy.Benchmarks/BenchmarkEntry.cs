using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

namespace XmppPrivacy.Benchmarks;

public static class BenchmarkEntry
{
    // Results and logs go to bench/BenchmarkDotNet.Artifacts (git-ignored) wherever the run starts from;
    // --artifacts <dir> on the command line still wins.
    public static void Main(string[] args) =>
        BenchmarkSwitcher.FromAssembly(typeof(BenchmarkEntry).Assembly)
            .Run(args, DefaultConfig.Instance.WithArtifactsPath(ArtifactsPath()));

    private static string ArtifactsPath()
    {
        // The executable runs from bench/XmppPrivacy.Benchmarks/bin/<configuration>/<tfm>/.
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "XmppPrivacy.Benchmarks.csproj")))
                return Path.Combine(dir.Parent!.FullName, "BenchmarkDotNet.Artifacts");
        return Path.Combine(Directory.GetCurrentDirectory(), "BenchmarkDotNet.Artifacts");
    }
}
