namespace Platewatch.Server.Hosting;

/// <summary>Caps on what one request may carry. Bound from the "Limits" section (file or PLATEWATCH_Limits__X).</summary>
internal sealed class LimitOptions
{
    /// <summary>Largest request body in bytes; a larger one gets 413.</summary>
    public long MaxBodyBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Most reads in one ingest batch; more gets 413.</summary>
    public int MaxBatch { get; set; } = 5000;

    /// <summary>Most reads one search or export may return.</summary>
    public int MaxSearchLimit { get; set; } = 10_000;

    /// <summary>Most audit entries one audit query may return.</summary>
    public int MaxAuditLimit { get; set; } = 5000;

    /// <summary>Ingest batches processed at once; more wait in the queue below.</summary>
    public int MaxConcurrentIngest { get; set; } = 8;

    /// <summary>Ingest batches that may wait for a slot; beyond that the answer is 429 with Retry-After.</summary>
    public int IngestQueue { get; set; } = 64;

    /// <summary>Seconds a client told 429 should wait before retrying.</summary>
    public int RetryAfterSeconds { get; set; } = 1;

    /// <summary>Commit reads from concurrent requests together (one durable commit for many small batches).</summary>
    public bool GroupCommit { get; set; } = true;

    /// <summary>Most reads one group commit gathers.</summary>
    public int MaxGroupCommitReads { get; set; } = 20_000;

    /// <summary>Largest image (width times height) accepted; enforced from the header before anything is decoded or stored.</summary>
    public long MaxImagePixels { get; set; } = 40_000_000;

    /// <summary>Largest single image file in bytes.</summary>
    public long MaxImageBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>Most images one request may carry.</summary>
    public int MaxImagesPerRequest { get; set; } = 2000;
}

/// <summary>Sign-in rules. Bound from the "Accounts" section.</summary>
internal sealed class AccountOptions
{
    /// <summary>Bearer tokens are short-lived: a stolen one is worth little for long. (Fractions allowed, for tests.)</summary>
    public double TokenLifetimeMinutes { get; set; } = 15;

    public int MaxFailedSignIns { get; set; } = 5;

    public int LockoutMinutes { get; set; } = 15;

    /// <summary>PBKDF2-SHA256 iterations for new passwords (OWASP 2023 figure); each stored hash keeps its own count.</summary>
    public int PasswordIterations { get; set; } = 600_000;
}

/// <summary>How the audit log itself is kept.</summary>
internal sealed class AuditOptions
{
    /// <summary>The shortest retention the server accepts: access logs are evidence in later complaints and audits.</summary>
    public const int MinimumRetentionYears = 5;

    /// <summary>
    /// Audit entries are kept at least this long (5 years or more). No API deletes or edits an entry; archiving
    /// entries older than this is an offline operator task.
    /// </summary>
    public int RetentionYears { get; set; } = MinimumRetentionYears;

    /// <summary>Entries between two checkpoints of the chain head (also written at shutdown).</summary>
    public int CheckpointEvery { get; set; } = 1000;
}
