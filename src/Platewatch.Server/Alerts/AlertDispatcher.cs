using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Platewatch.Server.Alerts;

/// <summary>
/// Sends what the outbox holds. Each (alert, subscriber) delivery is tried until it succeeds, with exponential
/// backoff, and dead-lettered after <see cref="AlertOptions.MaxAttempts"/>. State lives only in the store, so after
/// a crash the next start sends whatever was not marked delivered. A crash between a send and its record can
/// repeat that one send: it carries the same delivery id (webhook header, email Message-Id) so receivers drop it.
/// </summary>
internal sealed class AlertDispatcher(AlertStore store, IEnumerable<IAlertChannel> channels, IOptions<AlertOptions> options, TimeProvider time, ILogger<AlertDispatcher> log)
    : BackgroundService
{
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);
    private readonly Dictionary<string, IAlertChannel> _channels = channels.ToDictionary(c => c.Name, StringComparer.Ordinal);

    public void Wake()
    {
        if (_wake.CurrentCount == 0) _wake.Release();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var due = await store.DueDeliveriesAsync(time.GetUtcNow(), 64, stoppingToken).ConfigureAwait(false);
                if (due.Count > 0)
                {
                    await Task.WhenAll(due.Select(d => DeliverAsync(d, stoppingToken))).ConfigureAwait(false);
                    continue;
                }
                var next = await store.NextDueAsync(stoppingToken).ConfigureAwait(false);
                var wait = next is { } n ? n - time.GetUtcNow() : TimeSpan.FromSeconds(5);
                wait = wait < TimeSpan.FromMilliseconds(10) ? TimeSpan.FromMilliseconds(10) : wait > TimeSpan.FromSeconds(5) ? TimeSpan.FromSeconds(5) : wait;
                await _wake.WaitAsync(wait, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or IOException)
            {
                log.LogError(ex, "The alert outbox could not be read; retrying in 1 s");
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ConfigureAwait(false);
            }
        }
    }

    private async Task DeliverAsync(DeliveryView d, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        string deliveryId = $"{d.AlertId}:{d.SubscriptionId}";
        var alert = await store.GetAlertAsync(d.AlertId, cancellationToken).ConfigureAwait(false);
        var subscription = await store.GetSubscriptionAsync(d.SubscriptionId, cancellationToken).ConfigureAwait(false);
        if (alert is null || subscription is null)
        {
            await store.RecordAttemptAsync(d.AlertId, d.SubscriptionId, DeliveryStatus.Cancelled, now, "the alert or subscription no longer exists", now, cancellationToken).ConfigureAwait(false);
            return;
        }
        try
        {
            if (!_channels.TryGetValue(d.Channel, out var channel)) throw new InvalidOperationException($"no channel '{d.Channel}'");
            await channel.SendAsync(alert.Value.Alert.Content, subscription, deliveryId, cancellationToken).ConfigureAwait(false);
            await store.RecordAttemptAsync(d.AlertId, d.SubscriptionId, DeliveryStatus.Delivered, now, null, time.GetUtcNow(), CancellationToken.None).ConfigureAwait(false);
            AlertMetrics.Delivered.Add(1);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var o = options.Value;
            int attempts = d.Attempts + 1;
            bool dead = attempts >= o.MaxAttempts;
            double seconds = Math.Min(o.MaxBackoffSeconds, o.FirstBackoffSeconds * Math.Pow(2, attempts - 1)) * (0.8 + Random.Shared.NextDouble() * 0.4);
            await store.RecordAttemptAsync(d.AlertId, d.SubscriptionId, dead ? DeliveryStatus.Dead : DeliveryStatus.Pending, now + TimeSpan.FromSeconds(seconds), ex.Message, now, CancellationToken.None).ConfigureAwait(false);
            if (dead) log.LogError("Alert {Alert} to subscription {Subscription} ({Channel}) dead-lettered after {Attempts} attempts: {Error}", d.AlertId, d.SubscriptionId, d.Channel, attempts, ex.Message);
            else log.LogWarning("Alert {Alert} to subscription {Subscription} ({Channel}) failed (attempt {Attempts}), retrying in {Seconds:0.0} s: {Error}", d.AlertId, d.SubscriptionId, d.Channel, attempts, seconds, ex.Message);
        }
    }
}

/// <summary>Raises one alarm per stale spell of a list: on the live feed, in the audit log and in the server log.</summary>
internal sealed class StaleListMonitor(AlertStore store, LiveFeed feed, Platewatch.Audit.IAuditLog audit, IOptions<AlertOptions> options, TimeProvider time, ILogger<StaleListMonitor> log)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var period = TimeSpan.FromSeconds(Math.Max(0.05, options.Value.StaleCheckSeconds));
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                foreach (var alarm in await store.RaiseStaleAlarmsAsync(time.GetUtcNow(), stoppingToken).ConfigureAwait(false))
                {
                    log.LogWarning("{Message}", alarm.Message);
                    feed.Publish(alarm.AgencyId, new FeedEvent(0, "alarm", alarm));
                    await audit.AppendAsync(new Platewatch.Audit.AuditRecord
                    {
                        Actor = "system", AgencyId = alarm.AgencyId, Role = "system", Action = "hotlist.stale-alarm", Detail = alarm.Message,
                        Parameters = System.Collections.Immutable.ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, [KeyValuePair.Create("hotlist", alarm.HotlistId)]),
                    }, stoppingToken).ConfigureAwait(false);
                }
                await Task.Delay(period, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or IOException)
            {
                log.LogError(ex, "Stale-list check failed; retrying");
                await Task.Delay(period, time, stoppingToken).ConfigureAwait(false);
            }
        }
    }
}
