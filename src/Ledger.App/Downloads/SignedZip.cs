using System.IO.Compression;
using System.Text;
using NodaTime;

namespace Ledger.App.Downloads;

/// <summary>A file inside a download: its path in the ZIP and its exact bytes.</summary>
public sealed record DownloadFile(string Name, byte[] Bytes);

/// <summary>
/// A ZIP in which every file has its detached signature beside it (<c>NAME.sig</c>, DER, checked by
/// <c>openssl dgst -sha256 -verify ledger-signing-key.pem -signature NAME.sig NAME</c>), with the public key
/// (<see cref="FileSigner.PublicKeyFileName"/>) and a README saying how to check them. Entries are written in the order
/// added with a fixed time, so the same files give the same ZIP.
/// </summary>
public sealed class SignedZip(FileSigner signer, Instant writtenAt)
{
    public const string ReadmeName = "README.txt";
    public const string SignatureSuffix = ".sig";

    private readonly List<DownloadFile> files = [];

    public IReadOnlyList<DownloadFile> Files => files;

    public SignedZip Add(DownloadFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (files.Any(f => f.Name == file.Name) || file.Name.EndsWith(SignatureSuffix, StringComparison.Ordinal) || file.Name is FileSigner.PublicKeyFileName or ReadmeName)
        {
            throw new ArgumentException($"the ZIP already has or reserves the name {file.Name}", nameof(file));
        }

        files.Add(file);
        return this;
    }

    public byte[] Build()
    {
        using var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            // ZIP times are local wall-clock times without a zone: the ledger writes UTC.
            var time = new DateTimeOffset(writtenAt.ToDateTimeUtc().Ticks < new DateTime(1980, 1, 2).Ticks ? new DateTime(1980, 1, 2) : writtenAt.ToDateTimeUtc(), TimeSpan.Zero);
            void Write(string name, byte[] bytes)
            {
                var entry = zip.CreateEntry(name, CompressionLevel.Optimal);
                entry.LastWriteTime = time;
                using var stream = entry.Open();
                stream.Write(bytes);
            }

            foreach (var file in files.Append(new DownloadFile(ReadmeName, Encoding.UTF8.GetBytes(Readme(signer.KeyId)))))
            {
                Write(file.Name, file.Bytes);
                Write(file.Name + SignatureSuffix, signer.Sign(file.Bytes));
            }

            Write(FileSigner.PublicKeyFileName, Encoding.ASCII.GetBytes(signer.PublicKeyPem));
        }

        return output.ToArray();
    }

    private static string Readme(string keyId) => $"""
        Выгрузка из реестра медицинских документов «Моё здоровье»
        =========================================================

        Каждый файл подписан цифровой подписью реестра (ECDSA P-256, SHA-256, ключ {keyId}).
        Подпись лежит рядом с файлом: ИМЯ.sig. Открытый ключ: {FileSigner.PublicKeyFileName}
        (тот же ключ публикует реестр: GET /api/v1/signing-key).

        Проверка подписи одного файла:
            openssl dgst -sha256 -verify {FileSigner.PublicKeyFileName} -signature ИМЯ.sig ИМЯ
        Ответ «Verified OK» значит: файл не изменён и выдан реестром.
        Проверка всего архива: ledger verify-file ВЫГРУЗКА.zip

        Download from the medical records ledger
        ========================================

        Every file carries the ledger's digital signature (ECDSA P-256 over SHA-256, key {keyId}),
        detached beside it as NAME.sig. The public key is {FileSigner.PublicKeyFileName}
        (the ledger publishes the same key at GET /api/v1/signing-key).

        Check one file:
            openssl dgst -sha256 -verify {FileSigner.PublicKeyFileName} -signature NAME.sig NAME
        "Verified OK" means the file is unchanged and was issued by the ledger.
        Check the whole archive: ledger verify-file DOWNLOAD.zip
        Check the key against the one you trust: its key id is {keyId}.

        """.ReplaceLineEndings("\n");
}
