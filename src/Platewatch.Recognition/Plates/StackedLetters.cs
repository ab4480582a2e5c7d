using Platewatch.Recognition.Imaging;
using Platewatch.Recognition.Ocr;

namespace Platewatch.Recognition.Plates;

/// <summary>
/// Two small letters stacked one above the other at an end of the number: the plate type on many US plates ("RT" for
/// a Massachusetts trust plate, "HC" for a disability plate, "MC"). They are not part of the number, but the line
/// recognizer, which reads one row of text, turns the stack into one or two characters ("F72LY" for "RT 72LY").
/// The stack is told by the ink: two blobs of about half the number's height, one over the other, beside the
/// full-height characters and narrower than they are.
/// </summary>
internal static class StackedLetters
{
    /// <summary>Height of the rectified line in pixels: enough for half-height letters to stay whole.</summary>
    private const int LineHeight = 48;

    private const int MaxWidth = 480;

    /// <summary>
    /// The characters of the read with those that the recognizer made of a stacked pair at either end left out, and an
    /// end character it doubted over a symbol (the wheelchair of a disability plate); the read itself when there is
    /// nothing to drop, or when fewer than two characters would be left.
    /// </summary>
    public static IReadOnlyList<CharRead> Without(RasterImage image, Quad line, IReadOnlyList<CharRead> chars)
    {
        if (chars.Count < 3) return chars;
        // A character the recognizer made of an emblem between the groups (Virginia's seal) is one it barely believes.
        int emblem = -1;
        for (int i = 1; i < chars.Count - 1; i++)
        {
            if (chars[i].Confidence >= EmblemDoubt) continue;
            if (emblem >= 0) { emblem = -1; break; } // two such: the ink is too poor to tell
            emblem = i;
        }
        // The recognizer is never sure of a character it made of a stack or a symbol: a line sure of both its ends and
        // of all between (most lines) is left alone without looking at its ink.
        if (chars[0].Confidence >= SureEnd && chars[^1].Confidence >= SureEnd && emblem < 0) return chars;
        var ink = Find(image, line);
        int first = 0, last = chars.Count - 1;
        while (first <= last && chars[first].X < ink.Left) first++;
        while (last >= first && chars[last].X > ink.Right) last--;
        if (ink.Characters.Length >= 2)
        {
            if (last - first >= 2 && chars[first].Confidence < DoubtedCharacter && ink.IsSymbolAt(chars[first].X)) first++;
            if (last - first >= 2 && chars[last].Confidence < DoubtedCharacter && ink.IsSymbolAt(chars[last].X)) last--;
        }
        var kept = chars.Skip(first).Take(last - first + 1).ToList();
        // The emblem's character stands over no character's ink, while the ink shows one for the others (all but one at
        // most: a character touching the emblem merges with it).
        if (emblem > first && emblem < last && kept.Count >= 4 && !ink.IsCharacterAt(chars[emblem].X)
            && kept.Count(c => !ReferenceEquals(c, chars[emblem]) && !ink.IsCharacterAt(c.X)) <= 1)
            kept.Remove(chars[emblem]);
        return kept.Count < 2 || kept.Count == chars.Count ? chars : kept;
    }

    /// <summary>
    /// For a line joined from several detected boxes, the characters with those read over a stack at the outer end of
    /// its first or last box left out: the joined line's ink is often too mixed (an emblem between the boxes, Wyoming's
    /// bronco) to find the stack in, while the end box alone shows it.
    /// </summary>
    public static IReadOnlyList<CharRead> WithoutEndStacks(RasterImage image, Quad line, IReadOnlyList<Quad> parts, IReadOnlyList<CharRead> chars)
    {
        if (parts.Count < 2 || chars.Count < 3) return chars;
        int first = 0, last = chars.Count - 1;
        if (chars[^1].Confidence < SureEnd && Find(image, parts[^1]) is { Right: < 1 } r)
        {
            float bound = Along(line, parts[^1].At(r.Right, 0.5f));
            while (last > first && chars[last].X > bound) last--;
        }
        if (chars[0].Confidence < SureEnd && Find(image, parts[0]) is { Left: > 0 } l)
        {
            float bound = Along(line, parts[0].At(l.Left, 0.5f));
            while (first < last && chars[first].X < bound) first++;
        }
        int kept = last - first + 1;
        return kept < 2 || kept == chars.Count ? chars : [.. chars.Skip(first).Take(kept)];
    }

    /// <summary>Where point <paramref name="p"/> lies along the line, 0 at its left edge and 1 at its right.</summary>
    private static float Along(Quad line, PointF p)
    {
        var a = line.At(0, 0.5f);
        var b = line.At(1, 0.5f);
        float dx = b.X - a.X, dy = b.Y - a.Y;
        return ((p.X - a.X) * dx + (p.Y - a.Y) * dy) / MathF.Max(1e-3f, dx * dx + dy * dy);
    }

    /// <summary>Below this confidence a character between others may be an emblem (Virginia's seal read 0.34).</summary>
    private const float EmblemDoubt = 0.5f;

    /// <summary>
    /// End characters at least this sure are not looked at. Those made of stacks on the US crops read 0.26-0.90, and
    /// those made of symbols 0.47-0.67.
    /// </summary>
    private const float SureEnd = 0.95f;

    /// <summary>Below this confidence an end character over a symbol is taken for the symbol.</summary>
    private const float DoubtedCharacter = 0.75f;

    /// <summary>
    /// What the ink of a line shows: where the number runs between the stacks, as fractions of the line's width ((0, 1)
    /// when neither end has one), and the columns of its full-height characters, aligned on their common top and bottom.
    /// The stack bound is the middle of the gap between a stack and the nearest full-height character, since the
    /// recognizer places a character it made of the stack anywhere over the stack's columns.
    /// </summary>
    internal sealed record LineInk(float Left, float Right, (float X0, float X1)[] Characters, (float X0, float X1)[] Symbols)
    {
        public static LineInk None { get; } = new(0, 1, [], []);

        /// <summary>
        /// Whether the ink under position <paramref name="x"/> is a symbol: a large blob off the characters' top or
        /// bottom line, and no full-height character (give or take a third of one).
        /// </summary>
        public bool IsSymbolAt(float x) => Symbols.Any(c => Near(c, x)) && !Characters.Any(c => Near(c, x));

        /// <summary>Whether position <paramref name="x"/> lies over a full-height character (give or take a third of one).</summary>
        public bool IsCharacterAt(float x) => Characters.Any(c => Near(c, x));

        private static bool Near((float X0, float X1) c, float x) => x >= c.X0 - 0.35f * (c.X1 - c.X0) && x <= c.X1 + 0.35f * (c.X1 - c.X0);
    }

    internal static LineInk Find(RasterImage image, Quad line)
    {
        int w = Math.Clamp((int)MathF.Round(LineHeight * line.Width / MathF.Max(1, line.Height)), LineHeight, MaxWidth);
        // A little above and below the line, so that the detector's tight box does not cut the stacked letters' ink.
        var quad = line.Expand(0, 0.12f);
        int h = LineHeight;
        using var patch = InkPatch.Of(image, quad, w, h);
        var best = LineInk.None;
        int bestMain = 1;
        // Dark letters on a light plate, or light letters on a dark one: the polarity with more full-height
        // characters is the ink.
        foreach (bool dark in (ReadOnlySpan<bool>)[true, false])
        {
            var blobs = patch.Components(dark);
            var main = blobs.Where(b => b.Height >= 0.55f * h && b.Height < 0.98f * h && b.Width <= 0.9f * h).ToList();
            if (main.Count <= bestMain) continue;
            bestMain = main.Count;
            best = Analyse(blobs, main, w);
        }
        return best;
    }

    private static LineInk Analyse(List<Blob> blobs, List<Blob> main, int w)
    {
        var heights = main.Select(b => b.Height).Order().ToList();
        var widths = main.Select(b => b.Width).Order().ToList();
        float hm = heights[heights.Count / 2], wm = widths[widths.Count / 2];
        int top = main.Min(b => b.Y0), bottom = main.Max(b => b.Y1);
        int mainLeft = main.Min(b => b.X0), mainRight = main.Max(b => b.X1);

        float left = 0, right = 1;
        // Beside the number, no further than a character's width: farther off, it is an emblem or a broken word.
        if (Stack(blobs.Where(b => b.X1 <= mainLeft && b.X1 >= mainLeft - wm), hm, wm, top, bottom) is { } l) left = (l.X1 + mainLeft) / 2f / w;
        if (Stack(blobs.Where(b => b.X0 >= mainRight && b.X0 <= mainRight + wm), hm, wm, top, bottom) is { } r) right = (r.X0 + mainRight) / 2f / w;

        int medTop = main.Select(b => b.Y0).Order().ElementAt(main.Count / 2);
        int medBottom = main.Select(b => b.Y1).Order().ElementAt(main.Count / 2);
        bool Aligned(Blob b) => Math.Abs(b.Y0 - medTop) <= 0.15f * hm && Math.Abs(b.Y1 - medBottom) <= 0.15f * hm;
        var characters = main.Where(Aligned).Select(b => (b.X0 / (float)w, b.X1 / (float)w)).ToArray();
        // A symbol is as big as a character but sits off their lines: the wheelchair's seat starts well below the tops.
        var symbols = blobs.Where(b => b.Height >= 0.4f * hm && b.Height <= 0.9f * hm && b.Width >= 0.5f * wm && b.Width <= 1.6f * wm
                && (Math.Abs(b.Y0 - medTop) > 0.25f * hm || Math.Abs(b.Y1 - medBottom) > 0.25f * hm))
            .Select(b => (b.X0 / (float)w, b.X1 / (float)w)).ToArray();
        return new LineInk(left, right, characters, symbols);
    }

    /// <summary>The column of a stacked pair among the blobs, or null: two blobs of 25-62 % of the characters' height,
    /// one over the other with a gap between, together about the characters' height and not wider than a character.</summary>
    private static Blob? Stack(IEnumerable<Blob> side, float hm, float wm, int top, int bottom)
    {
        var small = side.Where(b => b.Height >= 0.25f * hm && b.Height <= 0.62f * hm && b.Width <= 0.9f * hm
            && b.Y0 >= top - 0.15f * hm && b.Y1 <= bottom + 0.15f * hm).ToList();
        foreach (var a in small)
        {
            foreach (var b in small)
            {
                if (b.Y0 <= a.Y1) continue; // b lies below a, with a gap
                int x0 = Math.Min(a.X0, b.X0), x1 = Math.Max(a.X1, b.X1);
                int overlap = Math.Min(a.X1, b.X1) - Math.Max(a.X0, b.X0);
                if (overlap < 0.5f * Math.Min(a.Width, b.Width)) continue;
                if (b.Y1 - a.Y0 < 0.75f * hm || x1 - x0 > 1.15f * wm + 2) continue;
                return new Blob(x0, a.Y0, x1, b.Y1, 0);
            }
        }
        return null;
    }
}
