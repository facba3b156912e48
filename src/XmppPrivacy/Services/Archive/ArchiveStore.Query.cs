using System.Data.Common;
using System.Text;
using XmppPrivacy.Storage;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Services.Archive;

public sealed partial class ArchiveStore
{
    /// <summary>
    /// One page of <paramref name="owner"/>'s live archive: the query's filters select the messages, RSM
    /// after/before choose the page. Only rows of <paramref name="owner"/> are ever read; an after/before
    /// id that is unknown, expired or another owner's is <c>item-not-found</c>.
    /// </summary>
    public async Task<Outcome<ArchivePage>> QueryAsync(Jid owner, ArchiveQuery query, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        // A query that outlives ArchiveOptions.QueryTimeout is interrupted inside SQLite and answered 'wait'.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.QueryTimeout);
        try
        {
            return await QueryPageAsync(owner, query, now, deadline.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or DbException && deadline.IsCancellationRequested
                                  && !cancellationToken.IsCancellationRequested)
        {
            return StanzaError.ResourceConstraint("The archive query took too long; ask for a narrower range or a smaller page.");
        }
    }

    private async Task<Outcome<ArchivePage>> QueryPageAsync(Jid owner, ArchiveQuery query, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var max = Math.Clamp(query.Max, 0, options.MaxPageSize);
        var cutoff = Cutoff(now);
        var live = await LiveGroupsAsync(cutoff, cancellationToken);
        var filter = new Filter(Key(owner), cutoff, Math.Max(cutoff, query.Start?.ToUnixTimeMilliseconds() ?? long.MinValue),
            query.End?.ToUnixTimeMilliseconds(), query.With is { } with ? Key(with) : null, query.Ids);
        var anchors = new Dictionary<string, Position>(StringComparer.Ordinal);
        foreach (var (id, name) in new[] { (query.AfterId, "after-id"), (query.BeforeId, "before-id"), (query.After, "after"),
                     (query.Before is { Length: > 0 } b ? b : null, "before") })
        {
            if (id is null || anchors.ContainsKey(id)) continue;
            if (await AnchorAsync(live, filter, id, cancellationToken) is not { } anchor)
                return StanzaError.ItemNotFound($"The message named by '{name}' is not in your archive.");
            anchors[id] = anchor;
        }
        filter = Bound(filter, query.AfterId, query.BeforeId, anchors);
        var page = Bound(filter, query.After, query.Before, anchors);
        // One pass over the groups in page order, one connection each: the count in every group the query
        // covers, and the page read on each group's own index up to what it still lacks, so merged in (ts, seq) order.
        var count = 0;
        var rows = new List<ArchivedMessage>();
        foreach (var group in query.Backward ? Enumerable.Reverse(live) : live)
        {
            var counted = Overlaps(filter, group);
            var read = rows.Count <= max && Overlaps(page, group);
            if (!counted && !read) continue;
            await using var lease = await _groups.OpenAsync(group, create: false, cancellationToken);
            if (lease is null) continue;
            if (counted) count += await CountAsync(lease.Connection, filter, cancellationToken);
            if (read) rows.AddRange(await ReadPageAsync(lease.Connection, page, max + 1 - rows.Count, query.Backward, cancellationToken));
        }
        var complete = rows.Count <= max;
        if (!complete) rows.RemoveAt(rows.Count - 1);
        if (query.Backward != query.FlipPage) rows.Reverse();
        return new ArchivePage(rows, rows.FirstOrDefault()?.Id, rows.LastOrDefault()?.Id, complete, count);
    }

    /// <summary>Whether the group's hour may hold a message the filter selects.</summary>
    private static bool Overlaps(Filter filter, long group)
    {
        var (start, end) = (ArchiveGroups.StartOf(group), ArchiveGroups.EndOf(group) - 1);
        return end >= filter.Lower && (filter.Upper is not { } upper || start <= upper)
            && (filter.After is not { } after || end >= after.Ts) && (filter.Before is not { } before || start <= before.Ts);
    }

    private readonly record struct Position(long Ts, long Seq);

    private sealed record Filter(string Owner, long Cutoff, long Lower, long? Upper, string? With, IReadOnlyList<string>? Ids)
    {
        public Position? After { get; init; }
        public Position? Before { get; init; }
    }

    private static Filter Bound(Filter filter, string? after, string? before, Dictionary<string, Position> anchors)
    {
        if (after is not null) filter = filter with { After = Later(filter.After, anchors[after]) };
        if (before is { Length: > 0 }) filter = filter with { Before = Earlier(filter.Before, anchors[before]) };
        return filter;
    }

    private static Position Later(Position? current, Position anchor) =>
        current is { } c && (c.Ts, c.Seq).CompareTo((anchor.Ts, anchor.Seq)) > 0 ? c : anchor;

    private static Position Earlier(Position? current, Position anchor) =>
        current is { } c && (c.Ts, c.Seq).CompareTo((anchor.Ts, anchor.Seq)) < 0 ? c : anchor;

    /// <summary>
    /// Where the owner's live message <paramref name="id"/> is. Ids are unique per owner within a group; the
    /// same id in two groups (only a copy re-sent with another time could do that) names the older.
    /// </summary>
    private async Task<Position?> AnchorAsync(List<long> live, Filter filter, string id, CancellationToken cancellationToken)
    {
        foreach (var group in live)
        {
            await using var lease = await _groups.OpenAsync(group, create: false, cancellationToken);
            if (lease is null) continue;
            await using var command = lease.Connection.CreateCommand();
            command.CommandText = """
                SELECT ts_ms, seq FROM archive_messages WHERE owner = @owner AND archive_id = @id AND ts_ms >= @cutoff;
                """;
            Db.Add(command, "@owner", filter.Owner);
            Db.Add(command, "@id", id);
            Db.Add(command, "@cutoff", filter.Cutoff);
            await using var rows = await command.ExecuteReaderAsync(cancellationToken);
            if (await rows.ReadAsync(cancellationToken)) return new Position(rows.GetInt64(0), rows.GetInt64(1));
        }
        return null;
    }

    private static async Task<int> CountAsync(DbConnection connection, Filter filter, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM archive_messages WHERE {Where(command, filter)};";
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken));
    }

    private static async Task<List<ArchivedMessage>> ReadPageAsync(DbConnection connection, Filter filter, int limit,
        bool backward, CancellationToken cancellationToken)
    {
        var list = new List<ArchivedMessage>(Math.Min(limit, 64));
        await using var command = connection.CreateCommand();
        var order = backward ? "DESC" : "ASC";
        var plain = filter.Ids is null ? "" : "+0";
        command.CommandText = $"""
            SELECT archive_id, ts_ms, with_jid, direction, xml FROM archive_messages WHERE {Where(command, filter)}
            ORDER BY ts_ms{plain} {order}, seq{plain} {order} LIMIT @limit;
            """;
        Db.Add(command, "@limit", (long)limit);
        await using var rows = await command.ExecuteReaderAsync(cancellationToken);
        while (await rows.ReadAsync(cancellationToken))
            list.Add(new ArchivedMessage(rows.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(rows.GetInt64(1)),
                rows.GetString(2), rows.GetString(3) == "in" ? ArchiveDirection.In : ArchiveDirection.Out, rows.GetString(4)));
        return list;
    }

    /// <summary>
    /// The WHERE clause of a filter; adds its parameters to <paramref name="command"/>. With an id list the
    /// other columns are written <c>+column</c> so that SQLite looks the ids up by (owner, archive_id)
    /// instead of walking the owner's whole time range.
    /// </summary>
    private static string Where(DbCommand command, Filter filter)
    {
        var p = filter.Ids is null ? "" : "+";
        var sql = new StringBuilder($"owner = @owner AND {p}ts_ms >= @lower");
        Db.Add(command, "@owner", filter.Owner);
        Db.Add(command, "@lower", filter.Lower);
        if (filter.Upper is { } upper)
        {
            sql.Append($" AND {p}ts_ms <= @upper");
            Db.Add(command, "@upper", upper);
        }
        if (filter.With is { } with)
        {
            sql.Append($" AND {p}with_jid = @with");
            Db.Add(command, "@with", with);
        }
        if (filter.After is { } after)
        {
            sql.Append($" AND ({p}ts_ms, {p}seq) > (@after_ts, @after_seq)");
            Db.Add(command, "@after_ts", after.Ts);
            Db.Add(command, "@after_seq", after.Seq);
        }
        if (filter.Before is { } before)
        {
            sql.Append($" AND ({p}ts_ms, {p}seq) < (@before_ts, @before_seq)");
            Db.Add(command, "@before_ts", before.Ts);
            Db.Add(command, "@before_seq", before.Seq);
        }
        if (filter.Ids is { } ids)
        {
            sql.Append(" AND archive_id IN (").Append(ids.Count == 0 ? "NULL" : string.Join(", ", ids.Select((_, i) => $"@id{i}"))).Append(')');
            for (var i = 0; i < ids.Count; i++) Db.Add(command, $"@id{i}", ids[i]);
        }
        return sql.ToString();
    }
}
