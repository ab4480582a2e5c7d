using Platewatch.Reads;
using Platewatch.Server.Hosting;

namespace Platewatch.Server.Ingest;

/// <summary>
/// The one place where reads accepted over HTTP, in any format, enter the store. Everything that must happen to
/// each newly stored read (metrics now; hotlist matching later) hangs off this, so no ingest route can skip it.
/// </summary>
internal sealed class ReadIntake(DataDirectory data)
{
    /// <summary>Appends durably and returns the ids that were already stored (duplicates).</summary>
    public async Task<IReadOnlySet<ReadId>> StoreAsync(IReadOnlyList<PlateRead> reads, CancellationToken cancellationToken)
    {
        if (reads.Count == 0) return new HashSet<ReadId>();
        ServerMetrics.ReadsQueued.Add(reads.Count);
        try
        {
            var appended = await data.Store.AppendAsync(reads, cancellationToken).ConfigureAwait(false);
            return new HashSet<ReadId>(appended.DuplicateIds);
        }
        finally
        {
            ServerMetrics.ReadsQueued.Add(-reads.Count);
        }
    }
}
