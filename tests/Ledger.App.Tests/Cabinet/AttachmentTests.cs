using System.Buffers.Binary;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Ledger.App.Ingestion;
using Ledger.App.Security;
using Ledger.App.Tests.Consents;
using Ledger.App.Tests.Ingestion;
using Ledger.App.Tests.Patients;
using Ledger.Domain.Access;
using Npgsql;
using Xunit;

namespace Ledger.App.Tests.Cabinet;

/// <summary>The original files of a delivery: kept encrypted, served exactly as delivered to the patient and a share link.</summary>
public sealed class AttachmentTests(DeliveryHost host) : IClassFixture<DeliveryHost>
{
    private const string Marker = "PLAINTEXT-MARKER-7Q2";

    /// <summary>A real 2×1 RGB PNG carrying <paramref name="note"/> in a tEXt chunk.</summary>
    public static byte[] Png(string note = Marker)
    {
        using var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, 2);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), 1);
        header[8] = 8;
        header[9] = 2;
        Chunk(png, "IHDR", header);
        Chunk(png, "tEXt", Encoding.Latin1.GetBytes("Comment\0" + note));
        using var pixels = new MemoryStream();
        using (var zlib = new ZLibStream(pixels, CompressionLevel.Optimal, leaveOpen: true))
        {
            zlib.Write([0, 255, 0, 0, 0, 0, 255]);
        }

        Chunk(png, "IDAT", pixels.ToArray());
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void Chunk(Stream png, string type, byte[] data)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        png.Write(length);
        var typed = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        png.Write(typed);
        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(typed));
        png.Write(crc);
    }

    private static uint Crc32(byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        return ~crc;
    }

    /// <summary>A small real PDF (one empty page).</summary>
    public static byte[] Pdf(string note = Marker) => Encoding.ASCII.GetBytes(
        $"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n2 0 obj <</Type /Pages /Kids [3 0 R] /Count 1>> endobj\n3 0 obj <</Type /Page /Parent 2 0 R /MediaBox [0 0 200 200]>> endobj\n% {note}\ntrailer <</Root 1 0 R>>\n%%EOF\n");

    /// <summary>A DICOM Part 10 file: the 128-byte preamble, "DICM" and one meta element.</summary>
    public static byte[] Dicom() => [.. new byte[128], .. "DICM"u8.ToArray(), 0x02, 0x00, 0x00, 0x00, 0x55, 0x4C, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00];

    private async Task<(Guid Patient, string Snils)> RegisterAsync()
    {
        var snils = Seed.NewSnils();
        using var admin = host.Host.ClientAs(Roles.Admin, Guid.NewGuid());
        var response = await admin.PostAsJsonAsync("/api/v1/patients", Seed.RegisterBody(snils));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return ((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("patientId").GetGuid(), snils);
    }

    public static byte[] StudyBundle(string snils, string studyId, params (byte[] Data, string Title)[] files)
    {
        var forms = string.Join(",", files.Select(f => $$"""{"data":"{{Convert.ToBase64String(f.Data)}}","title":{{JsonSerializer.Serialize(f.Title)}}}"""));
        return Encoding.UTF8.GetBytes($$$"""
            {"resourceType":"Bundle","type":"collection","entry":[
              {"fullUrl":"urn:uuid:p1","resource":{"resourceType":"Patient","identifier":[{"system":"urn:oid:1.2.643.100.3","value":"{{{snils}}}"}]}},
              {"resource":{"resourceType":"DiagnosticReport","id":"{{{studyId}}}","status":"final",
                "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0074","code":"RAD"}]}],
                "code":{"coding":[{"system":"http://loinc.org","code":"24627-2","display":"CT Chest"}]},
                "subject":{"reference":"urn:uuid:p1"},"effectiveDateTime":"2024-03-01T10:00:00+03:00","issued":"2024-03-01T12:00:00Z",
                "conclusion":"No focal lesions.","presentedForm":[{{{forms}}}]}}]}
            """);
    }

    private async Task<Guid> DeliverStudyAsync(string snils, string studyId, params (byte[] Data, string Title)[] files)
    {
        var response = await DeliveryHost.PostFhirAsync(host.Lab.Client, StudyBundle(snils, studyId, files));
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return DeliveryHost.FhirDocumentId(host.Lab.Id, "study", studyId);
    }

    private static Uri At(string path) => new(path, UriKind.Relative);

    [Fact]
    public async Task A_png_and_a_dicom_of_a_fhir_study_are_served_exactly_as_delivered()
    {
        var (patient, snils) = await RegisterAsync();
        var png = Png();
        var dicom = Dicom();
        var document = await DeliverStudyAsync(snils, "ct-files", (png, "Снимок КТ.png"), (dicom, "серия 1"));
        using var client = host.Host.ClientAs(Roles.Patient, patient);

        var image = await client.GetAsync(At($"/api/v1/patients/me/documents/{document}/attachments/1"));
        var series = await client.GetAsync(At($"/api/v1/patients/me/documents/{document}/attachments/2"));
        var missing = await client.GetAsync(At($"/api/v1/patients/me/documents/{document}/attachments/3"));

        Assert.Equal(HttpStatusCode.OK, image.StatusCode);
        Assert.Equal(png, await image.Content.ReadAsByteArrayAsync());
        Assert.Equal("image/png", image.Content.Headers.ContentType!.MediaType);
        Assert.Equal("inline", image.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Equal("Снимок КТ.png", image.Content.Headers.ContentDisposition.FileNameStar);
        Assert.Equal("nosniff", image.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.True(image.Headers.CacheControl!.NoStore);
        Assert.Equal(dicom, await series.Content.ReadAsByteArrayAsync());
        Assert.Equal("application/dicom", series.Content.Headers.ContentType!.MediaType);
        Assert.Equal("attachment", series.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Equal("серия 1.dcm", series.Content.Headers.ContentDisposition.FileNameStar);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType!.MediaType);
        Assert.Equal(2, (await Seed.AccessesAsync(host.Host, patient)).Count(a => a.Purpose.StartsWith("download attachment", StringComparison.Ordinal)));
        Assert.Equal(2, await host.ScalarAsync($"SELECT count(*) FROM ledger.{AttachmentFiles.Table} WHERE patient_id = '{patient}'"));
    }

    [Fact]
    public async Task The_zip_download_holds_the_delivered_files_as_they_came_each_with_its_signature()
    {
        var (patient, snils) = await RegisterAsync();
        var png = Png();
        var dicom = Dicom();
        var document = await DeliverStudyAsync(snils, "ct-zip", (png, "Снимок КТ.png"), (dicom, "серия 1"));
        using var client = host.Host.ClientAs(Roles.Patient, patient);

        var response = await client.GetAsync(At($"/api/v1/patients/me/downloads/zip?document={document}"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var zip = new ZipArchive(new MemoryStream(await response.Content.ReadAsByteArrayAsync()), ZipArchiveMode.Read);
        var originals = zip.Entries.Where(e => e.FullName.Contains("/original/", StringComparison.Ordinal) && !e.FullName.EndsWith(".sig", StringComparison.Ordinal)).OrderBy(e => e.FullName, StringComparer.Ordinal).ToList();
        Assert.Equal(["1-Снимок КТ.png", "2-серия 1.dcm"], originals.Select(e => e.Name));
        using var key = System.Security.Cryptography.ECDsa.Create();
        key.ImportFromPem(Encoding.ASCII.GetString(Read(zip.GetEntry(Ledger.App.Downloads.FileSigner.PublicKeyFileName)!)));
        foreach (var (entry, expected) in originals.Zip([png, dicom]))
        {
            var bytes = Read(entry);
            Assert.Equal(expected, bytes);
            var signature = Read(zip.GetEntry(entry.FullName + ".sig")!);
            Assert.True(key.VerifyData(bytes, signature, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.DSASignatureFormat.Rfc3279DerSequence), entry.FullName);
        }
    }

    private static byte[] Read(ZipArchiveEntry entry)
    {
        using var stream = entry.Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    [Fact]
    public async Task The_same_file_delivered_twice_is_stored_once()
    {
        var (patient, snils) = await RegisterAsync();
        var png = Png("twice");
        await DeliverStudyAsync(snils, "ct-first", (png, "a.png"));
        await DeliverStudyAsync(snils, "ct-second", (png, "b.png"));

        Assert.Equal(1, await host.ScalarAsync($"SELECT count(*) FROM ledger.{AttachmentFiles.Table} WHERE patient_id = '{patient}'"));
    }

    [Fact]
    public async Task A_refused_delivery_stores_no_file()
    {
        var (patient, snils) = await RegisterAsync();
        var bundle = Encoding.UTF8.GetString(StudyBundle(snils, "ct-refused", (Png("refused"), "a.png"))).Replace("\"conclusion\":\"No focal lesions.\",", string.Empty, StringComparison.Ordinal);

        var response = await DeliveryHost.PostFhirAsync(host.Lab.Client, Encoding.UTF8.GetBytes(bundle));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(0, await host.ScalarAsync($"SELECT count(*) FROM ledger.{AttachmentFiles.Table} WHERE patient_id = '{patient}'"));
    }

    [Fact]
    public async Task An_hl7_oru_with_an_ed_pdf_serves_the_pdf_inline_without_a_csp_sandbox_that_would_stop_the_browsers_viewer()
    {
        var (patient, snils) = await RegisterAsync();
        var pdf = Pdf();
        var message = Encoding.UTF8.GetString(Hl7DeliveryTests.WithPid3(Fixtures.Hl7("fhir-converter_ORU-R01-RMGEAD.hl7"), snils + "^^^SNILS")).TrimEnd('\r', '\n')
            + $"\rOBX|99|ED|11526-1^Pathology study^LN||^application^pdf^Base64^{Convert.ToBase64String(pdf)}||||||F\r";
        var response = await DeliveryHost.PostHl7Async(host.Lab.Client, DeliveryHost.WithControlId(Encoding.UTF8.GetBytes(message), "ED-PDF-1"));
        Assert.Equal("AA", DeliveryHost.AckCode(await response.Content.ReadAsStringAsync()));
        var document = DeliveryHost.Hl7DocumentId(host.Lab.Id, "ED-PDF-1");
        using var client = host.Host.ClientAs(Roles.Patient, patient);

        var file = await client.GetAsync(At($"/api/v1/patients/me/documents/{document}/attachments/1"));

        Assert.Equal(HttpStatusCode.OK, file.StatusCode);
        Assert.Equal(pdf, await file.Content.ReadAsByteArrayAsync());
        Assert.Equal("application/pdf", file.Content.Headers.ContentType!.MediaType);
        Assert.Equal("inline", file.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Equal("attachment-1.pdf", file.Content.Headers.ContentDisposition.FileName?.Trim('"'));
        var policy = file.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'self'", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("sandbox", policy, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Another_patient_gets_not_found()
    {
        var (_, snils) = await RegisterAsync();
        var (other, _) = await RegisterAsync();
        var document = await DeliverStudyAsync(snils, "ct-private", (Png("private"), "a.png"));
        using var client = host.Host.ClientAs(Roles.Patient, other);

        var response = await client.GetAsync(At($"/api/v1/patients/me/documents/{document}/attachments/1"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.DoesNotContain("PNG", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_share_link_serves_the_file_while_its_consent_is_active_and_refuses_it_after_revocation()
    {
        var (patient, snils) = await RegisterAsync();
        var png = Png("shared");
        var document = await DeliverStudyAsync(snils, "ct-shared", (png, "a.png"));
        using var client = host.Host.ClientAs(Roles.Patient, patient);
        var (consent, token) = await ShareLinkTests.GrantAsync(client);
        await Seed.CatchUpAsync(host.Host);

        var active = await host.Host.Http.GetAsync(At($"/api/v1/shared/{token}/documents/{document}/attachments/1"));
        Assert.Equal(HttpStatusCode.OK, active.StatusCode);
        Assert.Equal(png, await active.Content.ReadAsByteArrayAsync());
        var revoked = await client.PostAsJsonAsync($"/api/v1/patients/me/consents/{consent}/revoke", new { reason = "визит окончен" });
        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        var refused = await host.Host.Http.GetAsync(At($"/api/v1/shared/{token}/documents/{document}/attachments/1"));

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType!.MediaType);
        Assert.Contains((await Seed.AccessesAsync(host.Host, patient)), a => a.Purpose.StartsWith("download attachment", StringComparison.Ordinal) && a.Channel == AccessChannel.ShareLink);
    }

    [Fact]
    public async Task A_tampered_file_is_answered_with_an_integrity_problem()
    {
        var (patient, snils) = await RegisterAsync();
        var document = await DeliverStudyAsync(snils, "ct-tampered", (Png("tampered"), "a.png"));
        await host.ScalarAsync($"UPDATE ledger.{AttachmentFiles.Table} SET content = set_byte(content, length(content) - 20, (get_byte(content, length(content) - 20) + 1) % 256) WHERE patient_id = '{patient}' RETURNING 1");
        using var client = host.Host.ClientAs(Roles.Patient, patient);

        var response = await client.GetAsync(At($"/api/v1/patients/me/documents/{document}/attachments/1"));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("urn:ledger:problem:integrity", problem.GetProperty("type").GetString());
    }

    [Fact]
    public async Task No_table_holds_a_file_in_the_clear()
    {
        var (_, snils) = await RegisterAsync();
        await DeliverStudyAsync(snils, "ct-at-rest", (Png(Marker), "a.png"), (Pdf(Marker), "b.pdf"));
        await using var dataSource = NpgsqlDataSource.Create(host.Host.ConnectionString);
        var tables = new List<string>();
        await using (var list = dataSource.CreateCommand("SELECT table_name FROM information_schema.tables WHERE table_schema = 'ledger' AND table_type = 'BASE TABLE'"))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        Assert.Contains(AttachmentFiles.Table, tables);
        var hex = Convert.ToHexStringLower(Encoding.ASCII.GetBytes(Marker));
        var found = new List<string>();
        foreach (var table in tables)
        {
            await using var command = dataSource.CreateCommand($"SELECT count(*) FROM ledger.\"{table}\" t WHERE strpos(t::text, @m) > 0 OR strpos(t::text, @h) > 0");
            command.Parameters.AddWithValue("m", Marker);
            command.Parameters.AddWithValue("h", hex);
            if ((long)(await command.ExecuteScalarAsync())! > 0)
            {
                found.Add(table);
            }
        }

        Assert.Empty(found);
    }

    [Fact]
    public async Task Erasure_removes_the_files_and_they_are_no_longer_served()
    {
        var (patient, snils) = await RegisterAsync();
        var document = await DeliverStudyAsync(snils, "ct-erased", (Png("erased"), "a.png"));
        using var admin = host.Host.ClientAs(Roles.Admin, Guid.NewGuid());

        var erased = await admin.PostAsync(At($"/api/v1/patients/{patient}/erase"), null);

        Assert.Equal(HttpStatusCode.OK, erased.StatusCode);
        Assert.Equal(0, await host.ScalarAsync($"SELECT count(*) FROM ledger.{AttachmentFiles.Table} WHERE patient_id = '{patient}'"));
        using var client = host.Host.ClientAs(Roles.Patient, patient);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(At($"/api/v1/patients/me/documents/{document}/attachments/1"))).StatusCode);
    }

    [Fact]
    public async Task A_file_delivered_before_the_cabinet_existed_is_served_once_the_patient_registers()
    {
        var snils = Seed.NewSnils();
        var png = Png("pending");
        var document = await DeliverStudyAsync(snils, "ct-pending", (png, "a.png"));
        Assert.Equal(1, await host.ScalarAsync($"SELECT count(*) FROM ledger.{AttachmentFiles.Table} WHERE patient_id IS NULL AND identifier_digest IS NOT NULL AND sha256 = '{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(png))}'"));
        using var admin = host.Host.ClientAs(Roles.Admin, Guid.NewGuid());
        var registered = await admin.PostAsJsonAsync("/api/v1/patients", Seed.RegisterBody(snils));
        var patient = (await registered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("patientId").GetGuid();
        using var client = host.Host.ClientAs(Roles.Patient, patient);

        HttpResponseMessage response;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        do
        {
            await Task.Delay(100);
            response = await client.GetAsync(At($"/api/v1/patients/me/documents/{document}/attachments/1"));
        }
        while (response.StatusCode != HttpStatusCode.OK && DateTime.UtcNow < deadline);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(png, await response.Content.ReadAsByteArrayAsync());
    }
}
