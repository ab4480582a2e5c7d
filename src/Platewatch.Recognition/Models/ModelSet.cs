using System.Text.Json;
using Microsoft.ML.OnnxRuntime;

namespace Platewatch.Recognition.Models;

/// <summary>The loaded detector, recognizer and alphabet. Sessions are thread-safe for concurrent Run calls.</summary>
internal sealed class ModelSet : IDisposable
{
    public const string DetectorFile = "ch_PP-OCRv4_det_infer.onnx";
    public const string RecognizerFile = "ch_PP-OCRv4_rec_infer.onnx";
    public const string AlphabetFile = "ppocr_keys_v1.txt";
    private const string FixHint = "run scripts/fetch-models.sh (or set PLATEWATCH_MODELS to a directory it filled)";

    private ModelSet(InferenceSession detector, InferenceSession recognizer, string[] classes)
    {
        Detector = detector;
        Recognizer = recognizer;
        Classes = classes;
    }

    public InferenceSession Detector { get; }
    public InferenceSession Recognizer { get; }

    /// <summary>Character per CTC class; index 0 is the blank (empty string).</summary>
    public string[] Classes { get; }

    /// <param name="simplify">Rewrite the graphs' element-wise chains before loading (<see cref="GraphSimplifier"/>).</param>
    public static ModelSet Load(string directory, int intraOpThreads, bool simplify = true)
    {
        if (!Directory.Exists(directory))
            throw new ModelNotFoundException($"The models directory '{directory}' does not exist: {FixHint}.");
        foreach (string f in new[] { DetectorFile, RecognizerFile, AlphabetFile })
        {
            string p = Path.Combine(directory, f);
            if (!File.Exists(p))
                throw new ModelNotFoundException($"Model file '{p}' is missing: {FixHint}.");
        }
        foreach (string f in new[] { DetectorFile, RecognizerFile })
        {
            string meta = Path.Combine(directory, Path.ChangeExtension(f, ".json"));
            if (!File.Exists(meta))
                throw new ModelNotFoundException($"Model metadata '{meta}' is missing: {FixHint}.");
            CheckMetadata(meta, f);
        }

        string[] lines = File.ReadAllLines(Path.Combine(directory, AlphabetFile));
        var classes = new string[lines.Length + 2];
        classes[0] = "";
        for (int i = 0; i < lines.Length; i++) classes[i + 1] = lines[i];
        classes[^1] = " ";

        var options = new SessionOptions
        {
            IntraOpNumThreads = Math.Max(1, intraOpThreads),
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        // Spinning worker threads burn the second core that a parallel caller needs.
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        try
        {
            var det = Session(Path.Combine(directory, DetectorFile), simplify, options);
            try
            {
                var rec = Session(Path.Combine(directory, RecognizerFile), simplify, options);
                int outClasses = (int)rec.OutputMetadata.Values.First().Dimensions[^1];
                if (outClasses > 0 && outClasses != classes.Length)
                {
                    rec.Dispose();
                    throw new ModelNotFoundException($"The recognizer has {outClasses} classes but the alphabet gives {classes.Length}: {FixHint}.");
                }
                return new ModelSet(det, rec, classes);
            }
            catch
            {
                det.Dispose();
                throw;
            }
        }
        catch (OnnxRuntimeException ex)
        {
            throw new ModelNotFoundException($"A model in '{directory}' cannot be loaded ({ex.Message}): {FixHint}.", ex);
        }
        finally
        {
            options.Dispose();
        }
    }

    /// <summary>
    /// The model's session, from its simplified graph where asked. A graph the simplifier cannot parse is no ONNX
    /// model; one it rewrote that ONNX Runtime then refuses (a model other than the pinned one) loads as it is,
    /// slower but right.
    /// </summary>
    private static InferenceSession Session(string path, bool simplify, SessionOptions options)
    {
        byte[] bytes = File.ReadAllBytes(path);
        if (simplify)
        {
            byte[] simple;
            try
            {
                simple = GraphSimplifier.Simplify(bytes, out _);
            }
            catch (Google.Protobuf.InvalidProtocolBufferException ex)
            {
                throw new ModelNotFoundException($"Model file '{path}' is not an ONNX model ({ex.Message}): {FixHint}.", ex);
            }
            try
            {
                return new InferenceSession(simple, options);
            }
            catch (OnnxRuntimeException)
            {
                // Fall through to the stock graph: its own error, if any, is the one to report.
            }
        }
        return new InferenceSession(bytes, options);
    }

    private static void CheckMetadata(string metaPath, string modelFile)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(metaPath));
        if (!doc.RootElement.TryGetProperty("file", out var file) || file.GetString() != modelFile)
            throw new ModelNotFoundException($"Model metadata '{metaPath}' does not describe {modelFile}: {FixHint}.");
    }

    /// <summary>The models directory: the explicit path, else $PLATEWATCH_MODELS, else models/ above the working directory or the app.</summary>
    public static string ResolveDirectory(string? explicitPath)
    {
        if (!string.IsNullOrWhiteSpace(explicitPath)) return Path.GetFullPath(explicitPath);
        string? env = Environment.GetEnvironmentVariable("PLATEWATCH_MODELS");
        if (!string.IsNullOrWhiteSpace(env)) return Path.GetFullPath(env);
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "models");
                if (File.Exists(Path.Combine(candidate, RecognizerFile))) return candidate;
            }
        }
        return Path.GetFullPath("models");
    }

    public void Dispose()
    {
        Detector.Dispose();
        Recognizer.Dispose();
    }
}
