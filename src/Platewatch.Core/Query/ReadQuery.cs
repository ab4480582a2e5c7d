using System.Collections.Immutable;
using Platewatch.Geo;
using Platewatch.Plates;
using Platewatch.Reads;

namespace Platewatch.Query;

/// <summary>Keyset paging position: the last read of the previous page.</summary>
public readonly record struct ReadCursor(DateTimeOffset CapturedAt, ReadId Id)
{
    public override string ToString() => $"{CapturedAt.ToUnixTimeMilliseconds()}.{Id}";

    public static ReadCursor Parse(string s)
    {
        int dot = s.IndexOf('.', StringComparison.Ordinal);
        if (dot > 0 && long.TryParse(s.AsSpan(0, dot), System.Globalization.CultureInfo.InvariantCulture, out long ms) &&
            ReadId.TryParse(s.AsSpan(dot + 1), null, out var id))
        {
            return new ReadCursor(DateTimeOffset.FromUnixTimeMilliseconds(ms), id);
        }
        throw new ArgumentException($"'{s}' is not a paging cursor: pass back the 'next' value of the previous page.");
    }
}

/// <summary>
/// A search over reads. Every criterion given must hold: a plate pattern, an area, cameras, a minimum
/// confidence, always within a time range.
/// </summary>
public sealed record ReadQuery
{
    public const int MaxLimit = 100_000;

    public required TimeRange Range { get; init; }

    public PlatePattern? Plate { get; init; }

    public Area? Area { get; init; }

    public ImmutableArray<string> Cameras { get; init; } = [];

    public float MinConfidence { get; init; }

    /// <summary>Only these reads (fetching one read's images, a record named in a report); empty means any.</summary>
    public ImmutableArray<ReadId> Ids { get; init; } = [];

    public int Limit { get; init; } = 1000;

    public ReadCursor? After { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first thing wrong with the query.</summary>
    public void Validate()
    {
        Range.Validate();
        Area?.Validate();
        if (Limit is < 1 or > MaxLimit)
            throw new ArgumentException($"The limit must be 1 to {MaxLimit}; got {Limit}.");
        if (MinConfidence is < 0 or > 1 || float.IsNaN(MinConfidence))
            throw new ArgumentException($"The minimum confidence must be between 0 and 1; got {MinConfidence}.");
        if (Cameras.Length > 1000)
            throw new ArgumentException($"At most 1000 cameras can be searched at once; got {Cameras.Length}.");
        if (Ids.Length > 1000)
            throw new ArgumentException($"At most 1000 read ids can be fetched at once; got {Ids.Length}.");
        foreach (string c in Cameras)
        {
            if (string.IsNullOrWhiteSpace(c) || c.Length > 64)
                throw new ArgumentException("A camera id must be 1 to 64 characters.");
        }
    }

    /// <summary>Every parameter as text, for the audit log.</summary>
    public IReadOnlyDictionary<string, string> Describe()
    {
        var d = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["from"] = Range.From.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["to"] = Range.To.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["limit"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        if (Plate is not null) { d["plate"] = Plate.Text; d["plateMatch"] = Plate.Kind.ToString(); if (Plate.MaxEdits > 0) d["maxEdits"] = Plate.MaxEdits.ToString(System.Globalization.CultureInfo.InvariantCulture); }
        if (Area is not null) d["area"] = Area.ToString();
        if (!Cameras.IsDefaultOrEmpty) d["cameras"] = string.Join(',', Cameras);
        if (!Ids.IsDefaultOrEmpty) d["ids"] = string.Join(',', Ids);
        if (MinConfidence > 0) d["minConfidence"] = MinConfidence.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (After is { } a) d["after"] = a.ToString();
        return d;
    }
}

public sealed record ReadPage(ImmutableArray<PlateRead> Reads, ReadCursor? Next);
