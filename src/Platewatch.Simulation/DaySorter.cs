namespace Platewatch.Simulation;

/// <summary>
/// Puts a day of raw reads in capture order. A counting pass by second does most of the work in O(n);
/// each second's handful of keys is then sorted, and the structs gathered in that order. Ties in time keep
/// generation order (the key's low half), which does not depend on threads.
/// </summary>
internal static class DaySorter
{
    public const int Buckets = DayGenerator.DayMs / 1000;

    /// <param name="counts">Scratch of <see cref="Buckets"/> + 1 ints.</param>
    public static void Sort(RawRead[] raws, int count, ulong[] keys, RawRead[] sorted, int[] counts)
    {
        Array.Clear(counts);
        for (int i = 0; i < count; i++) counts[(raws[i].TimeMs / 1000) + 1]++;
        for (int b = 0; b < Buckets; b++) counts[b + 1] += counts[b];
        // counts[b] is now where second b starts; advancing it while scattering leaves counts[b] at second b + 1's start.
        for (int i = 0; i < count; i++)
        {
            int t = raws[i].TimeMs;
            keys[counts[t / 1000]++] = ((ulong)(uint)t << 32) | (uint)i;
        }

        int parts = count < 200_000 ? 1 : Environment.ProcessorCount;
        Parallel.For(0, parts, part =>
        {
            int firstBucket = (int)((long)Buckets * part / parts), endBucket = (int)((long)Buckets * (part + 1) / parts);
            int from = firstBucket == 0 ? 0 : counts[firstBucket - 1];
            int to = counts[endBucket - 1];
            for (int b = firstBucket, start = from; b < endBucket; b++)
            {
                int end = counts[b];
                if (end - start > 1) keys.AsSpan(start, end - start).Sort();
                start = end;
            }
            for (int i = from; i < to; i++) sorted[i] = raws[(int)(uint)keys[i]];
        });
    }
}
