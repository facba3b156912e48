using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using Perfolizer.Metrology;
using XmppPrivacy.Services.Archive;
using XmppPrivacy.Storage;

namespace XmppPrivacy.Benchmarks;

/// <summary>
/// Archive ingest on a real SQLite file (WAL, synchronous=FULL: every commit is flushed to disk) in a new
/// temp directory, deleted afterwards:
/// <list type="bullet">
/// <item><see cref="AppendOne"/>: <see cref="ArchiveStore.AppendAsync"/> one message at a time, each
/// durable before the next (one transaction and one flush per message).</item>
/// <item><see cref="AppendBatchesOf100"/>: <see cref="ArchiveStore.AppendManyAsync"/> with 100 messages
/// per call (one transaction and one flush per 100).</item>
/// </list>
/// Both declare <c>OperationsPerInvoke</c> = messages per invocation, so Mean and Allocated are per
/// message; messages/s = 1 s / Mean. Messages are ~300-byte jabber:client chats for 4 owners in turn.
/// Three more split <see cref="AppendBatchesOf100"/>'s cost per message into its parts, on the same 1000
/// messages: <see cref="SerialiseWithToString"/> (what the store did before 2026-12-03, a new XmlWriter per
/// message), <see cref="SerialiseWithArchiveXml"/> (what it does now, one writer per batch) and
/// <see cref="DurableCommitPer100"/> (a pooled connection, a transaction with one tiny row and its flushed
/// commit, once per 100 messages: the fixed cost of a batch). The rest is SQLite inserting into the table
/// and its four indexes.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
[Config(typeof(BytesConfig))]
public class ArchiveIngestBenchmark
{
    public const int OnePerInvoke = 100;
    public const int Batch = 100;
    public const int BatchesPerInvoke = 10;
    private const int Owners = 4;

    private string _directory = "";
    private SqliteDatabase _database = null!;
    private ArchiveStore _store = null!;
    private ArchiveEntry[] _entries = [];
    private ArchiveEntry[][] _batches = [];

    [GlobalSetup]
    public void Setup()
    {
        _directory = ArchiveFixture.TempDirectory("ingest");
        _store = ArchiveFixture.OpenStore(Path.Combine(_directory, "archive.db"), out _database);
        var now = DateTimeOffset.UtcNow;
        // The messages carry no id, so the store makes a new one per append: re-appending them is never a replay.
        _entries = [.. Enumerable.Range(0, OnePerInvoke).Select(n => ArchiveFixture.Entry(n, Owners, now.AddMilliseconds(n)))];
        _batches = [.. Enumerable.Range(0, BatchesPerInvoke).Select(b =>
            Enumerable.Range(b * Batch, Batch).Select(n => ArchiveFixture.Entry(n, Owners, now.AddMilliseconds(n))).ToArray())];

        // What is appended must really be stored, and read back unchanged, or the figures mean nothing.
        var one = _store.AppendAsync(_entries[0].Owner, _entries[0].With, _entries[0].Direction, _entries[0].Timestamp,
            _entries[0].Message, null, CancellationToken.None).GetAwaiter().GetResult();
        var many = _store.AppendManyAsync(_batches[0], CancellationToken.None).GetAwaiter().GetResult();
        if (!one.Stored || many.Count != Batch || many.Any(a => !a.Stored))
            throw new InvalidOperationException("An append stored nothing.");
        var page = _store.QueryAsync(_entries[0].Owner, new ArchiveQuery { Ids = [one.Id] }, DateTimeOffset.UtcNow,
            CancellationToken.None).GetAwaiter().GetResult();
        var stored = page.Value?.Messages.SingleOrDefault()
            ?? throw new InvalidOperationException($"The appended message cannot be read back: {page.Error}");
        var xml = _entries[0].Message.ToString(System.Xml.Linq.SaveOptions.DisableFormatting);
        if (stored.Xml != xml || stored.With != ArchiveStore.Key(_entries[0].With))
            throw new InvalidOperationException($"The message read back differs: {stored.Xml}");
        var rows = ArchiveFixture.ArchiveRows(_database.FilePath);
        if (rows != 1 + Batch) throw new InvalidOperationException($"The archive has {rows} rows after the checks, expected {1 + Batch}.");
        if (ArchiveFixture.Text(_database.FilePath, "PRAGMA journal_mode;") != "wal")
            throw new InvalidOperationException("The archive is not in WAL mode.");
        Console.WriteLine($"// Setup: {_database.FilePath}, {System.Text.Encoding.UTF8.GetByteCount(xml)} bytes of XML per message " +
                          $"(average {_batches.SelectMany(b => b).Average(e => e.Message.ToString(System.Xml.Linq.SaveOptions.DisableFormatting).Length):F0}).");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        ArchiveFixture.DeleteDatabase(_database.FilePath);
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(OperationsPerInvoke = OnePerInvoke)]
    public async Task<int> AppendOne()
    {
        var stored = 0;
        foreach (var e in _entries)
            if ((await _store.AppendAsync(e.Owner, e.With, e.Direction, e.Timestamp, e.Message, null, CancellationToken.None)).Stored)
                stored++;
        return stored;
    }

    [Benchmark(OperationsPerInvoke = Batch * BatchesPerInvoke)]
    public async Task<int> AppendBatchesOf100()
    {
        var stored = 0;
        foreach (var batch in _batches)
            stored += (await _store.AppendManyAsync(batch, CancellationToken.None)).Count;
        return stored;
    }

    [Benchmark(OperationsPerInvoke = Batch * BatchesPerInvoke)]
    public int SerialiseWithToString()
    {
        var length = 0;
        foreach (var batch in _batches)
            foreach (var e in batch)
                length += e.Message.ToString(System.Xml.Linq.SaveOptions.DisableFormatting).Length;
        return length;
    }

    [Benchmark(OperationsPerInvoke = Batch * BatchesPerInvoke)]
    public int SerialiseWithArchiveXml()
    {
        var length = 0;
        foreach (var batch in _batches)
        {
            using var xml = new ArchiveXml();
            foreach (var e in batch)
                length += xml.Write(e.Message).Length;
        }
        return length;
    }

    [Benchmark(OperationsPerInvoke = Batch * BatchesPerInvoke)]
    public async Task DurableCommitPer100()
    {
        for (var b = 0; b < BatchesPerInvoke; b++)
        {
            await using var connection = await _database.OpenAsync(CancellationToken.None);
            await using var transaction = await connection.BeginTransactionAsync(CancellationToken.None);
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "INSERT INTO archive_prefs (owner, default_policy) VALUES ('bench@example.org', 'always') " +
                                  "ON CONFLICT (owner) DO UPDATE SET default_policy = excluded.default_policy;";
            await command.ExecuteNonQueryAsync(CancellationToken.None);
            await transaction.CommitAsync(CancellationToken.None);
        }
    }

    /// <summary>Allocated in plain bytes.</summary>
    private sealed class BytesConfig : ManualConfig
    {
        public BytesConfig() => SummaryStyle = SummaryStyle.Default.WithSizeUnit(SizeUnit.B);
    }
}
