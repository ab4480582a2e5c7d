using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Platewatch.Agent.Runtime;

namespace Platewatch.Agent.Delivery;

/// <summary>
/// Sends queued reads to the server in batches with each source's camera key, and removes them only once the server has
/// answered for each item (stored or duplicate: delivered; rejected: logged and removed, because resending cannot change
/// the answer). Connection failures, 5xx and 429 are retried with exponential backoff and jitter (Retry-After honoured);
/// since ids are fixed at capture, a batch resent after a lost answer comes back as duplicates.
/// </summary>
internal sealed class ReadSender(AgentStore store, HttpClient http, Uri server, IReadOnlyDictionary<string, string> keysBySource, int batchSize,
    TimeSpan maxDelay, AgentLog log, AgentCounters counters) : IDisposable
{
    private readonly SemaphoreSlim _signal = new(0);
    private readonly int _maxBatch = batchSize;
    private int _batch = batchSize;

    public void Dispose() => _signal.Dispose();

    /// <summary>Wakes the sender: something was queued.</summary>
    public void Notify()
    {
        if (_signal.CurrentCount == 0) _signal.Release();
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var delay = TimeSpan.Zero;
        int failures = 0;
        var endpoint = new Uri(server, "api/v1/reads");
        while (!cancellationToken.IsCancellationRequested)
        {
            var batch = store.Peek(_batch);
            if (batch.Count == 0)
            {
                counters.QueueEmpty = true;
                try { await _signal.WaitAsync(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false); }
                catch (OperationCanceledException) { return; }
                continue;
            }
            counters.QueueEmpty = false;
            var outcome = await SendAsync(endpoint, batch, cancellationToken).ConfigureAwait(false);
            if (outcome.Sent)
            {
                if (failures > 0) log.Info($"delivery: the server at {server} answers again; sending the {store.Depth + batch.Count} queued reads");
                failures = 0;
                delay = TimeSpan.Zero;
                continue;
            }
            if (cancellationToken.IsCancellationRequested) return;
            failures++;
            var backoff = TimeSpan.FromSeconds(Math.Min(maxDelay.TotalSeconds, Math.Pow(2, Math.Min(failures - 1, 16))));
            delay = outcome.RetryAfter is { } ra && ra > backoff ? ra : backoff;
            // Jitter: many agents coming back after one outage should not all retry in the same second.
            delay += TimeSpan.FromMilliseconds(Random.Shared.Next(0, (int)Math.Min(1000, delay.TotalMilliseconds / 4 + 1)));
            if (failures <= 3 || failures % 10 == 0)
                log.Warn($"delivery: {outcome.Error}; {store.Depth} reads kept in the queue, retry {failures} in {delay.TotalSeconds:F1} s");
            try { await Task.Delay(delay, cancellationToken).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
        }
    }

    private async Task<(bool Sent, string? Error, TimeSpan? RetryAfter)> SendAsync(Uri endpoint, IReadOnlyList<QueuedRead> batch, CancellationToken cancellationToken)
    {
        string source = batch[0].Source;
        if (!keysBySource.TryGetValue(source, out string? key))
        {
            // A source removed from the configuration: its camera key is gone, so its reads cannot be sent. Keep them.
            return (false, $"queued reads of source '{source}' have no API key (the source is no longer in the configuration; add it back to send them)", TimeSpan.FromMinutes(5));
        }
        var body = new StringBuilder(batch.Sum(b => b.Json.Length + 1) + 2).Append('[');
        for (int i = 0; i < batch.Count; i++) body.Append(i == 0 ? "" : ",").Append(batch[i].Json);
        body.Append(']');
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new StringContent(body.ToString(), Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Api-Key", key);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsTransportFailure(ex))
        {
            return (false, $"cannot reach {server}: {ex.Message}", null);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (false, $"{server} did not answer within the timeout", null);
        }
        using (response)
        {
            // SendAsync has buffered the body already, so a connection dropped mid-answer was caught above.
            string text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            var retryAfter = response.Headers.RetryAfter?.Delta;
            switch (response.StatusCode)
            {
                case HttpStatusCode.OK:
                    try
                    {
                        Acknowledge(batch, text);
                    }
                    catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
                    {
                        // A 200 that is not a batch result (a captive portal, a proxy's page): nothing is known to be stored.
                        return (false, $"{server} answered 200 but not with a Platewatch batch result ({ex.Message}); is ServerUrl the Platewatch server?", null);
                    }
                    // After a 413 the batch grows back towards the configured size, one doubling per accepted batch.
                    _batch = Math.Min(_maxBatch, _batch * 2);
                    return (true, null, null);
                case HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden:
                    return (false, $"the server refused the API key of source '{source}' ({(int)response.StatusCode}): check its apiKey against platewatch admin create-camera-key", TimeSpan.FromSeconds(30));
                case HttpStatusCode.RequestEntityTooLarge when batch.Count > 1:
                    _batch = Math.Max(1, batch.Count / 2);
                    log.Warn($"delivery: the server finds the batch too large; sending {_batch} reads at a time");
                    return (true, null, null);
                case HttpStatusCode.RequestEntityTooLarge:
                    // One read alone is too large: resending cannot help, and it must not block the reads behind it.
                    log.Error($"delivery: the server refuses read {batch[0].Id} of source '{source}' as too large {Problem(text)}; it is removed from the queue");
                    store.Remove([batch[0].Seq], delivered: 0, rejected: 1);
                    return (true, null, null);
                default:
                    return (false, $"the server answered {(int)response.StatusCode} {Problem(text)}", retryAfter);
            }
        }
    }

    /// <summary>
    /// A lost connection. <see cref="HttpClient"/> usually wraps it in <see cref="HttpRequestException"/>, but a reset racing
    /// the connect can surface as a bare <see cref="System.Net.Sockets.SocketException"/>, and a stream error as
    /// <see cref="IOException"/>; all three mean "try again later", never "stop delivering".
    /// </summary>
    internal static bool IsTransportFailure(Exception ex) => ex is HttpRequestException or System.Net.Sockets.SocketException or IOException;

    private void Acknowledge(IReadOnlyList<QueuedRead> batch, string text)
    {
        var seqs = new List<long>(batch.Count);
        long delivered = 0, rejected = 0;
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        using var doc = JsonDocument.Parse(text);
        foreach (var item in doc.RootElement.GetProperty("results").EnumerateArray())
        {
            int index = item.GetProperty("index").GetInt32();
            if (index < 0 || index >= batch.Count) continue;
            var read = batch[index];
            string status = item.GetProperty("status").GetString() ?? "";
            if (status == "rejected")
            {
                rejected++;
                string reason = item.TryGetProperty("reason", out var r) ? r.GetString() ?? "" : "";
                log.Error($"delivery: the server rejected read {read.Id} of source '{read.Source}': {reason}; it is removed from the queue");
            }
            else
            {
                delivered++;
                counters.RecordAck(now - read.SeenAtMs);
            }
            seqs.Add(read.Seq);
        }
        store.Remove(seqs, delivered, rejected);
        counters.Delivered(delivered);
    }

    private static string Problem(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("detail", out var d)) return $"({d.GetString()})";
        }
        catch (JsonException) { }
        return "";
    }
}
