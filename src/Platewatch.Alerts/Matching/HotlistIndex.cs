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
/// Matching works on skeletons (each character replaced by its look-alike class), so look-alikes cost nothing
/// extra. A skeleton of up to 12 characters is a base-37 number below 2^63, so keys are exact: no hash collisions
/// to resolve. Each entry is indexed under its skeleton (key space A) and under each one-character deletion
/// tagged with its position (space B). For a read of length L the hits are then found with 3L + 2 probes, every
/// one of which finds only true hits:
/// equal skeleton (A[r]: exact or look-alike); one character replaced at i (B[del_i(r), i]); one character too
/// many in the read (A[del_i(r)]); one character missing from the read (B[r, j] for j = 0..L). A blocked Bloom
/// filter (12 bits a key, three bits in one cache line) answers most probes, which miss; a key's block is chosen by
/// the value it was made from, not its position tag, so the 3L + 2 probes of a plate touch only L + 1 cache lines.
/// Its checks for one plate are computed without branches so the CPU overlaps their cache misses.
/// The per-entry data a hit needs (expiry, list, region) is packed in one 16-byte record, one cache line per hit.
/// Nothing is allocated per read.
/// </para>
/// </summary>
internal sealed class HotlistIndex
{
    /// <summary>Score of each kind; a match on a candidate rather than the plate, and one from another region, weigh less.</summary>
    public const float ExactScore = 1.0f, LookAlikeScore = 0.9f, EditScore = 0.7f, CandidateFactor = 0.85f, OtherRegionFactor = 0.5f;

    private const ulong PositionalTag = 1UL << 63;
    private const int MaxProbes = 3 * PlateText.MaxLength + 2;
    private static readonly ulong[] Pow37 = BuildPowers();
    private static readonly byte[] DigitOf = BuildDigits();

    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential, Pack = 4)]
    private readonly record struct EntryMeta(long ExpiresTicks, int List, int Region);

    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential, Pack = 4)]
    private struct TableSlot
    {
        public ulong Key;
        public int Value;
    }

    private readonly HotlistEntry[] _entries;
    private readonly EntryMeta[] _meta;
    private readonly Hotlist[] _lists;
    private readonly string[] _regions;
    private readonly ulong[] _filter;
    private readonly int _filterMask;
    /// <summary>
    /// Open addressing, linear probing; key and value side by side so a present key costs one cache miss. Value
    /// &gt;= 0: the only posting; &lt; 0: -(start + 1) into <see cref="_postings"/>, which holds the count then the postings.
    /// </summary>
    private readonly TableSlot[] _slots;
    private readonly int _tableMask;
    private readonly int[] _postings;

    public static readonly HotlistIndex Empty = Build([], [], CategorySwitches.AllOn, DateTimeOffset.MinValue);

    private HotlistIndex(HotlistEntry[] entries, EntryMeta[] meta, Hotlist[] lists, string[] regions, ulong[] filter, TableSlot[] slots, int[] postings)
    {
        _entries = entries;
        _meta = meta;
        _lists = lists;
        _regions = regions;
        _filter = filter;
        _filterMask = filter.Length / 8 - 1;
        _slots = slots;
        _tableMask = slots.Length - 1;
        _postings = postings;
    }

    public ImmutableArray<HotlistEntry> Entries => System.Runtime.InteropServices.ImmutableCollectionsMarshal.AsImmutableArray(_entries);

    public int Count => _entries.Length;

    /// <summary>Bytes held by the index's arrays (not the entries themselves).</summary>
    public long IndexBytes => (long)_slots.Length * 12 + _postings.Length * 4L + _filter.Length * 8L + _meta.Length * 16L;

    public Hotlist ListOf(int entryIndex) => _lists[_meta[entryIndex].List];

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
        var regionIndex = new Dictionary<string, int>(StringComparer.Ordinal) { [""] = 0 };
        var kept = new List<HotlistEntry>();
        var meta = new List<EntryMeta>();
        foreach (var e in entries)
        {
            if (!listIndex.TryGetValue(e.HotlistId, out int li)) continue;
            if (e.IsExpired(now) || switches.IsOff(lists[li].AgencyId, e.Category)) continue;
            if (!PlateText.IsNormalized(e.Plate)) continue;
            if (!regionIndex.TryGetValue(e.Region, out int ri)) regionIndex[e.Region] = ri = regionIndex.Count;
            kept.Add(e);
            meta.Add(new EntryMeta(e.ExpiresAt?.UtcTicks ?? long.MaxValue, li, ri));
        }

        // (key, posting): A keys post the entry; B keys post entry * 16 + position.
        var pairs = new (ulong Key, int Posting)[kept.Count * 8];
        int np = 0;
        Span<byte> digits = stackalloc byte[PlateText.MaxLength];
        Span<ulong> deletions = stackalloc ulong[PlateText.MaxLength];
        for (int i = 0; i < kept.Count; i++)
        {
            int len = kept[i].Plate.Length;
            if (np + len + 1 > pairs.Length) Array.Resize(ref pairs, Math.Max(pairs.Length * 2, np + len + 1));
            ulong full = Skeleton(kept[i].Plate, digits);
            pairs[np++] = (full, i);
            Deletions(full, digits[..len], deletions);
            for (int d = 0; d < len; d++) pairs[np++] = (Positional(deletions[d], d), i * 16 + d);
        }
        Array.Sort(pairs, 0, np, Comparer<(ulong Key, int Posting)>.Create((a, b) => a.Key.CompareTo(b.Key)));

        int distinct = 0;
        for (int i = 0; i < np; i++) if (i == 0 || pairs[i].Key != pairs[i - 1].Key) distinct++;
        int capacity = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, distinct * 2));
        var table = new TableSlot[capacity];
        var postings = new List<int>();
        int blocks = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, (distinct * 12 + 511) / 512));
        var filter = new ulong[blocks * 8];
        for (int i = 0; i < np;)
        {
            ulong key = pairs[i].Key;
            int j = i;
            while (j < np && pairs[j].Key == key) j++;
            int slot = Slot(key, capacity - 1);
            while (table[slot].Key != 0) slot = (slot + 1) & (capacity - 1);
            table[slot].Key = key;
            if (j - i == 1)
            {
                table[slot].Value = pairs[i].Posting;
            }
            else
            {
                table[slot].Value = -(postings.Count + 1);
                postings.Add(j - i);
                for (int k = i; k < j; k++) postings.Add(pairs[k].Posting);
            }
            AddToFilter(filter, blocks - 1, BaseOf(key), key);
            i = j;
        }
        string[] regions = new string[regionIndex.Count];
        foreach (var (r, idx) in regionIndex) regions[idx] = r;
        return new HotlistIndex([.. kept], [.. meta], [.. lists], regions, filter, table, [.. postings]);
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
        if (candidates.IsDefaultOrEmpty) return n;
        // A candidate with a skeleton already matched finds the same entries at a lower score, so it is skipped:
        // recognizers' alternatives are mostly look-alike swaps of the best reading.
        Span<ulong> done = stackalloc ulong[8];
        int nd = 0;
        done[nd++] = SkeletonKey(read.Plate);
        for (int c = 0; c < candidates.Length && c < 254; c++)
        {
            ulong key = SkeletonKey(candidates[c].Plate);
            if (done[..nd].Contains(key)) continue;
            if (nd < done.Length) done[nd++] = key;
            n = MatchOne(candidates[c].Plate, read.Region, (byte)(c + 1), now, hits, n);
        }
        return n;
    }

    /// <summary>Matches one plate text; hits already in <paramref name="hits"/>[..<paramref name="found"/>] are improved, not repeated.</summary>
    public int MatchOne(string plate, string region, byte rank, DateTimeOffset now, Span<HotlistHit> hits, int found)
    {
        if (string.IsNullOrEmpty(plate) || plate.Length > PlateText.MaxLength || _entries.Length == 0) return found;
        int len = plate.Length;
        Span<byte> digits = stackalloc byte[PlateText.MaxLength];
        Span<ulong> deletions = stackalloc ulong[PlateText.MaxLength];
        Span<ulong> probes = stackalloc ulong[MaxProbes];
        Span<ulong> bases = stackalloc ulong[MaxProbes];
        Span<byte> kinds = stackalloc byte[MaxProbes];
        ulong full = Skeleton(plate, digits);
        Deletions(full, digits[..len], deletions);
        int n = 0;
        probes[n] = full; bases[n] = full; kinds[n++] = 0;                                                               // same skeleton
        for (int i = 0; i < len; i++) { probes[n] = Positional(deletions[i], i); bases[n] = deletions[i]; kinds[n++] = 1; }   // one replaced at i
        for (int i = 0; i < len; i++) { probes[n] = deletions[i]; bases[n] = deletions[i]; kinds[n++] = 1; }                   // one too many in the read
        if (len < PlateText.MaxLength)
            for (int j = 0; j <= len; j++) { probes[n] = Positional(full, j); bases[n] = full; kinds[n++] = 1; }               // one missing from the read

        // All filter checks first, without branches, so their cache misses overlap.
        ulong pass = 0;
        for (int k = 0; k < n; k++) pass |= (ulong)MayContain(bases[k], probes[k]) << k;
        while (pass != 0)
        {
            int k = BitOperations.TrailingZeroCount(pass);
            pass &= pass - 1;
            ulong key = probes[k];
            int slot = Slot(key, _tableMask);
            ulong t;
            while ((t = _slots[slot].Key) != 0 && t != key) slot = (slot + 1) & _tableMask;
            if (t == 0) continue;
            bool positional = (key & PositionalTag) != 0;
            int v = _slots[slot].Value;
            if (v >= 0)
            {
                found = Hit(positional ? v >> 4 : v, kinds[k] == 0, plate, region, rank, now, hits, found);
                continue;
            }
            int start = -v - 1;
            int count = _postings[start];
            for (int p = start + 1; p <= start + count; p++)
                found = Hit(positional ? _postings[p] >> 4 : _postings[p], kinds[k] == 0, plate, region, rank, now, hits, found);
        }
        return found;
    }

    private int Hit(int entryIndex, bool sameSkeleton, string plate, string region, byte rank, DateTimeOffset now, Span<HotlistHit> hits, int found)
    {
        var meta = _meta[entryIndex];
        if (meta.ExpiresTicks <= now.UtcTicks) return found;
        MatchKind kind = !sameSkeleton ? MatchKind.Edit
            : string.Equals(_entries[entryIndex].Plate, plate, StringComparison.Ordinal) ? MatchKind.Exact : MatchKind.LookAlike;
        string listed = _regions[meta.Region];
        bool otherRegion = listed.Length > 0 && region.Length > 0 && !string.Equals(listed, region, StringComparison.Ordinal);
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
        hits[found] = new HotlistHit(entryIndex, kind, score, otherRegion, _lists[meta.List].IsStale(now), rank);
        return found + 1;
    }

    /// <summary>The skeleton key alone; 0 for text that cannot match (empty, too long).</summary>
    private static ulong SkeletonKey(string plate)
    {
        if (string.IsNullOrEmpty(plate) || plate.Length > PlateText.MaxLength) return 0;
        Span<byte> digits = stackalloc byte[PlateText.MaxLength];
        return Skeleton(plate, digits);
    }

    /// <summary>The skeleton as a base-37 number with digits 1-36 (no zero digit: keys of different lengths never collide, and 0 means an empty slot).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Skeleton(string plate, Span<byte> digits)
    {
        ulong full = 0;
        var table = DigitOf;
        for (int i = 0; i < plate.Length; i++)
        {
            char c = plate[i];
            byte d = c < 128 ? table[c] : (byte)36;
            digits[i] = d;
            full = full * 37 + d;
        }
        return full;
    }

    /// <summary>Base-37 digit of each ASCII character's look-alike class, so the skeleton step is one table load a character.</summary>
    private static byte[] BuildDigits()
    {
        var t = new byte[128];
        for (int c = 0; c < 128; c++)
        {
            char k = PlateText.Canonical((char)c);
            t[c] = k is >= '0' and <= '9' ? (byte)(k - '0' + 1) : k is >= 'A' and <= 'Z' ? (byte)(k - 'A' + 11) : (byte)36;
        }
        return t;
    }

    /// <summary>The key of the skeleton with character i deleted, for each i: prefix * 37^(len-1-i) + suffix.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Deletions(ulong full, ReadOnlySpan<byte> digits, Span<ulong> deletions)
    {
        int len = digits.Length;
        ulong prefix = 0, suffix = 0;
        // Suffix values from the right, so no division is needed.
        for (int i = len - 1; i >= 0; i--)
        {
            deletions[i] = suffix;
            suffix += digits[i] * Pow37[len - 1 - i];
        }
        for (int i = 0; i < len; i++)
        {
            deletions[i] += prefix * Pow37[len - 1 - i];
            prefix = prefix * 37 + digits[i];
        }
    }

    /// <summary>A deletion key tagged with the deleted position (B space): below 2^62 for skeletons of up to 11 characters.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Positional(ulong deletion, int position) => PositionalTag | (deletion * PlateText.MaxLength + (ulong)position);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Slot(ulong key, int mask) => (int)(Mix(key) >> 32) & mask;

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

    /// <summary>One multiply (the filter sits on the hot path): block from the top bits, three bit positions from the middle.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong FilterHash(ulong key) => (key ^ (key >> 31)) * 0x9E3779B97F4A7C15UL;

    /// <summary>
    /// The skeleton or deletion value a key was made from, without its position tag. The filter block is chosen by it, so
    /// the probes of one read that share a value (A[r] and every B[r, j]; B[del_i(r), i] and A[del_i(r)]) fall in one
    /// cache line: L + 1 lines a read instead of 3L + 2.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong BaseOf(ulong key) => (key & PositionalTag) != 0 ? (key & ~PositionalTag) / PlateText.MaxLength : key;

    private static void AddToFilter(ulong[] filter, int blockMask, ulong baseValue, ulong key)
    {
        int b = (int)(FilterHash(baseValue) >> 40) & blockMask;
        ulong h = FilterHash(key);
        foreach (int shift in (ReadOnlySpan<int>)[13, 22, 31])
        {
            int bit = (int)(h >> shift) & 511;
            filter[b * 8 + (bit >> 6)] |= 1UL << (bit & 63);
        }
    }

    /// <summary>1 if the key may be present, 0 if it is certainly absent; no branches.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int MayContain(ulong baseValue, ulong key)
    {
        int b = ((int)(FilterHash(baseValue) >> 40) & _filterMask) * 8;
        ulong h = FilterHash(key);
        int b0 = (int)(h >> 13) & 511, b1 = (int)(h >> 22) & 511, b2 = (int)(h >> 31) & 511;
        ulong r = (_filter[b + (b0 >> 6)] >> (b0 & 63)) & (_filter[b + (b1 >> 6)] >> (b1 & 63)) & (_filter[b + (b2 >> 6)] >> (b2 & 63));
        return (int)(r & 1);
    }
}
