using System.Collections.Immutable;
using Platewatch.Formats;

namespace Platewatch.Server.Alerts;

internal static class AlertChannels
{
    public const string Email = "email";
    public const string Webhook = "webhook";
    public const string Sms = "sms";
    public static readonly IReadOnlyList<string> All = [Email, Webhook, Sms];
}

internal static class AlertStatus
{
    public const string New = "new";
    public const string Verified = "verified";
    public const string Rejected = "rejected";
}

internal static class RejectReasons
{
    public static readonly IReadOnlyList<string> All = ["misread", "wrong-state", "vehicle-mismatch", "expired-entry"];
}

internal static class Outcomes
{
    public static readonly IReadOnlyList<string> All = ["stop-made", "vehicle-recovered", "arrest", "no-contact", "vehicle-not-located", "other"];
}

internal static class DeliveryStatus
{
    public const string Pending = "pending";
    public const string Delivered = "delivered";
    public const string Dead = "dead";
    public const string Cancelled = "cancelled";
}

/// <summary>Who is told about which hits, and how. Every filter given must hold.</summary>
internal sealed record Subscription
{
    public required string Id { get; init; }
    public required string Username { get; init; }
    public required string AgencyId { get; init; }
    public required string Channel { get; init; }
    /// <summary>Email address, webhook URL or phone number.</summary>
    public required string Target { get; init; }
    public string? HotlistId { get; init; }
    public string? Category { get; init; }
    public int? MinPriority { get; init; }
    public string? CameraId { get; init; }
    /// <summary>As in search: radius:..., bbox:... or polygon:...</summary>
    public string? Area { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>The hotlist entry as it was when the hit was made (an entry may change or go afterwards).</summary>
internal sealed record AlertEntry(long Id, string HotlistId, string HotlistName, string Source, string Plate, string Region, string Category,
    string Reason, string CaseNumber, int Priority, DateTimeOffset? ExpiresAt, VehicleView? Vehicle);

internal sealed record VehicleView(string? Make, string? Model, string? Colour, string? Type, int? Year = null);

internal sealed record AlertMatch(string Kind, float Score, string MatchedText, int CandidateRank, bool OtherRegion);

/// <summary>
/// Everything a person needs to judge a hit before acting: the read (plate, confidence, candidates, camera, place
/// and time, image links), the entry (category, reason, case), how it matched, and every warning.
/// </summary>
internal sealed record AlertContent
{
    public required string Id { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required ReadDto Read { get; init; }
    public required AlertEntry Entry { get; init; }
    public required AlertMatch Match { get; init; }
    public bool Stale { get; init; }
    /// <summary>A past sighting found by the back-search of a new entry, not a live hit.</summary>
    public bool Historical { get; init; }
    public ImmutableArray<string> Warnings { get; init; } = [];
    public string? PlateCropUrl { get; init; }
    public string? ContextImageUrl { get; init; }
    public string? Link { get; init; }
}

/// <summary>An alert with its verification state.</summary>
internal sealed record AlertView
{
    public required long Sequence { get; init; }
    public required AlertContent Content { get; init; }
    public required string Status { get; init; }
    public string? DecidedBy { get; init; }
    public DateTimeOffset? DecidedAt { get; init; }
    public string? RejectReason { get; init; }
    public string? Outcome { get; init; }
    public string? OutcomeBy { get; init; }
    public DateTimeOffset? OutcomeAt { get; init; }
    public string? Note { get; init; }
}

internal sealed record DeliveryView(string AlertId, string SubscriptionId, string Channel, string Status, int Attempts, DateTimeOffset NextAttemptAt, string? LastError, DateTimeOffset? DeliveredAt);

internal sealed record RegistrationRecord(string Plate, string Region, string? Vin, string? Make, string? Model, int? Year, string? Colour, string? Body,
    string? OwnerName, string? OwnerAddress, DateOnly? Expires);

internal sealed record StaleAlarm(long Id, string AgencyId, string HotlistId, string Message, DateTimeOffset CreatedAt);
