using System.Collections.Immutable;

namespace Platewatch.Query;

/// <summary>Who is asking: a user (or service) of an agency, in a role.</summary>
public sealed record Principal(string UserId, string AgencyId, string Role)
{
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(UserId)) throw new ArgumentException("Every access needs a user.");
        if (string.IsNullOrWhiteSpace(AgencyId)) throw new ArgumentException("Every access needs the user's agency.");
        if (string.IsNullOrWhiteSpace(Role)) throw new ArgumentException("Every access needs the user's role.");
    }
}

/// <summary>Why: a purpose code from the owner's list, free text beside it, and a case number.</summary>
public sealed record AccessPurpose(string Code, string CaseNumber, string? Text = null);

/// <summary>
/// The data owner's rules: how long reads may be seen, which purposes are allowed and which are prohibited
/// whatever the wording, and which partner agencies may search its reads.
/// </summary>
public sealed record DataPolicy
{
    public static readonly ImmutableArray<string> DefaultPurposes =
    [
        "stolen-vehicle", "stolen-plate", "missing-person", "amber-alert", "homicide", "robbery", "burglary",
        "assault", "hit-and-run", "kidnapping", "fraud", "wanted-person", "protection-order", "terrorism", "other-felony",
    ];

    /// <summary>Words that make a purpose unlawful in many jurisdictions (immigration enforcement, reproductive care).</summary>
    public static readonly ImmutableArray<string> DefaultProhibited =
    [
        "immigration", "deportation", "abortion", "reproductive", "gender-affirming", "protest", "first amendment",
    ];

    public required string OwnerAgencyId { get; init; }

    /// <summary>Reads older than this are invisible to every search, even before the purge removes them.</summary>
    public int RetentionDays { get; init; } = 365;

    public ImmutableArray<string> AllowedPurposes { get; init; } = DefaultPurposes;

    public ImmutableArray<string> ProhibitedTerms { get; init; } = DefaultProhibited;

    /// <summary>Agencies allowed to search this owner's reads. Empty: sharing is off.</summary>
    public ImmutableArray<string> SharingPartners { get; init; } = [];

    /// <summary>Longest time range one search may cover.</summary>
    public int MaxSearchDays { get; init; } = 366;

    /// <summary>Which analyses need an authorisation, how long their windows may be, how much one run may read.</summary>
    public AnalyticsPolicy Analytics { get; init; } = new();

    public static DataPolicy DefaultFor(string agencyId) => new() { OwnerAgencyId = agencyId };
}

/// <summary>
/// A query that has passed the policy gate and been recorded in the audit log. Its constructor is
/// internal to Platewatch.Core, so only <see cref="ReadQueryService"/> can make one, and only a made one
/// can be handed to a store.
/// </summary>
public sealed class AuthorizedQuery
{
    internal AuthorizedQuery(ReadQuery query, ImmutableArray<string> agencies, Principal principal, AccessPurpose purpose)
    {
        Query = query;
        Agencies = agencies;
        Principal = principal;
        Purpose = purpose;
    }

    public ReadQuery Query { get; }

    /// <summary>Only reads owned by these agencies may be returned.</summary>
    public ImmutableArray<string> Agencies { get; }

    public Principal Principal { get; }

    public AccessPurpose Purpose { get; }
}

/// <summary>The request was refused by policy; nothing was searched. The refusal itself was audited.</summary>
public sealed class AccessDeniedException(string message) : Exception(message);
