using Platewatch.Recognition.Detection;
using Platewatch.Recognition.Imaging;

namespace Platewatch.Recognition.Plates;

/// <summary>
/// A plate candidate made of one or more detected text boxes: a single line, a line the detector split at a gap
/// (<c>ABC 1234</c>), or the two stacked lines of a square plate.
/// </summary>
internal sealed record LineGroup(int[] Boxes, Quad Quad, int Lines, Quad? WidenedFrom = null)
{
    /// <summary>Whether this is a line read again with room on both sides (<see cref="WidenedFrom"/> is the line as detected).</summary>
    public bool Widened => WidenedFrom is not null;
}

/// <summary>Groups detected text boxes by plate geometry.</summary>
internal static class PlateGeometry
{
    /// <summary>Whether a box is shaped like text that could be (part of) a plate number.</summary>
    public static bool IsPlausibleLine(in TextBox b, int minHeight)
    {
        float w = b.Quad.Width, h = b.Quad.Height;
        return h >= minHeight && w >= h * 0.6f && w <= h * 25;
    }

    /// <summary>
    /// The narrower line of a two-line plate is at least this share of the wider one's width: a sticker or a month
    /// under the number is far narrower ("03" under "MN3934", "18" under "29HSP"), while two letters over six digits
    /// (a canton over a Swiss motorcycle number) are about a third.
    /// </summary>
    private const float MinLineWidthShare = 0.3f;

    public static List<LineGroup> Group(IReadOnlyList<TextBox> boxes, IReadOnlyList<int> usable)
    {
        var groups = new List<LineGroup>();
        foreach (int i in usable) groups.Add(new LineGroup([i], boxes[i].Quad, 1));

        foreach (int i in usable)
        {
            foreach (int j in usable)
            {
                if (i == j) continue;
                var a = boxes[i].Rect;
                var b = boxes[j].Rect;
                float ha = a.Height, hb = b.Height;
                float hMin = MathF.Min(ha, hb), hMax = MathF.Max(ha, hb);
                // Same line, j right of i, split at a gap no wider than about one character, or overlapping by up to
                // most of one: the detector sometimes boxes a group together with its neighbour's last character. A lone
                // letter's box is often tighter than its neighbours', hence the height ratio of up to 1.5.
                if (hMax / hMin < 1.5f && MathF.Abs(a.Cy - b.Cy) < 0.35f * hMin && b.Cx > a.Cx)
                {
                    float gap = (b.Cx - b.Width / 2) - (a.Cx + a.Width / 2);
                    if (gap < 1.1f * hMin && gap > -0.8f * hMin && a.Width + b.Width + gap < 14 * hMax)
                        groups.Add(new LineGroup([i, j], Union(boxes[i].Quad, boxes[j].Quad), 1));
                }
                // Stacked lines: j under i, overlapping horizontally, close, of plate-like heights.
                if (b.Cy > a.Cy && hMax / hMin < 2.2f)
                {
                    float gapY = (b.Cy - hb / 2) - (a.Cy + ha / 2);
                    float overlap = MathF.Min(a.Cx + a.Width / 2, b.Cx + b.Width / 2) - MathF.Max(a.Cx - a.Width / 2, b.Cx - b.Width / 2);
                    if (gapY < 0.6f * hMin && gapY > -0.4f * hMin && overlap > 0.5f * MathF.Min(a.Width, b.Width)
                        && a.Width < 6 * ha && b.Width < 6 * hb && MathF.Min(a.Width, b.Width) > MinLineWidthShare * MathF.Max(a.Width, b.Width))
                        groups.Add(new LineGroup([i, j], Union(boxes[i].Quad, boxes[j].Quad), 2));
                }
            }
        }
        return groups;
    }

    /// <summary>The axis-aligned union of two quads as a quad: good enough for boxes on one plate.</summary>
    public static Quad Union(Quad a, Quad b)
    {
        var (ax0, ay0, ax1, ay1) = a.Bounds();
        var (bx0, by0, bx1, by1) = b.Bounds();
        return Quad.FromRect(MathF.Min(ax0, bx0), MathF.Min(ay0, by0), MathF.Max(ax1, bx1), MathF.Max(ay1, by1));
    }

    public static float Iou(Quad a, Quad b)
    {
        var (ax0, ay0, ax1, ay1) = a.Bounds();
        var (bx0, by0, bx1, by1) = b.Bounds();
        float ix = MathF.Max(0, MathF.Min(ax1, bx1) - MathF.Max(ax0, bx0));
        float iy = MathF.Max(0, MathF.Min(ay1, by1) - MathF.Max(ay0, by0));
        float inter = ix * iy;
        float union = (ax1 - ax0) * (ay1 - ay0) + (bx1 - bx0) * (by1 - by0) - inter;
        return union <= 0 ? 0 : inter / union;
    }

    /// <summary>Fraction of the smaller quad's bounding box inside the other's.</summary>
    public static float Containment(Quad a, Quad b)
    {
        var (ax0, ay0, ax1, ay1) = a.Bounds();
        var (bx0, by0, bx1, by1) = b.Bounds();
        float ix = MathF.Max(0, MathF.Min(ax1, bx1) - MathF.Max(ax0, bx0));
        float iy = MathF.Max(0, MathF.Min(ay1, by1) - MathF.Max(ay0, by0));
        float small = MathF.Min((ax1 - ax0) * (ay1 - ay0), (bx1 - bx0) * (by1 - by0));
        return small <= 0 ? 0 : ix * iy / small;
    }
}
