using System.Text;

namespace XmppPrivacy.Streams;

/// <summary>
/// Strict UTF-8 decoding under the XML parser, one read of the byte stream per call. The parser asks for up
/// to 64K characters at a time, and a <see cref="StreamReader"/> keeps reading until it has them: on a busy
/// stream that pulls the next stanzas into the current one's byte budget. Invalid bytes throw
/// <see cref="DecoderFallbackException"/>.
/// </summary>
internal sealed class Utf8ChunkReader(Stream input, int chunkBytes = 4096) : TextReader
{
    private readonly Decoder _decoder = new UTF8Encoding(false, throwOnInvalidBytes: true).GetDecoder();
    private readonly byte[] _bytes = new byte[chunkBytes];
    private readonly char[] _carry = new char[2];
    private int _start;
    private int _end;
    private int _carryStart;
    private int _carryEnd;
    private bool _ended;

    public override async ValueTask<int> ReadAsync(Memory<char> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty) return 0;
        while (true)
        {
            if (_carryStart < _carryEnd) return TakeCarried(buffer.Span);
            if (_start == _end && !_ended) Filled(await input.ReadAsync(_bytes, cancellationToken).ConfigureAwait(false));
            if (Decode(buffer.Span) is var chars && (chars > 0 || _ended)) return chars;
        }
    }

    public override Task<int> ReadAsync(char[] buffer, int index, int count) =>
        ReadAsync(buffer.AsMemory(index, count)).AsTask();

    public override int Read(char[] buffer, int index, int count) => Read(buffer.AsSpan(index, count));

    public override int Read(Span<char> buffer)
    {
        if (buffer.IsEmpty) return 0;
        while (true)
        {
            if (_carryStart < _carryEnd) return TakeCarried(buffer);
            if (_start == _end && !_ended) Filled(input.Read(_bytes));
            if (Decode(buffer) is var chars && (chars > 0 || _ended)) return chars;
        }
    }

    public override int Peek() => -1;

    private void Filled(int read)
    {
        _start = 0;
        _end = read;
        _ended = read == 0;
    }

    private int Decode(Span<char> buffer)
    {
        // A surrogate pair needs room for two characters: a smaller request is served from a carry of two.
        if (buffer.Length < _carry.Length)
        {
            _carryStart = 0;
            _carryEnd = DecodeInto(_carry);
            return TakeCarried(buffer);
        }
        return DecodeInto(buffer);
    }

    private int DecodeInto(Span<char> buffer)
    {
        _decoder.Convert(_bytes.AsSpan(_start, _end - _start), buffer, flush: _ended, out var bytesUsed, out var charsUsed, out _);
        _start += bytesUsed;
        return charsUsed;
    }

    private int TakeCarried(Span<char> buffer)
    {
        var n = Math.Min(buffer.Length, _carryEnd - _carryStart);
        _carry.AsSpan(_carryStart, n).CopyTo(buffer);
        _carryStart += n;
        return n;
    }
}
