namespace Platewatch.Plates;

/// <summary>
/// The one place that says what plate text is: normalisation, look-alike characters, wildcards and
/// misread distance. Stores, hotlist matching and the recognizer all use these rules so that a plate
/// means the same thing everywhere.
/// </summary>
public static class PlateText
{
    public const int MaxLength = 12;

    /// <summary>
    /// Look-alike classes, each written as its canonical character first. OCR engines and people confuse
    /// the members of a class with each other; a misread-tolerant match treats them as equal.
    /// </summary>
    public static readonly IReadOnlyList<string> ConfusableClasses =
    [
        "0ODQ",
        "1ILTJ",
        "8B",
        "5S",
        "2Z",
        "6G",
        "4A",
        "MW",
    ];

    private static readonly char[] s_canonical = BuildCanonical();

    private static char[] BuildCanonical()
    {
        var map = new char[128];
        for (int c = 0; c < 128; c++) map[c] = (char)c;
        foreach (string cls in ConfusableClasses)
        {
            foreach (char ch in cls) map[ch] = cls[0];
        }
        return map;
    }

    /// <summary>Upper-cases and keeps only A-Z and 0-9; spaces, dashes, dots and other symbols are dropped.</summary>
    public static string Normalize(ReadOnlySpan<char> raw)
    {
        Span<char> buf = raw.Length <= 64 ? stackalloc char[raw.Length] : new char[raw.Length];
        int n = Normalize(raw, buf);
        return new string(buf[..n]);
    }

    /// <summary>Span form of <see cref="Normalize(ReadOnlySpan{char})"/>; returns the number of characters written.</summary>
    public static int Normalize(ReadOnlySpan<char> raw, Span<char> destination)
    {
        int n = 0;
        foreach (char c0 in raw)
        {
            char c = c0;
            if (c is >= 'a' and <= 'z') c = (char)(c - 32);
            if (c is (>= 'A' and <= 'Z') or (>= '0' and <= '9'))
            {
                if (n == destination.Length) break;
                destination[n++] = c;
            }
        }
        return n;
    }

    public static bool IsNormalized(ReadOnlySpan<char> plate)
    {
        if (plate.IsEmpty || plate.Length > MaxLength) return false;
        foreach (char c in plate)
        {
            if (c is not ((>= 'A' and <= 'Z') or (>= '0' and <= '9'))) return false;
        }
        return true;
    }

    /// <summary>The canonical member of <paramref name="c"/>'s look-alike class.</summary>
    public static char Canonical(char c) => c < 128 ? s_canonical[c] : c;

    /// <summary>The plate with every character replaced by its look-alike class: equal skeletons read alike.</summary>
    public static string Skeleton(ReadOnlySpan<char> plate)
    {
        Span<char> buf = plate.Length <= 64 ? stackalloc char[plate.Length] : new char[plate.Length];
        Skeleton(plate, buf);
        return new string(buf);
    }

    public static void Skeleton(ReadOnlySpan<char> plate, Span<char> destination)
    {
        for (int i = 0; i < plate.Length; i++) destination[i] = Canonical(plate[i]);
    }

    /// <summary>The two source and target strings for SQL <c>translate()</c>, so a store computes the same skeleton.</summary>
    public static (string From, string To) SkeletonTranslation()
    {
        var from = new System.Text.StringBuilder();
        var to = new System.Text.StringBuilder();
        for (char c = '0'; c <= 'Z'; c++)
        {
            if (c is > '9' and < 'A') continue;
            char k = Canonical(c);
            if (k != c) { from.Append(c); to.Append(k); }
        }
        return (from.ToString(), to.ToString());
    }

    public static bool AreLookAlike(ReadOnlySpan<char> a, ReadOnlySpan<char> b)
    {
        if (a.Length != b.Length) return false;
        for (int i = 0; i < a.Length; i++)
        {
            if (Canonical(a[i]) != Canonical(b[i])) return false;
        }
        return true;
    }

    /// <summary>
    /// Levenshtein distance between the skeletons of two plates, or <paramref name="max"/> + 1 as soon as it is
    /// certain to exceed <paramref name="max"/>. Allocation-free for plates up to 32 characters.
    /// </summary>
    public static int SkeletonDistance(ReadOnlySpan<char> a, ReadOnlySpan<char> b, int max)
    {
        if (Math.Abs(a.Length - b.Length) > max) return max + 1;
        if (a.Length > 32 || b.Length > 32) return max + 1;
        Span<int> prev = stackalloc int[b.Length + 1];
        Span<int> cur = stackalloc int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) prev[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            int rowMin = cur[0];
            char ca = Canonical(a[i - 1]);
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = ca == Canonical(b[j - 1]) ? 0 : 1;
                int v = Math.Min(Math.Min(prev[j] + 1, cur[j - 1] + 1), prev[j - 1] + cost);
                cur[j] = v;
                if (v < rowMin) rowMin = v;
            }
            if (rowMin > max) return max + 1;
            var t = prev; prev = cur; cur = t;
        }
        return Math.Min(prev[b.Length], max + 1);
    }
}
