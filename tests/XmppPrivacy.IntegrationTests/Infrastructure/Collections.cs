namespace XmppPrivacy.IntegrationTests.Infrastructure;

/// <summary>Tests against real servers share ports and processes: run them one class at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RealServers
{
    public const string Name = "real servers";
}
