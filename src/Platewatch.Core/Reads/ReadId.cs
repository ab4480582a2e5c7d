using System.Diagnostics.CodeAnalysis;

namespace Platewatch.Reads;

/// <summary>
/// A read's identity: a 128-bit, time-ordered UUID (version 7). Assigned once at capture so that
/// a resend is recognised as the same read; stores use it as the idempotency key.
/// </summary>
public readonly record struct ReadId(Guid Value) : IComparable<ReadId>, ISpanParsable<ReadId>
{
    public static ReadId New(DateTimeOffset capturedAt) => new(Guid.CreateVersion7(capturedAt));

    public static ReadId New() => new(Guid.CreateVersion7());

    /// <summary>
    /// A version-7 id derived from the capture time and a source's own key for the sighting (an OpenALPR uuid,
    /// a camera plus timestamp plus plate). Formats that carry no UUID of ours still resend as duplicates.
    /// </summary>
    public static ReadId Derived(DateTimeOffset capturedAt, string sourceKey)
    {
        ArgumentNullException.ThrowIfNull(sourceKey);
        Span<byte> hash = stackalloc byte[32];
        System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(sourceKey), hash);
        Span<byte> b = stackalloc byte[16];
        long ms = capturedAt.ToUnixTimeMilliseconds();
        for (int i = 0; i < 6; i++) b[i] = (byte)(ms >> (40 - (8 * i)));
        hash[..10].CopyTo(b[6..]);
        b[6] = (byte)(0x70 | (b[6] & 0x0F));
        b[8] = (byte)(0x80 | (b[8] & 0x3F));
        return new ReadId(new Guid(b, bigEndian: true));
    }

    /// <summary>The millisecond timestamp embedded in a version-7 id.</summary>
    public DateTimeOffset Timestamp
    {
        get
        {
            Span<byte> b = stackalloc byte[16];
            Value.TryWriteBytes(b, bigEndian: true, out _);
            long ms = ((long)b[0] << 40) | ((long)b[1] << 32) | ((long)b[2] << 24) | ((long)b[3] << 16) | ((long)b[4] << 8) | b[5];
            return DateTimeOffset.FromUnixTimeMilliseconds(ms);
        }
    }

    public int CompareTo(ReadId other) => Value.CompareTo(other.Value);

    public override string ToString() => Value.ToString("D");

    public static ReadId Parse(string s, IFormatProvider? provider = null) => Parse(s.AsSpan(), provider);

    public static ReadId Parse(ReadOnlySpan<char> s, IFormatProvider? provider = null) =>
        TryParse(s, provider, out var id) ? id : throw new FormatException($"'{s}' is not a read id (a UUID such as 0193a5c2-7b1e-7cc0-9d5e-1f2a3b4c5d6e).");

    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out ReadId result) =>
        TryParse(s.AsSpan(), provider, out result);

    public static bool TryParse(ReadOnlySpan<char> s, IFormatProvider? provider, out ReadId result)
    {
        if (Guid.TryParse(s, out var g) && g != Guid.Empty)
        {
            result = new ReadId(g);
            return true;
        }
        result = default;
        return false;
    }

    public static bool operator <(ReadId left, ReadId right) => left.CompareTo(right) < 0;
    public static bool operator >(ReadId left, ReadId right) => left.CompareTo(right) > 0;
    public static bool operator <=(ReadId left, ReadId right) => left.CompareTo(right) <= 0;
    public static bool operator >=(ReadId left, ReadId right) => left.CompareTo(right) >= 0;
}
