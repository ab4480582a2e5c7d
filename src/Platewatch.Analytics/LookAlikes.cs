using System.Collections.Immutable;
using Platewatch.Plates;
using Platewatch.Storage;

namespace Platewatch.Analytics;

/// <summary>Tolerance of OCR misreads: the spellings a plate is misread as, and which reads of them are the target's.</summary>
internal static class LookAlikes
{
    /// <summary>Below this confidence a read is a plausible misread; a spelling ever read above it is a real plate of its own.</summary>
    public const float CleanConfidence = 0.82f;

    /// <summary>
    /// Every spelling that differs from <paramref name="plate"/> in one look-alike character (or two, when
    /// <paramref name="maxSubstitutions"/> is 2). Most misreads swap one character; each spelling costs the store a lookup.
    /// </summary>
    public static ImmutableArray<string> Variants(string plate, int maxSubstitutions = 1, int maxVariants = 256)
    {
        var classes = new string?[plate.Length];
        for (int i = 0; i < plate.Length; i++)
        {
            classes[i] = PlateText.ConfusableClasses.FirstOrDefault(c => c.Contains(plate[i], StringComparison.Ordinal));
        }
        var result = new List<string>();
        var buf = plate.ToCharArray();
        for (int i = 0; i < plate.Length && result.Count < maxVariants; i++)
        {
            if (classes[i] is not { } ci) continue;
            foreach (char a in ci)
            {
                if (a == plate[i]) continue;
                buf[i] = a;
                result.Add(new string(buf));
                for (int j = i + 1; maxSubstitutions > 1 && j < plate.Length && result.Count < maxVariants; j++)
                {
                    if (classes[j] is not { } cj) continue;
                    foreach (char b in cj)
                    {
                        if (b == plate[j]) continue;
                        buf[j] = b;
                        result.Add(new string(buf));
                    }
                    buf[j] = plate[j];
                }
            }
            buf[i] = plate[i];
        }
        return [.. result.Distinct(StringComparer.Ordinal).Take(maxVariants)];
    }

    /// <summary>
    /// The target's reads among <paramref name="fetched"/> (reads of the plate and its look-alikes): every read of the
    /// plate itself, and the reads of a look-alike spelling that was never read cleanly (so is not another vehicle).
    /// </summary>
    public static (ImmutableArray<Sighting> Reads, ImmutableArray<string> Included) TargetReads(string plate, IReadOnlyList<Sighting> fetched)
    {
        var clean = new HashSet<string>(StringComparer.Ordinal);
        foreach (var s in fetched)
        {
            if (s.Confidence >= CleanConfidence && !string.Equals(s.Plate, plate, StringComparison.Ordinal)) clean.Add(s.Plate);
        }
        var reads = fetched.Where(s => string.Equals(s.Plate, plate, StringComparison.Ordinal) || !clean.Contains(s.Plate)).ToImmutableArray();
        var included = reads.Select(s => s.Plate).Where(p => !string.Equals(p, plate, StringComparison.Ordinal)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToImmutableArray();
        return (reads, included);
    }

    /// <summary>Whether <paramref name="other"/> could be a misread of <paramref name="plate"/> (look-alikes and one edit).</summary>
    public static bool CouldBe(string plate, string other) => PlateText.SkeletonDistance(plate, other, 1) <= 1;
}
