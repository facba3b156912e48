using System.Xml.Linq;
using XmppPrivacy.Services.Uploads;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Tests.Services.Uploads;

/// <summary>The slot request of XEP-0363 §4, from the XEP's example and from hostile variants.</summary>
public sealed class SlotRequestTests
{
    private static Outcome<SlotRequest> Parse(string xml, long max = 1_000_000) => SlotRequest.Parse(XElement.Parse(xml), max);

    [Fact]
    public void The_XEP_s_example_request_is_read()
    {
        var slot = Parse("<request xmlns='urn:xmpp:http:upload:0' filename='très cool.jpg' size='23456' content-type='image/jpeg'/>").Value!;

        Assert.Equal(new SlotRequest("très cool.jpg", 23456, "image/jpeg"), slot);
        Assert.True(slot.Inline);
    }

    [Fact]
    public void A_request_without_a_type_gets_application_octet_stream_and_is_never_inline()
    {
        var slot = Parse("<request xmlns='urn:xmpp:http:upload:0' filename='a' size='1'/>").Value!;

        Assert.Equal("application/octet-stream", slot.ContentType);
        Assert.False(slot.Inline);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("0")]
    [InlineData("1.5")]
    [InlineData("1e3")]
    [InlineData(" 5")]
    [InlineData("")]
    [InlineData("0x10")]
    public void A_size_that_is_not_a_positive_whole_number_is_bad_request(string size)
    {
        var error = Parse($"<request xmlns='urn:xmpp:http:upload:0' filename='a' size='{size}'/>").Error!;

        Assert.Equal("bad-request", error.Condition);
        Assert.Equal("modify", error.Type);
    }

    [Theory]
    [InlineData("1000001")]
    [InlineData("9223372036854775807")]
    [InlineData("9223372036854775808")]
    [InlineData("99999999999999999999999999")]
    public void A_size_above_the_maximum_is_not_acceptable_with_file_too_large_and_the_maximum(string size)
    {
        var error = Parse($"<request xmlns='urn:xmpp:http:upload:0' filename='a' size='{size}'/>").Error!;

        Assert.Equal("not-acceptable", error.Condition);
        Assert.Equal("modify", error.Type);
        Assert.Equal("1000000", error.AppCondition!.Element(UploadErrors.Ns + "max-file-size")!.Value);
        Assert.Equal(UploadErrors.Ns + "file-too-large", error.AppCondition.Name);
    }

    [Theory]
    [InlineData("text")]
    [InlineData("*/*")]
    [InlineData("image/*")]
    [InlineData("image/png\r\nX-Injected: 1")]
    public void A_content_type_that_is_not_one_media_type_is_bad_request(string type)
    {
        var request = new XElement(UploadErrors.Ns + "request", new XAttribute("filename", "a"), new XAttribute("size", "1"), new XAttribute("content-type", type));

        Assert.Equal("bad-request", SlotRequest.Parse(request, 10).Error!.Condition);
    }

    [Theory]
    [InlineData("image/png", null, true)]
    [InlineData("image/png", "IMAGE/PNG", true)]
    [InlineData("image/png", "image/jpeg", false)]
    [InlineData("text/plain; charset=utf-8", "text/plain; charset=UTF-8", true)]
    [InlineData("text/plain; charset=utf-8", "text/plain", false)]
    [InlineData("image/png", "text/html", false)]
    public void A_PUT_s_content_type_must_be_the_slot_s(string slot, string? put, bool same) =>
        Assert.Equal(same, SlotRequest.SameType(slot, put));

    [Theory]
    [InlineData("image/png", true)]
    [InlineData("image/jpeg", true)]
    [InlineData("image/gif", true)]
    [InlineData("image/webp", true)]
    [InlineData("image/svg+xml", false)]
    [InlineData("text/html", false)]
    [InlineData("application/xhtml+xml", false)]
    public void Only_plain_image_types_are_shown_inline(string type, bool inline) => Assert.Equal(inline, SlotRequest.IsInline(type));
}
