using Platewatch.Reads;
using Platewatch.Server.Alerts;
using Platewatch.Server.Hosting;

namespace Platewatch.Server.Ingest;

/// <summary>
/// The one place where reads accepted over HTTP, in any format, enter the store. Everything that must happen to
/// each newly stored read (metrics, hotlist matching) hangs off this, so no ingest route can skip it.
/// </summary>
internal sealed class ReadIntake(DataDirectory data, AlertEngine alerts)
{
    /// <summary>Appends durably and returns the ids that were already stored (duplicates).</summary>
    public async Task<IReadOnlySet<ReadId>> StoreAsync(IReadOnlyList<PlateRead> reads, CancellationToken cancellationToken)
    {
        if (reads.Count == 0) return new HashSet<ReadId>();
        ServerMetrics.ReadsQueued.Add(reads.Count);
        try
        {
            var appended = await data.Store.AppendAsync(reads, cancellationToken).ConfigureAwait(false);
            var duplicates = new HashSet<ReadId>(appended.DuplicateIds);
            // After the durable commit and before the ack: a hit is in the alert outbox by the time the camera hears back.
            await alerts.OnStoredAsync(duplicates.Count == 0 ? reads : [.. reads.Where(r => !duplicates.Contains(r.Id))], cancellationToken).ConfigureAwait(false);
            return duplicates;
        }
        finally
        {
            ServerMetrics.ReadsQueued.Add(-reads.Count);
        }
    }
}
