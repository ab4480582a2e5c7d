namespace Platewatch.Server.Alerts;

/// <summary>The "Alerts" section of the server settings.</summary>
internal sealed class AlertOptions
{
    /// <summary>How far back an entry added by hand is searched for past sightings.</summary>
    public int BackSearchDays { get; set; } = 30;

    /// <summary>
    /// At most this many new entries of one import are back-searched (highest priority first), each a search through
    /// the gate; an import's result says how many were left out.
    /// </summary>
    public int BackSearchMaxPerImport { get; set; } = 100;

    /// <summary>Tries per subscriber before the delivery is dead-lettered (visible to admins, retryable).</summary>
    public int MaxAttempts { get; set; } = 8;

    /// <summary>First retry delay; each later one doubles, up to <see cref="MaxBackoffSeconds"/>.</summary>
    public double FirstBackoffSeconds { get; set; } = 1;

    public double MaxBackoffSeconds { get; set; } = 300;

    /// <summary>How often lists are checked for staleness.</summary>
    public double StaleCheckSeconds { get; set; } = 60;

    /// <summary>Base of the links in alert messages (e.g. https://platewatch.example.org).</summary>
    public string PublicBaseUrl { get; set; } = "http://127.0.0.1:5080";

    /// <summary>Hits below this score raise no alert (an edit on a candidate from another state scores about 0.3).</summary>
    public float MinScore { get; set; }

    public SmtpOptions Smtp { get; set; } = new();

    public SmsGatewayOptions Sms { get; set; } = new();

    public int WebhookTimeoutSeconds { get; set; } = 5;
}

internal sealed class SmtpOptions
{
    public string? Host { get; set; }
    public int Port { get; set; } = 25;
    /// <summary>none, starttls (required), auto (STARTTLS when offered) or tls (implicit).</summary>
    public string Security { get; set; } = "auto";
    public string? Username { get; set; }
    public string? Password { get; set; }
    public string From { get; set; } = "platewatch@localhost";
}

/// <summary>
/// Any HTTP SMS gateway: the URL and body are templates where {to} and {text} are replaced (URL-encoded in the URL,
/// JSON-escaped in a JSON body); <see cref="Authorization"/> goes into the Authorization header as given.
/// </summary>
internal sealed class SmsGatewayOptions
{
    public string? Url { get; set; }
    public string Method { get; set; } = "POST";
    public string BodyTemplate { get; set; } = """{"to":"{to}","text":"{text}"}""";
    public string ContentType { get; set; } = "application/json";
    public string? Authorization { get; set; }
}
