using System.IO.Compression;
using Ledger.App.Downloads;
using Ledger.App.Hosting;

namespace Ledger.App.Cli;

/// <summary>
/// <c>ledger verify-file FILE [--signature SIG] [--public-key PEM]</c>: checks a downloaded file's signature (by default
/// <c>FILE.sig</c> beside it) with the public key (by default the configured signing key's); for a ZIP, every file inside
/// against its <c>.sig</c> inside as well. One line: <c>valid: …</c> and exit 0, or what is wrong and exit 1.
/// </summary>
public static class VerifyFileCommand
{
    public static async Task<int> RunAsync(CommandLine command, LedgerSettings settings, TextWriter output, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(output);
        var file = command.Get("file") ?? throw new UsageException("verify-file needs the file: ledger verify-file FILE [--signature SIG] [--public-key PEM]");
        string publicKey;
        try
        {
            publicKey = command.Get("public-key") is { } keyFile ? await File.ReadAllTextAsync(keyFile) : PublicKeyOf(settings, log);
            _ = FileSignatures.KeyIdOf(publicKey);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or System.Security.Cryptography.CryptographicException)
        {
            await output.WriteLineAsync($"unreadable: the public key {command.Get("public-key") ?? "of the configuration"}: {e.Message.ReplaceLineEndings(" ")}");
            return 1;
        }

        var (ok, line) = Verify(file, command.Get("signature"), publicKey);
        await output.WriteLineAsync(line);
        return ok ? 0 : 1;
    }

    /// <summary>The verdict on <paramref name="file"/>, as one line.</summary>
    public static (bool Valid, string Line) Verify(string file, string? signatureFile, string publicKeyPem)
    {
        ArgumentNullException.ThrowIfNull(file);
        var keyId = FileSignatures.KeyIdOf(publicKeyPem);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (false, $"unreadable: {file}: {e.Message.ReplaceLineEndings(" ")}");
        }

        var sigPath = signatureFile ?? file + SignedZip.SignatureSuffix;
        var isZip = bytes.AsSpan().StartsWith("PK\u0003\u0004"u8);
        if (File.Exists(sigPath))
        {
            if (!FileSignatures.Verify(publicKeyPem, bytes, File.ReadAllBytes(sigPath)))
            {
                return (false, $"invalid: {file}: the signature {sigPath} does not match under key {keyId} (the file was changed, or signed with another key)");
            }
        }
        else if (!isZip || signatureFile is not null)
        {
            return (false, $"no signature: {sigPath} does not exist");
        }

        if (!isZip)
        {
            return (true, $"valid: {file} signed by key {keyId}");
        }

        try
        {
            using var zip = new ZipArchive(new MemoryStream(bytes), ZipArchiveMode.Read);
            var entries = zip.Entries.Where(e => !e.FullName.EndsWith('/')).ToDictionary(e => e.FullName, Read, StringComparer.Ordinal);
            var checkedFiles = 0;
            foreach (var (name, content) in entries.Where(e => !e.Key.EndsWith(SignedZip.SignatureSuffix, StringComparison.Ordinal) && e.Key != FileSigner.PublicKeyFileName).OrderBy(e => e.Key, StringComparer.Ordinal))
            {
                if (!entries.TryGetValue(name + SignedZip.SignatureSuffix, out var signature))
                {
                    return (false, $"no signature: {file}: {name} has no {name}{SignedZip.SignatureSuffix}");
                }

                if (!FileSignatures.Verify(publicKeyPem, content, signature))
                {
                    var inside = entries.TryGetValue(FileSigner.PublicKeyFileName, out var pem) ? System.Text.Encoding.ASCII.GetString(pem) : null;
                    return inside is not null && FileSignatures.KeyIdOf(inside) != keyId && FileSignatures.Verify(inside, content, signature)
                        ? (false, $"wrong key: {file}: {name} is signed by key {FileSignatures.KeyIdOf(inside)}, not by key {keyId}")
                        : (false, $"invalid: {file}: {name} does not match its signature under key {keyId} (changed, or signed with another key)");
                }

                checkedFiles++;
            }

            return checkedFiles == 0
                ? (false, $"no signature: {file} holds no signed file")
                : (true, $"valid: {file} and its {checkedFiles} files signed by key {keyId}");
        }
        catch (InvalidDataException e)
        {
            return (false, $"unreadable: {file} is not a readable ZIP: {e.Message.ReplaceLineEndings(" ")}");
        }
    }

    private static byte[] Read(ZipArchiveEntry entry)
    {
        using var stream = entry.Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static string PublicKeyOf(LedgerSettings settings, TextWriter log)
    {
        using var signer = LedgerKeys.Load(settings.Home, log).CheckpointSigner();
        return signer.PublicKeyPem;
    }
}
