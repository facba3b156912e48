namespace XmppPrivacy.Tests.Support;

/// <summary>
/// A read-only stream that hands out its data in fixed chunks (one read per chunk), then either ends or,
/// with <c>thenSilence</c>, blocks like an idle socket until it is disposed.
/// </summary>
internal sealed class ChunkedStream : Stream
{
    private readonly Queue<byte[]> _chunks;
    private readonly bool _thenSilence;
    private readonly CancellationTokenSource _closed = new();
    private int _offset;

    public ChunkedStream(IEnumerable<byte[]> chunks, bool thenSilence = false)
    {
        _chunks = new Queue<byte[]>(chunks.Where(c => c.Length > 0));
        _thenSilence = thenSilence;
    }

    /// <summary>Every byte of <paramref name="data"/> in a read of its own.</summary>
    public static ChunkedStream OneBytePerRead(byte[] data) => new(data.Select(b => new[] { b }));

    public int Reads { get; private set; }

    /// <summary>Blocking reads: an async parser must never make one (it would hold a thread on a socket).</summary>
    public int SyncReads { get; private set; }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Reads++;
        if (_chunks.Count == 0)
        {
            if (!_thenSilence) return 0;
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closed.Token);
            try
            {
                await Task.Delay(Timeout.Infinite, linked.Token);
            }
            catch (OperationCanceledException) when (_closed.IsCancellationRequested)
            {
                return 0;
            }
        }
        // A chunk larger than the caller's buffer is handed out over several reads.
        var chunk = _chunks.Peek();
        var n = Math.Min(chunk.Length - _offset, buffer.Length);
        chunk.AsSpan(_offset, n).CopyTo(buffer.Span);
        _offset += n;
        if (_offset == chunk.Length)
        {
            _chunks.Dequeue();
            _offset = 0;
        }
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count)
    {
        SyncReads++;
        return ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _closed.Cancel();
        base.Dispose(disposing);
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
