using System.Xml.Linq;
using Microsoft.Extensions.Time.Testing;
using XmppPrivacy.Hosting;
using XmppPrivacy.Routing;
using XmppPrivacy.Services.Core;
using XmppPrivacy.Services.Rooms;
using XmppPrivacy.Storage;
using XmppPrivacy.Tests.Support;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Tests.Services.Rooms;

/// <summary>The rooms service behind the real router, over a migrated SQLite file and a fake clock: stanzas in, stanzas out.</summary>
public abstract class RoomsTestHarness : IAsyncLifetime, IDisposable
{
    protected const string Domain = "rooms.localhost";
    protected static readonly DateTimeOffset Start = new(2026, 12, 2, 10, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _directory = new();
    private Router _router = null!;

    protected FakeTimeProvider Time { get; } = new(Start);
    protected SqliteDatabase Database { get; private set; } = null!;
    protected RoomStore Store { get; private set; } = null!;
    protected RoomsService Service { get; private set; } = null!;
    protected TestLog Log { get; } = new();
    protected virtual RoomsOptions Options => new();

    public async Task InitializeAsync()
    {
        Database = new SqliteDatabase(_directory.File("rooms.db"), Catalogue.Schemas);
        await Database.MigrateAsync(CancellationToken.None);
        Restart();
    }

    /// <summary>A new service and router over the same database, as after a restart of the component.</summary>
    protected void Restart()
    {
        Store = new RoomStore(Database);
        Service = new RoomsService(new Domains("localhost", "privacy.localhost", null, Domain), Options, Store, new Metrics(), Time, Log.For<RoomsService>());
        _router = new Router(["privacy.localhost", Domain], [new CoreService(), Service], new IqTracker(), Log.For<Router>());
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _directory.Dispose();

    /// <summary>Routes one stanza (written without a namespace) and returns what the component sent.</summary>
    protected async Task<IReadOnlyList<XElement>> SendAsync(string stanza)
    {
        var element = XElement.Parse(stanza.Replace("<message ", "<message xmlns='jabber:component:accept' ", StringComparison.Ordinal)
            .Replace("<presence ", "<presence xmlns='jabber:component:accept' ", StringComparison.Ordinal)
            .Replace("<iq ", "<iq xmlns='jabber:component:accept' ", StringComparison.Ordinal));
        var outbound = new RecordingOutbound(Domain);
        await _router.RouteAsync(element, outbound, CancellationToken.None);
        return outbound.Sent;
    }

    /// <summary>Enters a room; whoever creates it then submits the instant-room form, as real clients do after 201, and that answer is not returned.</summary>
    protected async Task<IReadOnlyList<XElement>> JoinAsync(string user, string room, string nick, string history = "", string password = "")
    {
        var sent = await SendAsync($"<presence from='{user}@localhost/phone' to='{room}@{Domain}/{nick}'><x xmlns='http://jabber.org/protocol/muc'>{history}" +
            (password.Length > 0 ? $"<password>{password}</password>" : "") + "</x></presence>");
        if (sent.Any(s => s.Name.LocalName == "presence" && Codes(s).Contains(201)))
            await SendAsync(InstantForm(user, room));
        return sent;
    }

    protected static string InstantForm(string user, string room) =>
        $"<iq type='set' id='instant' from='{user}@localhost/phone' to='{room}@{Domain}'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'/></query></iq>";

    protected Task<IReadOnlyList<XElement>> SayAsync(string user, string room, string body, string extra = "", string id = "m") =>
        SendAsync($"<message type='groupchat' id='{id}' from='{user}@localhost/phone' to='{room}@{Domain}'><body>{body}</body>{extra}</message>");

    protected async Task<long> RowsAsync(string room)
    {
        await using var connection = await Database.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM room_messages WHERE room = @room;";
        Db.Add(command, "@room", $"{room}@{Domain}");
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    protected static string? Condition(XElement stanza) =>
        stanza.Element(Ns.Component + "error")?.Elements().First(e => e.Name.Namespace == Ns.Stanzas).Name.LocalName;

    protected static IReadOnlyList<int> Codes(XElement presence) =>
        presence.Descendants(MucNs.User + "status").Select(s => (int)s.Attribute("code")!).Order().ToList();

    protected static IEnumerable<string> Bodies(IEnumerable<XElement> stanzas) =>
        stanzas.Select(s => s.Element(Ns.Component + "body")?.Value).OfType<string>();
}
