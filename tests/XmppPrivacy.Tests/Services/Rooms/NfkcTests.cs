using XmppPrivacy.Services.Rooms;

namespace XmppPrivacy.Tests.Services.Rooms;

/// <summary>The component's own NFKC (invariant globalization has none) against values from Python's unicodedata.</summary>
public sealed class NfkcTests
{
    [Theory]
    [InlineData("\u0043\u0061\u0066\u0065\u0301", "\u0043\u0061\u0066\u00e9")]
    [InlineData("\u212b\u006e\u0067\u0073\u0074\u0072\u00f6\u006d", "\u00c5\u006e\u0067\u0073\u0074\u0072\u00f6\u006d")]
    [InlineData("\u0041\u030a\u006e\u0067\u0073\u0074\u0072\u006f\u0308\u006d", "\u00c5\u006e\u0067\u0073\u0074\u0072\u00f6\u006d")]
    [InlineData("\ufb01\u006c\u0065", "\u0066\u0069\u006c\u0065")]
    [InlineData("\u2168", "\u0049\u0058")]
    [InlineData("\u1112\u1161\u11ab", "\ud55c")]
    [InlineData("\u0061\u0323\u0302", "\u1ead")]
    [InlineData("\u0061\u0302\u0323", "\u1ead")]
    [InlineData("\u00bd", "\u0031\u2044\u0032")]
    [InlineData("\u1e9b\u0323", "\u1e69")]
    [InlineData("\u0344", "\u0308\u0301")]
    [InlineData("\uff21\uff42\uff43", "\u0041\u0062\u0063")]
    [InlineData("\u0078\u0301\u0301", "\u0078\u0301\u0301")]
    [InlineData("\u0301\u0061", "\u0301\u0061")]
    [InlineData("\ud55c\u11a8", "\ud55c\u11a8")]
    [InlineData("\U0001d400", "\u0041")]
    [InlineData("\u3000", "\u0020")]
    [InlineData("plain ascii", "plain ascii")]
    public void Normalizes_like_unicodedata(string text, string nfkc) => Assert.Equal(nfkc, Nfkc.Normalize(text));

    [Fact]
    public void Invariant_globalization_leaves_non_ascii_text_unnormalized_which_is_why_the_component_carries_its_own() =>
        Assert.Equal("\u212b", "\u212b".Normalize(System.Text.NormalizationForm.FormKC));
}
