using System.Text;
using XmppPrivacy.Streams;
using static XmppPrivacy.Tests.Support.Wire;

namespace XmppPrivacy.Tests.Streams;

/// <summary>Rows of "The XML stream" in hostile-inputs.md about size: depth, bytes, elements and attributes of one stanza.</summary>
public sealed class XmlStanzaReaderLimitsTests
{
    [Fact]
    public async Task A_hundred_thousand_nested_elements_stop_at_the_depth_limit()
    {
        var text = new StringBuilder("<message>");
        for (var i = 0; i < 100_000; i++) text.Append("<a>");
        using var reader = new XmlStanzaReader(new MemoryStream(Stream(text.ToString())));
        await reader.ReadHeaderAsync(CancellationToken.None);

        var error = await Assert.ThrowsAsync<StreamErrorException>(() => reader.ReadStanzaAsync(CancellationToken.None));

        Assert.Equal("policy-violation", error.Condition);
        Assert.True(reader.BytesRead < 100_000 * 3, "the reader stopped before the end of the nesting");
    }

    [Fact]
    public async Task Nesting_exactly_at_the_depth_limit_is_accepted_and_one_more_is_not()
    {
        static string Nested(int depth) =>
            "<message>" + string.Concat(Enumerable.Repeat("<a>", depth - 1)) + string.Concat(Enumerable.Repeat("</a>", depth - 1)) + "</message>";
        var limits = new StreamLimits { MaxDepth = 64 };

        var accepted = await ReadAllAsync(Stream(Nested(64) + "</stream:stream>"), limits);
        var error = await StreamErrorAsync(Stream(Nested(65)), limits);

        Assert.Equal(63, Assert.Single(accepted).Descendants().Count());
        Assert.Equal("policy-violation", error.Condition);
    }

    [Fact]
    public async Task A_10_MiB_stanza_is_cut_off_near_the_byte_limit()
    {
        var limit = StreamLimits.Default.MaxStanzaBytes;
        using var reader = new XmlStanzaReader(new MemoryStream(Stream("<message><body>" + new string('x', 10 * 1024 * 1024) + "</body></message>")));
        await reader.ReadHeaderAsync(CancellationToken.None);

        var error = await Assert.ThrowsAsync<StreamErrorException>(() => reader.ReadStanzaAsync(CancellationToken.None));

        Assert.Equal("policy-violation", error.Condition);
        Assert.InRange(reader.BytesRead, limit, limit + 64 * 1024);
    }

    [Fact]
    public async Task A_stanza_of_many_small_elements_is_cut_off_near_the_byte_limit()
    {
        var limits = new StreamLimits { MaxStanzaBytes = 64 * 1024, MaxElements = 1_000_000 };
        using var reader = new XmlStanzaReader(new MemoryStream(Stream("<message>" + string.Concat(Enumerable.Repeat("<b>xx</b>", 1_000_000)) + "</message>")), limits);
        await reader.ReadHeaderAsync(CancellationToken.None);

        var error = await Assert.ThrowsAsync<StreamErrorException>(() => reader.ReadStanzaAsync(CancellationToken.None));

        Assert.Equal("policy-violation", error.Condition);
        Assert.InRange(reader.BytesRead, limits.MaxStanzaBytes, limits.MaxStanzaBytes + 64 * 1024);
    }

    [Fact]
    public async Task Sixty_five_thousand_empty_elements_in_one_stanza_stop_at_the_element_limit()
    {
        var stanza = "<message>" + string.Concat(Enumerable.Repeat("<a/>", 65_000)) + "</message>";
        Assert.True(stanza.Length < 256 * 1024);

        var error = await StreamErrorAsync(Stream(stanza));

        Assert.Equal("policy-violation", error.Condition);
    }

    [Fact]
    public async Task Elements_exactly_at_the_element_limit_are_accepted()
    {
        var limits = new StreamLimits { MaxElements = 100 };
        string Stanza(int children) => "<message>" + string.Concat(Enumerable.Repeat("<a/>", children)) + "</message>";

        var accepted = await ReadAllAsync(Stream(Stanza(99) + Stanza(99) + "</stream:stream>"), limits);
        var error = await StreamErrorAsync(Stream(Stanza(100)), limits);

        Assert.Equal(2, accepted.Count);
        Assert.Equal("policy-violation", error.Condition);
    }

    [Theory]
    [InlineData("attributes", "a{0}='v'")]
    [InlineData("namespace declarations", "xmlns:p{0}='urn:example:{0}'")]
    public async Task Ten_thousand_attributes_on_one_element_are_a_policy_violation(string what, string pattern)
    {
        var attributes = string.Join(' ', Enumerable.Range(0, 10_000).Select(i => string.Format(pattern, i)));

        var error = await StreamErrorAsync(Stream($"<message><x xmlns='urn:example:x' {attributes}/></message>"));

        Assert.True(error.Condition == "policy-violation", $"{what}: {error.Condition}");
    }

    [Fact]
    public async Task Attributes_exactly_at_the_attribute_limit_are_accepted()
    {
        var limits = new StreamLimits { MaxAttributes = 8 };
        string Stanza(int count) => "<message " + string.Join(' ', Enumerable.Range(0, count).Select(i => $"a{i}='v'")) + "/>";

        var accepted = await ReadAllAsync(Stream(Stanza(8) + "</stream:stream>"), limits);
        var error = await StreamErrorAsync(Stream(Stanza(9)), limits);

        Assert.Equal(8, Assert.Single(accepted).Attributes().Count());
        Assert.Equal("policy-violation", error.Condition);
    }
}
