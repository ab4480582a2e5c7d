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

    /// <summary>An ISO 8601 instant from user input (UTC when no offset is given); the error names the option.</summary>
    public static DateTimeOffset ParseInstant(string text, string option) =>
        DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal, out var t)
            ? t
            : throw new ArgumentException($"{option} '{text}' is not a time: use ISO 8601, e.g. 2026-11-02T08:00:00Z.");
}
