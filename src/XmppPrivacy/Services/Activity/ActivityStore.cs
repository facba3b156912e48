using System.Data.Common;
using XmppPrivacy.Services.Accounts;
using XmppPrivacy.Storage;

namespace XmppPrivacy.Services.Activity;

/// <summary>One account's last login and logout (UTC), nothing else: no address, no resource.</summary>
public sealed record ActivityRecord(Account Account, DateTimeOffset? LastLogin, DateTimeOffset? LastLogout)
{
    public DateTimeOffset? LastSeen => LastLogout > LastLogin || LastLogin is null ? LastLogout : LastLogin;
}

/// <summary>
/// Last login/logout per account, kept only to find inactive accounts (the seed policies' promise).
/// Times are UTC Unix milliseconds.
/// </summary>
public sealed class ActivityStore(IDatabase database) : IAccountData
{
    public static readonly Migration[] Schema =
    [
        new(1, "last activity", """
            CREATE TABLE last_activity (
                account TEXT PRIMARY KEY,
                last_login_ms INTEGER,
                last_logout_ms INTEGER
            );
            """),
        // Accounts were once stored as the bridge spelled them; one account is one lower-cased key in every store.
        new(2, "account keys lower-cased", """
            CREATE TEMPORARY TABLE merged AS
                SELECT lower(account) AS account, MAX(last_login_ms) AS last_login_ms, MAX(last_logout_ms) AS last_logout_ms
                FROM last_activity GROUP BY lower(account);
            DELETE FROM last_activity;
            INSERT INTO last_activity (account, last_login_ms, last_logout_ms) SELECT account, last_login_ms, last_logout_ms FROM merged;
            DROP TABLE merged;
            """),
    ];

    public string Name => "activity";

    public async Task RecordAsync(Account account, bool login, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        var column = login ? "last_login_ms" : "last_logout_ms";
        command.CommandText = $"""
            INSERT INTO last_activity (account, {column}) VALUES (@account, @at)
            ON CONFLICT (account) DO UPDATE SET {column} = MAX(COALESCE(last_activity.{column}, 0), excluded.{column});
            """;
        Db.Add(command, "@account", account.Key);
        Db.Add(command, "@at", at.ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<ActivityRecord?> GetAsync(Account account, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT account, last_login_ms, last_logout_ms FROM last_activity WHERE account = @account;";
        Db.Add(command, "@account", account.Key);
        await using var rows = await command.ExecuteReaderAsync(cancellationToken);
        return await rows.ReadAsync(cancellationToken) ? Read(rows) : null;
    }

    /// <summary>Accounts whose last login and logout are both older than <paramref name="before"/>, oldest first.</summary>
    public async Task<IReadOnlyList<ActivityRecord>> InactiveSinceAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT account, last_login_ms, last_logout_ms FROM last_activity
            WHERE MAX(COALESCE(last_login_ms, 0), COALESCE(last_logout_ms, 0)) < @before
            ORDER BY MAX(COALESCE(last_login_ms, 0), COALESCE(last_logout_ms, 0)), account LIMIT @limit;
            """;
        Db.Add(command, "@before", before.ToUnixTimeMilliseconds());
        Db.Add(command, "@limit", (long)limit);
        var list = new List<ActivityRecord>();
        await using var rows = await command.ExecuteReaderAsync(cancellationToken);
        while (await rows.ReadAsync(cancellationToken)) list.Add(Read(rows));
        return list;
    }

    public ValueTask<int> DeleteAccountAsync(Account account, CancellationToken cancellationToken) =>
        AccountRows.DeleteAsync(database, "last_activity", "account", account, cancellationToken);

    public IAsyncEnumerable<Account> AccountsAsync(CancellationToken cancellationToken) =>
        AccountRows.ListAsync(database, "last_activity", "account", cancellationToken);

    private static ActivityRecord Read(DbDataReader rows) => new(Account.Parse(rows.GetString(0)),
        rows.IsDBNull(1) ? null : DateTimeOffset.FromUnixTimeMilliseconds(rows.GetInt64(1)),
        rows.IsDBNull(2) ? null : DateTimeOffset.FromUnixTimeMilliseconds(rows.GetInt64(2)));
}
