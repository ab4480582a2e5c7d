using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Platewatch.Server.Alerts;

/// <summary>
/// Webhook signing. Each request carries <c>X-Platewatch-Timestamp</c> (Unix seconds), <c>X-Platewatch-Delivery</c>
/// (the same id on every retry of one alert to one subscriber) and <c>X-Platewatch-Signature: v1=HEX</c>, the
/// HMAC-SHA256 under the subscription's secret of <c>timestamp + "." + delivery + "." + body</c>. A receiver checks
/// the signature, refuses a timestamp more than 5 minutes off, and refuses a delivery id it has already accepted
/// (<see cref="WebhookVerifier"/> does all three): a captured request cannot be replayed, and a retry after a crash
/// is recognised.
/// </summary>
internal static class WebhookSignature
{
    public const string SignatureHeader = "X-Platewatch-Signature";
    public const string TimestampHeader = "X-Platewatch-Timestamp";
    public const string DeliveryHeader = "X-Platewatch-Delivery";

    public static string Sign(string secret, long timestamp, string delivery, ReadOnlySpan<byte> body)
    {
        byte[] prefix = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{timestamp}.{delivery}."));
        byte[] data = new byte[prefix.Length + body.Length];
        prefix.CopyTo(data, 0);
        body.CopyTo(data.AsSpan(prefix.Length));
        return "v1=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), data));
    }
}

/// <summary>The receiver's side of <see cref="WebhookSignature"/>: signature, freshness and replay checks.</summary>
internal sealed class WebhookVerifier(string secret, TimeProvider? time = null, TimeSpan? tolerance = null)
{
    private readonly TimeSpan _tolerance = tolerance ?? TimeSpan.FromMinutes(5);
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _seen = new(StringComparer.Ordinal);

    public enum Result { Accepted, BadSignature, Expired, Replayed }

    public Result Verify(string? signature, string? timestamp, string? delivery, ReadOnlySpan<byte> body)
    {
        if (signature is null || delivery is null || !long.TryParse(timestamp, NumberStyles.Integer, CultureInfo.InvariantCulture, out long ts)) return Result.BadSignature;
        string expected = WebhookSignature.Sign(secret, ts, delivery, body);
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(signature))) return Result.BadSignature;
        var now = _time.GetUtcNow();
        if ((now - DateTimeOffset.FromUnixTimeSeconds(ts)).Duration() > _tolerance) return Result.Expired;
        foreach (var (id, at) in _seen) if (now - at > _tolerance * 2) _seen.TryRemove(id, out _);
        return _seen.TryAdd(delivery, now) ? Result.Accepted : Result.Replayed;
    }
}
