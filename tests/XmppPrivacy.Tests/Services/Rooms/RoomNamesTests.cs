using XmppPrivacy.Services.Rooms;

namespace XmppPrivacy.Tests.Services.Rooms;

public sealed class RoomNamesTests
{
    [Theory]
    [InlineData("test", "test")]
    [InlineData("TEST", "test")]
    [InlineData("Caf\u00e9", "caf\u00e9")]
    [InlineData("CAF\u00c9", "caf\u00e9")]
    [InlineData("\uff34\uff45\uff53\uff54", "test")] // full-width letters
    [InlineData("Cafe\u0301", "caf\u00e9")] // e and a combining acute
    [InlineData("\u212bngstr\u00f6m", "\u00e5ngstr\u00f6m")] // the angstrom sign
    [InlineData("A\u030angstro\u0308m", "\u00e5ngstr\u00f6m")]
    [InlineData("\u00c5NGSTR\u00d6M", "\u00e5ngstr\u00f6m")]
    [InlineData("\ufb01le", "file")] // the fi ligature
    [InlineData("\u2168", "ix")] // the Roman numeral nine
    [InlineData("\U0001d40b\U0001d428\U0001d42e\U0001d427\U0001d420\U0001d41e", "lounge")] // mathematical bold letters
    [InlineData("\u1112\u1161\u11ab", "\ud55c")] // Hangul jamo and the syllable
    [InlineData("\ud55c", "\ud55c")]
    public void Two_spellings_of_a_room_name_are_one_room(string local, string key) =>
        Assert.Equal(key, RoomNames.RoomKey(local));

    [Theory]
    [InlineData("")]
    [InlineData("te\u202est")] // right-to-left override
    [InlineData("te\u200bst")] // zero-width space
    [InlineData("a b")]
    public void Room_names_with_invisible_spaces_or_broken_characters_are_refused(string local) =>
        Assert.Null(RoomNames.RoomKey(local));

    [Fact]
    public void Room_names_and_nicknames_with_an_unpaired_surrogate_are_refused()
    {
        Assert.Null(RoomNames.RoomKey("room" + '\ud800'));
        Assert.Null(RoomNames.Nick("Alice" + '\udc00', 64));
    }

    [Fact]
    public void An_over_long_room_name_is_refused() => Assert.Null(RoomNames.RoomKey(new string('r', RoomNames.MaxRoomLength + 1)));

    [Theory]
    [InlineData("Alice", "Alice")]
    [InlineData("  Alice  ", "Alice")]
    [InlineData("Alice\u00a0\u2003Smith", "Alice Smith")]
    [InlineData("\uff21lice", "Alice")]
    public void Nicknames_are_mapped_and_normalised_but_keep_their_case(string requested, string shown) =>
        Assert.Equal(shown, RoomNames.Nick(requested, 64));

    [Theory]
    [InlineData("Ali\u202ece")] // right-to-left override: could show as another name
    [InlineData("Alice\u200b")] // zero-width space: looks like Alice
    [InlineData("Al\u200dice")] // zero-width joiner
    [InlineData("\u2066Alice\u2069")] // directional isolates
    [InlineData("Alice\u3164")] // Hangul filler, invisible
    [InlineData("Ali\u0007ce")] // control character
    [InlineData("Ali\tce")]
    [InlineData("   ")]
    [InlineData("")]
    [InlineData("\ue000Alice")] // private use
    public void Nicknames_that_could_pass_for_someone_else_are_refused(string requested) =>
        Assert.Null(RoomNames.Nick(requested, 64));

    [Fact]
    public void A_nickname_longer_than_the_limit_is_refused()
    {
        Assert.Equal(new string('n', 10), RoomNames.Nick(new string('n', 10), 10));
        Assert.Null(RoomNames.Nick(new string('n', 11), 10));
        Assert.Null(RoomNames.Nick(new string('n', 100_000), 10));
    }

    [Fact]
    public void Nicknames_compare_without_case() =>
        Assert.Equal(RoomNames.NickKey(RoomNames.Nick("ALICE", 64)!), RoomNames.NickKey(RoomNames.Nick("alice", 64)!));

    [Theory]
    [InlineData("Ame\u0301lie", "Am\u00e9lie")]
    [InlineData("\uff22\uff4f\uff42", "Bob")] // full-width letters, case kept
    [InlineData("\ufb01ona", "fiona")]
    [InlineData("Bob\u3000Smith", "Bob Smith")] // the ideographic space
    [InlineData("a\u0302\u0323", "\u1ead")] // marks in either order are one character
    [InlineData("a\u0323\u0302", "\u1ead")]
    public void Nicknames_are_shown_in_nfkc_and_two_spellings_are_one_nickname(string requested, string shown)
    {
        Assert.Equal(shown, RoomNames.Nick(requested, 64));
        Assert.Equal(RoomNames.NickKey(shown), RoomNames.NickKey(RoomNames.Nick(requested, 64)!));
    }
}
