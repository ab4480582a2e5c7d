using System.Numerics;
using System.Runtime.CompilerServices;

namespace Platewatch.Storage.DuckDb;

/// <summary>
/// A growable, cache-blocked Bloom filter over read ids. It answers "certainly new" for almost every
/// incoming read, so the exact duplicate check (a scan) runs only for the few ids it cannot rule out.
/// Each block is one 64-byte cache line; a segment holds a fixed number of ids and a new one is
/// added when it fills, so the false-positive rate stays near 0.2 % whatever the partition's size.
/// </summary>
internal sealed class IdFilter
{
    private const int IdsPerSegment = 1 << 22;
    private const int BitsPerId = 14;
    private const int Probes = 8;

    private readonly List<ulong[]> _segments = [];
    private int _inLast;

    public long Count { get; private set; }

    public void Add(Guid id)
    {
        if (_segments.Count == 0 || _inLast >= IdsPerSegment)
        {
            _segments.Add(new ulong[(long)IdsPerSegment * BitsPerId / 64]);
            _inLast = 0;
        }
        Set(_segments[^1], id);
        _inLast++;
        Count++;
    }

    /// <summary>Adds the id; returns false if it may have been present already (so it needs an exact check).</summary>
    public bool TryAdd(Guid id)
    {
        if (MayContain(id)) return false;
        Add(id);
        return true;
    }

    public bool MayContain(Guid id)
    {
        var (h1, h2) = Hash(id);
        foreach (var seg in _segments)
        {
            if (Test(seg, h1, h2)) return true;
        }
        return false;
    }

    private static void Set(ulong[] bits, Guid id)
    {
        var (h1, h2) = Hash(id);
        int blocks = bits.Length / 8;
        int block = (int)((h1 >> 32) * (ulong)blocks >> 32) * 8;
        for (int i = 0; i < Probes; i++)
        {
            uint bit = (uint)((h2 >> (i * 8)) & 511);
            bits[block + (int)(bit >> 6)] |= 1UL << (int)(bit & 63);
        }
    }

    private static bool Test(ulong[] bits, ulong h1, ulong h2)
    {
        int blocks = bits.Length / 8;
        int block = (int)((h1 >> 32) * (ulong)blocks >> 32) * 8;
        for (int i = 0; i < Probes; i++)
        {
            uint bit = (uint)((h2 >> (i * 8)) & 511);
            if ((bits[block + (int)(bit >> 6)] & (1UL << (int)(bit & 63))) == 0) return false;
        }
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (ulong, ulong) Hash(Guid id)
    {
        // Version-7 ids start with a timestamp, so mix both halves rather than trusting any part to be random.
        Span<ulong> v = stackalloc ulong[2];
        id.TryWriteBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(v));
        ulong a = Mix(v[0] ^ BitOperations.RotateLeft(v[1], 29));
        ulong b = Mix(v[1] + 0x9E3779B97F4A7C15UL * a);
        return (a, b);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mix(ulong x)
    {
        x ^= x >> 33;
        x *= 0xFF51AFD7ED558CCDUL;
        x ^= x >> 33;
        x *= 0xC4CEB9FE1A85EC53UL;
        x ^= x >> 33;
        return x;
    }
}
