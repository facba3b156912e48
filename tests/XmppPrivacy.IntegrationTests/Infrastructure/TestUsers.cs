namespace XmppPrivacy.IntegrationTests.Infrastructure;

/// <summary>
/// Accounts registered on a real Prosody and logged in, one client each (password: the name followed by
/// "-secret"); disposing logs them all out. What most tests through Prosody start with.
/// </summary>
public sealed class TestUsers : IAsyncDisposable
{
    private readonly Dictionary<string, XmppTestClient> _clients = [];

    private TestUsers()
    {
    }

    public XmppTestClient this[string name] => _clients[name];

    public static async Task<TestUsers> LoginAsync(ProsodyServer prosody, params string[] names)
    {
        var users = new TestUsers();
        try
        {
            foreach (var name in names)
            {
                await prosody.RegisterAsync(name, name + "-secret");
                users._clients[name] = await XmppTestClient.LoginAsync(prosody.C2sPort, name, name + "-secret");
            }
            return users;
        }
        catch
        {
            await users.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients.Values.Reverse()) await client.DisposeAsync();
        _clients.Clear();
    }
}
