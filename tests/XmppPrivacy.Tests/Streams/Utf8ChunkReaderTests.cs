using System.Text;
using XmppPrivacy.Streams;
using XmppPrivacy.Tests.Support;

namespace XmppPrivacy.Tests.Streams;

public sealed class Utf8ChunkReaderTests
{
    private const string Text = "a€𝄞日本語 Ça va ? 🙂z";

    private static async Task<string> ReadAllAsync(TextReader reader, int bufferChars)
    {
        var result = new StringBuilder();
        var buffer = new char[bufferChars];
        int n;
        while ((n = await reader.ReadAsync(buffer.AsMemory())) > 0) result.Append(buffer, 0, n);
        return result.ToString();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4096)]
    public async Task Any_buffer_size_gives_the_same_text_even_across_surrogate_pairs(int bufferChars)
    {
        var reader = new Utf8ChunkReader(new MemoryStream(Encoding.UTF8.GetBytes(Text)));

        Assert.Equal(Text, await ReadAllAsync(reader, bufferChars));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(64 * 1024)]
    public async Task Characters_split_across_one_byte_reads_are_decoded_whole(int bufferChars)
    {
        var input = ChunkedStream.OneBytePerRead(Encoding.UTF8.GetBytes(Text));

        Assert.Equal(Text, await ReadAllAsync(new Utf8ChunkReader(input), bufferChars));
        Assert.Equal(0, input.SyncReads);
    }

    [Fact]
    public async Task A_large_request_reads_the_byte_stream_only_once()
    {
        var input = new MemoryStream(Encoding.UTF8.GetBytes(new string('x', 100_000)));
        var reader = new Utf8ChunkReader(input);

        var n = await reader.ReadAsync(new char[64 * 1024].AsMemory());

        Assert.Equal(4096, n);
        Assert.Equal(4096, input.Position);
    }

    [Theory]
    [InlineData(new byte[] { 0x61, 0xC0, 0xAF })]
    [InlineData(new byte[] { 0x61, 0x80 })]
    [InlineData(new byte[] { 0x61, 0xED, 0xA0, 0x80 })]
    [InlineData(new byte[] { 0x61, 0xE2, 0x82 })]
    public async Task Invalid_or_truncated_UTF_8_throws(byte[] bytes)
    {
        var reader = new Utf8ChunkReader(new MemoryStream(bytes));

        await Assert.ThrowsAsync<DecoderFallbackException>(() => ReadAllAsync(reader, 16));
    }

    [Fact]
    public void Blocking_reads_give_the_same_text()
    {
        var reader = new Utf8ChunkReader(new MemoryStream(Encoding.UTF8.GetBytes(Text)));

        Assert.Equal(Text, reader.ReadToEnd());
    }
}
