using System.Collections.Immutable;
using System.Numerics;
using System.Runtime.CompilerServices;
using Platewatch.Alerts.Hotlists;
using Platewatch.Plates;
using Platewatch.Reads;

namespace Platewatch.Alerts.Matching;

/// <summary>How a read matched an entry, best first.</summary>
internal enum MatchKind : byte
{
    Exact = 0,
    /// <summary>Equal once look-alike characters (O/0, B/8, S/5...) are treated as one.</summary>
    LookAlike = 1,
    /// <summary>One character inserted, deleted or replaced (after look-alikes).</summary>
    Edit = 2,
}

/// <summary>
/// One hit of a read on an entry. <see cref="EntryIndex"/> points into <see cref="HotlistIndex.Entries"/>.
/// <see cref="CandidateRank"/> is 0 when the read's plate matched, n for its n-th candidate.
/// </summary>
internal readonly record struct HotlistHit(int EntryIndex, MatchKind Kind, float Score, bool OtherRegion, bool Stale, byte CandidateRank);

/// <summary>
/// An immutable, in-memory index of the active entries of every hotlist. The server builds a new one when a list
/// changes and swaps the reference; a read being matched keeps the index it started with, so matching never sees
/// a half-built list.
/// <para>
/// Tolerant matching uses a deletion neighbourhood over skeletons (each character replaced by its look-alike
/// class): two skeletons are at most one edit apart exactly when one of them, or one of their one-character
/// deletions, equals one of the other's. Each entry is indexed under its skeleton and each of its deletions;
/// a read probes its skeleton and its deletions, and each candidate so found is confirmed by
/// <see cref="PlateText.SkeletonDistance"/>. A skeleton of up to 12 characters is a base-37 number below 2^64, so
/// keys are exact (no hashing collisions to resolve), and a blocked Bloom filter of about 12 bits per key keeps the
/// usual probe, a miss, to one cache line. Nothing is allocated per read.
/// </para>
/// </summary>
internal sealed class HotlistIndex
{
    /// <summary>Score of each kind; a match on a candidate rather than the plate, and one from another region, weigh less.</summary>
    public const float ExactScore = 1.0f, LookAlikeScore = 0.9f, EditScore = 0.7f, CandidateFactor = 0.85f, OtherRegionFactor = 0.5f;

    private static readonly ulong[] Pow37 = BuildPowers();

    private readonly HotlistEntry[] _entries;
    private readonly int[] _listOf;
    private readonly Hotlist[] _lists;
    private readonly ulong[] _filter;
    private readonly int _filterMask;
    private readonly ulong[] _keys;
    private readonly int[] _start;
    private readonly int[] _count;
    private readonly int _tableMask;
    private readonly int[] _postings;

    public static readonly HotlistIndex Empty = Build([], [], CategorySwitches.AllOn, DateTimeOffset.MinValue);

    private HotlistIndex(HotlistEntry[] entries, int[] listOf, Hotlist[] lists, ulong[] filter, ulong[] keys, int[] start, int[] count, int[] postings)
    {
        _entries = entries;
        _listOf = listOf;
        _lists = lists;
        _filter = filter;
        _filterMask = filter.Length / 8 - 1;
        _keys = keys;
        _start = start;
        _count = count;
        _tableMask = keys.Length - 1;
        _postings = postings;
    }

    public ImmutableArray<HotlistEntry> Entries => System.Runtime.InteropServices.ImmutableCollectionsMarshal.AsImmutableArray(_entries);

    public int Count => _entries.Length;

    public Hotlist ListOf(int entryIndex) => _lists[_listOf[entryIndex]];

    /// <summary>
    /// Indexes the entries that can raise an alert: not expired at <paramref name="now"/>, on a known list, and not in a
    /// category the list's agency switched off. (Entries expiring later are also checked at match time.)
    /// </summary>
    public static HotlistIndex Build(IReadOnlyList<Hotlist> lists, IEnumerable<HotlistEntry> entries, CategorySwitches switches, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(lists);
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(switches);
        var listIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < lists.Count; i++) listIndex[lists[i].Id] = i;
        var kept = new List<HotlistEntry>();
        var listOf = new List<int>();
        foreach (var e in entries)
        {
            if (!listIndex.TryGetValue(e.HotlistId, out int li)) continue;
            if (e.IsExpired(now) || switches.IsOff(lists[li].AgencyId, e.Category)) continue;
            if (!PlateText.IsNormalized(e.Plate)) continue;
            kept.Add(e);
            listOf.Add(li);
        }

        // (key, entry) pairs: each entry's skeleton and its distinct one-character deletions.
        var pairs = new List<(ulong Key, int Entry)>(kept.Count * 8);
        Span<byte> digits = stackalloc byte[PlateText.MaxLength];
        Span<ulong> keys = stackalloc ulong[PlateText.MaxLength + 1];
        for (int i = 0; i < kept.Count; i++)
        {
            int n = Keys(kept[i].Plate, digits, keys);
            for (int k = 0; k < n; k++)
            {
                bool seen = false;
                for (int j = 0; j < k; j++) seen |= keys[j] == keys[k];
                if (!seen) pairs.Add((keys[k], i));
            }
        }
        pairs.Sort((a, b) => a.Key.CompareTo(b.Key));

        int distinct = 0;
        for (int i = 0; i < pairs.Count; i++) if (i == 0 || pairs[i].Key != pairs[i - 1].Key) distinct++;
        int capacity = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, distinct * 2));
        var table = new ulong[capacity];
        var start = new int[capacity];
        var count = new int[capacity];
        var postings = new int[pairs.Count];
        // 12 bits per key, rounded up to a power of two of 512-bit blocks.
        int blocks = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, (distinct * 12 + 511) / 512));
        var filter = new ulong[blocks * 8];
        for (int i = 0; i < pairs.Count;)
        {
            ulong key = pairs[i].Key;
            int j = i;
            while (j < pairs.Count && pairs[j].Key == key) { postings[j] = pairs[j].Entry; j++; }
            int slot = (int)(Mix(key) >> 32) & (capacity - 1);
            while (table[slot] != 0) slot = (slot + 1) & (capacity - 1);
            table[slot] = key;
            start[slot] = i;
            count[slot] = j - i;
            AddToFilter(filter, blocks - 1, key);
            i = j;
        }
        return new HotlistIndex([.. kept], [.. listOf], [.. lists], filter, table, start, count, postings);
    }

    /// <summary>
    /// Matches the read's plate and every candidate. Writes up to <paramref name="hits"/>.Length hits (the best kind
    /// per entry) and returns how many were written.
    /// </summary>
    public int Match(PlateRead read, DateTimeOffset now, Span<HotlistHit> hits)
    {
        ArgumentNullException.ThrowIfNull(read);
        int n = MatchOne(read.Plate, read.Region, 0, now, hits, 0);
        var candidates = read.Candidates;
        if (!candidates.IsDefault)
        {
            for (int c = 0; c < candidates.Length && c < 254; c++)
                n = MatchOne(candidates[c].Plate, read.Region, (byte)(c + 1), now, hits, n);
        }
        return n;
    }

    /// <summary>Matches one plate text; hits already in <paramref name="hits"/>[..<paramref name="found"/>] are improved, not repeated.</summary>
    public int MatchOne(string plate, string region, byte rank, DateTimeOffset now, Span<HotlistHit> hits, int found)
    {
        if (string.IsNullOrEmpty(plate) || plate.Length > PlateText.MaxLength) return found;
        Span<byte> digits = stackalloc byte[PlateText.MaxLength];
        Span<ulong> keys = stackalloc ulong[PlateText.MaxLength + 1];
        int nk = Keys(plate, digits, keys);
        for (int k = 0; k < nk; k++)
        {
            ulong key = keys[k];
            if (!MayContain(key)) continue;
            int slot = (int)(Mix(key) >> 32) & _tableMask;
            ulong t;
            while ((t = _keys[slot]) != 0 && t != key) slot = (slot + 1) & _tableMask;
            if (t == 0) continue;
            int end = _start[slot] + _count[slot];
            for (int p = _start[slot]; p < end; p++)
                found = Confirm(_postings[p], plate, region, rank, now, hits, found);
        }
        return found;
    }

    private int Confirm(int entryIndex, string plate, string region, byte rank, DateTimeOffset now, Span<HotlistHit> hits, int found)
    {
        var entry = _entries[entryIndex];
        MatchKind kind;
        if (string.Equals(entry.Plate, plate, StringComparison.Ordinal)) kind = MatchKind.Exact;
        else if (PlateText.AreLookAlike(entry.Plate, plate)) kind = MatchKind.LookAlike;
        else if (PlateText.SkeletonDistance(entry.Plate, plate, 1) <= 1) kind = MatchKind.Edit;
        else return found;
        if (entry.IsExpired(now)) return found;
        bool otherRegion = entry.Region.Length > 0 && region.Length > 0 && !string.Equals(entry.Region, region, StringComparison.Ordinal);
        float score = kind switch { MatchKind.Exact => ExactScore, MatchKind.LookAlike => LookAlikeScore, _ => EditScore };
        if (rank > 0) score *= CandidateFactor;
        if (otherRegion) score *= OtherRegionFactor;
        for (int i = 0; i < found; i++)
        {
            if (hits[i].EntryIndex != entryIndex) continue;
            if (score > hits[i].Score) hits[i] = hits[i] with { Kind = kind, Score = score, CandidateRank = rank, OtherRegion = otherRegion };
            return found;
        }
        if (found == hits.Length) return found;
        hits[found] = new HotlistHit(entryIndex, kind, score, otherRegion, _lists[_listOf[entryIndex]].IsStale(now), rank);
        return found + 1;
    }

    /// <summary>Writes the skeleton key and the keys of each one-character deletion; returns how many.</summary>
    private static int Keys(string plate, Span<byte> digits, Span<ulong> keys)
    {
        int len = plate.Length;
        ulong full = 0;
        for (int i = 0; i < len; i++)
        {
            char c = PlateText.Canonical(plate[i]);
            // Digits 1-36: no zero digit, so keys of different lengths never collide and 0 means "empty slot".
            byte d = c is >= '0' and <= '9' ? (byte)(c - '0' + 1) : c is >= 'A' and <= 'Z' ? (byte)(c - 'A' + 11) : (byte)36;
            digits[i] = d;
            full = full * 37 + d;
        }
        keys[0] = full;
        if (len < 2) return 1;
        // Deleting position i: prefix * 37^(len-1-i) + suffix, with the suffix value taken off the full key.
        ulong prefix = 0;
        for (int i = 0; i < len; i++)
        {
            ulong suffix = full % Pow37[len - 1 - i];
            keys[i + 1] = prefix * Pow37[len - 1 - i] + suffix;
            prefix = prefix * 37 + digits[i];
        }
        return len + 1;
    }

    private static ulong[] BuildPowers()
    {
        var p = new ulong[PlateText.MaxLength + 1];
        p[0] = 1;
        for (int i = 1; i < p.Length; i++) p[i] = unchecked(p[i - 1] * 37);
        return p;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mix(ulong key)
    {
        key ^= key >> 33;
        key *= 0xff51afd7ed558ccdUL;
        key ^= key >> 33;
        key *= 0xc4ceb9fe1a85ec53UL;
        return key ^ (key >> 33);
    }

    private static void AddToFilter(ulong[] filter, int blockMask, ulong key)
    {
        ulong h = Mix(key ^ 0x9E3779B97F4A7C15UL);
        int b = (int)(h & (uint)blockMask) * 8;
        // Three bits in one 64-byte block: one cache line per lookup.
        for (int i = 0; i < 3; i++)
        {
            int bit = (int)(h >> (22 + i * 9)) & 511;
            filter[b + (bit >> 6)] |= 1UL << (bit & 63);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool MayContain(ulong key)
    {
        ulong h = Mix(key ^ 0x9E3779B97F4A7C15UL);
        int b = (int)(h & (uint)_filterMask) * 8;
        for (int i = 0; i < 3; i++)
        {
            int bit = (int)(h >> (22 + i * 9)) & 511;
            if ((_filter[b + (bit >> 6)] & (1UL << (bit & 63))) == 0) return false;
        }
        return true;
    }
}
