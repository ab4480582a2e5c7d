using Google.Protobuf;
using Onnx;

namespace Platewatch.Recognition.Models;

/// <summary>What <see cref="GraphSimplifier"/> changed in one model.</summary>
internal sealed record SimplifyReport(int HardSwish, int AffineAfterConv, int AffineBeforePointwiseConv, int AffineAsDepthwiseConv)
{
    public override string ToString() =>
        $"hard-swish {HardSwish}, affine after conv {AffineAfterConv}, affine before 1x1 conv {AffineBeforePointwiseConv}, affine as depthwise conv {AffineAsDepthwiseConv}";
}

/// <summary>
/// Exact rewrites of the PP-OCRv4 graphs, applied in memory when the models load. Their exporter wrote each
/// hard-swish as four element-wise nodes, and the backbone's learnable affine blocks (y = s x + b with scalar s and
/// b) as two more after most convolutions. On a CPU those nodes cost more than the convolutions around them: each
/// reads and writes the whole feature map, and each takes the map out of ONNX Runtime's blocked convolution layout and
/// back in. Profiled on 57 frames (1280x720), element-wise nodes and layout reorders were 40 % of the detector's time.
/// The rewrites change no result beyond float rounding; the file on disk stays the pinned, checksummed one.
/// </summary>
internal static class GraphSimplifier
{
    public static byte[] Simplify(byte[] onnx, out SimplifyReport report)
    {
        var model = ModelProto.Parser.ParseFrom(onnx);
        var edit = new GraphEdit(model.Graph);
        int hardSwish = edit.FuseHardSwish();
        int after = edit.FoldAffineAfterConv();
        int before = edit.FoldAffineBeforePointwiseConv();
        int depthwise = edit.AffineAsDepthwiseConv();
        edit.RemoveUnread();
        report = new SimplifyReport(hardSwish, after, before, depthwise);
        return model.ToByteArray();
    }

    private sealed class GraphEdit
    {
        private readonly GraphProto _g;
        private readonly Dictionary<string, NodeProto> _producer = new(StringComparer.Ordinal);
        private readonly Dictionary<string, List<NodeProto>> _consumers = new(StringComparer.Ordinal);
        private readonly Dictionary<string, TensorProto> _initializers = new(StringComparer.Ordinal);
        private readonly HashSet<string> _graphOutputs;
        // Protobuf messages compare by value, hashing every field down to the weights' bytes: key nodes by reference.
        private readonly HashSet<NodeProto> _removed = new(ReferenceEqualityComparer.Instance);
        private readonly Dictionary<NodeProto, NodeProto[]> _insertBefore = new(ReferenceEqualityComparer.Instance);
        private int _fresh;

        public GraphEdit(GraphProto g)
        {
            _g = g;
            foreach (var t in g.Initializer) _initializers[t.Name] = t;
            _graphOutputs = [.. g.Output.Select(o => o.Name)];
            Index();
        }

        private void Index()
        {
            _producer.Clear();
            _consumers.Clear();
            foreach (var n in _g.Node)
            {
                foreach (string o in n.Output) _producer[o] = n;
                foreach (string i in n.Input)
                {
                    if (!_consumers.TryGetValue(i, out var list)) _consumers[i] = list = [];
                    list.Add(n);
                }
            }
        }

        /// <summary>Applies the removals and insertions so far and re-indexes the graph.</summary>
        private void Commit()
        {
            var nodes = new List<NodeProto>(_g.Node.Count);
            foreach (var n in _g.Node)
            {
                if (_insertBefore.TryGetValue(n, out var extra)) nodes.AddRange(extra);
                if (!_removed.Contains(n)) nodes.Add(n);
            }
            _insertBefore.Clear();
            _removed.Clear();
            _g.Node.Clear();
            _g.Node.AddRange(nodes);
            Index();
        }

        /// <summary>The nodes reading a value; a graph output counts as a reader no rewrite may drop.</summary>
        private int Readers(string value, out List<NodeProto> nodes)
        {
            nodes = _consumers.TryGetValue(value, out var list) ? list : [];
            return nodes.Count + (_graphOutputs.Contains(value) ? 1 : 0);
        }

        /// <summary>The only node reading <paramref name="value"/>, when it is of <paramref name="opType"/>.</summary>
        private NodeProto? SoleReader(string value, string opType) =>
            Readers(value, out var nodes) == 1 && nodes.Count == 1 && nodes[0].OpType == opType ? nodes[0] : null;

        private TensorProto? Tensor(string name)
        {
            if (_initializers.TryGetValue(name, out var t)) return t;
            return _producer.TryGetValue(name, out var n) && n.OpType == "Constant"
                ? n.Attribute.FirstOrDefault(a => a.Name == "value")?.T
                : null;
        }

        private static float[]? Floats(TensorProto? t)
        {
            if (t is null || t.DataType != (int)TensorProto.Types.DataType.Float) return null;
            if (t.FloatData.Count > 0) return [.. t.FloatData];
            var raw = t.RawData.Span;
            var values = new float[raw.Length / sizeof(float)];
            for (int i = 0; i < values.Length; i++) values[i] = BitConverter.ToSingle(raw.Slice(i * sizeof(float), sizeof(float)));
            return values;
        }

        /// <summary>The value of a one-element float constant; null for anything else (without converting a weight tensor).</summary>
        private float? Scalar(string name) =>
            Tensor(name) is { } t && t.Dims.Aggregate(1L, (a, d) => a * d) == 1 && Floats(t) is { Length: 1 } f ? f[0] : null;

        private string AddInitializer(string hint, IEnumerable<long> dims, float[] data)
        {
            string name = $"{hint}__simplified{_fresh++}";
            var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
            t.Dims.AddRange(dims);
            var bytes = new byte[data.Length * sizeof(float)];
            Buffer.BlockCopy(data, 0, bytes, 0, bytes.Length);
            t.RawData = ByteString.CopyFrom(bytes);
            _g.Initializer.Add(t);
            _initializers[name] = t;
            return name;
        }

        /// <summary>The other input of a two-input node one of whose inputs is <paramref name="x"/>.</summary>
        private static string? Other(NodeProto n, string x) =>
            n.Input.Count != 2 ? null : n.Input[0] == x ? n.Input[1] : n.Input[1] == x ? n.Input[0] : null;

        /// <summary>
        /// <c>x * clip(x + 3, 0, 6) / 6</c> becomes <c>x * HardSigmoid(x; 1/6, 1/2)</c>: two nodes instead of four.
        /// The models' opsets (9 and 11) predate the HardSwish operator.
        /// </summary>
        public int FuseHardSwish()
        {
            int count = 0;
            foreach (var clip in _g.Node.Where(n => n.OpType == "Clip").ToList())
            {
                if (!_producer.TryGetValue(clip.Input[0], out var add) || add.OpType != "Add" || Readers(add.Output[0], out _) != 1) continue;
                string? x = Scalar(add.Input[1]) == 3f ? add.Input[0] : Scalar(add.Input[0]) == 3f ? add.Input[1] : null;
                if (x is null) continue;
                float? lo = clip.Input.Count == 3 ? Scalar(clip.Input[1]) : clip.Attribute.FirstOrDefault(a => a.Name == "min")?.F;
                float? hi = clip.Input.Count == 3 ? Scalar(clip.Input[2]) : clip.Attribute.FirstOrDefault(a => a.Name == "max")?.F;
                if (lo != 0f || hi != 6f) continue;
                if (SoleReader(clip.Output[0], "Mul") is not { } mul || Other(mul, clip.Output[0]) != x) continue;
                if (SoleReader(mul.Output[0], "Div") is not { } div || div.Input[0] != mul.Output[0] || Scalar(div.Input[1]) != 6f) continue;

                var hardSigmoid = new NodeProto { OpType = "HardSigmoid", Name = clip.Name + "__hardsigmoid" };
                hardSigmoid.Input.Add(x);
                hardSigmoid.Output.Add(clip.Output[0]);
                hardSigmoid.Attribute.Add(new AttributeProto { Name = "alpha", Type = AttributeProto.Types.AttributeType.Float, F = 1f / 6 });
                hardSigmoid.Attribute.Add(new AttributeProto { Name = "beta", Type = AttributeProto.Types.AttributeType.Float, F = 0.5f });
                var product = new NodeProto { OpType = "Mul", Name = div.Name + "__hardswish" };
                product.Input.Add(x);
                product.Input.Add(clip.Output[0]);
                product.Output.Add(div.Output[0]);
                _removed.UnionWith([add, clip, mul, div]);
                _insertBefore[div] = [hardSigmoid, product];
                count++;
            }
            Commit();
            return count;
        }

        /// <summary>
        /// Drops the constants and initializers the rewrites left unread (the old weights, the folded scalars), which
        /// ONNX Runtime would otherwise warn about, one line each, on every load.
        /// </summary>
        public void RemoveUnread()
        {
            foreach (var n in _g.Node)
            {
                if (n.OpType == "Constant" && n.Output.All(o => Readers(o, out _) == 0)) _removed.Add(n);
            }
            Commit();
            var unread = _g.Initializer.Where(t => Readers(t.Name, out _) == 0).ToList();
            foreach (var t in unread)
            {
                _g.Initializer.Remove(t);
                _initializers.Remove(t.Name);
            }
        }

        /// <summary>The channels of a value computed from a conv's output through at most a few element-wise nodes.</summary>
        private long? ChannelsOf(string value, int depth = 4)
        {
            if (depth == 0 || !_producer.TryGetValue(value, out var n)) return null;
            if (n.OpType == "Conv" && Tensor(n.Input[1]) is { Dims.Count: 4 } w) return w.Dims[0];
            if (n.OpType is "Mul" or "Add" or "HardSigmoid" or "Relu" or "Clip" or "Sigmoid" or "Div")
            {
                foreach (string i in n.Input)
                {
                    if (Scalar(i) is null && ChannelsOf(i, depth - 1) is { } c) return c;
                }
            }
            return null;
        }

        /// <summary>
        /// The affines left (before padded depthwise convs, where they cannot fold) become 1x1 depthwise convs with weight
        /// s and bias b: the same arithmetic, done in the convolutions' blocked layout, so that the feature map is not
        /// reordered out of it and back for two element-wise nodes. Needs the channel count, read off the conv upstream.
        /// </summary>
        public int AffineAsDepthwiseConv()
        {
            int count = 0;
            foreach (var mul in _g.Node.Where(n => n.OpType == "Mul").ToList())
            {
                string? x = mul.Input.FirstOrDefault(i => Scalar(i) is null);
                if (x is null || AffineReading(x) is not { } aff || !ReferenceEquals(aff.Mul, mul) || ChannelsOf(x) is not long c) continue;
                var conv = new NodeProto { OpType = "Conv", Name = mul.Name + "__affine" };
                conv.Input.Add(x);
                conv.Input.Add(AddInitializer(mul.Name + "_w", [c, 1, 1, 1], [.. Enumerable.Repeat(aff.S, (int)c)]));
                conv.Input.Add(AddInitializer(mul.Name + "_b", [c], [.. Enumerable.Repeat(aff.B, (int)c)]));
                conv.Output.Add(aff.Add.Output[0]);
                conv.Attribute.Add(new AttributeProto { Name = "group", Type = AttributeProto.Types.AttributeType.Int, I = c });
                var ks = new AttributeProto { Name = "kernel_shape", Type = AttributeProto.Types.AttributeType.Ints };
                ks.Ints.AddRange([1, 1]);
                conv.Attribute.Add(ks);
                _removed.UnionWith([aff.Mul, aff.Add]);
                _insertBefore[aff.Add] = [conv];
                count++;
                Commit();
            }
            return count;
        }

        /// <summary>The scalar affine <c>y = s x + b</c> that alone reads <paramref name="x"/>, or null.</summary>
        private (NodeProto Mul, NodeProto Add, float S, float B)? AffineReading(string x)
        {
            if (SoleReader(x, "Mul") is not { } mul || Other(mul, x) is not { } sName || Scalar(sName) is not float s) return null;
            if (SoleReader(mul.Output[0], "Add") is not { } add || Other(add, mul.Output[0]) is not { } bName || Scalar(bName) is not float b) return null;
            return (mul, add, s, b);
        }

        private static bool IsExplicitlyPaddedConv(NodeProto n) =>
            n.OpType == "Conv" && n.Input.Count >= 2
            && n.Attribute.All(a => a.Name != "auto_pad" || a.S.ToStringUtf8() is "" or "NOTSET");

        /// <summary>The conv's weights (M x C/group x kH x kW) and bias (zeros when it has none).</summary>
        private (TensorProto Tensor, float[] W, float[] B)? Weights(NodeProto conv)
        {
            var wt = Tensor(conv.Input[1]);
            if (Floats(wt) is not { } w || wt!.Dims.Count != 4) return null;
            long m = wt.Dims[0];
            float[]? b = conv.Input.Count > 2 && conv.Input[2].Length > 0 ? Floats(Tensor(conv.Input[2])) : new float[m];
            return b is not null && b.Length == m ? (wt, w, b) : null;
        }

        private void SetWeights(NodeProto conv, TensorProto old, float[] w, float[] b)
        {
            conv.Input[1] = AddInitializer(conv.Name + "_w", old.Dims, w);
            string bias = AddInitializer(conv.Name + "_b", [old.Dims[0]], b);
            if (conv.Input.Count > 2) conv.Input[2] = bias;
            else conv.Input.Add(bias);
        }

        /// <summary>A conv followed by <c>y = s x + b</c>: W' = s W and B' = s B + b, exactly.</summary>
        public int FoldAffineAfterConv()
        {
            int count = 0;
            foreach (var conv in _g.Node.Where(IsExplicitlyPaddedConv).ToList())
            {
                if (_removed.Contains(conv) || AffineReading(conv.Output[0]) is not { } aff || Weights(conv) is not { } cw) continue;
                SetWeights(conv, cw.Tensor, [.. cw.W.Select(v => v * aff.S)], [.. cw.B.Select(v => v * aff.S + aff.B)]);
                conv.Output[0] = aff.Add.Output[0];
                _removed.UnionWith([aff.Mul, aff.Add]);
                count++;
            }
            Commit();
            return count;
        }

        /// <summary>
        /// <c>y = s x + b</c> read only by a 1x1 conv without padding: W' = s W and B' = B + b (sum of W over the
        /// inputs), exactly. Before a padded conv the padding would see b where the original saw zero, so those stay.
        /// </summary>
        public int FoldAffineBeforePointwiseConv()
        {
            int count = 0;
            foreach (var mul in _g.Node.Where(n => n.OpType == "Mul").ToList())
            {
                if (_removed.Contains(mul)) continue;
                string? x = mul.Input.FirstOrDefault(i => Scalar(i) is null);
                if (x is null || AffineReading(x) is not { } aff || !ReferenceEquals(aff.Mul, mul)) continue;
                if (SoleReader(aff.Add.Output[0], "Conv") is not { } conv || !IsExplicitlyPaddedConv(conv) || conv.Input[0] != aff.Add.Output[0]) continue;
                if (Weights(conv) is not { } cw || cw.Tensor.Dims[2] != 1 || cw.Tensor.Dims[3] != 1) continue;
                if (conv.Attribute.FirstOrDefault(a => a.Name == "pads") is { } pads && pads.Ints.Any(p => p != 0)) continue;
                long m = cw.Tensor.Dims[0], perOutput = cw.Tensor.Dims[1];
                var b = new float[m];
                for (long o = 0; o < m; o++)
                {
                    double sum = 0;
                    for (long i = 0; i < perOutput; i++) sum += cw.W[o * perOutput + i];
                    b[o] = (float)(cw.B[o] + aff.B * sum);
                }
                SetWeights(conv, cw.Tensor, [.. cw.W.Select(v => v * aff.S)], b);
                conv.Input[0] = x;
                _removed.UnionWith([aff.Mul, aff.Add]);
                count++;
                // A later match may read this one's nodes: keep the index current.
                Commit();
            }
            return count;
        }
    }
}
