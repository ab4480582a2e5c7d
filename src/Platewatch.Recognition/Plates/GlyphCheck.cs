using Platewatch.Recognition.Formats;
using Platewatch.Recognition.Imaging;
using Platewatch.Recognition.Ocr;

namespace Platewatch.Recognition.Plates;

/// <summary>
/// A second look at a doubted round character, cut out on its own. Read with its neighbours, the line recognizer
/// smooths over the small detail that tells a Q from an O or 0 (the tail) and a B from an 8 (the flat left side); read
/// alone, the glyph fills more of the recognizer's view and the detail decides. Measured on the US crops, the glyph
/// read alone names Q or B where the line read O, 0 or 8 only when the plate has a Q or B there, while in the other
/// direction (a Q or B read as 0 or 8 alone) it is as often wrong as right: so only that one direction is taken.
/// </summary>
internal static class GlyphCheck
{
    private const int LineHeight = 64;
    private const int MaxWidth = 640;

    /// <summary>A line character at least this sure is not looked at again.</summary>
    public const float SureCharacter = 0.95f;

    /// <summary>The glyph read alone must be at least this sure of the Q or B.</summary>
    public const float SureGlyph = 0.5f;

    /// <summary>
    /// The characters with each doubted O, 0 or 8 looked at again alone (<see cref="Doubtful"/>, <see cref="Locate"/>,
    /// <see cref="Apply"/>), its cut-outs read in one batch by <paramref name="read"/>; the read itself when nothing changed.
    /// </summary>
    public static IReadOnlyList<CharRead> Check(RasterImage image, Quad line, IReadOnlyList<CharRead> chars, PlateFormats formats,
        Func<string, bool>? allowRegion, Func<IReadOnlyList<Quad>, LineRead[]> read)
    {
        var doubtful = Doubtful(chars, formats, allowRegion);
        if (doubtful.Count == 0) return chars;
        var glyphs = Locate(image, line, chars, doubtful);
        var found = Enumerable.Range(0, glyphs.Length).Where(n => glyphs[n] is not null).ToList();
        if (found.Count == 0) return chars;
        var reads = read([.. found.Select(n => glyphs[n]!.Value)]);
        var alone = new LineRead?[doubtful.Count];
        for (int k = 0; k < found.Count; k++) alone[found[k]] = reads[k];
        return Apply(chars, doubtful, alone);
    }

    /// <summary>
    /// The characters worth a second look: O, 0 and 8 the line read doubted, where the allowed regions' formats could
    /// hold the Q or B instead (a Brazilian plate's digit slots cannot).
    /// </summary>
    public static List<int> Doubtful(IReadOnlyList<CharRead> chars, PlateFormats formats, Func<string, bool>? allowRegion)
    {
        var list = new List<int>();
        for (int i = 0; i < chars.Count; i++)
        {
            var c = chars[i];
            if (c.Confidence >= SureCharacter) continue;
            char to = c.Best switch { 'O' or '0' => 'Q', '8' => 'B', _ => '\0' };
            if (to != '\0' && formats.MayHold(chars.Count, i, to, allowRegion)) list.Add(i);
        }
        return list;
    }

    /// <summary>
    /// The quad of each listed character's glyph in the image, with a margin around its ink, or null where its ink is
    /// not one clean blob of its own (touching a neighbour or the border, broken, or shared with another character).
    /// </summary>
    public static Quad?[] Locate(RasterImage image, Quad line, IReadOnlyList<CharRead> chars, IReadOnlyList<int> which)
    {
        var result = new Quad?[which.Count];
        if (which.Count == 0) return result;
        int w = Math.Clamp((int)MathF.Round(LineHeight * line.Width / MathF.Max(1, line.Height)), LineHeight, MaxWidth);
        int h = LineHeight;
        // A margin above and below: a Q's tail may hang below the other characters.
        var patchQuad = line.Expand(0, 0.12f);
        using var patch = InkPatch.Of(image, patchQuad, w, h);
        // Dark characters on a light plate or light on dark: the polarity with more character-sized blobs is the ink.
        var dark = Characters(patch.Components(dark: true), h);
        var light = Characters(patch.Components(dark: false), h);
        var blobs = light.Count > dark.Count ? light : dark;
        if (blobs.Count == 0) return result;

        var owner = new int[chars.Count];
        for (int i = 0; i < chars.Count; i++)
        {
            float x = chars[i].X * w;
            owner[i] = blobs.FindIndex(b => x >= b.X0 - 1 && x < b.X1 + 1);
        }
        for (int n = 0; n < which.Count; n++)
        {
            int k = owner[which[n]];
            if (k < 0 || owner.Count(o => o == k) > 1) continue;
            result[n] = Glyph(patchQuad, blobs[k], w, h);
        }
        return result;
    }

    /// <summary>The quad of a blob of the patch, with room around its ink as the recognizer saw characters in its training lines.</summary>
    internal static Quad Glyph(Quad patchQuad, Blob b, int w, int h)
    {
        float mu = 0.25f * b.Width, mv = 0.08f * b.Height;
        return patchQuad.Part(Math.Max(0, (b.X0 - mu) / w), Math.Max(0, (b.Y0 - mv) / h), Math.Min(1, (b.X1 + mu) / w), Math.Min(1, (b.Y1 + mv) / h));
    }

    /// <summary>
    /// The characters with each doubted one replaced where its glyph, read alone, is a sure Q (for an O or 0) or B (for
    /// an 8). The line read's probabilities of the two characters swap, so the old reading stays the first alternative.
    /// </summary>
    public static IReadOnlyList<CharRead> Apply(IReadOnlyList<CharRead> chars, IReadOnlyList<int> which, IReadOnlyList<LineRead?> alone)
    {
        List<CharRead>? changed = null;
        for (int n = 0; n < which.Count; n++)
        {
            if (alone[n] is not { Chars: [var glyph] } || glyph.Confidence < SureGlyph) continue;
            var c = chars[which[n]];
            char to = c.Best switch
            {
                'O' or '0' when glyph.Best == 'Q' => 'Q',
                '8' when glyph.Best == 'B' => 'B',
                _ => '\0',
            };
            if (to == '\0') continue;
            var dist = (float[])c.Alnum.Clone();
            int a = Alphabet.IndexOf(c.Best), b = Alphabet.IndexOf(to);
            (dist[a], dist[b]) = (dist[b], dist[a]);
            changed ??= [.. chars];
            changed[which[n]] = new CharRead(to, dist[b], dist, c.X, c.Steps);
        }
        return changed ?? chars;
    }

    /// <summary>Blobs of a character's size, aligned on the characters' common top (a Q's tail may hang lower).</summary>
    internal static List<Blob> Characters(List<Blob> blobs, int h)
    {
        var main = blobs.Where(b => b.Height >= 0.5f * h && b.Height < 0.98f * h && b.Width <= 0.9f * h && b.Width >= 2).ToList();
        if (main.Count == 0) return main;
        int medTop = main.Select(b => b.Y0).Order().ElementAt(main.Count / 2);
        int medBottom = main.Select(b => b.Y1).Order().ElementAt(main.Count / 2);
        float hm = medBottom - medTop;
        return main.Where(b => Math.Abs(b.Y0 - medTop) <= 0.12f * hm && b.Y1 >= medBottom - 0.12f * hm && b.Y1 <= medBottom + 0.25f * hm)
            .OrderBy(b => b.X0).ToList();
    }
}
