using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using Platewatch.Recognition.Models;

namespace Platewatch.Recognition.Tests;

public sealed class GraphSimplifierTests(RecognizerFixture fx)
{
    private static string ModelPath(string file) =>
        Path.Combine(RecognizerFixture.FindModels() ?? throw new InvalidOperationException("models/ not found: run scripts/fetch-models.sh"), file);

    /// <summary>A deterministic input that is neither constant nor noise: strokes, as text has, over a slow wave.</summary>
    private static float[] Pattern(int n) => [.. Enumerable.Range(0, n).Select(i => (i % 8 < 3 ? 1.8f : -1.2f) + MathF.Sin(i * 0.0007f))];

    /// <summary>A rendered plate in the tensor's top left corner, normalised about as the engine does, grey elsewhere.</summary>
    private float[] Plate(int[] shape)
    {
        int h = shape[2], w = shape[3], plane = h * w;
        var t = new float[shape[0] * 3 * plane];
        using var bmp = fx.Renderer.Render(new Platewatch.Rendering.PlateSpec { Text = "AB 123 CD", Style = Platewatch.Rendering.PlateStyle.European, TopText = "F", Width = 150, Margin = 0.05f });
        for (int n = 0; n < shape[0]; n++)
        {
            for (int y = 0; y < h; y++)
            {
                for (int x = 0; x < w; x++)
                {
                    var c = x < bmp.Width && y < bmp.Height ? bmp.GetPixel(x, y) : new SkiaSharp.SKColor(128, 128, 128);
                    int o = n * 3 * plane + y * w + x;
                    (t[o], t[o + plane], t[o + 2 * plane]) = ((c.Blue - 127.5f) / 64, (c.Green - 127.5f) / 64, (c.Red - 127.5f) / 64);
                }
            }
        }
        return t;
    }

    private float[] Run(byte[] model, int[] shape, bool plate = false)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1 };
        using var session = new InferenceSession(model, options);
        float[] input = plate ? Plate(shape) : Pattern(shape.Aggregate(1, (a, b) => a * b));
        using var value = OrtValue.CreateTensorValueFromMemory(input, [.. shape.Select(d => (long)d)]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, [session.InputMetadata.Keys.First()], [value], [session.OutputMetadata.Keys.First()]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    [Theory]
    [InlineData(ModelSet.DetectorFile, new[] { 1, 3, 96, 160 })]
    [InlineData(ModelSet.RecognizerFile, new[] { 2, 3, 48, 200 })]
    public void The_simplified_model_computes_what_the_stock_model_does(string file, int[] shape)
    {
        byte[] stock = File.ReadAllBytes(ModelPath(file));
        byte[] simple = GraphSimplifier.Simplify(stock, out var report);
        Assert.True(report.HardSwish > 0 && report.AffineAfterConv > 0 && report.AffineBeforePointwiseConv > 0 && report.AffineAsDepthwiseConv > 0, report.ToString());
        Assert.True(ModelProto.Parser.ParseFrom(simple).Graph.Node.Count < ModelProto.Parser.ParseFrom(stock).Graph.Node.Count);

        float[] a = Run(stock, shape, plate: true), b = Run(simple, shape, plate: true);
        Assert.Equal(a.Length, b.Length);
        float worst = a.Zip(b, (x, y) => MathF.Abs(x - y)).Max();
        Assert.True(worst < 1e-3f, $"outputs differ by up to {worst}");
        Assert.True(a.Max() - a.Min() > 0.1f, "the pattern should excite the model");
    }

    /// <summary>x -> Conv(W, B; 3x3, pad 1) -> Mul(s) -> Add(b) -> Mul(s2) -> Add(b2) -> Conv(W2; kernel, pads) -> y.</summary>
    private static byte[] TinyModel(int secondKernel, int secondPad)
    {
        var g = new GraphProto { Name = "tiny" };
        TensorProto T(string name, long[] dims, float[] data)
        {
            var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(data.SelectMany(BitConverter.GetBytes).ToArray()) };
            t.Dims.AddRange(dims);
            return t;
        }
        NodeProto Node(string op, string[] inputs, string output, params AttributeProto[] attrs)
        {
            var n = new NodeProto { OpType = op, Name = output };
            n.Input.AddRange(inputs);
            n.Output.Add(output);
            n.Attribute.AddRange(attrs);
            return n;
        }
        AttributeProto Ints(string name, params long[] v)
        {
            var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
            a.Ints.AddRange(v);
            return a;
        }
        g.Initializer.Add(T("W", [2, 1, 3, 3], Pattern(18)));
        g.Initializer.Add(T("B", [2], [0.3f, -0.2f]));
        g.Initializer.Add(T("s", [1], [1.7f]));
        g.Initializer.Add(T("b", [1], [-0.4f]));
        g.Initializer.Add(T("s2", [1], [0.6f]));
        g.Initializer.Add(T("b2", [1], [0.9f]));
        g.Initializer.Add(T("W2", [3, 2, secondKernel, secondKernel], Pattern(6 * secondKernel * secondKernel)));
        g.Node.Add(Node("Conv", ["x", "W", "B"], "c1", Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 1, 1)));
        g.Node.Add(Node("Mul", ["c1", "s"], "m1"));
        g.Node.Add(Node("Add", ["m1", "b"], "a1"));
        g.Node.Add(Node("Mul", ["s2", "a1"], "m2"));
        g.Node.Add(Node("Add", ["m2", "b2"], "a2"));
        g.Node.Add(Node("Conv", ["a2", "W2"], "y", Ints("kernel_shape", secondKernel, secondKernel), Ints("pads", secondPad, secondPad, secondPad, secondPad)));
        var input = new ValueInfoProto { Name = "x", Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } } };
        g.Input.Add(input);
        g.Output.Add(new ValueInfoProto { Name = "y", Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } } });
        var model = new ModelProto { IrVersion = 8, Graph = g };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 11 });
        return model.ToByteArray();
    }

    [Fact]
    public void An_affine_before_a_1x1_conv_folds_into_it_and_one_after_a_conv_into_that()
    {
        byte[] stock = TinyModel(secondKernel: 1, secondPad: 0);
        byte[] simple = GraphSimplifier.Simplify(stock, out var report);
        Assert.Equal(new SimplifyReport(0, 1, 1, 0), report);
        Assert.Equal(["Conv", "Conv"], ModelProto.Parser.ParseFrom(simple).Graph.Node.Select(n => n.OpType));
        float[] a = Run(stock, [1, 1, 6, 7]), b = Run(simple, [1, 1, 6, 7]);
        Assert.True(a.Zip(b, (x, y) => MathF.Abs(x - y)).Max() < 1e-4f);
    }

    [Fact]
    public void An_affine_before_a_padded_conv_becomes_a_depthwise_conv_as_the_padding_would_see_its_shift()
    {
        byte[] stock = TinyModel(secondKernel: 3, secondPad: 1);
        byte[] simple = GraphSimplifier.Simplify(stock, out var report);
        Assert.Equal(new SimplifyReport(0, 1, 0, 1), report);
        Assert.Equal(["Conv", "Conv", "Conv"], ModelProto.Parser.ParseFrom(simple).Graph.Node.Select(n => n.OpType));
        float[] a = Run(stock, [1, 1, 6, 7]), b = Run(simple, [1, 1, 6, 7]);
        Assert.True(a.Zip(b, (x, y) => MathF.Abs(x - y)).Max() < 1e-4f);
    }
}
