using XmppPrivacy.Storage;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Services.Archive;

public sealed partial class ArchiveStore
{
    /// <summary>The owner's preferences, or the configured default with empty lists when none were set.</summary>
    public async Task<ArchivePrefs> GetPrefsAsync(Jid owner, CancellationToken cancellationToken)
    {
        var key = Key(owner);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT default_policy, NULL, NULL FROM archive_prefs WHERE owner = @owner
            UNION ALL SELECT NULL, jid, list FROM archive_pref_jids WHERE owner = @owner ORDER BY 2;
            """;
        Db.Add(command, "@owner", key);
        var policy = options.DefaultPolicy;
        List<string> always = [], never = [];
        await using var rows = await command.ExecuteReaderAsync(cancellationToken);
        while (await rows.ReadAsync(cancellationToken))
        {
            if (!rows.IsDBNull(0)) ArchiveOptions.TryParsePolicy(rows.GetString(0), out policy);
            else (rows.GetString(2) == "always" ? always : never).Add(rows.GetString(1));
        }
        return new ArchivePrefs(policy, always, never);
    }

    /// <summary>Replaces the owner's preferences in one transaction; they apply to the next message.</summary>
    public async Task SetPrefsAsync(Jid owner, ArchivePrefs prefs, CancellationToken cancellationToken)
    {
        var key = Key(owner);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = """
                DELETE FROM archive_pref_jids WHERE owner = @owner;
                INSERT INTO archive_prefs (owner, default_policy) VALUES (@owner, @policy)
                ON CONFLICT (owner) DO UPDATE SET default_policy = excluded.default_policy;
                """;
            Db.Add(command, "@owner", key);
            Db.Add(command, "@policy", ArchiveOptions.Name(prefs.Default));
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        foreach (var (list, jids) in new[] { ("always", prefs.Always), ("never", prefs.Never) })
        {
            foreach (var jid in jids)
            {
                await using var insert = connection.CreateCommand();
                insert.Transaction = transaction;
                insert.CommandText = """
                    INSERT INTO archive_pref_jids (owner, jid, list) VALUES (@owner, @jid, @list)
                    ON CONFLICT (owner, jid) DO UPDATE SET list = 'never';
                    """;
                Db.Add(insert, "@owner", key);
                Db.Add(insert, "@jid", jid);
                Db.Add(insert, "@list", list);
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }
        }
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Every account whose stored preferences may archive something (for the bridge's opt-in list).</summary>
    public async Task<IReadOnlyList<string>> OptedInAccountsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT owner FROM archive_prefs WHERE default_policy <> 'never'
            UNION SELECT owner FROM archive_pref_jids WHERE list = 'always' ORDER BY owner;
            """;
        var owners = new List<string>();
        await using var rows = await command.ExecuteReaderAsync(cancellationToken);
        while (await rows.ReadAsync(cancellationToken)) owners.Add(rows.GetString(0));
        return owners;
    }
}
