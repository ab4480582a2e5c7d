using System.Buffers;
using Microsoft.ML.OnnxRuntime;
using Platewatch.Recognition.Imaging;

namespace Platewatch.Recognition.Ocr;

/// <summary>One character the recognizer emitted, with the probability of every letter and digit at its peak step.</summary>
internal sealed class CharRead(char best, float confidence, float[] alnum, float x, int steps = 1)
{
    public char Best { get; } = best;
    public float Confidence { get; } = confidence;

    /// <summary>Probability of each of <see cref="Alphabet.Chars"/> (case folded) at the step where the character peaked.</summary>
    public float[] Alnum { get; } = alnum;

    /// <summary>Horizontal position in the rectified line, 0 (left) to 1 (right).</summary>
    public float X { get; } = x;

    /// <summary>
    /// Recognizer steps (8 pixels of the 48-pixel-high line each) in a row that emitted it. CTC writes two equal
    /// characters only with a blank between them; two narrow ones side by side ("JJ", "11") can come out as one
    /// character held over about as many steps as both.
    /// </summary>
    public int Steps { get; } = steps;
}

/// <summary>A recognized text line: characters, plus the raw text including symbols for the text-on-plate matching.</summary>
internal sealed record LineRead(IReadOnlyList<CharRead> Chars, string RawText, float MeanConfidence)
{
    public string Text => string.Concat(Chars.Select(c => c.Best));
}

internal static class Alphabet
{
    public const string Chars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

    public static int IndexOf(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'A' and <= 'Z' => c - 'A' + 10,
        >= 'a' and <= 'z' => c - 'a' + 10,
        _ => -1,
    };

    public static bool IsDigit(int index) => index < 10;
}

/// <summary>
/// PP-OCRv4's SVTR recognizer with CTC decoding, restricted to what plates hold: letters and digits, with
/// the probabilities of the alternatives kept for format-aware correction and for the candidate list.
/// </summary>
internal sealed class LineRecognizer
{
    public const int Height = 48;
    private const int Stride = 8;
    private readonly InferenceSession _session;
    private readonly string _input;
    private readonly string[] _outputs;
    private readonly int[] _alnumOf; // CTC class -> alphabet index, or -1
    private readonly string[] _classes;

    public LineRecognizer(InferenceSession session, string[] classes)
    {
        _session = session;
        _classes = classes;
        _input = session.InputMetadata.Keys.First();
        _outputs = [session.OutputMetadata.Keys.First()];
        _alnumOf = new int[classes.Length];
        for (int i = 0; i < classes.Length; i++)
            _alnumOf[i] = classes[i].Length == 1 ? Alphabet.IndexOf(classes[i][0]) : -1;
    }

    /// <summary>The narrowest tensor width; the model was trained on 320-wide, left-aligned, grey-padded lines.</summary>
    public int MinTensorWidth { get; init; } = 320;
    public int MaxWidth { get; init; } = 640;
    public int MaxBatch { get; init; } = 16;

    /// <summary>
    /// A batch is padded to its widest line, and the recognizer's cost grows with the padded width: a line joins a batch
    /// only while the batch's widest line is at most this many times its narrowest.
    /// </summary>
    public float MaxBatchWidthRatio { get; init; } = 1.25f;

    public static int WidthFor(Quad q) => Math.Max(Height, (int)MathF.Round(Height * q.Width / MathF.Max(1, q.Height)));

    public LineRead[] Recognize(RasterImage image, IReadOnlyList<Quad> quads, CancellationToken ct)
    {
        var results = new LineRead[quads.Count];
        // Similar widths batch together so that little of the tensor is padding.
        int[] order = Enumerable.Range(0, quads.Count).OrderBy(i => WidthFor(quads[i])).ToArray();
        for (int start = 0; start < order.Length;)
        {
            ct.ThrowIfCancellationRequested();
            int first = Math.Max(MinTensorWidth, Math.Min(MaxWidth, WidthFor(quads[order[start]])));
            int count = 1;
            while (start + count < order.Length && count < MaxBatch
                && Math.Min(MaxWidth, WidthFor(quads[order[start + count]])) <= MaxBatchWidthRatio * first)
                count++;
            RunBatch(image, quads, order.AsSpan(start, count), results);
            start += count;
        }
        return results;
    }

    private void RunBatch(RasterImage image, IReadOnlyList<Quad> quads, ReadOnlySpan<int> idx, LineRead[] results)
    {
        int maxW = 0;
        foreach (int i in idx) maxW = Math.Max(maxW, Math.Min(MaxWidth, WidthFor(quads[i])));
        int tw = Math.Max(MinTensorWidth, (maxW + Stride - 1) / Stride * Stride);
        int slot = 3 * Height * tw;
        int n = idx.Length;
        float[] tensor = ArrayPool<float>.Shared.Rent(n * slot);
        try
        {
            var widths = new int[n];
            for (int b = 0; b < n; b++)
            {
                var q = quads[idx[b]];
                int w = Math.Min(MaxWidth, WidthFor(q));
                widths[b] = w;
                Warp.QuadToTensor(image, q, w, Height, tensor.AsSpan(b * slot, slot), tw);
            }
            using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, tensor.AsMemory(0, n * slot), [n, 3, Height, tw]);
            using var runOptions = new RunOptions();
            using var outputs = _session.Run(runOptions, [_input], [input], _outputs);
            var shape = outputs[0].GetTensorTypeAndShape().Shape;
            int steps = (int)shape[1], classes = (int)shape[2];
            ReadOnlySpan<float> probs = outputs[0].GetTensorDataAsSpan<float>();
            for (int b = 0; b < n; b++)
            {
                int usedSteps = Math.Min(steps, (widths[b] + Stride - 1) / Stride + 1);
                results[idx[b]] = Decode(probs.Slice(b * steps * classes, steps * classes), usedSteps, classes, widths[b]);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(tensor);
        }
    }

    private LineRead Decode(ReadOnlySpan<float> p, int steps, int classes, int width)
    {
        var chars = new List<CharRead>(10);
        var raw = new System.Text.StringBuilder();
        int prev = 0;
        // The current run of one emitted class, and the step where it peaked.
        int runClass = 0, runBestStep = -1, runSteps = 0;
        float runBest = 0;
        for (int t = 0; t < steps; t++)
        {
            var row = p.Slice(t * classes, classes);
            int arg = 0;
            float best = row[0];
            for (int c = 1; c < classes; c++)
            {
                if (row[c] > best) { best = row[c]; arg = c; }
            }
            if (arg != prev)
            {
                Emit(p, classes, runClass, runBestStep, runSteps, width, chars, raw);
                runClass = arg;
                runBestStep = -1;
                runBest = 0;
                runSteps = 0;
            }
            runSteps++;
            if (arg != 0 && best > runBest) { runBest = best; runBestStep = t; }
            prev = arg;
        }
        Emit(p, classes, runClass, runBestStep, runSteps, width, chars, raw);
        float mean = chars.Count == 0 ? 0 : chars.Average(c => c.Confidence);
        return new LineRead(chars, raw.ToString(), mean);
    }

    private void Emit(ReadOnlySpan<float> p, int classes, int runClass, int step, int steps, int width, List<CharRead> chars, System.Text.StringBuilder raw)
    {
        if (runClass == 0 || step < 0) return;
        raw.Append(_classes[runClass]);
        int a = _alnumOf[runClass];
        if (a < 0) return;
        var row = p.Slice(step * classes, classes);
        // Upper and lower case of a letter are one plate character.
        var dist = new float[Alphabet.Chars.Length];
        for (int c = 1; c < classes; c++)
        {
            int k = _alnumOf[c];
            if (k >= 0) dist[k] += row[c];
        }
        chars.Add(new CharRead(Alphabet.Chars[a], Math.Min(1f, dist[a]), dist, (step + 0.5f) * Stride / width, steps));
    }
}
