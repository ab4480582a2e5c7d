using System.Collections.Immutable;
using Platewatch.Geo;
using Platewatch.Query;
using Platewatch.Reads;

namespace Platewatch.Storage;

/// <summary>
/// The seam between Platewatch and where reads live: the embedded DuckDB store by default, a distributed
/// engine when one machine is not enough. Queries take an <see cref="AuthorizedQuery"/>, which only the
/// audited query service can create, so no code path reads plates around the policy and audit layer.
/// </summary>
public interface IReadStore : IAsyncDisposable
{
    /// <summary>Stores a batch. Idempotent on <see cref="PlateRead.Id"/>: a read already stored is counted as a duplicate
    /// and not added again. Returns only once the batch is durable. Throws <see cref="ArgumentException"/> and
    /// stores nothing if any read is invalid (see <see cref="PlateReadValidator"/>).</summary>
    Task<AppendResult> AppendAsync(IReadOnlyList<PlateRead> reads, CancellationToken cancellationToken);

    /// <summary>Reads that match every criterion of the query, ordered by capture time then id.</summary>
    Task<ReadPage> QueryAsync(AuthorizedQuery query, CancellationToken cancellationToken);

    /// <summary>Compact sightings for analytics: every read matching the scan's filter, ordered by capture time then id,
    /// at most <see cref="AuthorizedScan.MaxRows"/> of them (<see cref="ScanResult.Truncated"/> when more matched).
    /// Only the analytics gate can make an <see cref="AuthorizedScan"/>.</summary>
    Task<ScanResult> ScanAsync(AuthorizedScan scan, CancellationToken cancellationToken);

    /// <summary>Deletes every read captured before <paramref name="cutoff"/>; returns how many were deleted.</summary>
    Task<long> PurgeOlderThanAsync(DateTimeOffset cutoff, CancellationToken cancellationToken);

    Task<StoreStats> GetStatsAsync(CancellationToken cancellationToken);
}

/// <summary>A read reduced to what analytics needs: who, when, where, which camera, how sure.</summary>
public readonly record struct Sighting(ReadId Id, string Plate, DateTimeOffset At, GeoPoint Location, string CameraId, float Confidence);

public sealed record ScanResult(ImmutableArray<Sighting> Sightings, bool Truncated);

public sealed record AppendResult(int Added, int Duplicates, ImmutableArray<ReadId> DuplicateIds)
{
    public static readonly AppendResult Empty = new(0, 0, []);
}

public sealed record StoreStats(
    long Reads,
    DateTimeOffset? Oldest,
    DateTimeOffset? Newest,
    long BytesOnDisk,
    int Partitions,
    long DistinctPlates,
    long Cameras)
{
    public double BytesPerRead => Reads == 0 ? 0 : (double)BytesOnDisk / Reads;
}
