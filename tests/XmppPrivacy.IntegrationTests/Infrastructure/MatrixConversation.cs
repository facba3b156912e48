using System.Xml.Linq;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.IntegrationTests.Infrastructure;

/// <summary>
/// The conversation every client of the client matrix goes through with the peer bob (a <see cref="XmppTestClient"/>):
/// two messages while the client is online, one reply from the client, two while it is offline (Prosody keeps them
/// in offline storage, the component archives them). <see cref="Expected"/> is the whole conversation in order, which
/// the client must finally show from the archive once and in order.
/// </summary>
public sealed class MatrixConversation(ProsodyServer prosody, ComponentUnderTest component, string user)
{
    public const string Peer = "bob";
    public const string PeerJid = "bob@localhost";
    public static readonly string[] Online = ["online one from bob", "online two from bob"];
    public const string Reply = "reply from the client";
    public static readonly string[] Offline = ["offline one from bob", "offline two from bob"];

    /// <summary>The whole conversation in the order it happened.</summary>
    public static IReadOnlyList<string> Expected { get; } = [.. Online, Reply, .. Offline];

    public string User { get; } = user;
    public string Jid => User + "@localhost";

    /// <summary>The peer's account; the client's own is registered by the client itself where it can.</summary>
    public Task RegisterPeerAsync() => prosody.RegisterAsync(Peer, "bob-secret");

    /// <summary>Turns archiving on for the client's account from another resource (a XEP-0441 preferences set).</summary>
    public async Task OptInFromAnotherClientAsync(string password)
    {
        await using var other = await XmppTestClient.LoginAsync(prosody.C2sPort, User, password, resource: "settings");
        var set = await other.IqAsync("<iq type='set'><prefs xmlns='urn:xmpp:mam:2' default='always'/></iq>");
        Assert.Equal("result", (string?)set.Attribute("type"));
    }

    public Task<XmppTestClient> PeerOnlineAsync() => XmppTestClient.LoginAsync(prosody.C2sPort, Peer, "bob-secret", resource: "peer");

    public static async Task SendAsync(XmppTestClient peer, string to, IEnumerable<string> bodies)
    {
        foreach (var body in bodies)
            await peer.SendAsync($"<message type='chat' to='{to}' id='{Guid.NewGuid():N}'><body>{body}</body></message>");
    }

    /// <summary>Waits until the peer received the client's reply.</summary>
    public static async Task<XElement> PeerReceivesReplyAsync(XmppTestClient peer) =>
        await peer.WaitForAsync(e => e.Name.LocalName == "message" && e.Element(Ns.Component + "body")?.Value == Reply,
            TimeSpan.FromSeconds(45));

    /// <summary>The number of messages in the client's archive.</summary>
    public long Archived() =>
        Convert.ToInt64(DatabaseFile.Scalar(component.DatabasePath, $"SELECT COUNT(*) FROM archive_messages WHERE owner = '{Jid}';"));

    /// <summary>Whether the client's account has archiving on (XEP-0441 default 'always').</summary>
    public bool ArchivingOn() =>
        Convert.ToInt64(DatabaseFile.Scalar(component.DatabasePath,
            $"SELECT COUNT(*) FROM archive_prefs WHERE owner = '{Jid}' AND default_policy = 'always';")) > 0;

    public Task WaitUntilArchivedAsync(int count, string what) =>
        Repo.WaitUntilAsync(() => Task.FromResult(Archived() >= count), TimeSpan.FromSeconds(45), what);

    /// <summary>The conversation's messages as they appear on <paramref name="screen"/>, top to bottom.</summary>
    public static List<string> Shown(string screen) =>
        screen.Split('\n')
            .Select(line => Expected.FirstOrDefault(m => line.Contains(m, StringComparison.Ordinal)))
            .OfType<string>().ToList();
}
