using System.Collections.Immutable;
using System.Globalization;
using Platewatch.Geo;
using Platewatch.Reads;
using Platewatch.Storage;

namespace Platewatch.Query;

/// <summary>The investigative analyses, from the least to the most intrusive.</summary>
public enum AnalysisKind
{
    History,
    Places,
    Routes,
    Associates,
    Convoy,
    Stakeout,
    Cloned,
}

/// <summary>What kind of authority an authorisation reference names.</summary>
public enum AuthorizationKind
{
    /// <summary>A supervisor's approval recorded in the system; checked against the approval registry.</summary>
    SupervisorApproval,
    Warrant,
    CourtOrder,
}

/// <summary>How far back an approval reaches: standard (the last 90 days by default) or senior (older reads, longer windows).</summary>
public enum ApprovalTier
{
    Standard,
    Senior,
}

/// <summary>The authority an intrusive analysis runs under: a supervisor approval id, or a warrant or court-order number.</summary>
public sealed record AnalysisAuthorization(AuthorizationKind Kind, string Reference)
{
    /// <summary>Parses <c>approval:ID</c>, <c>warrant:NUMBER</c> or <c>court-order:NUMBER</c>.</summary>
    public static AnalysisAuthorization Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int colon = text.IndexOf(':', StringComparison.Ordinal);
        string kind = colon < 0 ? "" : text[..colon].Trim().ToLowerInvariant();
        string reference = colon < 0 ? "" : text[(colon + 1)..].Trim();
        var k = kind switch
        {
            "approval" => AuthorizationKind.SupervisorApproval,
            "warrant" => AuthorizationKind.Warrant,
            "court-order" => AuthorizationKind.CourtOrder,
            _ => throw new ArgumentException($"'{text}' is not an authorisation reference: use approval:ID, warrant:NUMBER or court-order:NUMBER."),
        };
        var a = new AnalysisAuthorization(k, reference);
        a.Validate();
        return a;
    }

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Reference) || Reference.Length > 64 || Reference.Any(char.IsControl))
            throw new ArgumentException("An authorisation reference must be 1 to 64 printable characters.");
    }

    public override string ToString() => Kind switch
    {
        AuthorizationKind.SupervisorApproval => "approval:",
        AuthorizationKind.Warrant => "warrant:",
        _ => "court-order:",
    } + Reference;
}

/// <summary>A supervisor's approval as recorded in the system.</summary>
/// <param name="CaseNumber">The case the approval was given for; it covers only that case.</param>
/// <param name="Kinds">The analyses it covers; empty covers every analysis.</param>
public sealed record AnalysisApproval(
    string Id,
    string AgencyId,
    string ApprovedBy,
    string CaseNumber,
    ApprovalTier Tier,
    DateTimeOffset ExpiresAt,
    ImmutableArray<AnalysisKind> Kinds)
{
    public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>When a supervisor withdrew it; a revoked approval authorises nothing from then on.</summary>
    public DateTimeOffset? RevokedAt { get; init; }

    public string? RevokedBy { get; init; }
}

/// <summary>Where supervisor approvals are recorded (the accounts database of the data directory). A real seam: core tests use an in-memory one.</summary>
public interface IAnalysisApprovals
{
    Task<AnalysisApproval?> FindAsync(string id, CancellationToken cancellationToken);
}

/// <summary>The owner's rules for analytics: which analyses need an authorisation, how long a window may be, how much a run may read.</summary>
public sealed record AnalyticsPolicy
{
    public static readonly ImmutableArray<AnalysisKind> DefaultNeedAuthorization =
        [AnalysisKind.Places, AnalysisKind.Routes, AnalysisKind.Associates, AnalysisKind.Convoy, AnalysisKind.Stakeout];

    public ImmutableArray<AnalysisKind> NeedAuthorization { get; init; } = DefaultNeedAuthorization;

    /// <summary>Longest window, and oldest read, a standard approval (or none) reaches: the UK's 90 days.</summary>
    public int StandardWindowDays { get; init; } = 90;

    /// <summary>Longest window with a senior approval, a warrant or a court order.</summary>
    public int SeniorWindowDays { get; init; } = 366;

    /// <summary>Most reads one run may fetch from the store, all its scans together.</summary>
    public int MaxScanReads { get; init; } = 5_000_000;
}

/// <summary>One place and time of a stakeout.</summary>
public sealed record AreaWindow(Area Area, TimeRange Range)
{
    public override string ToString() => $"{Area}@{Range}";
}

/// <summary>An analysis to run, with every parameter the gate checks and the audit records.</summary>
public sealed record AnalysisRequest
{
    public const int MaxAreas = 10;
    public const int MaxCameras = 20;

    public required AnalysisKind Kind { get; init; }

    /// <summary>The whole window the analysis may read (for a stakeout: the span of its area windows).</summary>
    public required TimeRange Range { get; init; }

    /// <summary>The target plate (all but stakeout and the cloned-plate sweep).</summary>
    public string? Plate { get; init; }

    public ImmutableArray<AreaWindow> Areas { get; init; } = [];

    /// <summary>Convoy: distinct cameras a vehicle must share with the target in one trip (2 to 20).</summary>
    public int? MinCameras { get; init; }

    /// <summary>Stakeout: in how many of the areas a plate must be seen (1 to the number of areas).</summary>
    public int? MinAreas { get; init; }

    /// <summary>Other settings (radius, time window, thresholds), recorded in the audit entry.</summary>
    public ImmutableSortedDictionary<string, string> Settings { get; init; } = ImmutableSortedDictionary<string, string>.Empty;

    public AnalysisAuthorization? Authorization { get; init; }

    /// <summary>What the analysis itself found wrong with its settings; the gate refuses (and audits) the first.</summary>
    public ImmutableArray<string> Problems { get; init; } = [];

    /// <summary>Throws <see cref="ArgumentException"/> naming the first thing wrong.</summary>
    public void Validate()
    {
        if (!Problems.IsDefaultOrEmpty) throw new ArgumentException(Problems[0]);
        Range.Validate();
        bool needsPlate = Kind is not (AnalysisKind.Stakeout or AnalysisKind.Cloned);
        if (needsPlate && string.IsNullOrWhiteSpace(Plate))
            throw new ArgumentException($"The {Name(Kind)} analysis needs a plate.");
        if (Plate is not null && !Plates.PlateText.IsNormalized(Plate))
            throw new ArgumentException($"'{Plate}' is not a plate: 1 to {Plates.PlateText.MaxLength} letters and digits.");
        if (Kind == AnalysisKind.Stakeout)
        {
            if (Areas.IsDefaultOrEmpty) throw new ArgumentException("A stakeout needs at least one area and window.");
            if (Areas.Length > MaxAreas) throw new ArgumentException($"A stakeout takes at most {MaxAreas} areas; got {Areas.Length}.");
            foreach (var a in Areas)
            {
                a.Area.Validate();
                a.Range.Validate();
                if (a.Range.From < Range.From || a.Range.To > Range.To)
                    throw new ArgumentException("Each stakeout window must lie inside the analysis range.");
            }
            int m = MinAreas ?? Areas.Length;
            if (m < 1 || m > Areas.Length)
                throw new ArgumentException($"m (the areas a plate must be seen in) must be 1 to {Areas.Length}; got {m}.");
        }
        else if (MinAreas is not null || !Areas.IsDefaultOrEmpty)
        {
            throw new ArgumentException("Areas and m apply only to a stakeout.");
        }
        if (MinCameras is { } k && (Kind != AnalysisKind.Convoy || k < 2 || k > MaxCameras))
            throw new ArgumentException(Kind != AnalysisKind.Convoy ? "k applies only to a convoy." : $"k (distinct cameras shared in one trip) must be 2 to {MaxCameras}; got {k}.");
        if (Settings.Count > 32 || Settings.Any(kv => kv.Key.Length > 32 || kv.Value.Length > 200))
            throw new ArgumentException("Too many or too long analysis settings.");
        Authorization?.Validate();
    }

    /// <summary>Every parameter as text, for the audit log.</summary>
    public ImmutableSortedDictionary<string, string> Describe()
    {
        var inv = CultureInfo.InvariantCulture;
        var d = Settings.ToBuilder();
        d["kind"] = Name(Kind);
        d["from"] = Range.From.ToString("O", inv);
        d["to"] = Range.To.ToString("O", inv);
        if (Plate is not null) d["plate"] = Plate;
        for (int i = 0; !Areas.IsDefault && i < Areas.Length; i++) d["area" + (i + 1).ToString(inv)] = Areas[i].ToString();
        if (MinCameras is { } k) d["k"] = k.ToString(inv);
        if (MinAreas is { } m) d["m"] = m.ToString(inv);
        if (Authorization is not null) d["authorization"] = Authorization.ToString();
        return d.ToImmutable();
    }

    public static string Name(AnalysisKind kind) => kind.ToString().ToLowerInvariant();

    public static bool TryParseKind(string text, out AnalysisKind kind) =>
        Enum.TryParse(text, ignoreCase: true, out kind) && Enum.IsDefined(kind) && !int.TryParse(text, out _);
}

/// <summary>What a scan asks the store for. Every criterion given must hold.</summary>
public sealed record ScanFilter
{
    public const int MaxPlates = 20_000;
    public const int MaxWindows = 50_000;

    public required TimeRange Range { get; init; }

    /// <summary>Exact plates; empty means any plate.</summary>
    public ImmutableArray<string> Plates { get; init; } = [];

    public Area? Area { get; init; }

    /// <summary>Boxes in space and time; a read must fall in at least one. Empty means no such restriction.</summary>
    public ImmutableArray<ScanWindow> Windows { get; init; } = [];

    public float MinConfidence { get; init; }

    /// <summary>
    /// False when the caller tells reads apart by plate, time and camera and needs no read ids. A store may then answer
    /// a window scan from a narrower, time-and-place-ordered copy of its reads, and every returned id is
    /// <c>default</c>.
    /// </summary>
    public bool IdsNeeded { get; init; } = true;

    public void Validate()
    {
        Range.Validate();
        Area?.Validate();
        if (!Plates.IsDefault && Plates.Length > MaxPlates) throw new ArgumentException($"A scan takes at most {MaxPlates} plates.");
        if (!Windows.IsDefault && Windows.Length > MaxWindows) throw new ArgumentException($"A scan takes at most {MaxWindows} windows.");
        if (MinConfidence is < 0 or > 1 || float.IsNaN(MinConfidence)) throw new ArgumentException("The minimum confidence must be between 0 and 1.");
    }
}

/// <summary>A box in space and time.</summary>
public readonly record struct ScanWindow(BoundingBox Box, DateTimeOffset From, DateTimeOffset To);

/// <summary>A scan that has passed the analytics gate. Only <see cref="ReadQueryService"/> can make one.</summary>
public sealed class AuthorizedScan
{
    internal AuthorizedScan(ScanFilter filter, ImmutableArray<string> agencies, int maxRows)
    {
        Filter = filter;
        Agencies = agencies;
        MaxRows = maxRows;
    }

    public ScanFilter Filter { get; }

    public ImmutableArray<string> Agencies { get; }

    /// <summary>The store returns at most this many sightings and says when there were more.</summary>
    public int MaxRows { get; }
}

/// <summary>
/// The store access of one authorised analysis run. It is handed to the analysis by
/// <see cref="ReadQueryService.AnalyzeAsync"/>; scans are clipped to the authorised window and the owner's
/// retention, restricted to the visible agencies, and bounded in total.
/// </summary>
public sealed class AnalyticsScope
{
    private readonly IReadStore _store;
    private readonly ImmutableArray<string> _agencies;
    private long _budget;

    internal AnalyticsScope(IReadStore store, ImmutableArray<string> agencies, TimeRange range, long budget)
    {
        _store = store;
        _agencies = agencies;
        Range = range;
        _budget = budget;
    }

    /// <summary>The window the run may read: the request's, clipped to retention.</summary>
    public TimeRange Range { get; }

    /// <summary>Sightings matching <paramref name="filter"/>, in capture-time order. Throws when the run's read budget is spent.</summary>
    public async Task<ImmutableArray<Sighting>> ScanAsync(ScanFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        filter.Validate();
        var from = filter.Range.From < Range.From ? Range.From : filter.Range.From;
        var to = filter.Range.To > Range.To ? Range.To : filter.Range.To;
        if (to <= from || _agencies.IsDefaultOrEmpty) return [];
        int max = (int)Math.Min(int.MaxValue - 1, Math.Max(0, _budget));
        var result = await _store.ScanAsync(new AuthorizedScan(filter with { Range = new TimeRange(from, to) }, _agencies, max), cancellationToken).ConfigureAwait(false);
        if (result.Truncated)
            throw new AnalysisTooLargeException("The analysis would read more reads than the policy allows in one run: narrow the window, the area or the radius.");
        _budget -= result.Sightings.Length;
        return result.Sightings;
    }
}

/// <summary>The analysis would exceed the policy's bound on reads per run.</summary>
public sealed class AnalysisTooLargeException(string message) : Exception(message);
