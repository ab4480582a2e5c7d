using System.Diagnostics.Metrics;
using Platewatch.Audit;

namespace Platewatch.Server.Hosting;

/// <summary>
/// The server's instruments, on the meter "Platewatch.Server" (read them with dotnet-counters or an
/// OpenTelemetry exporter). Counts only: no plate, user or key ever becomes a tag.
/// </summary>
internal static class ServerMetrics
{
    public const string MeterName = "Platewatch.Server";
    private static readonly Meter Meter = new(MeterName);

    public static readonly Counter<long> ReadsStored = Meter.CreateCounter<long>("platewatch.reads.stored", "{read}", "Reads stored by ingest.");
    public static readonly Counter<long> ReadsDuplicate = Meter.CreateCounter<long>("platewatch.reads.duplicate", "{read}", "Reads sent again and not stored twice.");
    public static readonly Counter<long> ReadsRejected = Meter.CreateCounter<long>("platewatch.reads.rejected", "{read}", "Reads refused by ingest validation.");
    public static readonly UpDownCounter<long> ReadsQueued = Meter.CreateUpDownCounter<long>("platewatch.reads.queued", "{read}", "Reads received and not yet acknowledged.");
    public static readonly Histogram<double> QueryDuration = Meter.CreateHistogram<double>("platewatch.query.duration", "ms", "Time to answer a search or export, including the audit append.");
    public static readonly Counter<long> AuditAppends = Meter.CreateCounter<long>("platewatch.audit.appends", "{entry}", "Entries appended to the audit log.");
}

/// <summary>Counts appends on the way through to the real log.</summary>
internal sealed class MeteredAuditLog(IAuditLog inner) : IAuditLog
{
    public async Task<AuditEntry> AppendAsync(AuditRecord record, CancellationToken cancellationToken)
    {
        var entry = await inner.AppendAsync(record, cancellationToken).ConfigureAwait(false);
        ServerMetrics.AuditAppends.Add(1);
        return entry;
    }

    public IAsyncEnumerable<AuditEntry> ReadAsync(CancellationToken cancellationToken) => inner.ReadAsync(cancellationToken);
}
