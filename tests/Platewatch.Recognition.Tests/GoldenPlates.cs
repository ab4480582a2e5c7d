using Platewatch.Rendering;

namespace Platewatch.Recognition.Tests;

/// <summary>
/// The committed golden images: plates of several formats, spoiled in the ways cameras spoil them. Regenerate with
/// <c>PLATEWATCH_REGENERATE_GOLDEN=1 dotnet test --filter Regenerate</c>; the expected strings never change.
/// </summary>
public static class GoldenPlates
{
    public static readonly (string File, string Expected, string Region, PlateSpec Spec)[] All =
    [
        ("us-clean.png", "7ABC123", "us", new PlateSpec { Text = "7ABC123", TopText = "CALIFORNIA", Width = 200 }),
        ("us-blur.png", "KDT4821", "us", new PlateSpec { Text = "KDT4821", TopText = "NEW YORK", BottomText = "EMPIRE STATE", Width = 180, Blur = 1.2f }),
        ("us-noise.png", "HXR7730", "us", new PlateSpec { Text = "HXR7730", TopText = "PENNSYLVANIA", Width = 180, Noise = 18 }),
        ("us-perspective.png", "BWN5069", "us", new PlateSpec { Text = "BWN5069", TopText = "OHIO", Width = 200, Perspective = 0.12f, Rotation = 4 }),
        ("us-lowcontrast.png", "8GHK215", "us", new PlateSpec { Text = "8GHK215", TopText = "CALIFORNIA", Width = 200, Contrast = 0.35f }),
        ("us-jpeg.jpg", "FTM3391", "us", new PlateSpec { Text = "FTM3391", TopText = "TEXAS", Width = 160, JpegQuality = 35 }),
        ("eu-de.png", "BMK4021", "eu", new PlateSpec { Text = "B MK 4021", Style = PlateStyle.European, TopText = "D", Width = 260 }),
        ("eu-fr-blur.png", "AB123CD", "eu", new PlateSpec { Text = "AB-123-CD", Style = PlateStyle.European, TopText = "F", Width = 240, Blur = 0.9f }),
        ("eu-it-jpeg.jpg", "EX456KL", "eu", new PlateSpec { Text = "EX 456 KL", Style = PlateStyle.European, TopText = "I", Width = 240, JpegQuality = 45, Noise = 6 }),
        ("eu-nl-perspective.png", "52XLR9", "eu", new PlateSpec { Text = "52-XLR-9", Style = PlateStyle.European, TopText = "NL", Width = 240, Perspective = 0.1f }),
        ("br-grey.png", "AYO9034", "br", new PlateSpec { Text = "AYO-9034", Style = PlateStyle.BrazilGrey, TopText = "SP SAO PAULO", Width = 220 }),
        ("br-grey-small.jpg", "HPM9362", "br", new PlateSpec { Text = "HPM-9362", Style = PlateStyle.BrazilGrey, TopText = "MG BELO HORIZONTE", Width = 130, JpegQuality = 60, Blur = 0.6f }),
        ("br-two-line.png", "ABC1D23", "br", new PlateSpec { Text = "ABC1D23", Style = PlateStyle.TwoLine, Width = 150 }),
        ("eu-two-line.png", "WX47LM", "eu", new PlateSpec { Text = "WX47LM", Style = PlateStyle.TwoLine, Width = 140, Noise = 8 }),
        // The country band read as the first character, where the text with it fits another country's format too.
        ("eu-se-band.jpg", "FOV340", "eu", new PlateSpec { Text = "FOV 340", Style = PlateStyle.European, TopText = "S", Width = 160, Noise = 11, Contrast = 0.56f, Perspective = 0.078f, Rotation = -4, JpegQuality = 76, Seed = 26 }),
        ("eu-de-band.png", "QP67", "eu", new PlateSpec { Text = "Q P 67", Style = PlateStyle.European, TopText = "D", Width = 223, Noise = 12, Contrast = 0.9f, Perspective = 0.072f, Rotation = -1, Seed = 64 }),
        ("eu-pl-band.png", "YY49499", "eu", new PlateSpec { Text = "YY 49499", Style = PlateStyle.European, TopText = "PL", Width = 204, Noise = 11, Contrast = 0.585f, Perspective = 0.071f, Rotation = 3, Seed = 101 }),
    ];

    public static string Directory() => Path.Combine(RecognizerFixture.RepoRoot(), "tests", "Platewatch.Recognition.Tests", "Golden");
}
