using SkiaSharp;

namespace Platewatch.Rendering;

/// <summary>The look of a plate: colours, layout and the small print around the number.</summary>
public enum PlateStyle
{
    /// <summary>White US plate: state name above, slogan below, dark blue number.</summary>
    UnitedStates,

    /// <summary>White EU plate with the blue country band on the left.</summary>
    European,

    /// <summary>The older grey Brazilian plate with the city line above.</summary>
    BrazilGrey,

    /// <summary>A square plate with the number on two lines (motorcycles, some EU and Brazilian plates).</summary>
    TwoLine,
}

/// <summary>What to render, and how to spoil it.</summary>
public sealed record PlateSpec
{
    public required string Text { get; init; }
    public PlateStyle Style { get; init; } = PlateStyle.UnitedStates;

    /// <summary>Printed small: the state name (US), the country code in the band (EU), the city (Brazil).</summary>
    public string TopText { get; init; } = "";
    public string BottomText { get; init; } = "";

    /// <summary>US: two small letters stacked left of the number, as the plate type is printed on many US plates ("RT").</summary>
    public string StackedLetters { get; init; } = "";

    /// <summary>US: a registration sticker in the top left corner, with this text ("04-30").</summary>
    public string Sticker { get; init; } = "";

    /// <summary>The plate's colour as 0xRRGGBB, where it differs from the style's (the yellow rear plates of the UK and the Netherlands, black US plates).</summary>
    public int? Background { get; init; }

    /// <summary>The number's colour as 0xRRGGBB, where it differs from the style's (light characters on a black plate).</summary>
    public int? Ink { get; init; }

    /// <summary>Grey, as an infrared camera sees the plate: no colour anywhere, the EU band only darker than the plate.</summary>
    public bool Infrared { get; init; }

    /// <summary>Plate width in output pixels before perspective.</summary>
    public int Width { get; init; } = 240;

    /// <summary>Gaussian blur sigma in pixels; 0 for none.</summary>
    public float Blur { get; init; }

    /// <summary>Standard deviation of additive noise, in grey levels.</summary>
    public float Noise { get; init; }

    /// <summary>Contrast multiplier about mid grey: 1 keeps it, 0.3 is a washed-out plate.</summary>
    public float Contrast { get; init; } = 1f;

    /// <summary>Corner displacement as a fraction of the plate size: a view from the side.</summary>
    public float Perspective { get; init; }

    /// <summary>Rotation in degrees.</summary>
    public float Rotation { get; init; }

    /// <summary>JPEG quality 1-100 for artefacts; 0 keeps the image lossless.</summary>
    public int JpegQuality { get; init; }

    /// <summary>Margin of background around the plate, as a fraction of its width.</summary>
    public float Margin { get; init; } = 0.15f;

    public int Seed { get; init; } = 1;
}

/// <summary>
/// Renders synthetic plates with SkiaSharp from a font file (the NoDependencies native assets cannot load system
/// fonts by family name). Thread-safe: every call builds its own surface.
/// </summary>
public sealed class PlateRenderer : IDisposable
{
    private readonly SKTypeface _bold;
    private readonly SKTypeface _regular;

    public PlateRenderer(string boldFontFile, string? regularFontFile = null)
    {
        _bold = LoadFont(boldFontFile);
        _regular = regularFontFile is null ? _bold : LoadFont(regularFontFile);
    }

    /// <summary>The bold face, for other text drawn beside plates.</summary>
    public SKTypeface Typeface => _bold;

    /// <summary>A renderer using DejaVu fonts (Debian: <c>apt-get install fonts-dejavu-core</c>), or $PLATEWATCH_FONT.</summary>
    public static PlateRenderer CreateDefault()
    {
        string? env = Environment.GetEnvironmentVariable("PLATEWATCH_FONT");
        if (!string.IsNullOrWhiteSpace(env)) return new PlateRenderer(env);
        string[] dirs = ["/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/local/share/fonts"];
        foreach (string d in dirs)
        {
            string bold = Path.Combine(d, "DejaVuSans-Bold.ttf");
            if (File.Exists(bold)) return new PlateRenderer(bold, Path.Combine(d, "DejaVuSans.ttf") is var r && File.Exists(r) ? r : null);
        }
        throw new FileNotFoundException("No font for the plate renderer: install fonts-dejavu-core (apt-get install -y fonts-dejavu-core) or set PLATEWATCH_FONT to a .ttf file.");
    }

    private static SKTypeface LoadFont(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Font file not found: {path}. Install fonts-dejavu-core or set PLATEWATCH_FONT.", path);
        return SKTypeface.FromFile(path) ?? throw new InvalidDataException($"{path} is not a font SkiaSharp can load.");
    }

    /// <summary>Renders the plate and encodes it: PNG, or JPEG when <see cref="PlateSpec.JpegQuality"/> is set.</summary>
    public byte[] RenderEncoded(PlateSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        using var bmp = Render(spec);
        return Encode(bmp, spec.JpegQuality);
    }

    public static byte[] Encode(SKBitmap bmp, int jpegQuality)
    {
        ArgumentNullException.ThrowIfNull(bmp);
        using var img = SKImage.FromBitmap(bmp);
        using var data = jpegQuality > 0 ? img.Encode(SKEncodedImageFormat.Jpeg, jpegQuality) : img.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>Renders the plate on a plain background, spoiled as the spec asks.</summary>
    public SKBitmap Render(PlateSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        using var plate = DrawPlate(spec);
        int margin = (int)(spec.Width * spec.Margin);
        int outW = plate.Width + 2 * margin, outH = plate.Height + 2 * margin;
        var bmp = new SKBitmap(new SKImageInfo(outW, outH, SKColorType.Bgra8888, SKAlphaType.Opaque));
        using (var canvas = new SKCanvas(bmp))
        {
            canvas.Clear(new SKColor(70, 72, 78));
            DrawWarped(canvas, plate, new SKRect(margin, margin, margin + plate.Width, margin + plate.Height), spec.Perspective, spec.Rotation, spec.Seed);
        }
        Spoil(bmp, spec.Blur, spec.Noise, spec.Contrast, spec.Seed);
        if (spec.Infrared) ToGrey(bmp);
        return bmp;
    }

    /// <summary>Draws a plate image into a canvas at a destination rectangle, with perspective and rotation (for scene frames).</summary>
    public void DrawPlate(SKCanvas canvas, PlateSpec spec, SKRect dest)
    {
        ArgumentNullException.ThrowIfNull(canvas);
        ArgumentNullException.ThrowIfNull(spec);
        using var plate = DrawPlate(spec with { Width = Math.Max(120, (int)dest.Width) });
        DrawWarped(canvas, plate, dest, spec.Perspective, spec.Rotation, spec.Seed);
    }

    private static void DrawWarped(SKCanvas canvas, SKBitmap plate, SKRect dest, float perspective, float rotation, int seed)
    {
        var rng = new Random(seed);
        float dx = perspective * dest.Width, dy = perspective * dest.Height;
        // Move the right edge in and the corners up or down, as a plate seen from one side.
        var src = new[] { new SKPoint(0, 0), new SKPoint(plate.Width, 0), new SKPoint(plate.Width, plate.Height), new SKPoint(0, plate.Height) };
        float side = rng.Next(2) == 0 ? 1 : -1;
        var dst = new[]
        {
            new SKPoint(dest.Left, dest.Top + (side < 0 ? dy : 0)),
            new SKPoint(dest.Right - dx * 0.3f, dest.Top + (side > 0 ? dy : 0)),
            new SKPoint(dest.Right - dx * 0.3f, dest.Bottom - (side > 0 ? dy : 0)),
            new SKPoint(dest.Left, dest.Bottom - (side < 0 ? dy : 0)),
        };
        var m = Perspective(src, dst);
        canvas.Save();
        canvas.RotateDegrees(rotation, dest.MidX, dest.MidY);
        canvas.Concat(in m);
        using var image = SKImage.FromBitmap(plate);
        using var paint = new SKPaint { IsAntialias = true };
        canvas.DrawImage(image, 0, 0, new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear), paint);
        canvas.Restore();
    }

    private SKBitmap DrawPlate(PlateSpec spec)
    {
        bool twoLine = spec.Style == PlateStyle.TwoLine;
        int w = spec.Width;
        int h = spec.Style switch
        {
            PlateStyle.European => (int)(w * 0.22f),
            PlateStyle.TwoLine => (int)(w * 0.8f),
            PlateStyle.BrazilGrey => (int)(w * 0.33f),
            _ => (int)(w * 0.5f),
        };
        var bmp = new SKBitmap(new SKImageInfo(w, h, SKColorType.Bgra8888, SKAlphaType.Opaque));
        using var canvas = new SKCanvas(bmp);
        var background = spec.Background is { } bg ? Rgb(bg) : spec.Style == PlateStyle.BrazilGrey ? new SKColor(190, 192, 194) : new SKColor(245, 245, 240);
        var ink = spec.Ink is { } inkRgb ? Rgb(inkRgb) : spec.Style == PlateStyle.UnitedStates ? new SKColor(20, 30, 110) : new SKColor(15, 15, 15);
        canvas.Clear(background);
        using var border = new SKPaint { Color = new SKColor(40, 40, 40), Style = SKPaintStyle.Stroke, StrokeWidth = Math.Max(2, w / 100f), IsAntialias = true };
        canvas.DrawRoundRect(new SKRect(1, 1, w - 1, h - 1), w / 40f, w / 40f, border);

        float left = w * 0.05f, right = w * 0.95f;
        switch (spec.Style)
        {
            case PlateStyle.European:
            {
                float band = w * 0.085f;
                using var blue = new SKPaint { Color = new SKColor(0, 51, 153) };
                canvas.DrawRect(new SKRect(2, 2, band, h - 2), blue);
                if (spec.TopText.Length > 0)
                    DrawText(canvas, spec.TopText, _bold, SKColors.White, new SKRect(2, h * 0.55f, band, h * 0.92f), condensed: false);
                left = band + w * 0.03f;
                DrawText(canvas, spec.Text, _bold, ink, new SKRect(left, h * 0.12f, right, h * 0.88f), condensed: true);
                break;
            }
            case PlateStyle.TwoLine:
            {
                int split = spec.Text.Length / 2;
                string top = spec.Text[..split], bottom = spec.Text[split..];
                DrawText(canvas, top, _bold, ink, new SKRect(left, h * 0.08f, right, h * 0.46f), condensed: false);
                DrawText(canvas, bottom, _bold, ink, new SKRect(left, h * 0.54f, right, h * 0.92f), condensed: false);
                break;
            }
            case PlateStyle.BrazilGrey:
                if (spec.TopText.Length > 0)
                    DrawText(canvas, spec.TopText, _bold, ink, new SKRect(w * 0.2f, h * 0.06f, w * 0.8f, h * 0.24f), condensed: false);
                DrawText(canvas, spec.Text, _bold, ink, new SKRect(left, h * 0.3f, right, h * 0.92f), condensed: true);
                break;
            default:
                if (spec.TopText.Length > 0)
                    DrawText(canvas, spec.TopText, _bold, new SKColor(170, 20, 30), new SKRect(w * 0.15f, h * 0.05f, w * 0.85f, h * 0.22f), condensed: false);
                if (spec.BottomText.Length > 0)
                    DrawText(canvas, spec.BottomText, _regular, new SKColor(20, 30, 110), new SKRect(w * 0.2f, h * 0.8f, w * 0.8f, h * 0.94f), condensed: false);
                if (spec.Sticker.Length > 0)
                {
                    var sticker = new SKRect(w * 0.02f, h * 0.04f, w * 0.19f, h * 0.2f);
                    using var fill = new SKPaint { Color = new SKColor(250, 210, 40) };
                    canvas.DrawRect(sticker, fill);
                    sticker.Inflate(-w * 0.008f, -h * 0.025f);
                    DrawText(canvas, spec.Sticker, _bold, new SKColor(20, 20, 20), sticker, condensed: true);
                }
                if (spec.StackedLetters.Length > 0)
                {
                    // Each letter half the number's height, one over the other, in a column left of the number.
                    float col = w * 0.12f;
                    for (int i = 0; i < Math.Min(2, spec.StackedLetters.Length); i++)
                        DrawText(canvas, spec.StackedLetters[i].ToString(), _bold, ink, new SKRect(left, h * (0.27f + 0.26f * i), left + col, h * (0.51f + 0.26f * i)), condensed: false);
                    left += col + w * 0.02f;
                }
                DrawText(canvas, spec.Text, _bold, ink, new SKRect(left, h * 0.27f, right, h * 0.77f), condensed: true);
                break;
        }
        return bmp;
    }

    private static SKColor Rgb(int rgb) => new((byte)(rgb >> 16), (byte)(rgb >> 8), (byte)rgb);

    /// <summary>Draws text filling the box's height, squeezed horizontally if it would overflow.</summary>
    private static void DrawText(SKCanvas canvas, string text, SKTypeface face, SKColor color, SKRect box, bool condensed)
    {
        using var font = new SKFont(face, 100) { Edging = SKFontEdging.Antialias };
        font.MeasureText(text, out SKRect bounds);
        if (bounds.Height <= 0 || bounds.Width <= 0) return;
        float scale = box.Height / bounds.Height;
        float width = bounds.Width * scale;
        float sx = 1;
        float maxW = box.Width * (condensed ? 0.98f : 0.95f);
        if (width > maxW) sx = maxW / width;
        using var paint = new SKPaint { Color = color, IsAntialias = true };
        canvas.Save();
        canvas.Translate(box.MidX - width * sx / 2, box.Bottom);
        canvas.Scale(sx * scale, scale);
        canvas.DrawText(text, -bounds.Left, -bounds.Bottom, SKTextAlign.Left, font, paint);
        canvas.Restore();
    }

    /// <summary>Each pixel its grey level (Rec. 601 weights), in all three channels.</summary>
    private static void ToGrey(SKBitmap bmp)
    {
        var px = bmp.GetPixelSpan();
        for (int i = 0; i < px.Length; i += 4)
        {
            byte grey = (byte)((px[i] * 29 + px[i + 1] * 150 + px[i + 2] * 77) >> 8); // BGRA
            px[i] = px[i + 1] = px[i + 2] = grey;
        }
    }

    private static void Spoil(SKBitmap bmp, float blur, float noise, float contrast, int seed)
    {
        if (blur > 0)
        {
            using var copy = bmp.Copy();
            using var canvas = new SKCanvas(bmp);
            using var filter = SKImageFilter.CreateBlur(blur, blur);
            using var paint = new SKPaint { ImageFilter = filter };
            using var img = SKImage.FromBitmap(copy);
            canvas.DrawImage(img, 0, 0, new SKSamplingOptions(SKFilterMode.Linear), paint);
        }
        if (noise <= 0 && Math.Abs(contrast - 1) < 1e-3) return;
        var rng = new Random(seed * 7919 + 1);
        var span = bmp.GetPixelSpan();
        for (int i = 0; i < span.Length; i += 4)
        {
            float n = noise > 0 ? Gaussian(rng) * noise : 0;
            for (int c = 0; c < 3; c++)
            {
                float v = (span[i + c] - 128) * contrast + 128 + n;
                span[i + c] = (byte)Math.Clamp(v, 0, 255);
            }
        }
    }

    private static float Gaussian(Random rng)
    {
        double u1 = 1 - rng.NextDouble(), u2 = rng.NextDouble();
        return (float)(Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
    }

    /// <summary>The perspective matrix taking four source points onto four destination points.</summary>
    private static SKMatrix Perspective(SKPoint[] s, SKPoint[] d)
    {
        // Solve the 8x8 system for h11..h32 (h33 = 1).
        var a = new double[8, 9];
        for (int i = 0; i < 4; i++)
        {
            double x = s[i].X, y = s[i].Y, u = d[i].X, v = d[i].Y;
            double[] r1 = [x, y, 1, 0, 0, 0, -u * x, -u * y, u];
            double[] r2 = [0, 0, 0, x, y, 1, -v * x, -v * y, v];
            for (int j = 0; j < 9; j++) { a[2 * i, j] = r1[j]; a[2 * i + 1, j] = r2[j]; }
        }
        for (int c = 0; c < 8; c++)
        {
            int p = c;
            for (int r = c + 1; r < 8; r++) if (Math.Abs(a[r, c]) > Math.Abs(a[p, c])) p = r;
            for (int j = 0; j < 9; j++) (a[c, j], a[p, j]) = (a[p, j], a[c, j]);
            for (int r = 0; r < 8; r++)
            {
                if (r == c) continue;
                double f = a[r, c] / a[c, c];
                for (int j = c; j < 9; j++) a[r, j] -= f * a[c, j];
            }
        }
        double H(int i) => a[i, 8] / a[i, i];
        return new SKMatrix((float)H(0), (float)H(1), (float)H(2), (float)H(3), (float)H(4), (float)H(5), (float)H(6), (float)H(7), 1);
    }

    public void Dispose()
    {
        if (!ReferenceEquals(_regular, _bold)) _regular.Dispose();
        _bold.Dispose();
    }
}
