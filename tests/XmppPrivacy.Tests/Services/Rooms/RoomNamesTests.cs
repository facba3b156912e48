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
}
