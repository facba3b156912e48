using XmppPrivacy.Services.Uploads;

namespace XmppPrivacy.Tests.Services.Uploads;

public sealed class FileNamesTests
{
    [Theory]
    [InlineData("photo.jpg", "photo.jpg")]
    [InlineData("../../etc/passwd", "passwd")]
    [InlineData("a/b", "b")]
    [InlineData("C:\\Windows\\win.ini", "win.ini")]
    [InlineData(".htaccess", "htaccess")]
    [InlineData("CON", "CON")]
    [InlineData("invoice\u202Egpj.exe", "invoicegpj.exe")]
    [InlineData("tab\tand\nnewline", "tabandnewline")]
    [InlineData("  spaced .txt  ", "spaced .txt")]
    [InlineData("Grüße 日本.png", "Grüße 日本.png")]
    public void A_client_s_file_name_keeps_only_its_last_segment_without_control_or_direction_characters(string name, string clean) =>
        Assert.Equal(clean, FileNames.Sanitise(name));

    [Theory]
    [InlineData("")]
    [InlineData("...")]
    [InlineData("dir/")]
    [InlineData("\u202E\u200F")]
    public void A_name_with_nothing_left_after_cleaning_is_refused(string name) => Assert.Null(FileNames.Sanitise(name));

    [Fact]
    public void A_name_longer_than_255_bytes_is_refused()
    {
        Assert.NotNull(FileNames.Sanitise(new string('a', 255)));
        Assert.Null(FileNames.Sanitise(new string('a', 256)));
        Assert.Null(FileNames.Sanitise(new string('ü', 128)));
        Assert.Null(FileNames.Sanitise(new string('x', 10 * 1024)));
    }

    [Theory]
    [InlineData("a b.jpg", false, "attachment; filename*=UTF-8''a%20b.jpg")]
    [InlineData("ü\"';.png", true, "inline; filename*=UTF-8''%C3%BC%22%27%3B.png")]
    public void Content_disposition_names_the_file_only_in_an_RFC_5987_filename_star(string name, bool inline, string header) =>
        Assert.Equal(header, FileNames.ContentDisposition(name, inline));
}
