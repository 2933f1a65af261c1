namespace Ledger.EventStore.Protection;

/// <summary>
/// Reads key configuration from an environment variable or a file. Error messages name the source, the entry
/// and the id, never the key material.
/// </summary>
internal static class KeyText
{
    public static (string Text, string Source) FromEnvironment(string variable)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(variable);
        var source = $"environment variable {variable}";
        var text = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new KeyConfigurationException($"{source} is not set");
        }

        return (text, source);
    }

    public static (string Text, string Source) FromFile(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var source = $"key file '{path}'";
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new KeyConfigurationException($"{source} does not exist");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new KeyConfigurationException($"{source} cannot be read: {ex.GetType().Name}");
        }

        return (text, source);
    }

    /// <summary>Entries separated by commas or line breaks; blank entries and lines starting with '#' are skipped.</summary>
    public static List<string> Entries(string text)
    {
        var entries = new List<string>();
        foreach (var line in text.Split('\n'))
        {
            var trimmed = line.Trim();
            if (trimmed.StartsWith('#'))
            {
                continue;
            }

            entries.AddRange(trimmed.Split(',').Select(e => e.Trim()).Where(e => e.Length > 0));
        }

        return entries;
    }

    /// <summary>Decodes base64; on failure the message names <paramref name="what"/>, not the text.</summary>
    public static byte[] Base64(string text, string what)
    {
        var buffer = new byte[(text.Length * 3 / 4) + 3];
        if (!Convert.TryFromBase64String(text, buffer, out var written))
        {
            throw new KeyConfigurationException($"{what} is not valid base64");
        }

        return buffer.AsSpan(0, written).ToArray();
    }
}
