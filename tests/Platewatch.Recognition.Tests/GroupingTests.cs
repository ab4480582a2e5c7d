using Platewatch.Recognition.Detection;
using Platewatch.Recognition.Imaging;
using Platewatch.Recognition.Plates;

namespace Platewatch.Recognition.Tests;

public sealed class GroupingTests
{
    private static TextBox Box(float x0, float x1, float h = 80, float cy = 100)
    {
        var rect = new RotatedRect((x0 + x1) / 2, cy, x1 - x0, h, 0);
        return new TextBox(rect.Corners(), rect, 0.9f);
    }

    [Theory]
    [InlineData(250, true)]  // a gap of half a character: "ABC 1234"
    [InlineData(160, true)]  // overlapping by most of a character: the detector boxed "2WE" with the "2" of "2652"
    [InlineData(120, false)] // overlapping by more than a character's height: a second reading of the same text
    [InlineData(400, false)] // two character heights apart: another text
    public void Boxes_on_one_line_join_across_a_small_gap_or_overlap(float secondStart, bool joined)
    {
        TextBox[] boxes = [Box(10, 210), Box(secondStart, secondStart + 140)];
        var groups = PlateGeometry.Group(boxes, [0, 1]);
        Assert.Equal(joined, groups.Any(g => g.Boxes.Length == 2 && g.Lines == 1));
    }

    [Theory]
    [InlineData(56, true)]  // a lone letter's box, tighter than its neighbours' ("96381 A")
    [InlineData(44, false)] // small print beside the number
    public void A_shorter_box_on_the_same_line_joins_up_to_a_height_ratio(float height, bool joined)
    {
        TextBox[] boxes = [Box(10, 210), Box(240, 240 + height, height)];
        Assert.Equal(joined, PlateGeometry.Group(boxes, [0, 1]).Any(g => g.Boxes.Length == 2 && g.Lines == 1));
    }

    [Theory]
    [InlineData(180, true)]  // the second line of a two-line plate, about as wide as the first
    [InlineData(66, true)]   // two letters over six digits (a Swiss motorcycle plate's canton over its number)
    [InlineData(50, false)]  // a month sticker under the number
    public void A_line_under_the_number_is_its_second_line_only_when_about_as_wide(float width, bool joined)
    {
        TextBox[] boxes = [Box(10, 210, 70, cy: 100), Box(110 - width / 2, 110 + width / 2, 40, cy: 160)];
        Assert.Equal(joined, PlateGeometry.Group(boxes, [0, 1]).Any(g => g.Lines == 2));
    }
}
