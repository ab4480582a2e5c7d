using System.Collections.Immutable;

namespace Platewatch.Agent.Tracking;

/// <summary>One alternative plate text of a vehicle pass, with its share of the evidence (0 to 1).</summary>
internal sealed record VotedCandidate(string Text, double Confidence);

/// <summary>The outcome of voting over a pass's frames.</summary>
internal sealed record VoteResult(string Text, double Confidence, ImmutableArray<VotedCandidate> Candidates);

/// <summary>
/// Per-character voting weighted by the recognizer's per-character confidence. Frames first vote on the length
/// (a frame where the plate was half out of view reads short), then every position is decided among the frames of
/// that length, so one frame's misread character is outvoted by the others even when no frame read it all right.
/// </summary>
internal static class PlateVote
{
    public static VoteResult Vote(IReadOnlyList<PlateObservation> observations)
    {
        ArgumentNullException.ThrowIfNull(observations);
        if (observations.Count == 0) throw new ArgumentException("At least one observation is needed to vote.", nameof(observations));

        var lengthWeight = new Dictionary<int, double>();
        foreach (var o in observations) lengthWeight[o.Text.Length] = lengthWeight.GetValueOrDefault(o.Text.Length) + Math.Max(o.Confidence, 1e-3);
        int length = lengthWeight.OrderByDescending(kv => kv.Value).ThenByDescending(kv => kv.Key).First().Key;
        var voters = observations.Where(o => o.Text.Length == length).ToList();

        var chars = new char[length];
        double confidenceSum = 0;
        var tally = new Dictionary<char, double>();
        for (int i = 0; i < length; i++)
        {
            tally.Clear();
            foreach (var o in voters) tally[o.Text[i]] = tally.GetValueOrDefault(o.Text[i]) + CharWeight(o, i);
            var best = tally.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key).First();
            chars[i] = best.Key;
            // A position is as sure as the mean support for its winner; frames that read another character count as zero.
            confidenceSum += best.Value / voters.Count;
        }
        string text = new(chars);
        double confidence = Math.Clamp(length == 0 ? 0 : confidenceSum / length, 0, 1);

        double total = observations.Sum(o => Math.Max(o.Confidence, 1e-3));
        var candidates = observations
            .GroupBy(o => o.Text, StringComparer.Ordinal)
            .Select(g => new VotedCandidate(g.Key, g.Sum(o => Math.Max(o.Confidence, 1e-3)) / total))
            .Where(c => !string.Equals(c.Text, text, StringComparison.Ordinal))
            .OrderByDescending(c => c.Confidence)
            .Take(9)
            .Prepend(new VotedCandidate(text, confidence))
            .ToImmutableArray();
        return new VoteResult(text, confidence, candidates);
    }

    private static double CharWeight(PlateObservation o, int i) =>
        o.CharConfidences.Length == o.Text.Length ? Math.Max(o.CharConfidences[i], 1e-3) : Math.Max(o.Confidence, 1e-3);

    /// <summary>1 for equal texts, 0 for nothing in common: one minus the edit distance over the longer length.</summary>
    public static double Similarity(string a, string b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        int n = Math.Max(a.Length, b.Length);
        return n == 0 ? 1 : 1 - (double)Levenshtein(a, b) / n;
    }

    private static int Levenshtein(string a, string b)
    {
        // Plate texts are short; the heap only for something unexpected.
        Span<int> prev = b.Length < 64 ? stackalloc int[b.Length + 1] : new int[b.Length + 1];
        Span<int> cur = b.Length < 64 ? stackalloc int[b.Length + 1] : new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) prev[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (int j = 1; j <= b.Length; j++)
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            cur.CopyTo(prev);
        }
        return prev[b.Length];
    }
}
