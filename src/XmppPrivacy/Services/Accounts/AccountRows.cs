using System.Runtime.CompilerServices;
using XmppPrivacy.Storage;

namespace XmppPrivacy.Services.Accounts;

/// <summary>
/// The account-data half of a store that keeps rows keyed by account in one table: deleting an account's rows
/// and listing the accounts that have any. Table and column are the store's own constants, never input.
/// </summary>
public static class AccountRows
{
    public static async ValueTask<int> DeleteAsync(IDatabase database, string table, string column,
        Account account, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"DELETE FROM {table} WHERE {column} = @account;";
        Db.Add(command, "@account", account.Key);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The accounts with rows in the table, in key order; a key that is not an account is skipped.</summary>
    public static async IAsyncEnumerable<Account> ListAsync(IDatabase database, string table, string column,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT DISTINCT {column} FROM {table} ORDER BY {column};";
        await using var rows = await command.ExecuteReaderAsync(cancellationToken);
        while (await rows.ReadAsync(cancellationToken))
            if (Account.TryParse(rows.GetString(0), out var account)) yield return account;
    }
}
