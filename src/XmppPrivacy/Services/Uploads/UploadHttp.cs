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
/// temporary file, never more than the slot's size + 1 bytes, flushes it to disk and renames it into place;
/// only then is the file served. Downloads are filtered by expiry on every request and come with headers that
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
        var stored = false;
        try
        {
            // Stopping the component aborts uploads in progress at once, so it stops within its shutdown time.
            using var receiving = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime.ApplicationStopping);
            var outcome = await ReceiveAsync(context, slot, id, path => temporary = path, receiving.Token);
            if (outcome is not null) { await AnswerAsync(context, outcome); return; }
            files.MoveIntoPlace(temporary!, id);
            temporary = null;
            var done = time.GetUtcNow();
            if (!await store.CompleteAsync(id, done, done + service.ExpiresAfter, CancellationToken.None))
            {
                // The slot went away meanwhile (its account was deleted): the file goes too.
                if (await store.FindAsync(id, CancellationToken.None) is not { State: UploadState.Stored }) files.Delete(id);
                await AnswerAsync(context, UploadErrors.SlotUsed);
                return;
            }
            stored = true;
            metrics.Increment("xmppprivacy_upload_files_total");
            LogStored(logger, slot.Service);
            context.Response.StatusCode = StatusCodes.Status201Created;
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or BadHttpRequestException)
        {
            // The client went away, the body broke off, or the disk is full: nothing half-written stays.
            if (IsDiskFull(e) && !context.RequestAborted.IsCancellationRequested) await AnswerAsync(context, UploadErrors.StorageFull);
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
            if (!stored) await store.ReleaseAsync(id, CancellationToken.None);
        }
    }

    /// <summary>Copies the body to a new temporary file and flushes it; an HTTP answer when the body is not the slot's size.</summary>
    private async Task<UploadErrors.Http?> ReceiveAsync(HttpContext context, UploadRow slot, string id, Action<string> created,
        CancellationToken cancellationToken)
    {
        await using var file = files.CreateTemporary(id, out var path);
        created(path);
        var buffer = new byte[81920];
        long total = 0;
        var body = context.Request.Body;
        while (true)
        {
            // Never read past size + 1: one byte too many is enough to refuse.
            var want = (int)Math.Min(buffer.Length, slot.Size + 1 - total);
            var read = await body.ReadAsync(buffer.AsMemory(0, want), cancellationToken);
            if (read == 0) break;
            total += read;
            if (total > slot.Size) return UploadErrors.TooLong;
            await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }
        if (total < slot.Size) return UploadErrors.Incomplete;
        await file.FlushAsync(cancellationToken);
        file.Flush(flushToDisk: true);
        return null;
    }

    private async Task GetAsync(HttpContext context, string id)
    {
        var response = context.Response;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.ContentSecurityPolicy = "sandbox; default-src 'none'";
        response.Headers["Referrer-Policy"] = "no-referrer";
        if (!UploadFiles.IsId(id) || await store.FindServableAsync(id, time.GetUtcNow(), context.RequestAborted) is not { } row)
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

    private static bool IsDiskFull(Exception e) => e is IOException io && (io.HResult & 0xFFFF) is 28 or 112 || Db.IsStorageFull(e);

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

    [LoggerMessage(EventId = 6002, Level = LogLevel.Debug, Message = "Stored an upload on {Service}")]
    private static partial void LogStored(ILogger logger, string service);
}
