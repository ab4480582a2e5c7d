using System.Collections.Immutable;
using System.Diagnostics;
using Platewatch.Recognition.Detection;
using Platewatch.Recognition.Formats;
using Platewatch.Recognition.Imaging;
using Platewatch.Recognition.Models;
using Platewatch.Recognition.Ocr;
using Platewatch.Recognition.Plates;

namespace Platewatch.Recognition;

/// <summary>
/// The plate reader: PP-OCRv4 text detection and recognition, with the plate-specific work around them (plate
/// geometry, two-line plates, formats, look-alike correction, region, rejection of text that is not a plate).
/// One instance holds the models and is safe to share across threads.
/// </summary>
public sealed class PlateRecognizer : IPlateRecognizer
{
    private readonly ModelSet _models;
    private readonly TextDetector _detector;
    private readonly LineRecognizer _recognizer;
    private readonly PlateReader _reader;
    private readonly RegionNames _names = RegionNames.Default;
    private readonly RecognizerOptions _options;
    private int _disposed;
    private static readonly bool s_debug = Environment.GetEnvironmentVariable("PLATEWATCH_DEBUG") == "1";

    private PlateRecognizer(ModelSet models, RecognizerOptions options)
    {
        _models = models;
        _options = options;
        _detector = new TextDetector(models.Detector);
        _recognizer = new LineRecognizer(models.Recognizer, models.Classes) { MinTensorWidth = options.RecognizerMinWidth };
        _reader = new PlateReader(PlateFormats.Default);
        ModelsDirectory = "";
    }

    /// <summary>The directory the models were loaded from.</summary>
    public string ModelsDirectory { get; private init; }

    /// <summary>Loads the models. Nothing is downloaded: a missing file gives a <see cref="ModelNotFoundException"/> naming the fix.</summary>
    public static PlateRecognizer Create(RecognizerOptions? options = null)
    {
        options ??= new RecognizerOptions();
        // Tuning knobs for experiments, read once here; the defaults are the measured choice.
        if (int.TryParse(Environment.GetEnvironmentVariable("PLATEWATCH_DET_SIDE"), out int side)) options = options with { DetectionLongSide = side };
        if (int.TryParse(Environment.GetEnvironmentVariable("PLATEWATCH_REC_MINW"), out int minw)) options = options with { RecognizerMinWidth = minw };
        string dir = ModelSet.ResolveDirectory(options.ModelsDirectory);
        var models = ModelSet.Load(dir, options.IntraOpThreads, options.SimplifyModels);
        return new PlateRecognizer(models, options) { ModelsDirectory = dir };
    }

    public RecognitionResult Recognize(ReadOnlySpan<byte> encodedImage, RecognitionHints? hints = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        long t0 = Stopwatch.GetTimestamp();
        using var image = ImageDecoder.Decode(encodedImage, _options.MaxPixels);
        double decodeMs = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        return Run(image, hints, decodeMs, t0, cancellationToken);
    }

    public RecognitionResult Recognize(ImagePixels pixels, RecognitionHints? hints = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        long t0 = Stopwatch.GetTimestamp();
        using var image = ImageDecoder.FromPixels(pixels, _options.MaxPixels);
        double decodeMs = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        return Run(image, hints, decodeMs, t0, cancellationToken);
    }

    public IReadOnlyList<RecognitionResult> RecognizeBatch(IReadOnlyList<ReadOnlyMemory<byte>> encodedImages, RecognitionHints? hints = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(encodedImages);
        var results = new RecognitionResult[encodedImages.Count];
        var po = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, _options.BatchParallelism), CancellationToken = cancellationToken };
        Parallel.For(0, encodedImages.Count, po, i =>
        {
            try
            {
                results[i] = Recognize(encodedImages[i].Span, hints, cancellationToken);
            }
            catch (InvalidImageException ex)
            {
                results[i] = RecognitionResult.Failed(ex.Message);
            }
        });
        return results;
    }

    public Task<RecognitionResult> RecognizeAsync(ReadOnlyMemory<byte> encodedImage, RecognitionHints? hints = null, CancellationToken cancellationToken = default) =>
        Task.Run(() => Recognize(encodedImage.Span, hints, cancellationToken), cancellationToken);

    private RecognitionResult Run(RasterImage image, RecognitionHints? hints, double decodeMs, long t0, CancellationToken ct)
    {
        hints ??= new RecognitionHints();
        var roi = ClampRoi(hints.RegionOfInterest, image.Width, image.Height);
        var allow = AllowRegion(hints.ExpectedRegions);

        long t1 = Stopwatch.GetTimestamp();
        var boxes = _detector.Detect(image, roi, _options.DetectionLongSide, ct);
        float detScale = (float)_options.DetectionLongSide / Math.Max(roi.Width, roi.Height);
        if (_options.HighResolutionPass)
            boxes = RefineSmall(image, boxes, detScale, ct);
        double detectMs = Stopwatch.GetElapsedTime(t1).TotalMilliseconds;

        long t2 = Stopwatch.GetTimestamp();
        int minHeight = Math.Max(6, Math.Min(image.Width, image.Height) / 200);
        var usable = Enumerable.Range(0, boxes.Count)
            .Where(i => PlateGeometry.IsPlausibleLine(boxes[i], minHeight))
            .OrderByDescending(i => boxes[i].Score * MathF.Min(boxes[i].Quad.Height, 80))
            .Take(_options.MaxLines)
            .ToList();
        int topN = Math.Clamp(hints.TopN, 1, 100);
        var cache = new FrameReads();
        // Lines too long for one plate line (timestamps, slogans, signs) cost the recognizer most, as its cost grows with
        // a line's width. They are read only when the plate-shaped lines leave a doubt: no confident plate, or a long
        // line near a plate (which may hold the plate joined to a neighbour, or be the larger print it lies on).
        // Lone squarish boxes (a badge or emblem above the plate, a bolt, a sticker) cost a recognizer run each and
        // hold at most two characters: they wait on the same doubt, unless they sit beside or above a line whose
        // plate they may complete (a split line, a two-line plate).
        var wide = usable.Where(i => IsLongLine(boxes[i])).ToList();
        var lone = usable.Where(i => IsLoneSquare(boxes, usable, i)).ToList();
        ImmutableArray<PlateResult> plates = default;
        bool settled = false;
        if (wide.Count + lone.Count > 0 && wide.Count + lone.Count < usable.Count)
        {
            plates = ReadPlates(image, boxes, [.. usable.Except(wide).Except(lone)], cache, allow, topN, ct);
            settled = plates.Any(p => p.MatchesFormat && p.Confidence >= 0.8)
                && wide.All(i => plates.All(p => PlateGeometry.Containment(QuadOf(p).Expand(1.0f, 2.0f), boxes[i].Quad) == 0));
        }
        if (!settled) plates = ReadPlates(image, boxes, usable, cache, allow, topN, ct);
        double recognizeMs = cache.RecognizeMs;
        double postMs = Stopwatch.GetElapsedTime(t2).TotalMilliseconds - recognizeMs;

        if (s_debug) Console.Error.WriteLine($"timing decode={decodeMs:F1} detect={detectMs:F1} read={recognizeMs:F1} post={postMs:F1} total={Stopwatch.GetElapsedTime(t0).TotalMilliseconds:F1} ({cache.Reads.Count} lines read, {wide.Count} long, settled early: {settled}) boxes={boxes.Count}");
        return new RecognitionResult(image.Width, image.Height, plates,
            new StageTimings(decodeMs, detectMs, recognizeMs, postMs, Stopwatch.GetElapsedTime(t0).TotalMilliseconds));
    }

    /// <summary>The lines' reads, recognizing only the quads not read before in this frame (in one batched pass).</summary>
    private LineRead[] ReadQuads(RasterImage image, IReadOnlyList<Quad> quads, FrameReads cache, CancellationToken ct)
    {
        var missing = quads.Where(q => !cache.Reads.ContainsKey(q)).Distinct().ToList();
        if (missing.Count > 0)
        {
            long t = Stopwatch.GetTimestamp();
            var read = _recognizer.Recognize(image, missing, ct);
            for (int k = 0; k < missing.Count; k++) cache.Reads[missing[k]] = read[k];
            cache.RecognizeMs += Stopwatch.GetElapsedTime(t).TotalMilliseconds;
        }
        return [.. quads.Select(q => cache.Reads[q])];
    }

    /// <summary>What one frame's lines read as, so that a second look at the frame reads nothing twice.</summary>
    private sealed class FrameReads
    {
        public Dictionary<Quad, LineRead> Reads { get; } = [];
        public double RecognizeMs { get; set; }
    }

    private static Quad QuadOf(PlateResult p) => new(p.Corners[0], p.Corners[1], p.Corners[2], p.Corners[3]);

    /// <summary>Reads the given lines, groups them into plates and picks the plates among them.</summary>
    private ImmutableArray<PlateResult> ReadPlates(RasterImage image, List<TextBox> boxes, List<int> usable, FrameReads cache,
        Func<string, bool>? allow, int topN, CancellationToken ct)
    {
        var lineReads = ReadQuads(image, usable.Select(i => boxes[i].Quad).ToList(), cache, ct);
        var reads = new Dictionary<int, LineRead>();
        for (int k = 0; k < usable.Count; k++) reads[usable[k]] = lineReads[k];

        var groups = PlateGeometry.Group(boxes, usable);
        // A line the detector split (or covered twice) reads better whole: one more pass over the joined quads.
        var joined = groups.Where(g => g.Lines == 1 && g.Boxes.Length > 1).ToList();
        var joinedReads = joined.Count == 0 ? [] : ReadQuads(image, joined.Select(g => g.Quad).ToList(), cache, ct);
        var groupReads = new Dictionary<LineGroup, LineRead>(ReferenceEqualityComparer.Instance);
        for (int k = 0; k < joined.Count; k++) groupReads[joined[k]] = joinedReads[k];

        // The detector sometimes leaves out a character at a plate's edge (next to a bolt or the border). A line that
        // reads like a plate but fits no format is read again with room on both sides; the ranking picks the better.
        var widened = new List<LineGroup>();
        foreach (var g in groups)
        {
            if (widened.Count >= 4 || g.Lines != 1) continue;
            var read = groupReads.TryGetValue(g, out var gr) ? gr : g.Boxes.Length == 1 ? reads[g.Boxes[0]] : null;
            if (read is null || read.Chars.Count is < 4 or > 9 || read.MeanConfidence < 0.6f) continue;
            if (PlateFormats.Default.Matches(read.Text, allow)) continue;
            float w = g.Quad.Width, h = g.Quad.Height;
            if (w < 1.5f * h || w > 9 * h) continue;
            widened.Add(g with { Quad = g.Quad.Expand(1.2f * h / w, 0.1f), WidenedFrom = g.Quad });
        }
        if (widened.Count > 0)
        {
            var wr = ReadQuads(image, widened.Select(g => g.Quad).ToList(), cache, ct);
            for (int k = 0; k < widened.Count; k++)
            {
                groupReads[widened[k]] = wr[k];
                groups.Add(widened[k]);
            }
        }
        return SelectPlates(image, boxes, usable, reads, groups, groupReads, allow, topN, qs => ReadQuads(image, qs, cache, ct));
    }

    /// <summary>How far left of the number a county number may stand, in character widths: Wyoming's bronco is between.</summary>
    private const float CountyGap = 4.5f;

    /// <summary>How much better a widened line that gained no character must score than its own line to be preferred.</summary>
    private const double WidenedTiePenalty = 0.05;

    /// <summary>A line more than about ten characters long: longer than any one plate line.</summary>
    private static bool IsLongLine(in TextBox b) => b.Quad.Width > 6.5f * b.Quad.Height;

    /// <summary>
    /// A box about as wide as tall (two characters at most) with no line beside it in its row, and none above or below
    /// it of a similar width: not part of any plate number the other lines could read.
    /// </summary>
    private static bool IsLoneSquare(List<TextBox> boxes, List<int> usable, int i)
    {
        var a = boxes[i].Rect;
        if (boxes[i].Quad.Width >= 1.5f * boxes[i].Quad.Height) return false;
        foreach (int j in usable)
        {
            if (j == i) continue;
            var b = boxes[j].Rect;
            float hMin = MathF.Min(a.Height, b.Height), hMax = MathF.Max(a.Height, b.Height);
            float gapX = MathF.Abs(a.Cx - b.Cx) - (a.Width + b.Width) / 2;
            float gapY = MathF.Abs(a.Cy - b.Cy) - (a.Height + b.Height) / 2;
            bool sameRow = MathF.Abs(a.Cy - b.Cy) < 0.5f * hMin && hMax < 1.6f * hMin && gapX < 1.5f * hMin;
            bool stacked = gapX < 0 && gapY < hMax && MathF.Min(a.Width, b.Width) >= 0.4f * MathF.Max(a.Width, b.Width);
            if (sameRow || stacked) return false;
        }
        return true;
    }

    /// <summary>
    /// Small text at the detector's scale is detected again in its neighbourhood at full resolution: a distant
    /// plate's characters are a few pixels tall in the shrunken frame, and its box there is loose or split.
    /// </summary>
    private List<TextBox> RefineSmall(RasterImage image, List<TextBox> boxes, float detScale, CancellationToken ct)
    {
        if (detScale >= 0.99f) return boxes;
        const int maxRegions = 2;
        var small = boxes.Select((b, i) => (b, i))
            .Where(x => x.b.Quad.Height * detScale < 10 && x.b.Quad.Height >= 8 && x.b.Quad.Width > 2f * x.b.Quad.Height && x.b.Quad.Width < 7 * x.b.Quad.Height)
            // Small print on the plate of a larger line (a state name, a sticker, a dealer line) is never the plate.
            .Where(x => !LiesOnLargerPlate(boxes, x.i))
            .OrderByDescending(x => x.b.Score * x.b.Quad.Width)
            .Take(maxRegions)
            .ToList();
        if (small.Count == 0) return boxes;
        if (s_debug) Console.Error.WriteLine($"refine {small.Count} regions");
        var result = new List<TextBox>(boxes);
        var replaced = new HashSet<int>();
        foreach (var (b, i) in small)
        {
            ct.ThrowIfCancellationRequested();
            var (x0, y0, x1, y1) = b.Quad.Bounds();
            float w = x1 - x0, h = y1 - y0;
            var win = ClampRoi(new PixelRect((int)(x0 - 0.6f * w), (int)(y0 - 1.5f * h), (int)(2.2f * w), (int)(4 * h)), image.Width, image.Height);
            // About 32 detector pixels per text line height; never shrink.
            int longSide = Math.Clamp((int)(Math.Max(win.Width, win.Height) * MathF.Max(1, 32 / h)), 64, 320);
            var refined = _detector.Detect(image, win, longSide, ct);
            if (refined.Count == 0) continue;
            replaced.Add(i);
            result.AddRange(refined);
        }
        return result.Where((_, k) => k >= boxes.Count || !replaced.Contains(k)).ToList();
    }

    /// <summary>
    /// The plate a number line lies on: about twice as tall as the line, and a little wider than it, but never narrower
    /// than twice its own height, however short the number (a short vanity word leaves wide margins for stickers).
    /// </summary>
    private static Quad PlateAround(Quad line) =>
        line.Expand(MathF.Max(0.4f, 4.2f * line.Height / MathF.Max(1, line.Width) - 1), 1.6f);

    /// <summary>
    /// The read completed by one or two confident characters found just right of its line, when that makes it fit a
    /// format of <paramref name="region"/>; null otherwise. Only the right end: the last character often touches the
    /// plate's border there (Hawaii), while strips left of the line added bolts and frame edges that happened to fit.
    /// </summary>
    private PlateHypothesis? CompleteAtRightEdge(Quad line, int imageWidth, List<CharRead> chars, string raw, string region, int topN, Func<Quad, LineRead> readQuad)
    {
        if (line.StripRight(0.9f * line.Height, imageWidth) is not { } strip) return null;
        var extra = readQuad(strip).Chars.Where(c => c.Confidence >= 0.7f).ToList();
        if (extra.Count is not (1 or 2)) return null;
        return _reader.Read([.. chars, .. extra], raw, r => r == region, topN) is { MatchesFormat: true, Confidence: >= 0.7 } done ? done : null;
    }

    private static bool LiesOnLargerPlate(List<TextBox> boxes, int i)
    {
        var b = boxes[i];
        for (int j = 0; j < boxes.Count; j++)
        {
            var o = boxes[j];
            if (j == i || o.Rect.Width < 1.5f * o.Rect.Height) continue;
            if (OnPlateOf(o.Quad, b.Quad, b.Quad.Height)) return true;
        }
        return false;
    }

    private ImmutableArray<PlateResult> SelectPlates(RasterImage image, List<TextBox> boxes, List<int> usable, Dictionary<int, LineRead> reads, List<LineGroup> groups,
        Dictionary<LineGroup, LineRead> groupReads, Func<string, bool>? allow, int topN, Func<IReadOnlyList<Quad>, LineRead[]> readQuads)
    {
        LineRead ReadOne(Quad q) => readQuads([q])[0];
        var hyps = new List<(LineGroup Group, PlateHypothesis Hyp, (string Region, double Strength)? Name)>();
        bool bandPossible = CountryBand.Possible(PlateFormats.Default.Regions, allow);
        // Lines that name a region are never plates themselves, but they vouch for a plate next to them.
        var nameOf = new Dictionary<int, (string Region, double Strength)>();
        foreach (var (i, read) in reads)
        {
            if (_names.Match(read.RawText) is { } m && (allow?.Invoke(m.Region) ?? true)) nameOf[i] = m;
        }
        // A name the detector split into words ("West" "Virginia"): the words read together may name another region.
        foreach (var (i, right) in reads)
        {
            foreach (var (j, left) in reads)
            {
                if (i == j || !SameRowLeftOf(boxes[j].Rect, boxes[i].Rect)) continue;
                if (_names.Match(left.RawText + " " + right.RawText) is not { } joint || !(allow?.Invoke(joint.Region) ?? true)) continue;
                bool better = (!nameOf.TryGetValue(i, out var a) || (a.Region != joint.Region && joint.Strength >= a.Strength))
                    && (!nameOf.TryGetValue(j, out var b) || (b.Region != joint.Region && joint.Strength >= b.Strength));
                if (better && (nameOf.ContainsKey(i) || nameOf.ContainsKey(j))) nameOf[i] = nameOf[j] = joint;
            }
        }

        if (s_debug)
        {
            foreach (var (i, read) in reads)
                Console.Error.WriteLine($"line {i}: '{read.RawText}' h={boxes[i].Quad.Height:F0} w={boxes[i].Quad.Width:F0} c=({boxes[i].Rect.Cx:F0},{boxes[i].Rect.Cy:F0}) conf={read.MeanConfidence:F2} name={(nameOf.TryGetValue(i, out var nm) ? nm.Region : "")}");
        }
        foreach (var g in groups)
        {
            // A line naming a region is small print beside the number, unless it is the biggest text around: a vanity plate.
            if (g.Boxes.Any(nameOf.ContainsKey) && usable.Any(j => !g.Boxes.Contains(j) && boxes[j].Quad.Height > 1.2f * boxes[g.Boxes[0]].Quad.Height
                && PlateGeometry.Containment(boxes[j].Quad.Expand(0.5f, 2f), g.Quad) > 0.5f)) continue;
            var parts = g.Lines == 2
                ? g.Boxes.OrderBy(i => boxes[i].Rect.Cy).ToArray()
                : g.Boxes.OrderBy(i => boxes[i].Rect.Cx).ToArray();
            var chars = groupReads.TryGetValue(g, out var whole) ? [.. whole.Chars] : parts.SelectMany(i => reads[i].Chars).ToList();
            if (chars.Count == 0) continue;
            string raw = whole?.RawText ?? string.Join(" ", parts.Select(i => reads[i].RawText));
            // The country band's letters, told by the band's blue (its darkness, in an infrared image), are the country
            // and not part of the number.
            string bandRegion = "";
            double bandProbability = 1;
            bool single = g.Lines == 1 && (whole is not null || g.Boxes.Length == 1);
            var lineQuad = whole is null ? boxes[g.Boxes[0]].Quad : g.Quad;
            if (bandPossible && single && CountryBand.LeadingOnBand(image, lineQuad, chars) is > 0 and var onBand)
            {
                bandRegion = CountryBand.Region(string.Concat(chars.Take(onBand).Select(c => c.Best)));
                // Read with the number, a small two-letter code often comes out as one letter or none known: read alone.
                // In an infrared image, where the band is told by its darkness alone, always: SK read with the number
                // came out as S, Sweden.
                bool grey = CountryBand.IsGrey(image);
                if (bandRegion.Length == 0 || grey)
                {
                    var code = ReadOne(CountryBand.CodeInLine(lineQuad, (chars[onBand - 1].X + chars[onBand].X) / 2));
                    var (alone, p) = CountryBand.RegionOfBand(code.Chars);
                    if (s_debug) Console.Error.WriteLine($"  band code in line '{code.RawText}' -> {alone} p={p:F2}");
                    if (alone.Length > 0 && (bandRegion.Length == 0 || p >= 0.5)) (bandRegion, bandProbability) = (alone, p);
                }
                chars = chars.Skip(onBand).ToList();
            }
            // Small letters stacked at an end (the plate type) and symbols beside it are not part of the number, unless
            // the whole read fits a format of a region whose plates all follow their formats.
            if (s_debug && single)
            {
                var ink = StackedLetters.Find(image, lineQuad);
                Console.Error.WriteLine($"  ink {string.Concat(chars.Select(c => c.Best))} conf [{string.Join(" ", chars.Select(c => c.Confidence.ToString("F2")))}] x [{string.Join(" ", chars.Select(c => c.X.ToString("F2")))}] left={ink.Left:F2} right={ink.Right:F2} chars={string.Join(" ", ink.Characters.Select(c => $"{c.X0:F2}-{c.X1:F2}"))}");
            }
            if (single && StackedLetters.Without(image, lineQuad, chars) is { } trimmed && trimmed.Count < chars.Count
                && !FitsStrictFormatOnlyWhole(chars, trimmed, allow))
                chars = [.. trimmed];
            // Read widened, the same goes for the line as detected: the room added beside it holds more than the stack.
            IReadOnlyList<Quad> endParts = g.WidenedFrom is { } detected ? [detected, detected] : [.. parts.Select(i => boxes[i].Quad)];
            if (single && whole is not null && StackedLetters.WithoutEndStacks(image, lineQuad, endParts, chars) is { } ends
                && ends.Count < chars.Count && !FitsStrictFormatOnlyWhole(chars, ends, allow))
                chars = [.. ends];
            // A doubted O, 0 or 8 of a plate-like line gets a second look on its own (a Q's tail, a B's flat side).
            if (single && chars.Count is >= 4 and <= 9 && GlyphCheck.Check(image, lineQuad, chars, PlateFormats.Default, allow, readQuads) is var looked
                && !ReferenceEquals(looked, chars))
            {
                if (s_debug) Console.Error.WriteLine($"  glyphs {string.Concat(chars.Select(c => c.Best))} -> {string.Concat(looked.Select(c => c.Best))}");
                chars = [.. looked];
            }
            var hyp = _reader.Read(chars, raw, allow, topN);
            if (hyp is null) continue;
            // A character of the number the detector left out of the line, found in the ink beside it and read alone.
            if (single && hyp.Confidence >= 0.7 && hyp.Text.Length is >= 3 and <= 8 && EdgeCharacters.Find(image, lineQuad) is var (edgeLeft, edgeRight)
                && (edgeLeft is not null || edgeRight is not null))
            {
                // Ink another detected line covers is that line's: the plate's other word (NO GODS), read with it when joined.
                bool Boxed(Quad? q) => q is { } glyph && usable.Any(j => !g.Boxes.Contains(j) && PlateGeometry.Containment(boxes[j].Quad, glyph) > 0.3f);
                if (Boxed(edgeLeft)) edgeLeft = null;
                if (Boxed(edgeRight)) edgeRight = null;
                var edgeQuads = new[] { edgeLeft, edgeRight }.Where(q => q is not null).Select(q => q!.Value).ToList();
                var edgeReads = readQuads(edgeQuads);
                int e = 0;
                var before = edgeLeft is null ? null : edgeReads[e++];
                var after = edgeRight is null ? null : edgeReads[e];
                static List<CharRead> Sure(LineRead? r) => r is { Chars: [var c] } && c.Confidence >= 0.8f ? [c] : [];
                var extended = Sure(before).Concat(chars).Concat(Sure(after)).ToList();
                if (s_debug) Console.Error.WriteLine($"  edge '{before?.RawText}' + {hyp.Text} + '{after?.RawText}'");
                if (extended.Count > chars.Count && _reader.Read(extended, raw, allow, topN) is { } wider)
                {
                    if (s_debug) Console.Error.WriteLine($"  edge read {wider.Text} score={wider.Score:F2} fmt={wider.MatchesFormat} (was {hyp.Score:F2})");
                    hyp = wider;
                }
            }
            // A band the detector left out of the line: its letters, read on their own, still name the country.
            if (bandRegion.Length == 0 && bandPossible && single && hyp.MatchesFormat && CountryBand.BandLeftOf(image, lineQuad) is { } bandQuad)
            {
                var bandRead = ReadOne(bandQuad);
                (bandRegion, bandProbability) = CountryBand.RegionOfBand(bandRead.Chars);
                if (s_debug) Console.Error.WriteLine($"  band read '{bandRead.RawText}' -> {bandRegion} p={bandProbability:F2}");
            }
            if (bandRegion.Length > 0 && (allow?.Invoke(bandRegion) ?? true))
            {
                // The country named on the band decides between formats that the text alone leaves open (Britain's
                // "UO01 LBM" read as Romania's "U001LBM"), when its code was read with confidence: the code's letters
                // are small, and a half-read code ("a" for CZ) must not turn a read that fits one country's format
                // into another's.
                bool sure = bandProbability >= 0.8;
                if (sure && !hyp.FormatRegions.Contains(bandRegion)
                    && _reader.Read(chars, raw, r => r == bandRegion, topN) is { MatchesFormat: true } banded && banded.Score > hyp.Score - 0.15)
                    hyp = banded;
                if (sure || hyp.FormatRegions.Count == 0 || hyp.FormatRegions.Contains(bandRegion)) hyp = hyp with { BandRegion = bandRegion };
            }
            var name = NearbyName(boxes, g, nameOf);
            // Wyoming's county number stands left of the bronco, apart from the number: the detector rarely boxes it.
            if (name is { } county && single && PlateFormats.Default.HasCountyLeft(county.Region)
                && lineQuad.StripLeft(1.8f * lineQuad.Height) is { } countyQuad)
            {
                var countyRead = ReadOne(countyQuad);
                var digits = countyRead.Chars.Where(c => char.IsAsciiDigit(c.Best) && c.Confidence >= 0.6f).ToList();
                // Read with the emblem beside it, the number can come out as the emblem's "characters": then the ink
                // finds it, beyond the emblem, and it is read alone.
                if (digits.Count == 0 && EdgeCharacters.Find(image, lineQuad, CountyGap).Left is { } countyGlyph)
                    digits = [.. ReadOne(countyGlyph).Chars.Where(c => char.IsAsciiDigit(c.Best) && c.Confidence >= 0.6f)];
                if (s_debug) Console.Error.WriteLine($"  county read '{countyRead.RawText}' -> {string.Concat(digits.Select(c => c.Best))}");
                if (digits.Count is 1 or 2 && _reader.Read([.. digits, .. chars], raw, r => r == county.Region, topN) is { MatchesFormat: true } withCounty)
                    hyp = withCounty;
            }
            // The state printed on the plate decides between formats that the text alone leaves open. A read that fits
            // only other states' formats owes its rank to them, which the printed state rules out: the best read under
            // the printed state's own formats, or under none, replaces it. Unless that one reads a 1 or 0 as I or O:
            // most states keep those letters out of their serials, and the state's listed formats are then the likelier
            // to be incomplete (Colorado's JX1000 would become JXI000).
            if (name is { } nm && !hyp.FormatRegions.Contains(nm.Region)
                && _reader.Read(chars, raw, r => r == nm.Region, topN, emblemExpected: true) is { } local
                && ((local.MatchesFormat && local.Score > hyp.Score - 0.15)
                    || (hyp.FormatRegions.Count > 0 && local.Text != hyp.Text && !LettersForDigits(hyp.Text, local.Text))))
                hyp = local;
            // A line joined from boxes side by side reads better whole, as a rule; but where the whole read fits none of
            // the printed state's formats and the boxes' own reads together do, those are the plate (Maryland's
            // "7BP D06", whose D the whole line read as 0).
            if (name is { } own && whole is not null && g.Lines == 1 && g.Boxes.Length > 1 && !hyp.FormatRegions.Contains(own.Region)
                && SideBySide(boxes, parts)
                && _reader.Read([.. parts.SelectMany(i => reads[i].Chars)], raw, r => r == own.Region, topN) is { MatchesFormat: true, Confidence: >= 0.8 } fromParts)
                hyp = fromParts;
            // Still short of every format of the printed state: the detector may have cut the last character off at
            // the plate's edge. Look just past the line's end for it.
            if (name is { } st && single && !hyp.FormatRegions.Contains(st.Region) && hyp.Text.Length >= 3)
                hyp = CompleteAtRightEdge(lineQuad, image.Width, chars, raw, st.Region, topN, ReadOne) ?? hyp;
            hyps.Add((g, hyp, name));
            if (s_debug) Console.Error.WriteLine($"  hyp [{string.Join(",", g.Boxes)}] {hyp.Text} score={hyp.Score:F2} conf={hyp.Confidence:F2} fmt={hyp.MatchesFormat} name={name?.Region}");
        }

        // Small print (stickers, dates, dealer lines) sits on the plate of a larger line; it is never the plate.
        var small = hyps.Select(h => IsSmallPrint(boxes, usable, reads, h.Group)
            || hyps.Any(o => IsWithinLargerGroup(h.Group, o.Group, o.Hyp))).ToList();
        bool anyFormat = hyps.Where((h, k) => !small[k]).Any(h => h.Hyp.MatchesFormat && h.Hyp.Confidence >= 0.5);
        var accepted = new List<(LineGroup Group, PlateHypothesis Hyp, (string Region, double Strength)? Name)>();
        // A plate number is its whole line: a part of a line that also reads whole, confidently and containing the
        // part, is not the plate (Idaho's "9B 352T", whose county code the detector boxed apart).
        var part = hyps.Select(h => h.Group.Lines == 1 && hyps.Any(o => o.Group.Lines == 1 && o.Group.Boxes.Length > h.Group.Boxes.Length
            && h.Group.Boxes.All(o.Group.Boxes.Contains) && o.Hyp.Confidence >= 0.9 && o.Hyp.Text.Contains(h.Hyp.Text, StringComparison.Ordinal)
            && o.Hyp.Text.Length <= PlateReader.MaxLength - 2)).ToList();
        // A widened line that gained no character only read the same characters with more clutter around them (a frame's
        // lettering over the plate's top edge turned HALTC02's T into an I): on a near tie its own line is the better read.
        var noTiePenalty = hyps.Select(h => !h.Group.Widened || hyps.Any(o => !o.Group.Widened && o.Group.Boxes.SequenceEqual(h.Group.Boxes)
            && h.Hyp.Text.Length > o.Hyp.Text.Length)).ToList();
        var order = Enumerable.Range(0, hyps.Count).OrderByDescending(k => hyps[k].Hyp.Score + (hyps[k].Name is null ? 0 : 0.3) - (small[k] ? 1.0 : 0) - (part[k] ? 0.5 : 0)
            - (noTiePenalty[k] ? 0 : WidenedTiePenalty));
        foreach (int k in order)
        {
            var h = hyps[k];
            bool hasDigit = h.Hyp.Text.Any(char.IsAsciiDigit);
            bool ok = h.Hyp.MatchesFormat
                ? h.Hyp.Confidence >= 0.5
                // Outside the known formats, demand a confident read that looks like a plate: a state name beside it,
                // or the largest print around when nothing in the image fits a format (vanity plates).
                : h.Hyp.Confidence >= 0.75 && h.Hyp.Text.Length is >= 2 and <= 9
                  && (h.Name is not null || (!anyFormat && !small[k] && h.Hyp.Text.Length >= 4 && (hasDigit || h.Hyp.Confidence >= 0.9)));
            if (!ok) continue;
            // The plate lies around its line as read either way, as detected or widened (the widened one reaches further
            // when the number stands off the plate's centre).
            if (accepted.Any(a => hyps.Any(o => o.Group.Boxes.SequenceEqual(a.Group.Boxes)
                && PlateGeometry.Containment(PlateAround(o.Group.Quad), h.Group.Quad) > 0.5f))) continue;
            accepted.Add(h);
        }

        var results = ImmutableArray.CreateBuilder<PlateResult>(accepted.Count);
        foreach (var (g, read, name) in accepted)
        {
            var (region, regionConf) = IdentifyRegion(read, name);
            var hyp = _reader.ZeroForO(read, region, allow);
            var corners = PlateCorners(g);
            results.Add(new PlateResult(
                hyp.Text,
                Math.Round(hyp.Confidence, 4),
                region,
                Math.Round(regionConf, 4),
                hyp.MatchesFormat,
                [.. hyp.Candidates],
                [.. hyp.CharConfidences.Select(c => Math.Round((double)c, 4))],
                corners,
                g.Lines));
        }
        return results.ToImmutable();
    }

    /// <summary>
    /// The plate number is the largest print on a plate: stickers, dates, slogans and dealer lines are smaller and lie
    /// within the plate of a larger line. A group is small print when such a larger line holds it.
    /// </summary>
    private static bool IsSmallPrint(List<TextBox> boxes, List<int> usable, Dictionary<int, LineRead> reads, LineGroup g)
    {
        float h = g.Quad.Height / g.Lines;
        foreach (int j in usable)
        {
            if (g.Boxes.Contains(j)) continue;
            var b = boxes[j];
            if (!reads.TryGetValue(j, out var r) || r.Chars.Count < 2) continue;
            // A lone wide glyph (an emblem, a big logo letter) frames nothing; three characters and more are a number,
            // however condensed ("548").
            if (b.Rect.Width < (r.Chars.Count >= 3 ? 1.1f : 1.5f) * b.Rect.Height) continue;
            if (OnPlateOf(b.Quad, g.Quad, h)) return true;
        }
        return false;
    }

    /// <summary>Whether the boxes, left to right, follow one another without overlapping (a line split, not covered twice).</summary>
    private static bool SideBySide(List<TextBox> boxes, int[] parts)
    {
        for (int k = 1; k < parts.Length; k++)
        {
            var a = boxes[parts[k - 1]].Rect;
            var b = boxes[parts[k]].Rect;
            if (b.Cx - b.Width / 2 < a.Cx + a.Width / 2 - 0.2f * MathF.Min(a.Height, b.Height)) return false;
        }
        return true;
    }

    /// <summary>Whether <paramref name="to"/> holds more of the letters I and O than <paramref name="from"/>: it read a 1 or 0 as one.</summary>
    private static bool LettersForDigits(string from, string to) =>
        to.Count(c => c is 'I' or 'O') > from.Count(c => c is 'I' or 'O');

    /// <summary>Whether box <paramref name="a"/> ends just left of <paramref name="b"/> on the same row of print.</summary>
    private static bool SameRowLeftOf(RotatedRect a, RotatedRect b)
    {
        float h = MathF.Min(a.Height, b.Height);
        float gap = (b.Cx - b.Width / 2) - (a.Cx + a.Width / 2);
        return MathF.Max(a.Height, b.Height) < 1.5f * h && MathF.Abs(a.Cy - b.Cy) < 0.5f * h && gap > -0.5f * h && gap < 1.5f * h;
    }

    /// <summary>Whether the whole read fits a format of a strict (not <c>!open</c>) region and the trimmed one fits none.</summary>
    private static bool FitsStrictFormatOnlyWhole(List<CharRead> whole, IReadOnlyList<CharRead> trimmed, Func<string, bool>? allow)
    {
        var formats = PlateFormats.Default;
        bool Strict(string r) => (allow?.Invoke(r) ?? true) && !formats.IsOpen(r);
        return formats.Matches(string.Concat(whole.Select(c => c.Best)), Strict) && !formats.Matches(string.Concat(trimmed.Select(c => c.Best)), Strict);
    }

    /// <summary>
    /// Small print on a plate whose number the detector split into short words (<c>BE GODS</c>): no single word is wide
    /// enough to frame the plate (see <see cref="IsSmallPrint"/>), but their line is.
    /// </summary>
    private static bool IsWithinLargerGroup(LineGroup g, LineGroup o, PlateHypothesis read)
    {
        if (o.Lines != 1 || o.Boxes.Length < 2 || o.Boxes.Any(g.Boxes.Contains) || read.Text.Length < 4) return false;
        return o.Quad.Width >= 1.5f * o.Quad.Height && OnPlateOf(o.Quad, g.Quad, g.Quad.Height / g.Lines);
    }

    /// <summary>
    /// Whether <paramref name="small"/>, print <paramref name="smallLineHeight"/> high, lies on the plate around the
    /// number line <paramref name="number"/>, at least 1.6 times as tall.
    /// </summary>
    private static bool OnPlateOf(Quad number, Quad small, float smallLineHeight) =>
        number.Height >= 1.6f * smallLineHeight && PlateGeometry.Containment(PlateAround(number), small) > 0.5f;

    private static (string Region, double Strength)? NearbyName(List<TextBox> boxes, LineGroup g, Dictionary<int, (string Region, double Strength)> nameOf)
    {
        var (x0, y0, x1, y1) = g.Quad.Bounds();
        float w = x1 - x0, h = (y1 - y0) / g.Lines;
        (string, double)? best = null;
        foreach (var (i, m) in nameOf)
        {
            if (g.Boxes.Contains(i)) continue;
            var r = boxes[i].Rect;
            if (r.Cx < x0 - 0.4f * w || r.Cx > x1 + 0.4f * w || r.Cy < y0 - 1.8f * h || r.Cy > y1 + 1.8f * h) continue;
            // A region name is smaller print than the plate number.
            if (r.Height > 1.3f * h) continue;
            if (best is null || m.Strength > best.Value.Item2) best = m;
        }
        return best;
    }

    private static (string Region, double Confidence) IdentifyRegion(PlateHypothesis hyp, (string Region, double Strength)? name)
    {
        if (hyp.BandRegion.Length > 0) return (hyp.BandRegion, 0.8);
        var fr = hyp.FormatRegions;
        if (name is { } n)
        {
            bool agrees = fr.Count == 0 || fr.Contains(n.Region);
            return (n.Region, n.Strength * (agrees ? 1.0 : 0.75));
        }
        if (fr.Count == 0) return ("", 0);
        if (fr.Count == 1) return (fr[0], 0.6);
        // Several regions share the format: the likeliest (FormatRegions comes most likely first), with its share, and
        // a little more when they all lie in one country.
        string country = Country(fr[0]);
        double conf = 0.55 * hyp.FormatRegionShare;
        return (fr[0], fr.All(r => Country(r) == country) && country != fr[0] ? conf + 0.05 : conf);
    }

    private static string Country(string region)
    {
        int dash = region.IndexOf('-', StringComparison.Ordinal);
        return dash < 0 ? region : region[..dash];
    }

    private static ImmutableArray<PointF> PlateCorners(LineGroup g)
    {
        // The text lines sit inside the plate's border: grow them to roughly the plate's outline.
        var q = g.Quad.Expand(0.12f, g.Lines == 2 ? 0.25f : 0.5f);
        return [q.TopLeft, q.TopRight, q.BottomRight, q.BottomLeft];
    }

    private static PixelRect ClampRoi(PixelRect? roi, int w, int h)
    {
        if (roi is not { } r) return new PixelRect(0, 0, w, h);
        int x0 = Math.Clamp(r.X, 0, w - 1), y0 = Math.Clamp(r.Y, 0, h - 1);
        int x1 = Math.Clamp(r.Right, x0 + 1, w), y1 = Math.Clamp(r.Bottom, y0 + 1, h);
        return new PixelRect(x0, y0, x1 - x0, y1 - y0);
    }

    internal static Func<string, bool>? AllowRegion(IReadOnlyList<string> expected)
    {
        if (expected.Count == 0) return null;
        var codes = expected.Select(e => e.Trim().ToLowerInvariant()).Where(e => e.Length > 0).ToArray();
        if (codes.Length == 0) return null;
        return region => codes.Any(e =>
            region == e
            || region.StartsWith(e + "-", StringComparison.Ordinal)
            || (e == "eu" && !region.StartsWith("us", StringComparison.Ordinal) && region != "br"));
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0) _models.Dispose();
    }
}
