namespace Platewatch.Reads;

/// <summary>A half-open interval [From, To) in UTC.</summary>
public readonly record struct TimeRange(DateTimeOffset From, DateTimeOffset To)
{
    public TimeSpan Duration => To - From;

    public bool Contains(DateTimeOffset t) => t >= From && t < To;

    public static TimeRange Last(TimeSpan span, DateTimeOffset now) => new(now - span, now);

    public void Validate()
    {
        if (To <= From)
            throw new ArgumentException($"The time range is empty: 'from' ({From:O}) must be before 'to' ({To:O}).");
    }

    public override string ToString() => $"{From:O}/{To:O}";
}
