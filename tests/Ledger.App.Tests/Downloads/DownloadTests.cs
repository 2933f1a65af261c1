using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Xml;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Ledger.App.Cli;
using Ledger.App.Downloads;
using Ledger.App.Security;
using Ledger.App.Tests.Patients;
using Ledger.App.Tests.Web;
using Ledger.Domain.Results;
using Ledger.Testing;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Xunit;
using Task = System.Threading.Tasks.Task;
using Instant = NodaTime.Instant;
using Duration = NodaTime.Duration;

namespace Ledger.App.Tests.Downloads;

/// <summary>The signed downloads over HTTP: PDF, FHIR, ZIP, the medical card, the published key, and <c>ledger verify-file</c>.</summary>
public sealed class DownloadTests
{
    private const string Root = "/api/v1/patients/me/downloads";

    private static async Task<(LedgerHost Host, Guid Patient, HttpClient Client, Guid Report, Guid Study)> SeededAsync()
    {
        var host = await LedgerHost.StartAsync();
        var patient = await Seed.PatientAsync(host);
        var lab = await WebSeed.LaboratoryAsync(host);
        var report = await WebSeed.LabAsync(host, patient, lab, WebSeed.Report(lab, "ORD-D1", Instant.FromUtc(2026, 2, 27, 6, 30), "Смирнова О. В.", 6.8m, "H"));
        var study = await WebSeed.StudyAsync(host, patient, lab);
        await Seed.CatchUpAsync(host);
        return (host, patient, host.ClientAs(Roles.Patient, patient, Duration.FromDays(1)), report, study);
    }

    private static string PublicKey(LedgerHost host) => host.Services.GetRequiredService<FileSigner>().PublicKeyPem;

    private static (int Exit, string Output) Run(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output);
    }

    private static async Task<(int Exit, string Line)> VerifyFileAsync(params string[] arguments)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await LedgerProgram.RunAsync(["verify-file", .. arguments], SystemClock.Instance, output, error);
        return (exit, (output.ToString() + error.ToString()).Trim());
    }

    private static string Temp()
    {
        var directory = Path.Combine(Path.GetTempPath(), "ledger-downloads-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        return directory;
    }

    private static void AssertDownload(HttpResponseMessage response, string mediaType, string extension)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.EndsWith("." + extension, response.Content.Headers.ContentDisposition?.FileName?.Trim('"'), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pdf_holds_the_patient_and_every_observation_with_its_flag_in_extractable_text_with_embedded_fonts_and_a_valid_signature()
    {
        var (host, _, client, report, study) = await SeededAsync();
        await using var _h = host;
        using var _c = client;

        var response = await client.GetAsync(new Uri($"{Root}/pdf?document={report}&document={study}", UriKind.Relative));
        AssertDownload(response, "application/pdf", "pdf");
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var header = response.Headers.GetValues(FileSigner.Header).Single();
        var keyId = host.Services.GetRequiredService<FileSigner>().KeyId;
        Assert.StartsWith($"keyid={keyId}; sig=", header, StringComparison.Ordinal);
        var sig = Convert.FromBase64String(header.Split("sig=")[1]);
        Assert.True(FileSignatures.Verify(PublicKey(host), bytes, sig));

        var directory = Temp();
        var pdf = Path.Combine(directory, "documents.pdf");
        await File.WriteAllBytesAsync(pdf, bytes);
        var (textExit, text) = Run("/usr/bin/pdftotext", "-layout", pdf, "-");
        Assert.Equal(0, textExit);
        Assert.Contains("Иванова Мария Петровна", text, StringComparison.Ordinal);
        Assert.Contains("Глюкоза", text, StringComparison.Ordinal);
        Assert.Contains("Холестерин общий", text, StringComparison.Ordinal);
        Assert.Contains("6,8", text, StringComparison.Ordinal);
        Assert.Contains("3,9 – 6,1", text, StringComparison.Ordinal);
        Assert.Contains("↑ выше нормы", text, StringComparison.Ordinal);
        Assert.Contains("ORD-D1", text, StringComparison.Ordinal);
        Assert.Contains("Лаборатория «Здоровье»", text, StringComparison.Ordinal);
        Assert.Contains("Эхопризнаков патологии не выявлено.", text, StringComparison.Ordinal);
        Assert.Contains("ключ " + keyId, text, StringComparison.Ordinal);
        var (fontsExit, fonts) = Run("/usr/bin/pdffonts", pdf);
        Assert.Equal(0, fontsExit);
        var rows = fonts.Split('\n').Skip(2).Where(l => l.Length > 0).ToList();
        Assert.NotEmpty(rows);
        Assert.All(rows, row => Assert.Contains("DejaVu Sans", row, StringComparison.Ordinal));
        Assert.All(rows, row => Assert.Matches(@"\syes\s+yes\s+(yes|no)\s+\d+\s+\d+\s*$", row));
    }

    [Fact]
    public async Task Two_renderings_of_the_same_state_are_byte_identical_and_the_signature_variant_signs_those_bytes()
    {
        var (host, _, client, report, _) = await SeededAsync();
        await using var _h = host;
        using var _c = client;

        foreach (var (route, query) in new[] { ("pdf", $"document={report}"), ("fhir", $"document={report}&format=json"), ("fhir", $"document={report}&format=xml"), ("medical-card.pdf", "") })
        {
            var first = await client.GetByteArrayAsync(new Uri($"{Root}/{route}?{query}", UriKind.Relative));
            host.Clock.Advance(Duration.FromHours(3));
            var second = await client.GetByteArrayAsync(new Uri($"{Root}/{route}?{query}", UriKind.Relative));
            Assert.True(first.SequenceEqual(second), $"{route}?{query} differs between two renderings");

            var signature = await client.GetAsync(new Uri($"{Root}/{route}?{query}{(query.Length == 0 ? "" : "&")}signature=true", UriKind.Relative));
            AssertDownload(signature, "application/octet-stream", "sig");
            var sig = await signature.Content.ReadAsByteArrayAsync();
            Assert.True(FileSignatures.Verify(PublicKey(host), first, sig), $"{route}?{query}: the .sig does not sign the file");
        }
    }

    [Fact]
    public async Task Fhir_json_and_xml_parse_with_the_firely_sdk_and_hold_the_chosen_report_with_its_observations()
    {
        var (host, _, client, report, study) = await SeededAsync();
        await using var _h = host;
        using var _c = client;

        var json = await client.GetAsync(new Uri($"{Root}/fhir?document={report}&format=json", UriKind.Relative));
        AssertDownload(json, "application/fhir+json", "json");
        var xml = await client.GetAsync(new Uri($"{Root}/fhir?document={report}&format=xml", UriKind.Relative));
        AssertDownload(xml, "application/fhir+xml", "xml");

        var fromJson = new FhirJsonDeserializer().DeserializeResource(await json.Content.ReadAsStringAsync()) as Bundle;
        using var xmlReader = XmlReader.Create(new StringReader(await xml.Content.ReadAsStringAsync()));
        var fromXml = new FhirXmlDeserializer().DeserializeResource(xmlReader) as Bundle;
        foreach (var bundle in new[] { fromJson, fromXml })
        {
            Assert.NotNull(bundle);
            var diagnostic = Assert.Single(bundle.Entry.Select(e => e.Resource).OfType<DiagnosticReport>());
            Assert.Equal(report.ToString("D"), diagnostic.Id);
            var observations = bundle.Entry.Select(e => e.Resource).OfType<Observation>().ToList();
            Assert.Equal(2, observations.Count);
            var glucose = observations.Single(o => o.Code.Coding.Any(c => c.System == "http://loinc.org" && c.Code == "2345-7"));
            var quantity = Assert.IsType<Quantity>(glucose.Value);
            Assert.Equal(6.8m, quantity.Value);
            Assert.Equal("mmol/L", quantity.Code);
            Assert.Contains(observations, o => o.Code.Coding.Any(c => c.Code == "2093-3"));
            Assert.Single(bundle.Entry.Select(e => e.Resource).OfType<Patient>());
            Assert.DoesNotContain(bundle.Entry.Select(e => e.Resource).OfType<DocumentReference>(), d => (d.Id ?? string.Empty).StartsWith(study.ToString("D"), StringComparison.Ordinal));
        }

        var whole = new FhirJsonDeserializer().DeserializeResource(await client.GetStringAsync(new Uri($"{Root}/fhir", UriKind.Relative))) as Bundle;
        Assert.NotNull(whole);
        Assert.Contains(whole.Entry.Select(e => e.Resource).OfType<DocumentReference>(), d => (d.Id ?? string.Empty).StartsWith(study.ToString("D"), StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_zip_holds_a_pdf_per_document_the_bundle_the_key_and_a_readme_and_every_signature_checks_with_openssl_and_verify_file()
    {
        var (host, _, client, report, study) = await SeededAsync();
        await using var _h = host;
        using var _c = client;

        var response = await client.GetAsync(new Uri($"{Root}/zip?document={report}&document={study}", UriKind.Relative));
        AssertDownload(response, "application/zip", "zip");
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var directory = Temp();
        var zipPath = Path.Combine(directory, "documents.zip");
        await File.WriteAllBytesAsync(zipPath, bytes);
        ZipFile.ExtractToDirectory(zipPath, Path.Combine(directory, "out"));
        var files = Directory.GetFiles(Path.Combine(directory, "out"), "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(Path.Combine(directory, "out"), f)).Order(StringComparer.Ordinal).ToList();

        Assert.Equal(2, files.Count(f => f.EndsWith(".pdf", StringComparison.Ordinal)));
        Assert.Contains(files, f => f.Contains(report.ToString("N")[..8], StringComparison.Ordinal) && f.EndsWith("labReport-ORD-D1.pdf", StringComparison.Ordinal));
        Assert.Contains("fhir-bundle.json", files);
        Assert.Contains(FileSigner.PublicKeyFileName, files);
        Assert.Contains("README.txt", files);
        var readme = await File.ReadAllTextAsync(Path.Combine(directory, "out", "README.txt"));
        Assert.Contains("openssl dgst -sha256 -verify ledger-signing-key.pem -signature", readme, StringComparison.Ordinal);
        Assert.Contains("Проверка подписи", readme, StringComparison.Ordinal);
        Assert.Equal(PublicKey(host), await File.ReadAllTextAsync(Path.Combine(directory, "out", FileSigner.PublicKeyFileName)));
        var signed = files.Where(f => !f.EndsWith(".sig", StringComparison.Ordinal) && f != FileSigner.PublicKeyFileName).ToList();
        Assert.Equal(4, signed.Count);
        foreach (var file in signed)
        {
            Assert.Contains(file + ".sig", files);
            var (exit, output) = Run("/usr/bin/openssl", "dgst", "-sha256", "-verify", Path.Combine(directory, "out", FileSigner.PublicKeyFileName), "-signature", Path.Combine(directory, "out", file + ".sig"), Path.Combine(directory, "out", file));
            Assert.True(exit == 0, $"{file}: {output}");
            Assert.Equal("Verified OK", output.Trim());
        }

        var keyFile = Path.Combine(directory, "key.pem");
        await File.WriteAllTextAsync(keyFile, PublicKey(host));
        var keyId = host.Services.GetRequiredService<FileSigner>().KeyId;
        var (zipExit, zipLine) = await VerifyFileAsync(zipPath, "--public-key", keyFile);
        Assert.Equal(0, zipExit);
        Assert.Equal($"valid: {zipPath} and its 4 files signed by key {keyId}", zipLine);

        var pdf = Path.Combine(directory, "out", signed.First(f => f.EndsWith(".pdf", StringComparison.Ordinal)));
        var (pdfExit, pdfLine) = await VerifyFileAsync(pdf, "--public-key", keyFile);
        Assert.Equal(0, pdfExit);
        Assert.Equal($"valid: {pdf} signed by key {keyId}", pdfLine);
    }

    [Fact]
    public async Task A_tampered_byte_a_wrong_key_and_a_missing_signature_are_refused_with_one_line_and_a_non_zero_exit()
    {
        var (host, _, client, report, _) = await SeededAsync();
        await using var _h = host;
        using var _c = client;
        var directory = Temp();
        var keyFile = Path.Combine(directory, "key.pem");
        await File.WriteAllTextAsync(keyFile, PublicKey(host));
        using var other = new FileSigner(Ledger.App.Hosting.LedgerKeys.Ephemeral().CheckpointSigningKeyPem);
        var otherKey = Path.Combine(directory, "other.pem");
        await File.WriteAllTextAsync(otherKey, other.PublicKeyPem);

        var pdf = Path.Combine(directory, "result.pdf");
        await File.WriteAllBytesAsync(pdf, await client.GetByteArrayAsync(new Uri($"{Root}/pdf?document={report}", UriKind.Relative)));
        await File.WriteAllBytesAsync(pdf + ".sig", await client.GetByteArrayAsync(new Uri($"{Root}/pdf?document={report}&signature=true", UriKind.Relative)));
        var (goodExit, goodLine) = await VerifyFileAsync(pdf, "--public-key", keyFile);
        Assert.True(goodExit == 0, goodLine);

        var (wrongExit, wrongLine) = await VerifyFileAsync(pdf, "--public-key", otherKey);
        Assert.Equal(1, wrongExit);
        Assert.Single(wrongLine.Split('\n'));
        Assert.StartsWith("invalid: ", wrongLine, StringComparison.Ordinal);
        Assert.Contains(other.KeyId, wrongLine, StringComparison.Ordinal);
        Assert.NotEqual(0, Run("/usr/bin/openssl", "dgst", "-sha256", "-verify", otherKey, "-signature", pdf + ".sig", pdf).Exit);

        var bytes = await File.ReadAllBytesAsync(pdf);
        bytes[bytes.Length / 2] ^= 0x01;
        await File.WriteAllBytesAsync(pdf, bytes);
        var (tamperedExit, tamperedLine) = await VerifyFileAsync(pdf, "--public-key", keyFile);
        Assert.Equal(1, tamperedExit);
        Assert.Single(tamperedLine.Split('\n'));
        Assert.StartsWith("invalid: ", tamperedLine, StringComparison.Ordinal);
        Assert.NotEqual(0, Run("/usr/bin/openssl", "dgst", "-sha256", "-verify", keyFile, "-signature", pdf + ".sig", pdf).Exit);

        File.Delete(pdf + ".sig");
        var (missingExit, missingLine) = await VerifyFileAsync(pdf, "--public-key", keyFile);
        Assert.Equal(1, missingExit);
        Assert.StartsWith("no signature: ", missingLine, StringComparison.Ordinal);

        // A ZIP whose entry was changed, and a ZIP checked with another key than the one inside it.
        var zipPath = Path.Combine(directory, "documents.zip");
        await File.WriteAllBytesAsync(zipPath, await client.GetByteArrayAsync(new Uri($"{Root}/zip?document={report}", UriKind.Relative)));
        var (zipWrongExit, zipWrongLine) = await VerifyFileAsync(zipPath, "--public-key", otherKey);
        Assert.Equal(1, zipWrongExit);
        Assert.StartsWith("wrong key: ", zipWrongLine, StringComparison.Ordinal);
        using (var zip = ZipFile.Open(zipPath, ZipArchiveMode.Update))
        {
            var entry = zip.GetEntry("fhir-bundle.json")!;
            string text;
            using (var reader = new StreamReader(entry.Open()))
            {
                text = await reader.ReadToEndAsync();
            }

            entry.Delete();
            await using var writer = new StreamWriter(zip.CreateEntry("fhir-bundle.json").Open());
            await writer.WriteAsync(text.Replace("6.8", "5.8", StringComparison.Ordinal));
        }

        var (zipTamperedExit, zipTamperedLine) = await VerifyFileAsync(zipPath, "--public-key", keyFile);
        Assert.Equal(1, zipTamperedExit);
        Assert.Equal($"invalid: {zipPath}: fhir-bundle.json does not match its signature under key {host.Services.GetRequiredService<FileSigner>().KeyId} (changed, or signed with another key)", zipTamperedLine);

        var (unreadableExit, unreadableLine) = await VerifyFileAsync(Path.Combine(directory, "nothing.pdf"), "--public-key", keyFile);
        Assert.Equal(1, unreadableExit);
        Assert.StartsWith("unreadable: ", unreadableLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_downloaded_document_is_an_access_event_with_the_download_as_purpose()
    {
        var (host, patient, client, report, study) = await SeededAsync();
        await using var _h = host;
        using var _c = client;

        (await client.GetAsync(new Uri($"{Root}/pdf?document={report}&document={study}", UriKind.Relative))).EnsureSuccessStatusCode();
        (await client.GetAsync(new Uri($"{Root}/zip?document={study}", UriKind.Relative))).EnsureSuccessStatusCode();
        (await client.GetAsync(new Uri($"{Root}/fhir?document={report}&format=xml", UriKind.Relative))).EnsureSuccessStatusCode();
        (await client.GetAsync(new Uri($"{Root}/medical-card.pdf", UriKind.Relative))).EnsureSuccessStatusCode();

        var accesses = (await Seed.AccessesAsync(host, patient)).Select(a => (a.DocumentId?.Value, Ledger.App.AccessJournal.AccessPurpose.Split(a.Purpose).Purpose)).ToList();
        Assert.Equal(
            [(report, "download pdf"), (study, "download pdf"), (study, "download zip"), (report, "download fhir xml"), (null, "download medical card pdf")],
            accesses.Where(a => a.Purpose.StartsWith("download", StringComparison.Ordinal)).Select(a => (a.Value, a.Purpose)).ToList());
    }

    [Theory]
    [InlineData("pdf", "", "document")]
    [InlineData("pdf", "?document=abc", "document")]
    [InlineData("zip", "", "document")]
    [InlineData("fhir", "?format=turtle", "format")]
    [InlineData("pdf", "?document=0b8f3c1e-2a4d-4f6b-9c1d-7e5a3b2c1d0e&signature=yes", "signature")]
    [InlineData("medical-card.pdf", "?document=0b8f3c1e-2a4d-4f6b-9c1d-7e5a3b2c1d0e", "document")]
    [InlineData("pdf", "?TOO-MANY", "document")]
    [InlineData("zip", "?document=0b8f3c1e-2a4d-4f6b-9c1d-7e5a3b2c1d0e&signature=true", "signature")]
    public async Task Bad_parameters_are_a_400_naming_the_parameter(string route, string query, string field)
    {
        var (host, _, client, _, _) = await SeededAsync();
        await using var _h = host;
        using var _c = client;
        if (query == "?TOO-MANY")
        {
            query = "?" + string.Join("&", Enumerable.Range(0, DownloadSettings.MaxDocuments + 1).Select(_ => "document=" + Guid.NewGuid()));
        }

        var response = await client.GetAsync(new Uri($"{Root}/{route}{query}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("urn:ledger:problem:validation", problem.GetProperty("type").GetString());
        Assert.Equal(field, problem.GetProperty("field").GetString());
    }

    [Fact]
    public async Task Another_patients_document_is_a_404_and_nothing_is_recorded_as_downloaded()
    {
        var (host, patient, client, report, _) = await SeededAsync();
        await using var _h = host;
        using var _c = client;
        var stranger = await Seed.PatientAsync(host);
        var theirs = await Seed.DocumentAsync(host, stranger, Seed.Report("ORD-THEIRS"));

        foreach (var route in new[] { "pdf", "zip", "fhir" })
        {
            var response = await client.GetAsync(new Uri($"{Root}/{route}?document={report}&document={theirs}", UriKind.Relative));
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("urn:ledger:problem:not-found", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("type").GetString());
        }

        Assert.DoesNotContain(await Seed.AccessesAsync(host, patient), a => a.Purpose.StartsWith("download", StringComparison.Ordinal));
        Assert.DoesNotContain(await Seed.AccessesAsync(host, stranger), a => a.Purpose.StartsWith("download", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_medical_card_pdf_marks_the_patients_own_entries()
    {
        var (host, _, client, _, _) = await SeededAsync();
        await using var _h = host;
        using var _c = client;
        (await client.PostAsJsonAsync("/api/v1/patients/me/medical-card/conditions", new { text = "Мигрень", onset = "2019-04-01" })).EnsureSuccessStatusCode();
        await Seed.CatchUpAsync(host);

        var response = await client.GetAsync(new Uri($"{Root}/medical-card.pdf", UriKind.Relative));
        AssertDownload(response, "application/pdf", "pdf");
        var pdf = Path.Combine(Temp(), "card.pdf");
        await File.WriteAllBytesAsync(pdf, await response.Content.ReadAsByteArrayAsync());
        var (_, text) = Run("/usr/bin/pdftotext", "-layout", pdf, "-");

        Assert.Contains("Медкарта", text, StringComparison.Ordinal);
        Assert.Contains("Иванова Мария Петровна", text, StringComparison.Ordinal);
        var line = text.Split('\n').Single(l => l.Contains("Мигрень", StringComparison.Ordinal));
        Assert.Contains("со слов пациента", line, StringComparison.Ordinal);
        Assert.Contains("Прививок нет.", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_signing_key_is_published_anonymously_with_its_key_id()
    {
        await using var host = await LedgerHost.StartAsync();

        var response = await host.Http.GetAsync(new Uri("/api/v1/signing-key", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var signer = host.Services.GetRequiredService<FileSigner>();
        Assert.Equal(signer.PublicKeyPem, await response.Content.ReadAsStringAsync());
        Assert.Equal(signer.KeyId, response.Headers.GetValues("Ledger-Key-Id").Single());
        Assert.Equal(FileSignatures.KeyIdOf(signer.PublicKeyPem), signer.KeyId);
    }

    [Fact]
    public async Task A_download_without_credentials_is_a_401()
    {
        await using var host = await LedgerHost.StartAsync();

        var response = await host.Http.GetAsync(new Uri($"{Root}/pdf?document={Guid.NewGuid()}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public void A_font_directory_without_dejavu_sans_stops_the_pdf_renderer_naming_the_setting()
    {
        using var signer = new FileSigner(Ledger.App.Hosting.LedgerKeys.Ephemeral().CheckpointSigningKeyPem);
        var empty = Temp();

        var error = Assert.Throws<InvalidOperationException>(() => new DocumentPdf(new DownloadSettings(empty), signer));

        Assert.Contains(DownloadSettings.FontDirectoryKey, error.Message, StringComparison.Ordinal);
        Assert.Contains("DejaVuSans.ttf", error.Message, StringComparison.Ordinal);
        Assert.Contains(empty, error.Message, StringComparison.Ordinal);
    }
}
