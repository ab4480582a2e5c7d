using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Platewatch.Formats;
using Platewatch.Query;
using Platewatch.Reads;
using Spectre.Console;

namespace Platewatch.Cli.Search;

/// <summary>
/// <c>platewatch search --url</c>: the same options, sent to a server's search API, so the server's query service
/// applies the policy and writes the audit entry under the signed-in user. Nothing is searched locally.
/// </summary>
internal static class RemoteSearch
{
    public static async Task<ReadPage> SearchAsync(SearchSettings s, ReadQuery query, IAnsiConsole console, CancellationToken cancellationToken)
    {
        var baseUri = new Uri(s.Url!.EndsWith('/') ? s.Url : s.Url + "/", UriKind.Absolute);
        using var http = new HttpClient { BaseAddress = baseUri, Timeout = TimeSpan.FromMinutes(5) };
        string token = s.Token ?? Environment.GetEnvironmentVariable("PLATEWATCH_TOKEN") ?? await SignInAsync(http, s, console, cancellationToken).ConfigureAwait(false);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        var response = await http.GetAsync("api/v1/reads?" + QueryString(s, query), cancellationToken).ConfigureAwait(false);
        string body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"The server refused the search ({(int)response.StatusCode}): {Problem(body)}");
        using var doc = JsonDocument.Parse(body);
        var reads = new List<PlateRead>();
        foreach (var e in doc.RootElement.GetProperty("reads").EnumerateArray())
        {
            var dto = e.Deserialize(ReadJsonContext.Default.ReadDto) ?? throw new InvalidOperationException("The server sent an empty read.");
            var outcome = ReadMapping.FromDto(dto, DateTimeOffset.UtcNow.AddDays(1));
            reads.Add(outcome.Read ?? throw new InvalidOperationException($"The server sent a read this client cannot parse: {outcome.Error}"));
        }
        string? next = doc.RootElement.TryGetProperty("next", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
        return new ReadPage([.. reads], next is null ? null : ReadCursor.Parse(next));
    }

    private static async Task<string> SignInAsync(HttpClient http, SearchSettings s, IAnsiConsole console, CancellationToken cancellationToken)
    {
        if (s.Username is null) throw new ArgumentException("--url needs credentials: --token (or $PLATEWATCH_TOKEN), or --username with $PLATEWATCH_PASSWORD.");
        string password = Environment.GetEnvironmentVariable("PLATEWATCH_PASSWORD")
            ?? (Console.IsInputRedirected ? throw new ArgumentException("Set $PLATEWATCH_PASSWORD: there is no terminal to ask for the password.")
                : await console.PromptAsync(new TextPrompt<string>($"Password for {s.Username}:").Secret(), cancellationToken).ConfigureAwait(false));
        var response = await http.PostAsJsonAsync("api/v1/auth/token", new Dictionary<string, string> { ["username"] = s.Username, ["password"] = password }, cancellationToken).ConfigureAwait(false);
        string body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"Sign-in as {s.Username} failed ({(int)response.StatusCode}): {Problem(body)}");
        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.GetProperty("accessToken").GetString()!;
    }

    private static string QueryString(SearchSettings s, ReadQuery q)
    {
        var parts = new List<string>();
        void Add(string k, string? v) { if (v is not null) parts.Add($"{k}={Uri.EscapeDataString(v)}"); }
        var inv = CultureInfo.InvariantCulture;
        if (q.Plate is { } p)
        {
            Add("plate", p.Text);
            Add("match", p.Kind.ToString().ToLowerInvariant());
            if (p.MaxEdits > 0) Add("edits", p.MaxEdits.ToString(inv));
        }
        Add("from", q.Range.From.ToString("O", inv));
        Add("to", q.Range.To.ToString("O", inv));
        Add("area", s.Area);
        foreach (string c in q.Cameras) Add("camera", c);
        if (q.MinConfidence > 0) Add("minConfidence", q.MinConfidence.ToString(inv));
        Add("limit", q.Limit.ToString(inv));
        Add("after", q.After?.ToString());
        Add("purpose", s.Purpose);
        Add("purposeText", s.PurposeText);
        Add("caseNumber", s.Case);
        return string.Join('&', parts);
    }

    private static string Problem(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.TryGetProperty("detail", out var d) ? d.GetString() ?? body : body;
        }
        catch (JsonException)
        {
            return body.Length > 200 ? body[..200] : body;
        }
    }
}
