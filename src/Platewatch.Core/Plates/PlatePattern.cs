namespace Platewatch.Plates;

public enum PlateMatchKind
{
    /// <summary>The normalised plate equals the pattern.</summary>
    Exact,

    /// <summary><c>?</c> stands for one character, <c>*</c> for any run (including none).</summary>
    Wildcard,

    /// <summary>Look-alike characters are equal, and up to <see cref="PlatePattern.MaxEdits"/> further edits are allowed.</summary>
    Fuzzy,
}

/// <summary>What plate a query looks for. Create with <see cref="Exact"/>, <see cref="Wildcard"/> or <see cref="Fuzzy"/>.</summary>
public sealed record PlatePattern
{
    public const int MaxFuzzyEdits = 2;

    private PlatePattern(PlateMatchKind kind, string text, int maxEdits)
    {
        Kind = kind;
        Text = text;
        MaxEdits = maxEdits;
    }

    public PlateMatchKind Kind { get; }

    /// <summary>The normalised plate, or the normalised wildcard pattern.</summary>
    public string Text { get; }

    public int MaxEdits { get; }

    public static PlatePattern Exact(string plate)
    {
        string p = PlateText.Normalize(plate);
        if (!PlateText.IsNormalized(p))
            throw new ArgumentException($"'{plate}' is not a plate: it needs 1 to {PlateText.MaxLength} letters or digits.", nameof(plate));
        return new PlatePattern(PlateMatchKind.Exact, p, 0);
    }

    public static PlatePattern Wildcard(string pattern)
    {
        var sb = new System.Text.StringBuilder(pattern.Length);
        int literals = 0;
        foreach (char c0 in pattern)
        {
            char c = char.ToUpperInvariant(c0);
            if (c is (>= 'A' and <= 'Z') or (>= '0' and <= '9')) { sb.Append(c); literals++; }
            else if (c is '?' ) sb.Append(c);
            else if (c is '*') { if (sb.Length == 0 || sb[^1] != '*') sb.Append(c); }
            else if (c is ' ' or '-' or '.') continue;
            else throw new ArgumentException($"'{pattern}' is not a plate pattern: use letters, digits, '?' for one character and '*' for any run.", nameof(pattern));
        }
        if (sb.Length == 0 || sb.Length > PlateText.MaxLength * 2)
            throw new ArgumentException($"'{pattern}' is not a plate pattern: it is empty or too long.", nameof(pattern));
        if (literals < 2)
            throw new ArgumentException($"'{pattern}' matches almost every plate: give at least 2 known characters.", nameof(pattern));
        string text = sb.ToString();
        return text.Contains('?', StringComparison.Ordinal) || text.Contains('*', StringComparison.Ordinal)
            ? new PlatePattern(PlateMatchKind.Wildcard, text, 0)
            : new PlatePattern(PlateMatchKind.Exact, text, 0);
    }

    public static PlatePattern Fuzzy(string plate, int maxEdits = 1)
    {
        if (maxEdits is < 0 or > MaxFuzzyEdits)
            throw new ArgumentException($"Misread tolerance must be 0 to {MaxFuzzyEdits} edits; got {maxEdits}.", nameof(maxEdits));
        var exact = Exact(plate);
        if (exact.Text.Length <= maxEdits * 2)
            throw new ArgumentException($"'{plate}' is too short for {maxEdits} edits: it would match unrelated plates.", nameof(plate));
        return new PlatePattern(PlateMatchKind.Fuzzy, exact.Text, maxEdits);
    }

    /// <summary>
    /// A pattern from user input: <paramref name="match"/> is exact, wildcard or fuzzy, or null to choose
    /// wildcard when the text has '?' or '*' and exact otherwise.
    /// </summary>
    public static PlatePattern Parse(string plate, string? match = null, int edits = 1) =>
        match?.ToLowerInvariant() switch
        {
            "fuzzy" => Fuzzy(plate, edits),
            "wildcard" => Wildcard(plate),
            "exact" => Exact(plate),
            null => plate.AsSpan().IndexOfAny('?', '*') >= 0 ? Wildcard(plate) : Exact(plate),
            _ => throw new ArgumentException($"match must be exact, wildcard or fuzzy; got '{match}'."),
        };

    /// <summary>The literal characters before the first wildcard: stores prune on it.</summary>
    public string LiteralPrefix
    {
        get
        {
            if (Kind != PlateMatchKind.Wildcard) return Kind == PlateMatchKind.Exact ? Text : "";
            int i = Text.AsSpan().IndexOfAny('?', '*');
            return i < 0 ? Text : Text[..i];
        }
    }

    /// <summary>The pattern as a SQL LIKE pattern. Plates never contain '%' or '_', so no escaping is needed.</summary>
    public string ToSqlLike() => Text.Replace('?', '_').Replace('*', '%');

    public bool Matches(ReadOnlySpan<char> plate) => Kind switch
    {
        PlateMatchKind.Exact => plate.SequenceEqual(Text),
        PlateMatchKind.Wildcard => WildcardMatch(Text, plate),
        _ => PlateText.SkeletonDistance(plate, Text, MaxEdits) <= MaxEdits,
    };

    private static bool WildcardMatch(ReadOnlySpan<char> pattern, ReadOnlySpan<char> s)
    {
        int p = 0, i = 0, star = -1, mark = 0;
        while (i < s.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == s[i])) { p++; i++; }
            else if (p < pattern.Length && pattern[p] == '*') { star = p++; mark = i; }
            else if (star >= 0) { p = star + 1; i = ++mark; }
            else return false;
        }
        while (p < pattern.Length && pattern[p] == '*') p++;
        return p == pattern.Length;
    }

    public override string ToString() => Kind == PlateMatchKind.Fuzzy ? $"~{Text}/{MaxEdits}" : Text;
}
