using System.Text.RegularExpressions;

namespace Platewatch.Alerts.Hotlists;

/// <summary>
/// What an entry is listed for. The five national kinds have fixed codes; an agency may add its own
/// (<c>gang</c>, <c>trespass</c>): any other lower-case code is a custom category.
/// </summary>
internal static partial class HotlistCategories
{
    public const string StolenVehicle = "stolen-vehicle";
    public const string StolenPlate = "stolen-plate";
    public const string WantedPerson = "wanted-person";
    /// <summary>Missing persons, AMBER alerts included.</summary>
    public const string MissingPerson = "missing-person";
    public const string ProtectionOrder = "protection-order";

    public static readonly IReadOnlyList<string> Known = [StolenVehicle, StolenPlate, WantedPerson, MissingPerson, ProtectionOrder];

    public static bool IsKnown(string code) => Known.Contains(code, StringComparer.Ordinal);

    /// <summary>Accepts a known code, <c>amber</c> (a missing person), or a custom code of 1-40 of a-z, 0-9 and '-'.</summary>
    public static string Parse(string? text)
    {
        string code = (text ?? "").Trim().ToLowerInvariant().Replace('_', '-').Replace(' ', '-');
        if (code is "amber" or "amber-alert") return MissingPerson;
        if (!CodePattern().IsMatch(code))
            throw new ArgumentException($"category '{text}' is not valid: use {string.Join(", ", Known)} or a custom code of a-z, 0-9 and '-' (at most 40).");
        return code;
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,39}$")]
    private static partial Regex CodePattern();
}

/// <summary>A hotlist: owned by one agency, fed from one source, expected to be refreshed within an interval.</summary>
internal sealed record Hotlist
{
    public required string Id { get; init; }
    public required string AgencyId { get; init; }
    public required string Name { get; init; }
    /// <summary>Where the entries come from (NCIC, state, agency); shown on every hit.</summary>
    public required string Source { get; init; }
    public required TimeSpan RefreshInterval { get; init; }
    /// <summary>The last full load (import, or a create for a hand-kept list).</summary>
    public required DateTimeOffset RefreshedAt { get; init; }

    /// <summary>A list not refreshed within its interval may hold entries that were cleared: hits on it must be rechecked.</summary>
    public bool IsStale(DateTimeOffset now) => now - RefreshedAt > RefreshInterval;
}

/// <summary>What is known of the listed vehicle; every part optional.</summary>
internal sealed record VehicleDescription(string? Make = null, string? Model = null, string? Colour = null, string? Type = null)
{
    public bool IsEmpty => Make is null && Model is null && Colour is null && Type is null;
}

/// <summary>One listed plate. Reason and case number are mandatory, so every hit says why and under which case.</summary>
internal sealed record HotlistEntry
{
    public const int MaxText = 200;

    public long Id { get; init; }
    public required string HotlistId { get; init; }
    /// <summary>Normalised (A-Z, 0-9).</summary>
    public required string Plate { get; init; }
    /// <summary>ISO 3166-2 (US-WA) or a country; empty when the source gives none.</summary>
    public string Region { get; init; } = "";
    public required string Category { get; init; }
    public required string Reason { get; init; }
    public required string CaseNumber { get; init; }
    /// <summary>0 (lowest) to 100.</summary>
    public int Priority { get; init; } = 50;
    public required string AddedBy { get; init; }
    public required DateTimeOffset AddedAt { get; init; }
    public DateTimeOffset? ExpiresAt { get; init; }
    public VehicleDescription? Vehicle { get; init; }

    public bool IsExpired(DateTimeOffset now) => ExpiresAt is { } e && e <= now;

    /// <summary>Returns the normalised entry, or throws <see cref="ArgumentException"/> naming the first field that is wrong.</summary>
    public HotlistEntry Validated()
    {
        string plate = Plates.PlateText.Normalize(Plate ?? "");
        if (!Plates.PlateText.IsNormalized(plate)) throw new ArgumentException($"plate '{Plate}' must have 1 to {Plates.PlateText.MaxLength} letters or digits.");
        string region = (Region ?? "").Trim().ToUpperInvariant();
        if (region.Length > 10) throw new ArgumentException($"region '{Region}' is too long (at most 10, e.g. US-WA).");
        string category = HotlistCategories.Parse(Category);
        if (string.IsNullOrWhiteSpace(Reason)) throw new ArgumentException("a reason is required.");
        if (string.IsNullOrWhiteSpace(CaseNumber)) throw new ArgumentException("a case number is required.");
        if (Reason.Length > MaxText) throw new ArgumentException($"the reason is longer than {MaxText} characters.");
        if (CaseNumber.Length > 64) throw new ArgumentException("the case number is longer than 64 characters.");
        if (Priority is < 0 or > 100) throw new ArgumentException($"priority must be 0 to 100; got {Priority}.");
        if (ExpiresAt is { } e && e <= AddedAt) throw new ArgumentException("the expiry must be after the date the entry was added.");
        static string? Bound(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim().Length > 40 ? s.Trim()[..40] : s.Trim();
        var vehicle = Vehicle is null ? null : new VehicleDescription(Bound(Vehicle.Make), Bound(Vehicle.Model), Bound(Vehicle.Colour), Bound(Vehicle.Type));
        return this with
        {
            Plate = plate,
            Region = region,
            Category = category,
            Reason = Reason.Trim(),
            CaseNumber = CaseNumber.Trim(),
            Vehicle = vehicle is { IsEmpty: true } ? null : vehicle,
        };
    }
}

/// <summary>Per agency: categories that raise no alert and are not imported (e.g. a state law bars acting on one NCIC file).</summary>
internal sealed record CategorySwitches(IReadOnlyDictionary<string, IReadOnlySet<string>> OffByAgency)
{
    public static readonly CategorySwitches AllOn = new(new Dictionary<string, IReadOnlySet<string>>());

    public bool IsOff(string agencyId, string category) =>
        OffByAgency.TryGetValue(agencyId, out var off) && off.Contains(category);
}
