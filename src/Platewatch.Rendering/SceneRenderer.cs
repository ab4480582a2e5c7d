using SkiaSharp;

namespace Platewatch.Rendering;

/// <summary>A plate placed in a frame.</summary>
public sealed record PlacedPlate(PlateSpec Plate, float X, float Y);

/// <summary>
/// Renders video-like frames: a road-ish background with clutter (signs, a timestamp overlay) and plates placed on
/// it. Used by the recognition benchmark and by the edge agent's simulated cameras.
/// </summary>
public sealed class SceneRenderer(PlateRenderer plates)
{
    public SKBitmap Render(int width, int height, IReadOnlyList<PlacedPlate> placed, int seed, string? timestamp = null)
    {
        ArgumentNullException.ThrowIfNull(placed);
        var rng = new Random(seed);
        var bmp = new SKBitmap(new SKImageInfo(width, height, SKColorType.Bgra8888, SKAlphaType.Opaque));
        using var canvas = new SKCanvas(bmp);
        using (var sky = new SKPaint())
        {
            sky.Shader = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(0, height),
                [new SKColor(150, 170, 190), new SKColor(90, 90, 95), new SKColor(60, 60, 62)], [0, 0.45f, 1], SKShaderTileMode.Clamp);
            canvas.DrawRect(0, 0, width, height, sky);
        }
        // Car bodies: plain blocks under the plates, plus some unrelated clutter.
        using var body = new SKPaint { IsAntialias = true };
        for (int i = 0; i < 6; i++)
        {
            body.Color = new SKColor((byte)rng.Next(30, 220), (byte)rng.Next(30, 220), (byte)rng.Next(30, 220));
            float x = rng.Next(width), y = rng.Next(height / 3, height);
            canvas.DrawRoundRect(new SKRect(x, y, x + rng.Next(80, 300), y + rng.Next(40, 160)), 12, 12, body);
        }
        foreach (var p in placed)
        {
            float pw = p.Plate.Width, ph = pw * 0.5f;
            body.Color = new SKColor((byte)rng.Next(20, 200), (byte)rng.Next(20, 200), (byte)rng.Next(20, 200));
            canvas.DrawRoundRect(new SKRect(p.X - pw * 1.2f, p.Y - ph * 2.5f, p.X + pw * 2.2f, p.Y + ph * 1.8f), 30, 30, body);
            plates.DrawPlate(canvas, p.Plate, new SKRect(p.X, p.Y, p.X + pw, p.Y + ph * (p.Plate.Style == PlateStyle.European ? 0.44f : 1f)));
        }
        if (timestamp is not null)
        {
            using var font = new SKFont(plates.Typeface, 22);
            using var ink = new SKPaint { Color = SKColors.White, IsAntialias = true };
            canvas.DrawText(timestamp, 12, 30, SKTextAlign.Left, font, ink);
        }
        return bmp;
    }
}
