using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;
using XmppPrivacy.Hosting;
using XmppPrivacy.Storage;

namespace XmppPrivacy.Services.Uploads;

/// <summary>
/// PUT, GET and HEAD under <c>/upload/{id}</c> (and <c>/upload/{id}/{name}</c>). A PUT streams its body to a
/// temporary file (its size reserved first), never more than the slot's size, flushes it to disk, renames it into
/// place and flushes the folder; only then is the file served and 201 sent. A full disk is 507 and gives the slot up. Downloads are filtered by expiry on every request (404 once expired, as for a file that never was) and come with headers that
/// stop a browser from running them. Anything else under the path is 404; nothing lists a folder.
/// </summary>
public sealed partial class UploadHttp(UploadStore store, UploadFiles files, UploadServices services, UploadOptions options,
    Metrics metrics, TimeProvider time, IHostApplicationLifetime lifetime, ILogger<UploadHttp> logger)
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapMethods("/upload/{id}", ["PUT"], (HttpContext context, string id, UploadHttp http) => http.PutAsync(context, id));
        routes.MapMethods("/upload/{id}/{name}", ["PUT"], (HttpContext context, string id, UploadHttp http) => http.PutAsync(context, id));
        routes.MapMethods("/upload/{id}", ["GET", "HEAD"], (HttpContext context, string id, UploadHttp http) => http.GetAsync(context, id));
        routes.MapMethods("/upload/{id}/{name}", ["GET", "HEAD"], (HttpContext context, string id, UploadHttp http) => http.GetAsync(context, id));
    }

    private async Task PutAsync(HttpContext context, string id)
    {
        var cancellationToken = context.RequestAborted;
        if (!UploadFiles.IsId(id) || await store.FindAsync(id, cancellationToken) is not { } slot)
        {
            // The same answer as a wrong secret when a secret was sent: nobody learns which ids exist.
            await AnswerAsync(context, context.Request.Headers.Authorization.Count == 0 ? UploadErrors.NoToken : UploadErrors.WrongToken);
            return;
        }
        if (Token(context.Request) is not { } token) { await AnswerAsync(context, UploadErrors.NoToken); return; }
        if (!CryptographicOperations.FixedTimeEquals(UploadService.HashToken(token), slot.TokenHash))
        {
            await AnswerAsync(context, UploadErrors.WrongToken);
            return;
        }
        var now = time.GetUtcNow();
        if (slot.State != UploadState.Slot) { await AnswerAsync(context, UploadErrors.SlotUsed); return; }
        if (slot.ExpiresAt <= now) { await AnswerAsync(context, UploadErrors.WrongToken); return; }
        if (!SlotRequest.SameType(slot.ContentType, context.Request.ContentType)) { await AnswerAsync(context, UploadErrors.WrongType); return; }
        if (context.Request.ContentLength is { } length && length != slot.Size)
        {
            await AnswerAsync(context, length > slot.Size ? UploadErrors.TooLong : UploadErrors.WrongLength);
            return;
        }
        if (services.Find(slot.Service) is not { } service) { await AnswerAsync(context, UploadErrors.NotFound); return; }
        // One PUT at a time: the others are told the slot is in use, and never write beside it.
        if (!await store.ClaimAsync(id, now, cancellationToken)) { await AnswerAsync(context, UploadErrors.SlotUsed); return; }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = options.MaxFileSize + 1;
        string? temporary = null;
        var moved = false;
        var stored = false;
        var discard = false;
        try
        {
            // Stopping the component aborts uploads in progress at once, so it stops within its shutdown time.
            using var receiving = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime.ApplicationStopping);
            var outcome = await ReceiveAsync(context, slot, id, path => temporary = path, receiving.Token);
            if (outcome is not null) { await AnswerAsync(context, outcome); return; }
            files.MoveIntoPlace(temporary!, id);
            temporary = null;
            moved = true;
            var done = time.GetUtcNow();
            if (!await store.CompleteAsync(id, done, done + service.ExpiresAfter, CancellationToken.None))
            {
                // The slot went away meanwhile (its account was deleted): the file goes too.
                if (await store.FindAsync(id, CancellationToken.None) is not { State: UploadState.Stored }) files.Delete(id);
                moved = false;
                await AnswerAsync(context, UploadErrors.SlotUsed);
                return;
            }
            stored = true;
            metrics.Increment("xmppprivacy_upload_files_total");
            LogStored(logger, slot.Service);
            context.Response.StatusCode = StatusCodes.Status201Created;
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or BadHttpRequestException || Db.IsStorageFull(e))
        {
            // The client went away, the body broke off, or the disk is full: nothing half-written stays.
            if (IsDiskFull(e))
            {
                // The slot is given up, so its bytes leave the quota at once; the client asks again when there is room.
                discard = true;
                LogDiskFull(logger, slot.Service);
                if (!context.RequestAborted.IsCancellationRequested) await AnswerAsync(context, UploadErrors.StorageFull);
            }
            else if (e is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } && !context.RequestAborted.IsCancellationRequested)
                await AnswerAsync(context, UploadErrors.TooLong);
            else if (lifetime.ApplicationStopping.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
                await AnswerAsync(context, UploadErrors.Stopping);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or NotSupportedException)
        {
            // The storage folder cannot be written: the operator's to fix (check-config says so); the client learns no path.
            LogStoreFailed(logger, e.GetType().Name);
            await AnswerAsync(context, UploadErrors.CannotStore);
        }
        finally
        {
            if (temporary is not null) UploadFiles.DeleteFile(temporary);
            // Moved into place but not recorded as stored (the database failed): no file without its row.
            if (moved && !stored) files.Delete(id);
            if (!stored)
            {
                try
                {
                    if (!discard || !await store.DiscardAsync(id, CancellationToken.None)) await store.ReleaseAsync(id, CancellationToken.None);
                }
                catch (Exception e) when (Db.IsStorageFull(e))
                {
                    // The slot stays claimed; the sweep frees it after UploadStore.UploadTimeout.
                }
            }
        }
    }

    /// <summary>Bytes gathered before one write: fewer, larger writes, well below Kestrel's 1 MiB request buffer.</summary>
    private const int WriteSize = 512 * 1024;

    /// <summary>
    /// Copies the body to a new temporary file (its size reserved on disk first) and flushes it; an HTTP answer when
    /// the body is not the slot's size. Each block Kestrel has received is written as it lies in memory, with one
    /// vectored write and no copy; a byte past the slot's size is refused before it is written.
    /// </summary>
    private async Task<UploadErrors.Http?> ReceiveAsync(HttpContext context, UploadRow slot, string id, Action<string> created,
        CancellationToken cancellationToken)
    {
        await using var file = files.CreateTemporary(id, out var path, slot.Size);
        created(path);
        var handle = file.SafeFileHandle;
        var body = context.Request.BodyReader;
        var blocks = new List<ReadOnlyMemory<byte>>();
        long total = 0;
        while (true)
        {
            var result = await body.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            if (total + buffer.Length > slot.Size)
            {
                body.AdvanceTo(buffer.End);
                return UploadErrors.TooLong;
            }
            var last = result.IsCompleted || result.IsCanceled;
            // Blocks gather in Kestrel's pipe (below its 1 MiB request buffer) and are written together.
            if (!last && buffer.Length < WriteSize && total + buffer.Length < slot.Size)
            {
                body.AdvanceTo(buffer.Start, buffer.End);
                continue;
            }
            if (!buffer.IsEmpty)
            {
                blocks.Clear();
                foreach (var block in buffer) blocks.Add(block);
                RandomAccess.Write(handle, blocks, total);
                total += buffer.Length;
            }
            body.AdvanceTo(buffer.End);
            if (last) break;
        }
        if (total < slot.Size) return UploadErrors.Incomplete;
        file.Flush(flushToDisk: true);
        return null;
    }

    private async Task GetAsync(HttpContext context, string id)
    {
        var response = context.Response;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.ContentSecurityPolicy = "sandbox; default-src 'none'";
        response.Headers["Referrer-Policy"] = "no-referrer";
        var row = UploadFiles.IsId(id) ? await store.FindAsync(id, context.RequestAborted) : null;
        if (row is not { State: UploadState.Stored })
        {
            await AnswerAsync(context, UploadErrors.NotFound);
            return;
        }
        // Past its retention the file is never served, even while the sweep has not yet deleted it, and the
        // answer is the same as for a file that never was: nobody learns that a file had been there.
        if (row.ExpiresAt <= time.GetUtcNow())
        {
            await AnswerAsync(context, UploadErrors.NotFound);
            return;
        }
        var path = files.PathOf(id);
        if (!File.Exists(path))
        {
            await AnswerAsync(context, UploadErrors.NotFound);
            return;
        }
        var inline = SlotRequest.IsInline(row.ContentType);
        response.Headers.ContentDisposition = FileNames.ContentDisposition(row.FileName, inline);
        response.Headers.CacheControl = "private, max-age=" + Math.Max(0, (long)(row.ExpiresAt - time.GetUtcNow()).TotalSeconds);
        if (context.Features.Get<IHttpResponseBodyFeature>() is { } body) context.Features.Set<IHttpResponseBodyFeature>(new FileSender(body));
        // Results.File serves one byte range at most (several ranges get the whole file), HEAD without a body,
        // and answers If-None-Match and If-Range with the ETag.
        await Results.File(path, row.ContentType, fileDownloadName: null, lastModified: row.CreatedAt,
            entityTag: new EntityTagHeaderValue("\"" + id + "\""), enableRangeProcessing: true).ExecuteAsync(context);
    }

    /// <summary>The slot secret of <c>Authorization: Bearer …</c>.</summary>
    private static string? Token(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        const string bearer = "Bearer ";
        return header.StartsWith(bearer, StringComparison.OrdinalIgnoreCase) && header.Length > bearer.Length && header.Length < 200
            ? header[bearer.Length..].Trim() : null;
    }

    /// <summary>ENOSPC (28) or ERROR_DISK_FULL (112) from a write, a reservation that did not fit, or a full database.</summary>
    private static bool IsDiskFull(Exception e) =>
        e is StorageFullException || e is IOException io && (io.HResult & 0xFFFF) is 28 or 112 || Db.IsStorageFull(e);

    private static async Task AnswerAsync(HttpContext context, UploadErrors.Http answer)
    {
        if (context.Response.HasStarted) return;
        context.Response.StatusCode = answer.Status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        if (answer.Status == StatusCodes.Status401Unauthorized) context.Response.Headers.WWWAuthenticate = "Bearer";
        if (!HttpMethods.IsHead(context.Request.Method))
            await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(answer.Text + "\n"), CancellationToken.None);
    }

    [LoggerMessage(EventId = 6004, Level = LogLevel.Error, Message = "An upload could not be written to the storage folder ({Failure}); check Upload:StoragePath")]
    private static partial void LogStoreFailed(ILogger logger, string failure);

    [LoggerMessage(EventId = 6005, Level = LogLevel.Warning, Message = "An upload to {Service} was refused with 507: the storage folder's disk is full")]
    private static partial void LogDiskFull(ILogger logger, string service);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Debug, Message = "Stored an upload on {Service}")]
    private static partial void LogStored(ILogger logger, string service);
}
