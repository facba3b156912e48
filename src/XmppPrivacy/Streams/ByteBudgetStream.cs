namespace XmppPrivacy.Streams;

/// <summary>
/// A read-only wrapper that sits under the XML parser: it refuses anything but UTF-8 at the start
/// (a UTF-16 byte order mark is <c>unsupported-encoding</c>) and stops reading once more bytes than the
/// budget arrived since the last <see cref="Mark"/>, so a huge stanza or a flood of whitespace is cut off
/// before the parser buffers it.
/// </summary>
internal sealed class ByteBudgetStream(Stream inner, int budget) : Stream
{
    private long _position;
    private long _mark;
    private bool _sniffed;

    public long BytesRead => _position;

    /// <summary>True once the underlying stream reported its end (the peer closed the connection).</summary>
    public bool Ended { get; private set; }

    /// <summary>Starts a new budget period (called at every stanza boundary).</summary>
    public void Mark() => _mark = _position;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Account(buffer.Span[..n]);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count)
    {
        var n = inner.Read(buffer, offset, count);
        Account(buffer.AsSpan(offset, n));
        return n;
    }

    private void Account(ReadOnlySpan<byte> data)
    {
        if (data.Length == 0) Ended = true;
        if (!_sniffed && data.Length > 0)
        {
            _sniffed = true;
            if (data.Length >= 2 && ((data[0] == 0xFE && data[1] == 0xFF) || (data[0] == 0xFF && data[1] == 0xFE)))
                throw StreamErrorException.UnsupportedEncoding();
            if (data[0] == 0x00) throw StreamErrorException.UnsupportedEncoding();
        }
        _position += data.Length;
        if (_position - _mark > budget)
            throw StreamErrorException.PolicyViolation("Stanza too large.");
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _position; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
