using XmppPrivacy.Hosting;
using XmppPrivacy.IntegrationTests.Infrastructure;

namespace XmppPrivacy.IntegrationTests;

/// <summary>The generated parts of docs/ match the code they are generated from.</summary>
public sealed class DocsTests
{
    [Fact]
    public void Configuration_doc_lists_every_option_exactly_as_declared() =>
        Assert.Contains(Cli.OptionsMarkdown(), File.ReadAllText(Path.Combine(Repo.Root, "docs", "configuration.md")));

    [Fact]
    public void Xeps_doc_matches_the_service_attributes() =>
        Assert.Contains(Cli.XepsMarkdown(), File.ReadAllText(Path.Combine(Repo.Root, "docs", "xeps.md")));

    [Fact]
    public void Only_the_Streams_folder_opens_sockets()
    {
        var src = Path.Combine(Repo.Root, "src", "XmppPrivacy");
        var offenders = Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
            .Where(f => !f.StartsWith(Path.Combine(src, "Streams"), StringComparison.Ordinal))
            .Where(f => File.ReadAllText(f) is var text && (text.Contains("System.Net.Sockets") || text.Contains("TcpClient") || text.Contains("new Socket(")))
            .ToList();
        Assert.Empty(offenders);
    }
}
