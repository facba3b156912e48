using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Xml.Linq;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using XmppPrivacy.IntegrationTests.Infrastructure;
using XmppPrivacy.Xmpp;
using static XmppPrivacy.IntegrationTests.UploadsTests;

namespace XmppPrivacy.IntegrationTests;

/// <summary>
/// The "Upload" table of shared/hostile-inputs.md through a real Prosody and real HTTP: each row gets its stated
/// answer and leaves no file, temporary file or stored row behind. One Prosody and component serve every row.
/// </summary>
[Collection(RealServers.Name)]
public sealed class UploadHostileInputsTests : IAsyncLifetime
{
    private ProsodyServer _prosody = null!;
    private ComponentUnderTest _component = null!;
    private XmppTestClient _alice = null!;
    private readonly HttpClient _http = new();
    private readonly ShiftedClock _clock = new();

    public async Task InitializeAsync()
    {
        _prosody = await ProsodyServer.StartAsync();
        _component = await ComponentUnderTest.StartAsync(_prosody, new Dictionary<string, string?>
        {
            ["Upload:MaxFileSize"] = "100000",
            ["Upload:QuotaPerUser"] = "50000",
            ["Upload:DailyQuotaPerUser"] = "1000000",
            ["Sweeps:Interval"] = "1h",
        }, services => services.AddSingleton<TimeProvider>(_clock));
        await _component.WaitForAllConnectedAsync();
        await _prosody.RegisterAsync("alice", "alice-secret");
        _alice = await XmppTestClient.LoginAsync(_prosody.C2sPort, "alice", "alice-secret");
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _alice.DisposeAsync();
        await _component.DisposeAsync();
        await _prosody.DisposeAsync();
    }

    private string Folder(string sub) => Path.Combine(_component.State, "uploads", sub);
    private int StoredFiles => Directory.GetFiles(Folder("files")).Length;
    private int TemporaryFiles => Directory.GetFiles(Folder("tmp")).Length;

    private long StoredRows()
    {
        using var connection = new SqliteConnection($"Data Source={_component.DatabasePath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM upload_files WHERE state = 'stored';";
        return (long)command.ExecuteScalar()!;
    }

    private async Task<HttpResponseMessage> PutAsync(string url, byte[] body, string? authorization, string? contentType = "image/jpeg")
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, url) { Content = new ByteArrayContent(body) };
        if (contentType is not null) request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", authorization);
        return await _http.SendAsync(request);
    }

    private async Task<Slot> GrantAsync(int size, string name = "a.jpg", string contentType = "image/jpeg") =>
        SlotOf(await RequestSlotAsync(_alice, size.ToString(), name, contentType));

    private static string UploadFilesId() => XmppPrivacy.Services.Uploads.UploadFiles.NewId();

    private void NothingLeft(int storedFiles = 0)
    {
        Assert.Equal(storedFiles, StoredFiles);
        Assert.Equal(storedFiles, StoredRows());
        Assert.Equal(0, TemporaryFiles);
    }

    [Theory]
    [InlineData("../../etc/passwd", "passwd")]
    [InlineData("a/b", "b")]
    [InlineData("..\\..\\boot.ini", "boot.ini")]
    [InlineData(".htaccess", "htaccess")]
    [InlineData("CON", "CON")]
    [InlineData("invoice\u202Egpj.exe", "invoicegpj.exe")]
    public async Task A_hostile_file_name_never_reaches_the_disk_and_is_served_only_as_an_encoded_filename_star(string name, string shown)
    {
        var slot = await GrantAsync(3, name);
        Assert.DoesNotContain("passwd", slot.Get, StringComparison.Ordinal);
        using (var put = await PutAsync(slot.Put, [1, 2, 3], slot.Authorization)) Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        using var get = await _http.GetAsync(slot.Get);
        var disposition = get.Content.Headers.GetValues("Content-Disposition").Single();
        Assert.Equal("inline; filename*=UTF-8''" + Uri.EscapeDataString(shown), disposition);
        Assert.Equal(new Uri(slot.Get).Segments[^1], Path.GetFileName(Assert.Single(Directory.GetFiles(Folder("files")))));
        Assert.False(File.Exists("/tmp/passwd"));
    }

    [Theory]
    [InlineData("-1", "bad-request")]
    [InlineData("0", "bad-request")]
    [InlineData("1.5", "bad-request")]
    [InlineData("abc", "bad-request")]
    [InlineData("", "bad-request")]
    [InlineData("9223372036854775808", "not-acceptable")]
    [InlineData("100001", "not-acceptable")]
    public async Task A_slot_size_that_is_not_a_positive_whole_number_within_the_limit_is_refused_and_nothing_is_issued(string size, string condition)
    {
        var reply = await RequestSlotAsync(_alice, size);
        var error = reply.Element(Ns.Component + "error")!;
        Assert.NotNull(error.Element(Ns.Stanzas + condition));
        if (condition == "not-acceptable")
            Assert.Equal("100000", error.Element(Upload + "file-too-large")!.Element(Upload + "max-file-size")!.Value);
        Assert.Equal(0, await SlotRowsAsync());
    }

    [Theory]
    [InlineData("a 10 KiB name")]
    [InlineData("")]
    [InlineData("\u202E")]
    public async Task A_file_name_that_is_too_long_or_empty_after_cleaning_is_bad_request(string which)
    {
        var name = which == "a 10 KiB name" ? new string('x', 10 * 1024) : which;
        var reply = await RequestSlotAsync(_alice, "10", name);
        Assert.NotNull(reply.Element(Ns.Component + "error")!.Element(Ns.Stanzas + "bad-request"));
        Assert.Equal(0, await SlotRowsAsync());
    }

    private async Task<long> SlotRowsAsync()
    {
        await using var connection = new SqliteConnection($"Data Source={_component.DatabasePath};Pooling=False");
        connection.Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM upload_files;";
        return (long)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task A_PUT_without_the_slot_s_secret_with_another_slot_s_or_after_the_slot_expired_is_refused_and_creates_nothing()
    {
        var slot = await GrantAsync(3);
        var other = await GrantAsync(3);

        using (var none = await PutAsync(slot.Put, [1, 2, 3], null)) Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        using (var wrong = await PutAsync(slot.Put, [1, 2, 3], other.Authorization)) Assert.Equal(HttpStatusCode.Forbidden, wrong.StatusCode);
        using (var garbage = await PutAsync(slot.Put, [1, 2, 3], "Bearer " + new string('A', 64))) Assert.Equal(HttpStatusCode.Forbidden, garbage.StatusCode);
        using (var unknown = await PutAsync(slot.Put[..^4] + "AAAA", [1, 2, 3], slot.Authorization)) Assert.Equal(HttpStatusCode.Forbidden, unknown.StatusCode);
        NothingLeft();
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync(slot.Get)).StatusCode);

        // The slot is still usable by its own secret.
        using (var right = await PutAsync(slot.Put, [1, 2, 3], slot.Authorization)) Assert.Equal(HttpStatusCode.Created, right.StatusCode);
        NothingLeft(storedFiles: 1);
    }

    [Fact]
    public async Task A_PUT_after_the_slot_expired_is_refused_and_a_file_one_second_past_retention_is_404_before_the_sweep()
    {
        var late = await GrantAsync(3);
        var kept = await GrantAsync(3);
        using (var put = await PutAsync(kept.Put, [1, 2, 3], kept.Authorization)) Assert.Equal(HttpStatusCode.Created, put.StatusCode);

        _clock.Offset = TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1);
        using (var expired = await PutAsync(late.Put, [1, 2, 3], late.Authorization)) Assert.Equal(HttpStatusCode.Forbidden, expired.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync(kept.Get)).StatusCode);

        // The sweep runs hourly here: only the check on each request keeps the file from being served.
        _clock.Offset = TimeSpan.FromDays(30) + TimeSpan.FromSeconds(1);
        using (var gone = await _http.GetAsync(kept.Get))
        {
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
            Assert.DoesNotContain((byte)1, await gone.Content.ReadAsByteArrayAsync());
            Assert.Equal("nosniff", gone.Headers.GetValues("X-Content-Type-Options").Single());
        }
        Assert.Equal(HttpStatusCode.NotFound, (await _http.SendAsync(new HttpRequestMessage(HttpMethod.Head, kept.Get))).StatusCode);
        using (var range = new HttpRequestMessage(HttpMethod.Get, kept.Get))
        {
            range.Headers.Range = new RangeHeaderValue(0, 1);
            Assert.Equal(HttpStatusCode.NotFound, (await _http.SendAsync(range)).StatusCode);
        }
        Assert.Equal(1, StoredFiles);
        // An id that never existed, and a slot never uploaded to, get the very same answer: nothing tells them apart.
        var never = new Uri(new Uri(kept.Get), UploadFilesId());
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync(never)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.SendAsync(new HttpRequestMessage(HttpMethod.Head, never))).StatusCode);
        _clock.Offset = TimeSpan.Zero;
        var open = await GrantAsync(3);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync(open.Get)).StatusCode);
    }

    [Fact]
    public async Task A_body_longer_or_shorter_than_the_slot_or_cut_off_mid_way_is_refused_and_the_slot_can_be_retried()
    {
        var slot = await GrantAsync(1000);

        using (var longer = await PutAsync(slot.Put, new byte[1001], slot.Authorization)) Assert.Equal(HttpStatusCode.RequestEntityTooLarge, longer.StatusCode);
        using (var shorter = await PutAsync(slot.Put, new byte[999], slot.Authorization)) Assert.Equal(HttpStatusCode.BadRequest, shorter.StatusCode);
        NothingLeft();

        // Chunked, without a length: refused at the byte past the size, without reading the rest.
        using (var chunked = new HttpRequestMessage(HttpMethod.Put, slot.Put) { Content = new StreamContent(new EndlessStream()) })
        {
            chunked.Content.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
            chunked.Headers.TryAddWithoutValidation("Authorization", slot.Authorization);
            chunked.Headers.TransferEncodingChunked = true;
            try
            {
                using var response = await _http.SendAsync(chunked);
                Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
            }
            catch (HttpRequestException)
            {
                // The server may close the connection after answering, before the client sees the answer.
            }
        }
        await Repo.WaitUntilAsync(() => Task.FromResult(TemporaryFiles == 0), TimeSpan.FromSeconds(10), "the temporary file is removed");
        NothingLeft();

        // The client goes away half-way through the body.
        var uri = new Uri(slot.Put);
        using (var tcp = new TcpClient())
        {
            await tcp.ConnectAsync("127.0.0.1", uri.Port);
            var stream = tcp.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes(
                $"PUT {uri.PathAndQuery} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {slot.Authorization}\r\nContent-Type: image/jpeg\r\nContent-Length: 1000\r\n\r\n"));
            await stream.WriteAsync(new byte[500]);
            await stream.FlushAsync();
            await Task.Delay(300);
        }
        await Repo.WaitUntilAsync(() => Task.FromResult(TemporaryFiles == 0 && StoredRows() == 0), TimeSpan.FromSeconds(10), "the temporary file is removed");
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync(slot.Get)).StatusCode);

        var body = new byte[1000];
        Random.Shared.NextBytes(body);
        await Repo.WaitUntilAsync(async () =>
        {
            using var retry = await PutAsync(slot.Put, body, slot.Authorization);
            return retry.StatusCode == HttpStatusCode.Created;
        }, TimeSpan.FromSeconds(10), "the slot takes a complete retry");
        Assert.Equal(body, await _http.GetByteArrayAsync(slot.Get));
        NothingLeft(storedFiles: 1);
    }

    [Fact]
    public async Task A_second_PUT_to_a_completed_slot_is_409_and_of_concurrent_PUTs_exactly_one_wins_whole()
    {
        var slot = await GrantAsync(20_000);
        var bodies = Enumerable.Range(0, 6).Select(i => Enumerable.Repeat((byte)(i + 1), 20_000).ToArray()).ToList();

        var statuses = await Task.WhenAll(bodies.Select(async body =>
        {
            using var response = await PutAsync(slot.Put, body, slot.Authorization);
            return response.StatusCode;
        }));
        Assert.Single(statuses, s => s == HttpStatusCode.Created);
        Assert.All(statuses.Where(s => s != HttpStatusCode.Created), s => Assert.Equal(HttpStatusCode.Conflict, s));
        var served = await _http.GetByteArrayAsync(slot.Get);
        Assert.Contains(bodies, b => b.SequenceEqual(served));

        using (var replay = await PutAsync(slot.Put, bodies[0], slot.Authorization)) Assert.Equal(HttpStatusCode.Conflict, replay.StatusCode);
        NothingLeft(storedFiles: 1);
    }

    [Fact]
    public async Task A_PUT_whose_Content_Type_differs_from_the_slot_s_is_415()
    {
        var slot = await GrantAsync(3, "a.png", "image/png");
        using (var html = await PutAsync(slot.Put, [1, 2, 3], slot.Authorization, "text/html")) Assert.Equal(HttpStatusCode.UnsupportedMediaType, html.StatusCode);
        NothingLeft();
    }

    [Theory]
    [InlineData("page.html", "text/html", "<script>alert(1)</script>")]
    [InlineData("image.svg", "image/svg+xml", "<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>")]
    public async Task Uploaded_HTML_or_SVG_is_served_as_an_attachment_that_a_browser_will_not_run(string name, string type, string content)
    {
        var bytes = Encoding.UTF8.GetBytes(content);
        var slot = await GrantAsync(bytes.Length, name, type);
        using (var put = await PutAsync(slot.Put, bytes, slot.Authorization, type)) Assert.Equal(HttpStatusCode.Created, put.StatusCode);

        using var get = await _http.GetAsync(slot.Get);
        Assert.Equal("nosniff", get.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("sandbox; default-src 'none'", get.Headers.GetValues("Content-Security-Policy").Single());
        Assert.StartsWith("attachment;", get.Content.Headers.GetValues("Content-Disposition").Single(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/upload")]
    [InlineData("/upload/")]
    [InlineData("/upload/../")]
    [InlineData("/upload/%2e%2e/%2e%2e/etc/passwd")]
    [InlineData("/upload/%252e%252e/xmpp-privacy.db")]
    [InlineData("/upload/..%5c..%5cxmpp-privacy.db")]
    [InlineData("/upload/files")]
    [InlineData("/upload/tmp/")]
    public async Task Paths_that_try_to_leave_the_upload_folder_or_list_it_are_404(string path)
    {
        var slot = await GrantAsync(3);
        using (var put = await PutAsync(slot.Put, [1, 2, 3], slot.Authorization)) Assert.Equal(HttpStatusCode.Created, put.StatusCode);

        // Sent byte for byte: HttpClient would normalise the dots away.
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", _component.Http.BaseAddress!.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"));
        var answer = await new StreamReader(stream).ReadToEndAsync();
        Assert.StartsWith("HTTP/1.1 404", answer, StringComparison.Ordinal);
        Assert.DoesNotContain(new Uri(slot.Get).Segments[^1], answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Headers_of_64_KiB_are_refused_by_Kestrel_and_other_clients_are_served()
    {
        var slot = await GrantAsync(3);
        using (var put = await PutAsync(slot.Put, [1, 2, 3], slot.Authorization)) Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        using var big = new HttpRequestMessage(HttpMethod.Get, slot.Get);
        big.Headers.TryAddWithoutValidation("X-Padding", new string('a', 64 * 1024));
        try
        {
            using var refused = await _http.SendAsync(big);
            Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, refused.StatusCode);
        }
        catch (HttpRequestException)
        {
            // Kestrel may close the connection before the client has sent every header.
        }
        Assert.Equal([1, 2, 3], await _http.GetByteArrayAsync(slot.Get));
    }

    [Fact]
    public async Task A_thousand_slot_requests_at_once_are_counted_at_issuance_and_the_rest_get_resource_constraint()
    {
        // 50,000 bytes of quota; 1,000 requests of 100 bytes in one write, none of them used: exactly 500 fit.
        await _alice.SendAsync(string.Concat(Enumerable.Range(0, 1000).Select(i =>
            $"<iq type='get' id='race{i}' to='upload.localhost'><request xmlns='urn:xmpp:http:upload:0' filename='a.jpg' size='100'/></iq>")));
        var replies = new List<XElement>();
        for (var i = 0; i < 1000; i++)
            replies.Add(await _alice.WaitForAsync(e => (string?)e.Attribute("id") == $"race{i}" && e.Name.LocalName == "iq", TimeSpan.FromSeconds(60)));
        Assert.Equal(500, replies.Count(r => (string?)r.Attribute("type") == "result"));
        Assert.All(replies.Where(r => (string?)r.Attribute("type") == "error"), r =>
        {
            var error = r.Element(Ns.Component + "error")!;
            Assert.NotNull(error.Element(Ns.Stanzas + "resource-constraint"));
            Assert.NotNull((string?)error.Element(Upload + "retry")!.Attribute("stamp"));
        });
        Assert.Equal(500, await SlotRowsAsync());
        Assert.Empty(_component.ErrorLines());
    }

    [Fact]
    public async Task Slow_headers_and_a_stalled_body_are_closed_by_Kestrel_s_limits_while_other_clients_are_served()
    {
        var slot = await GrantAsync(1000);
        var port = new Uri(slot.Put).Port;
        using var slowHeaders = new TcpClient();
        await slowHeaders.ConnectAsync("127.0.0.1", port);
        await slowHeaders.GetStream().WriteAsync("G"u8.ToArray());
        using var stalled = new TcpClient();
        await stalled.ConnectAsync("127.0.0.1", port);
        await stalled.GetStream().WriteAsync(Encoding.ASCII.GetBytes(
            $"PUT {new Uri(slot.Put).PathAndQuery} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {slot.Authorization}\r\nContent-Type: image/jpeg\r\nContent-Length: 1000\r\n\r\n"));
        await stalled.GetStream().WriteAsync(new byte[10]);

        // Meanwhile another client is served.
        var other = await GrantAsync(3);
        using (var put = await PutAsync(other.Put, [1, 2, 3], other.Authorization)) Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal([1, 2, 3], await _http.GetByteArrayAsync(other.Get));

        await Repo.WaitUntilAsync(async () => await ClosedAsync(slowHeaders) && await ClosedAsync(stalled), TimeSpan.FromSeconds(60),
            "Kestrel closes both connections");
        await Repo.WaitUntilAsync(() => Task.FromResult(TemporaryFiles == 0), TimeSpan.FromSeconds(10), "the temporary file is removed");
        using (var retry = await PutAsync(slot.Put, new byte[1000], slot.Authorization)) Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        NothingLeft(storedFiles: 2);
    }

    private static async Task<bool> ClosedAsync(TcpClient client)
    {
        var stream = client.GetStream();
        var buffer = new byte[4096];
        using var wait = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        try
        {
            while (true)
                if (await stream.ReadAsync(buffer, wait.Token) == 0) return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <summary>The system clock moved forward by <see cref="Offset"/>; timers stay the system's, so links and sweeps run as usual.</summary>
    private sealed class ShiftedClock : TimeProvider
    {
        public TimeSpan Offset { get; set; }
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Offset;
    }

    /// <summary>A body that never ends.</summary>
    private sealed class EndlessStream : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => 0; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => count;
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
