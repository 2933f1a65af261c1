using System.Net.Http.Json;
using System.Text.Json;

namespace Ledger.App.Cli;

/// <summary><c>ledger health [--url URL]</c>: asks a running ledger's <c>/health</c>; exit 0 when it is healthy.</summary>
public static class HealthCommand
{
    public static async Task<int> RunAsync(string url, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (!Uri.TryCreate(url, UriKind.Absolute, out var address) || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
        {
            throw new UsageException($"--url needs an http(s) address, not '{url}'");
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var health = new Uri(address, "/health");
        try
        {
            using var response = await http.GetAsync(health);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            // 200 answers the report ({"status":"healthy",…}); 503 a problem whose "health" says why.
            var status = body.ValueKind != JsonValueKind.Object ? null
                : body.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString()
                : body.TryGetProperty("health", out var h) && h.ValueKind == JsonValueKind.String ? h.GetString()
                : null;
            if (response.IsSuccessStatusCode && status == "healthy")
            {
                await output.WriteLineAsync($"{health}: healthy");
                return 0;
            }

            await error.WriteLineAsync($"ledger: {health}: {(int)response.StatusCode} {status ?? "no status"}");
            return 1;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
        {
            await error.WriteLineAsync($"ledger: {health}: {ex.Message.ReplaceLineEndings(" ")}");
            return 1;
        }
    }
}
