using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.Features;

namespace XmppPrivacy.Services.Uploads;

/// <summary>
/// Kestrel's response body for a download, with a faster <see cref="SendFileAsync"/>: Kestrel has no sendfile(2)
/// and copies a file through a 64 KiB buffer with one thread-pool read and one flush per block; this reads the file
/// (opened for sequential reading) straight into the response pipe's memory in larger blocks. Everything else,
/// headers, ranges, ETags and HEAD included, stays with <c>Results.File</c>, which calls it with the range to send.
/// </summary>
internal sealed class FileSender(IHttpResponseBodyFeature inner) : IHttpResponseBodyFeature
{
    /// <summary>Bytes read per block: several of Kestrel's 64 KiB response buffers, so a flush waits on the socket less often.</summary>
    internal const int BlockSize = 256 * 1024;

    public Stream Stream => inner.Stream;

    public PipeWriter Writer => inner.Writer;

    public void DisableBuffering() => inner.DisableBuffering();

    public Task StartAsync(CancellationToken cancellationToken = default) => inner.StartAsync(cancellationToken);

    public Task CompleteAsync() => inner.CompleteAsync();

    public async Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default)
    {
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, FileOptions.SequentialScan);
        var left = count ?? RandomAccess.GetLength(file) - offset;
        await inner.StartAsync(cancellationToken);
        var writer = inner.Writer;
        while (left > 0)
        {
            var memory = writer.GetMemory((int)Math.Min(BlockSize, left));
            var want = (int)Math.Min(memory.Length, left);
            var read = RandomAccess.Read(file, memory.Span[..want], offset);
            // The file cannot shrink while it is served (it is only ever written before its rename); if it did, the
            // response ends short and the client sees a body shorter than its Content-Length.
            if (read == 0) throw new IOException("The file ended before its length.");
            writer.Advance(read);
            offset += read;
            left -= read;
            var flushed = await writer.FlushAsync(cancellationToken);
            if (flushed.IsCompleted || flushed.IsCanceled) return;
        }
    }
}
