using System.Globalization;
using Platewatch.Alerts.Hotlists;
using Platewatch.Formats;
using Platewatch.Plates;

namespace Platewatch.Server.Alerts;

/// <summary>
/// Registration (DMV) records as CSV with the header
/// <c>plate,region,vin,make,model,year,colour,body,owner_name,owner_address,expires</c> (plate and region required,
/// expires as YYYY-MM-DD). Bad rows come back with their line numbers; good rows are imported.
/// </summary>
internal static class RegistrationCsv
{
    public const string Header = "plate,region,vin,make,model,year,colour,body,owner_name,owner_address,expires";

    public static async Task<(List<RegistrationRecord> Records, List<ImportProblem> Problems)> ReadAsync(TextReader reader, CancellationToken cancellationToken)
    {
        var records = new List<RegistrationRecord>();
        var problems = new List<ImportProblem>();
        Dictionary<string, int>? columns = null;
        long lineNo = 0;
        string? line;
        while ((line = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false)) is not null)
        {
            lineNo++;
            if (line.Length == 0) continue;
            if (line.Length > ImportContext.MaxLineLength) { problems.Add(new(lineNo, "the line is too long")); continue; }
            var fields = ReadFiles.SplitCsv(line, out string? error);
            if (columns is null)
            {
                if (error is not null) throw new FormatException($"line {lineNo}: the header is not valid CSV ({error}).");
                columns = fields.Select((n, i) => (n.Trim().ToLowerInvariant(), i)).GroupBy(t => t.Item1).ToDictionary(g => g.Key, g => g.First().i, StringComparer.Ordinal);
                if (!columns.ContainsKey("plate") || !columns.ContainsKey("region")) throw new FormatException($"line {lineNo}: the header needs plate and region; expected {Header}.");
                continue;
            }
            if (records.Count + problems.Count >= ImportContext.MaxRows) { problems.Add(new(lineNo, "too many rows; the rest was not read")); break; }
            if (error is not null) { problems.Add(new(lineNo, error)); continue; }
            string? Get(string name)
            {
                if (!columns.TryGetValue(name, out int i) || i >= fields.Length) return null;
                string v = fields[i].Trim();
                return v.Length == 0 ? null : v.Length > 200 ? v[..200] : v;
            }
            string plate = PlateText.Normalize(Get("plate") ?? "");
            string region = (Get("region") ?? "").ToUpperInvariant();
            if (!PlateText.IsNormalized(plate)) { problems.Add(new(lineNo, $"plate '{Get("plate")}' must have 1 to {PlateText.MaxLength} letters or digits")); continue; }
            if (region.Length is 0 or > 10) { problems.Add(new(lineNo, "region is required (e.g. US-WA)")); continue; }
            int? year = null;
            if (Get("year") is { } y)
            {
                if (!int.TryParse(y, NumberStyles.Integer, CultureInfo.InvariantCulture, out int yy) || yy is < 1886 or > 2100) { problems.Add(new(lineNo, $"year '{y}' is not a model year")); continue; }
                year = yy;
            }
            DateOnly? expires = null;
            if (Get("expires") is { } e)
            {
                if (!DateOnly.TryParseExact(e, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)) { problems.Add(new(lineNo, $"expires '{e}' is not a date (YYYY-MM-DD)")); continue; }
                expires = d;
            }
            records.Add(new RegistrationRecord(plate, region, Get("vin"), Get("make"), Get("model"), year, Get("colour") ?? Get("color"), Get("body"), Get("owner_name"), Get("owner_address"), expires));
        }
        if (columns is null) throw new FormatException($"the file is empty; expected the header {Header}.");
        return (records, problems);
    }
}
