using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Platewatch.Audit;

/// <summary>
/// The canonical encoding and hash chain shared by every audit log backend: entry n carries
/// SHA-256(canonical(entry n without its hash) || hash of entry n-1), so changing, deleting, inserting or
/// reordering any entry breaks every hash after it.
/// </summary>
public static class AuditChain
{
    public const string GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

    public static string ComputeHash(long sequence, DateTimeOffset at, AuditRecord record, string previousHash)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer))
        {
            WriteBody(w, sequence, at, record, previousHash);
        }
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(buffer.WrittenSpan, hash);
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>Writes an entry as one JSON object, fields in a fixed order: this is also the on-disk line format.</summary>
    public static void WriteEntry(Utf8JsonWriter w, AuditEntry e)
    {
        WriteBody(w, e.Sequence, e.At, e.Record, e.PreviousHash, e.Hash);
    }

    private static void WriteBody(Utf8JsonWriter w, long sequence, DateTimeOffset at, AuditRecord r, string previousHash, string? hash = null)
    {
        w.WriteStartObject();
        w.WriteNumber("seq", sequence);
        w.WriteString("at", at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture));
        w.WriteString("actor", r.Actor);
        w.WriteString("agency", r.AgencyId);
        w.WriteString("role", r.Role);
        w.WriteString("action", r.Action);
        w.WriteString("outcome", r.Outcome);
        w.WriteString("purpose", r.Purpose);
        w.WriteString("purposeText", r.PurposeText);
        w.WriteString("case", r.CaseNumber);
        w.WriteString("source", r.Source);
        w.WriteStartObject("params");
        foreach (var (k, v) in r.Parameters) w.WriteString(k, v);
        w.WriteEndObject();
        if (r.ResultCount is { } n) w.WriteNumber("count", n); else w.WriteNull("count");
        w.WriteStartArray("ids");
        foreach (string id in r.RecordIds) w.WriteStringValue(id);
        w.WriteEndArray();
        w.WriteString("detail", r.Detail);
        w.WriteString("prev", previousHash);
        if (hash is not null) w.WriteString("hash", hash);
        w.WriteEndObject();
    }

    public static AuditEntry ParseEntry(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        using var doc = JsonDocument.ParseValue(ref reader);
        var e = doc.RootElement;
        string? S(string name) => e.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
        var parameters = System.Collections.Immutable.ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var p in e.GetProperty("params").EnumerateObject()) parameters[p.Name] = p.Value.GetString() ?? "";
        var record = new AuditRecord
        {
            Actor = S("actor") ?? "",
            AgencyId = S("agency") ?? "",
            Role = S("role") ?? "",
            Action = S("action") ?? "",
            Outcome = S("outcome") ?? "",
            Purpose = S("purpose"),
            PurposeText = S("purposeText"),
            CaseNumber = S("case"),
            Source = S("source"),
            Parameters = parameters.ToImmutable(),
            ResultCount = e.GetProperty("count").ValueKind == JsonValueKind.Number ? e.GetProperty("count").GetInt64() : null,
            RecordIds = [.. e.GetProperty("ids").EnumerateArray().Select(x => x.GetString() ?? "")],
            Detail = S("detail"),
        };
        return new AuditEntry(
            e.GetProperty("seq").GetInt64(),
            DateTimeOffset.Parse(S("at") ?? "", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal),
            record,
            S("prev") ?? "",
            S("hash") ?? "");
    }

    public static string Canonical(AuditEntry e)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer)) WriteEntry(w, e);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}

/// <summary>The outcome of checking a chain: the first bad entry (1-based line) and why, or success.</summary>
public sealed record AuditVerification(bool Ok, long Entries, long? FirstBadLine, string? Problem)
{
    public static AuditVerification Valid(long entries) => new(true, entries, null, null);
}
