using Platewatch.Recognition.Imaging;

namespace Platewatch.Recognition.Tests;

public sealed class ResampleTests
{
    private static readonly float[] s_zero = [0, 0, 0];
    private static readonly float[] s_one = [1, 1, 1];

    [Theory]
    [InlineData(1280, 480)]
    [InlineData(720, 256)]
    [InlineData(100, 300)]
    [InlineData(7, 3)]
    public void Taps_weights_sum_to_one_and_stay_inside_the_source(int src, int dst)
    {
        var (start, count, weights, maxTaps) = Resample.Taps(src, dst);
        for (int i = 0; i < dst; i++)
        {
            Assert.InRange(start[i], 0, src - 1);
            Assert.InRange(start[i] + count[i], 1, src);
            double sum = 0;
            for (int t = 0; t < count[i]; t++) sum += weights[i * maxTaps + t];
            Assert.Equal(1.0, sum, 4);
        }
    }

    [Fact]
    public void Halving_averages_each_two_by_two_block()
    {
        using var image = new RasterImage(4, 2);
        var px = image.Pixels;
        byte[] blue = [0, 40, 80, 120, 160, 200, 240, 20];
        for (int i = 0; i < 8; i++)
        {
            px[i * 4] = blue[i];
            px[i * 4 + 1] = 10;
            px[i * 4 + 2] = 250;
            px[i * 4 + 3] = 255;
        }
        var planes = new float[3 * 2];
        Resample.RegionToPlanes(image, new PixelRect(0, 0, 4, 2), 2, 1, planes, s_zero, s_one);
        Assert.Equal((0 + 40 + 160 + 200) / 4f, planes[0], 3);
        Assert.Equal((80 + 120 + 240 + 20) / 4f, planes[1], 3);
        Assert.Equal(10f, planes[2], 3);
        Assert.Equal(250f, planes[5], 3);
    }
}
