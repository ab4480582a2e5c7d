using Platewatch.Formats;
using Platewatch.Query;

namespace Platewatch.Server.Apis;

/// <summary>An export page as bytes and content type; the formats themselves live in <see cref="ReadExports"/>.</summary>
internal static class ReadExport
{
    public static (byte[] Bytes, string ContentType) Write(ReadPage page, string format)
    {
        using var ms = new MemoryStream();
        ReadExports.Write(page.Reads, format, ms);
        return (ms.ToArray(), ReadExports.ContentType(format));
    }
}
