using XmppPrivacy.Storage;

namespace XmppPrivacy.Services.Accounts;

/// <summary>Which incarnation of an account the component last saw, and since when (the bridge's clock).</summary>
public sealed record Incarnation(string Marker, DateTimeOffset Since);

/// <summary>
/// The incarnation marker the bridge reports for each account (a keyed hash that changes when the account
/// is created again under the same name; docs/bridge-protocol.md), so that a new account never inherits an
/// old one's data. Deleted with the account like every other piece of account data.
/// </summary>
public sealed class IncarnationStore(IDatabase database) : IAccountData
{
    /// <summary>Longest marker accepted (the bridge sends 32 hex digits).</summary>
    public const int MaxMarkerLength = 128;

    public static readonly Migration[] Schema =
    [
        new(1, "account incarnations", """
            CREATE TABLE account_incarnations (
                account TEXT PRIMARY KEY,
                marker TEXT NOT NULL,
                since_ms INTEGER NOT NULL
            );
            """),
    ];

    public string Name => "incarnations";

    public async Task<Incarnation?> GetAsync(Account account, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT marker, since_ms FROM account_incarnations WHERE account = @account;";
        Db.Add(command, "@account", account.Key);
        await using var rows = await command.ExecuteReaderAsync(cancellationToken);
        return await rows.ReadAsync(cancellationToken)
            ? new Incarnation(rows.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(rows.GetInt64(1)))
            : null;
    }

    public async Task SetAsync(Account account, Incarnation incarnation, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO account_incarnations (account, marker, since_ms) VALUES (@account, @marker, @since)
            ON CONFLICT (account) DO UPDATE SET marker = excluded.marker, since_ms = excluded.since_ms;
            """;
        Db.Add(command, "@account", account.Key);
        Db.Add(command, "@marker", incarnation.Marker);
        Db.Add(command, "@since", incarnation.Since.ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public ValueTask<int> DeleteAccountAsync(Account account, CancellationToken cancellationToken) =>
        AccountRows.DeleteAsync(database, "account_incarnations", "account", account, cancellationToken);

    public IAsyncEnumerable<Account> AccountsAsync(CancellationToken cancellationToken) =>
        AccountRows.ListAsync(database, "account_incarnations", "account", cancellationToken);
}
