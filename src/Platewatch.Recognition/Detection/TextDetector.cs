using System.Buffers;
using Microsoft.ML.OnnxRuntime;
using Platewatch.Recognition.Imaging;

namespace Platewatch.Recognition.Detection;

/// <summary>A text region found by the detector, in image pixels.</summary>
internal readonly record struct TextBox(Quad Quad, RotatedRect Rect, float Score);

/// <summary>
/// PP-OCRv4's DB text detector: a per-pixel text probability map, thresholded into connected components whose
/// minimum-area rectangles, grown by the unclip ratio, are the text boxes.
/// </summary>
internal sealed class TextDetector(InferenceSession session)
{
    // The model was trained on OpenCV's BGR order with ImageNet statistics (RGB order) applied in that order.
    private static readonly float[] s_mean = [0.485f * 255, 0.456f * 255, 0.406f * 255];
    private static readonly float[] s_scale = [1 / (0.229f * 255), 1 / (0.224f * 255), 1 / (0.225f * 255)];
    private readonly string _input = session.InputMetadata.Keys.First();
    private readonly string[] _outputs = [session.OutputMetadata.Keys.First()];

    public float Threshold { get; init; } = 0.3f;
    public float BoxThreshold { get; init; } = 0.55f;
    public float UnclipRatio { get; init; } = 1.5f;

    /// <summary>
    /// Detects text in <paramref name="region"/> of the image, resized so that its long side is about
    /// <paramref name="longSide"/> pixels (a multiple of 32).
    /// </summary>
    public List<TextBox> Detect(RasterImage image, PixelRect region, int longSide, CancellationToken ct)
    {
        int rw = region.Width, rh = region.Height;
        float s = (float)longSide / Math.Max(rw, rh);
        int dw = Math.Max(32, (int)MathF.Round(rw * s / 32) * 32);
        int dh = Math.Max(32, (int)MathF.Round(rh * s / 32) * 32);
        int n = dw * dh;

        float[] tensor = ArrayPool<float>.Shared.Rent(n * 3);
        try
        {
            Resample.RegionToPlanes(image, region, dw, dh, tensor.AsSpan(0, n * 3), s_mean, s_scale);
            ct.ThrowIfCancellationRequested();

            using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, tensor.AsMemory(0, n * 3), [1, 3, dh, dw]);
            using var runOptions = new RunOptions();
            using var outputs = session.Run(runOptions, [_input], [input], _outputs);
            ReadOnlySpan<float> map = outputs[0].GetTensorDataAsSpan<float>();
            float sx = (float)rw / dw, sy = (float)rh / dh;
            return PostProcess(map, dw, dh, sx, sy, region.X, region.Y);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(tensor);
        }
    }

    private List<TextBox> PostProcess(ReadOnlySpan<float> map, int w, int h, float sx, float sy, int ox, int oy)
    {
        var boxes = new List<TextBox>();
        int n = w * h;
        int[] labels = ArrayPool<int>.Shared.Rent(n);
        int[] stack = ArrayPool<int>.Shared.Rent(n);
        // Per-row extremes of a component are enough for its convex hull.
        var rowMin = ArrayPool<int>.Shared.Rent(h);
        var rowMax = ArrayPool<int>.Shared.Rent(h);
        var pts = ArrayPool<(int, int)>.Shared.Rent(2 * h + 2);
        var hull = ArrayPool<(int, int)>.Shared.Rent(2 * h + 4);
        try
        {
            Array.Clear(labels, 0, n);
            int label = 0;
            for (int start = 0; start < n; start++)
            {
                if (labels[start] != 0 || map[start] <= Threshold) continue;
                label++;
                int sp = 0;
                stack[sp++] = start;
                labels[start] = label;
                int minY = start / w, maxY = minY, count = 0;
                float sum = 0;
                int y0 = minY;
                for (int r = 0; r < h; r++) { rowMin[r] = int.MaxValue; rowMax[r] = -1; }
                while (sp > 0)
                {
                    int p = stack[--sp];
                    int py = p / w, px = p - py * w;
                    count++;
                    sum += map[p];
                    if (px < rowMin[py]) rowMin[py] = px;
                    if (px > rowMax[py]) rowMax[py] = px;
                    if (py < minY) minY = py;
                    if (py > maxY) maxY = py;
                    if (px > 0 && labels[p - 1] == 0 && map[p - 1] > Threshold) { labels[p - 1] = label; stack[sp++] = p - 1; }
                    if (px < w - 1 && labels[p + 1] == 0 && map[p + 1] > Threshold) { labels[p + 1] = label; stack[sp++] = p + 1; }
                    if (py > 0 && labels[p - w] == 0 && map[p - w] > Threshold) { labels[p - w] = label; stack[sp++] = p - w; }
                    if (py < h - 1 && labels[p + w] == 0 && map[p + w] > Threshold) { labels[p + w] = label; stack[sp++] = p + w; }
                }
                _ = y0;
                if (count < 6) continue;
                float score = sum / count;
                if (score < BoxThreshold) continue;

                int m = 0;
                for (int r = minY; r <= maxY; r++)
                {
                    if (rowMax[r] < 0) continue;
                    pts[m++] = (rowMin[r], r);
                    if (rowMax[r] != rowMin[r]) pts[m++] = (rowMax[r], r);
                }
                int hn = Geometry.ConvexHull(pts.AsSpan(0, m), hull.AsSpan());
                var rect = Geometry.MinAreaRect(hull.AsSpan(0, hn));
                if (Math.Min(rect.Width, rect.Height) < 3) continue;
                // DB shrinks text regions in training; unclip grows them back by area * ratio / perimeter.
                float d = rect.Width * rect.Height * UnclipRatio / (2 * (rect.Width + rect.Height));
                rect = rect.Inflate(d, d);
                var quad = rect.Corners().Scale(sx, sy, ox, oy);
                var imgRect = new RotatedRect(rect.Cx * sx + ox, rect.Cy * sy + oy, rect.Width * sx, rect.Height * sy, rect.Angle);
                boxes.Add(new TextBox(quad, imgRect, score));
            }
            return boxes;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(labels);
            ArrayPool<int>.Shared.Return(stack);
            ArrayPool<int>.Shared.Return(rowMin);
            ArrayPool<int>.Shared.Return(rowMax);
            ArrayPool<(int, int)>.Shared.Return(pts);
            ArrayPool<(int, int)>.Shared.Return(hull);
        }
    }
}
