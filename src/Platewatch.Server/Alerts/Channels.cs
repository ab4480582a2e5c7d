using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;
using Platewatch.Server.Accounts;

namespace Platewatch.Server.Alerts;

/// <summary>A way to tell a subscriber about an alert. Throws on failure; the dispatcher retries.</summary>
internal interface IAlertChannel
{
    string Name { get; }

    Task SendAsync(AlertContent alert, Subscription to, string deliveryId, CancellationToken cancellationToken);
}

/// <summary>The text an officer reads first: the hit, then every warning.</summary>
internal static class AlertText
{
    public static string Subject(AlertContent a) =>
        $"[Platewatch] {(a.Warnings.IsEmpty ? "" : "CHECK ")}{a.Entry.Category} hit: {a.Match.MatchedText} ({a.Match.Kind}) at {a.Read.CameraId}";

    public static string Body(AlertContent a)
    {
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.AppendLine(inv, $"Read:     {a.Read.Plate} {a.Read.Region} confidence {a.Read.Confidence:0.00} at {a.Read.CapturedAt:O}");
        if (a.Read.Candidates is { Count: > 0 } c) sb.Append("Candidates: ").AppendLine(string.Join(", ", c.Select(x => string.Create(inv, $"{x.Plate} {x.Confidence:0.00}"))));
        sb.AppendLine(inv, $"Camera:   {a.Read.CameraId} at {a.Read.Location?.Lat:0.######},{a.Read.Location?.Lon:0.######}");
        if (a.Read.Vehicle is { } v) sb.AppendLine($"Vehicle:  {v.Type} {v.Colour} {v.Make}".TrimEnd());
        sb.AppendLine(inv, $"Listed:   {a.Entry.Plate} {a.Entry.Region} on '{a.Entry.HotlistName}' ({a.Entry.Source}), priority {a.Entry.Priority}");
        sb.AppendLine(inv, $"Category: {a.Entry.Category}; reason: {a.Entry.Reason}; case {a.Entry.CaseNumber}");
        if (a.Entry.Vehicle is { } ev) sb.AppendLine($"Listed vehicle: {ev.Make} {ev.Model} {ev.Colour} {ev.Type}".TrimEnd());
        sb.AppendLine(inv, $"Match:    {a.Match.Kind}, score {a.Match.Score:0.00}{(a.Match.OtherRegion ? ", OTHER STATE" : "")}");
        foreach (string w in a.Warnings) sb.AppendLine(inv, $"WARNING:  {w}");
        if (a.PlateCropUrl is not null) sb.AppendLine(inv, $"Plate crop: {a.PlateCropUrl}");
        if (a.ContextImageUrl is not null) sb.AppendLine(inv, $"Context image: {a.ContextImageUrl}");
        sb.AppendLine(inv, $"Verify before acting: {a.Link}");
        return sb.ToString();
    }

    public static string Short(AlertContent a) =>
        $"Platewatch {a.Entry.Category} hit {a.Match.MatchedText} ({a.Match.Kind}) {a.Read.CameraId} {a.Read.CapturedAt:HH:mm:ss}Z case {a.Entry.CaseNumber}{(a.Warnings.IsEmpty ? "" : " CHECK WARNINGS")} {a.Link}";
}

/// <summary>Email over SMTP with MailKit. The Message-Id is derived from the delivery, so a retried message can be recognised.</summary>
internal sealed class EmailChannel(IOptions<AlertOptions> options) : IAlertChannel
{
    public string Name => AlertChannels.Email;

    public async Task SendAsync(AlertContent alert, Subscription to, string deliveryId, CancellationToken cancellationToken)
    {
        var smtp = options.Value.Smtp;
        if (string.IsNullOrEmpty(smtp.Host)) throw new InvalidOperationException("Alerts:Smtp:Host is not set; email alerts cannot be sent.");
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(smtp.From));
        message.To.Add(MailboxAddress.Parse(to.Target));
        message.Subject = AlertText.Subject(alert);
        message.MessageId = $"{deliveryId.Replace(':', '.')}@platewatch";
        message.Headers.Add("X-Platewatch-Delivery", deliveryId);
        message.Body = new TextPart("plain") { Text = AlertText.Body(alert) };
        using var client = new SmtpClient();
        var security = smtp.Security.ToLowerInvariant() switch
        {
            "none" => SecureSocketOptions.None,
            "starttls" => SecureSocketOptions.StartTls,
            "tls" => SecureSocketOptions.SslOnConnect,
            _ => SecureSocketOptions.StartTlsWhenAvailable,
        };
        await client.ConnectAsync(smtp.Host, smtp.Port, security, cancellationToken).ConfigureAwait(false);
        if (!string.IsNullOrEmpty(smtp.Username)) await client.AuthenticateAsync(smtp.Username, smtp.Password ?? "", cancellationToken).ConfigureAwait(false);
        await client.SendAsync(message, cancellationToken).ConfigureAwait(false);
        await client.DisconnectAsync(true, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>Signed JSON POST (see <see cref="WebhookSignature"/>).</summary>
internal sealed class WebhookChannel(HttpClient http, WebhookSecrets secrets, TimeProvider time) : IAlertChannel
{
    public string Name => AlertChannels.Webhook;

    public async Task SendAsync(AlertContent alert, Subscription to, string deliveryId, CancellationToken cancellationToken)
    {
        byte[] body = JsonSerializer.SerializeToUtf8Bytes(alert, AlertStore.Json);
        long ts = time.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, to.Target) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add(WebhookSignature.TimestampHeader, ts.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(WebhookSignature.DeliveryHeader, deliveryId);
        request.Headers.Add(WebhookSignature.SignatureHeader, WebhookSignature.Sign(secrets.For(to.Id), ts, deliveryId, body));
        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode) throw new HttpRequestException($"the webhook answered {(int)response.StatusCode} {response.ReasonPhrase}");
    }
}

/// <summary>Any HTTP SMS gateway, described by a template in the settings.</summary>
internal sealed class SmsChannel(HttpClient http, IOptions<AlertOptions> options) : IAlertChannel
{
    public string Name => AlertChannels.Sms;

    public async Task SendAsync(AlertContent alert, Subscription to, string deliveryId, CancellationToken cancellationToken)
    {
        var sms = options.Value.Sms;
        if (string.IsNullOrEmpty(sms.Url)) throw new InvalidOperationException("Alerts:Sms:Url is not set; SMS alerts cannot be sent.");
        string text = AlertText.Short(alert);
        string url = sms.Url.Replace("{to}", Uri.EscapeDataString(to.Target), StringComparison.Ordinal).Replace("{text}", Uri.EscapeDataString(text), StringComparison.Ordinal);
        bool json = sms.ContentType.Contains("json", StringComparison.OrdinalIgnoreCase);
        string Escape(string s) => json ? JsonEncodedText.Encode(s).ToString() : Uri.EscapeDataString(s);
        using var request = new HttpRequestMessage(new HttpMethod(sms.Method), url);
        if (!string.Equals(sms.Method, "GET", StringComparison.OrdinalIgnoreCase))
        {
            string body = sms.BodyTemplate.Replace("{to}", Escape(to.Target), StringComparison.Ordinal).Replace("{text}", Escape(text), StringComparison.Ordinal);
            request.Content = new StringContent(body, Encoding.UTF8, sms.ContentType);
        }
        if (!string.IsNullOrEmpty(sms.Authorization)) request.Headers.TryAddWithoutValidation("Authorization", sms.Authorization);
        request.Headers.Add(WebhookSignature.DeliveryHeader, deliveryId);
        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode) throw new HttpRequestException($"the SMS gateway answered {(int)response.StatusCode} {response.ReasonPhrase}");
    }
}

/// <summary>
/// Per-subscription webhook secrets, derived (HMAC) from a key kept in DIR/alerts, so no secret is stored: the
/// subscriber gets it once, when the subscription is made.
/// </summary>
internal sealed class WebhookSecrets(string dataDirectory)
{
    private readonly SecretKeyring _keyring = SecretKeyring.LoadOrCreate(Path.Combine(dataDirectory, "alerts"));

    public string For(string subscriptionId) => "whsec_" + _keyring.Mac("webhook:" + subscriptionId);
}
