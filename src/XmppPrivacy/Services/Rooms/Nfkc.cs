using System.Collections.Frozen;
using System.Text;

namespace XmppPrivacy.Services.Rooms;

/// <summary>
/// Unicode Normalization Form KC (UAX #15), which stringprep's nodeprep and resourceprep apply, done here because the
/// component runs with <c>InvariantGlobalization</c> (no ICU), where <see cref="string.Normalize()"/> returns non-ASCII
/// text unchanged, also under Native AOT. The tables (Nfkc.Tables.cs) come from scripts/generate-unicode-tables.py.
/// </summary>
internal static partial class Nfkc
{
    private const int SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7, LCount = 19, VCount = 21, TCount = 28;
    private const int NCount = VCount * TCount, SCount = LCount * NCount;

    private static readonly FrozenDictionary<int, int[]> Decompositions = BuildDecompositions();
    private static readonly FrozenDictionary<int, int> Classes = BuildClasses();
    private static readonly FrozenDictionary<long, int> Compositions = BuildCompositions();

    /// <summary>The text in NFKC; ASCII comes back as it is, without work.</summary>
    public static string Normalize(string text)
    {
        if (text.All(char.IsAscii)) return text;
        var points = new List<int>(text.Length);
        foreach (var rune in text.EnumerateRunes()) Decompose(rune.Value, points);
        Reorder(points);
        Compose(points);
        var result = new StringBuilder(points.Count);
        foreach (var point in points) result.Append(char.ConvertFromUtf32(point));
        return result.ToString();
    }

    private static void Decompose(int point, List<int> into)
    {
        if (point is >= SBase and < SBase + SCount)
        {
            var index = point - SBase;
            into.Add(LBase + index / NCount);
            into.Add(VBase + index % NCount / TCount);
            if (index % TCount != 0) into.Add(TBase + index % TCount);
        }
        else if (Decompositions.TryGetValue(point, out var mapping)) into.AddRange(mapping);
        else into.Add(point);
    }

    private static int ClassOf(int point) => Classes.GetValueOrDefault(point);

    /// <summary>The canonical ordering: each run of combining marks sorted by class, stably.</summary>
    private static void Reorder(List<int> points)
    {
        for (var i = 1; i < points.Count; i++)
        {
            var current = points[i];
            var cls = ClassOf(current);
            if (cls == 0) continue;
            var j = i;
            while (j > 0 && ClassOf(points[j - 1]) > cls)
            {
                points[j] = points[j - 1];
                j--;
            }
            points[j] = current;
        }
    }

    /// <summary>
    /// The canonical composition: a character joins the last starter when nothing between them blocks it (a starter, or
    /// a mark of the same or a higher combining class).
    /// </summary>
    private static void Compose(List<int> points)
    {
        var starter = -1;
        var between = -1; // the class of the last character kept after the starter; -1: none, it is adjacent
        var write = 0;
        foreach (var point in points.ToArray())
        {
            var cls = ClassOf(point);
            if (starter >= 0 && (between == -1 || (between != 0 && between < cls)) && TryCompose(points[starter], point, out var composite))
            {
                points[starter] = composite;
                continue;
            }
            if (cls == 0)
            {
                starter = write;
                between = -1;
            }
            else between = cls;
            points[write++] = point;
        }
        points.RemoveRange(write, points.Count - write);
    }

    private static bool TryCompose(int first, int second, out int composite)
    {
        if (first is >= LBase and < LBase + LCount && second is >= VBase and < VBase + VCount)
        {
            composite = SBase + ((first - LBase) * VCount + (second - VBase)) * TCount;
            return true;
        }
        if (first is >= SBase and < SBase + SCount && (first - SBase) % TCount == 0 && second is > TBase and < TBase + TCount)
        {
            composite = first + (second - TBase);
            return true;
        }
        return Compositions.TryGetValue(((long)first << 21) | (uint)second, out composite);
    }

    private static FrozenDictionary<int, int[]> BuildDecompositions()
    {
        var map = new Dictionary<int, int[]>();
        var data = DecompositionData;
        for (var i = 0; i < data.Length;)
        {
            var point = data[i];
            var length = data[i + 1];
            map[point] = data.Slice(i + 2, length).ToArray();
            i += 2 + length;
        }
        return map.ToFrozenDictionary();
    }

    private static FrozenDictionary<int, int> BuildClasses()
    {
        var map = new Dictionary<int, int>();
        var data = CombiningClassData;
        for (var i = 0; i < data.Length; i += 2) map[data[i]] = data[i + 1];
        return map.ToFrozenDictionary();
    }

    private static FrozenDictionary<long, int> BuildCompositions()
    {
        var map = new Dictionary<long, int>();
        var data = CompositionData;
        for (var i = 0; i < data.Length; i += 3) map[((long)data[i] << 21) | (uint)data[i + 1]] = data[i + 2];
        return map.ToFrozenDictionary();
    }
}
