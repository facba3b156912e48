using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text.Json;
using XmppPrivacy.Hosting.Options;
using XmppPrivacy.Services.Accounts;
using XmppPrivacy.Sweeps;

namespace XmppPrivacy.Services.Transparency;

/// <summary>
/// Exports waiting to be downloaded ("export my data"): each is a file in <c>exports/</c> beside the database,
/// reachable once through an unguessable token within <see cref="Lifetime"/>. A download, the expiry sweep, the
/// account's deletion or a restart deletes it; an account has at most one waiting.
/// </summary>
public sealed class ExportStore : IAccountData, ISweep
{
    /// <summary>How long an export waits for its download.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(15);

    /// <summary>Most exports waiting at once, over all accounts.</summary>
    public const int MaxWaiting = 64;

    private sealed record Waiting(Account Account, string Path, DateTimeOffset Expires);

    /// <summary>An export being written; deleting its account while it is written discards it.</summary>
    private sealed class Writing(Account account)
    {
        public Account Account { get; } = account;
        public bool Discarded { get; set; }
    }

    private readonly ConcurrentDictionary<string, Waiting> _waiting = new(StringComparer.Ordinal);
    private readonly List<Writing> _writing = [];
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;

    public ExportStore(StorageOptions storage, TimeProvider time)
    {
        _time = time;
        Folder = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(storage.Path))!, "exports");
        // Exports of an earlier run cannot be reached any more (their tokens lived in memory): delete them.
        if (Directory.Exists(Folder)) Directory.Delete(Folder, recursive: true);
    }

    public string Folder { get; }

    public string Name => "exports";

    /// <summary>
    /// Writes an export of <paramref name="account"/> with <paramref name="write"/> and returns its token, or null
    /// when too many exports wait or the account was deleted while its export was written (the file is deleted
    /// then: an export never outlives its account). An export still waiting for the account is replaced.
    /// </summary>
    public async Task<string?> CreateAsync(Account account, Func<Utf8JsonWriter, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        var writing = new Writing(account);
        lock (_gate)
        {
            foreach (var old in _waiting.Where(w => w.Value.Account == account).ToList()) Forget(old.Key);
            if (_waiting.Count + _writing.Count >= MaxWaiting) return null;
            _writing.Add(writing);
        }
        Directory.CreateDirectory(Folder);
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var path = System.IO.Path.Combine(Folder, Convert.ToHexString(RandomNumberGenerator.GetBytes(16)) + ".json");
        var temporary = path + ".part";
        try
        {
            await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, useAsync: true))
            {
                await using (var json = new Utf8JsonWriter(file, new JsonWriterOptions { Indented = true }))
                    await write(json, cancellationToken);
                await file.FlushAsync(cancellationToken);
            }
            File.Move(temporary, path);
        }
        catch
        {
            File.Delete(temporary);
            lock (_gate) _writing.Remove(writing);
            throw;
        }
        lock (_gate)
        {
            _writing.Remove(writing);
            if (writing.Discarded)
            {
                File.Delete(path);
                return null;
            }
            _waiting[token] = new Waiting(account, path, _time.GetUtcNow() + Lifetime);
        }
        return token;
    }

    /// <summary>
    /// The export behind <paramref name="token"/>, opened so that it is deleted when closed, or null when there
    /// is none (never was, already downloaded, expired). A token works once.
    /// </summary>
    public FileStream? Take(string token)
    {
        if (!_waiting.TryRemove(token, out var waiting)) return null;
        if (waiting.Expires < _time.GetUtcNow())
        {
            File.Delete(waiting.Path);
            return null;
        }
        return new FileStream(waiting.Path, FileMode.Open, FileAccess.Read, FileShare.Delete, 64 * 1024, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
    }

    /// <summary>How many exports wait now.</summary>
    public int Count => _waiting.Count;

    private void Forget(string token)
    {
        if (_waiting.TryRemove(token, out var waiting)) File.Delete(waiting.Path);
    }

    public ValueTask<int> RunAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken)
    {
        var expired = _waiting.Where(w => w.Value.Expires < now).Select(w => w.Key).ToList();
        foreach (var token in expired) Forget(token);
        return ValueTask.FromResult(expired.Count);
    }

    public ValueTask<int> DeleteAccountAsync(Account account, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var tokens = _waiting.Where(w => w.Value.Account == account).Select(w => w.Key).ToList();
            foreach (var token in tokens) Forget(token);
            var writing = _writing.Where(w => w.Account == account).ToList();
            foreach (var export in writing) export.Discarded = true;
            return ValueTask.FromResult(tokens.Count + writing.Count);
        }
    }

    public async IAsyncEnumerable<Account> AccountsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.CompletedTask;
        foreach (var account in _waiting.Values.Select(w => w.Account).Distinct()) yield return account;
    }
}
