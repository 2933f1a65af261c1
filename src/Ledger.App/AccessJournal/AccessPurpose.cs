namespace Ledger.App.AccessJournal;

/// <summary>How the source address travels inside an access event's purpose.</summary>
public static class AccessPurpose
{
    private const string Separator = " | source=";

    public static string Compose(string purpose, string? source) =>
        string.IsNullOrEmpty(source) ? purpose : purpose + Separator + source;

    public static (string Purpose, string? Source) Split(string stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var at = stored.LastIndexOf(Separator, StringComparison.Ordinal);
        return at < 0 ? (stored, null) : (stored[..at], stored[(at + Separator.Length)..]);
    }
}
