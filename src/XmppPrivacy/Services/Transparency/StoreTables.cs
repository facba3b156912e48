using XmppPrivacy.Services.Accounts;
using XmppPrivacy.Storage;

namespace XmppPrivacy.Services.Transparency;

/// <summary>
/// A store's table as the audit reads it: the column that names the account and, if the store keeps a time,
/// the column holding it in Unix milliseconds. Table and column names are the features' constants, never input.
/// </summary>
public sealed record StoreTable(string Key, string Table, string AccountColumn, string? TimeColumn = null)
{
    /// <summary>Only rows whose column holds the value (e.g. one upload service's files, only stored ones).</summary>
    public IReadOnlyList<(string Column, string Value)> Match { get; init; } = [];

    /// <summary>Count and oldest item of each table, in all or for one account.</summary>
    public static async Task<IReadOnlyList<StoreAudit>> MeasureAsync(IDatabase database, IEnumerable<StoreTable> tables, Account? account,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        var audits = new List<StoreAudit>();
        await using var connection = await database.OpenAsync(cancellationToken);
        foreach (var table in tables)
        {
            await using var command = connection.CreateCommand();
            var oldest = table.TimeColumn is null ? "NULL" : $"MIN({table.TimeColumn})";
            var conditions = table.Match.Select((m, i) => $"{m.Column} = @match{i}").ToList();
            if (account is not null) conditions.Add($"{table.AccountColumn} = @account");
            command.CommandText = $"SELECT COUNT(*), {oldest} FROM {table.Table}" + (conditions.Count == 0 ? ";" : $" WHERE {string.Join(" AND ", conditions)};");
            for (var i = 0; i < table.Match.Count; i++) Db.Add(command, $"@match{i}", table.Match[i].Value);
            if (account is { } one) Db.Add(command, "@account", one.Key);
            await using var row = await command.ExecuteReaderAsync(cancellationToken);
            await row.ReadAsync(cancellationToken);
            TimeSpan? age = row.IsDBNull(1) ? null : now - DateTimeOffset.FromUnixTimeMilliseconds(row.GetInt64(1));
            audits.Add(new StoreAudit(table.Key, row.GetInt64(0), age));
        }
        return audits;
    }
}
