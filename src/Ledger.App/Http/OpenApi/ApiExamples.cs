using System.Text.Json.Nodes;
using Ledger.App.Consents;
using Ledger.App.Organizations;
using Ledger.App.Patients;

namespace Ledger.App.Http.OpenApi;

/// <summary>
/// Examples of the request bodies and of the answers a client meets first, shown in the document. Every name and
/// identifier in them is fictitious (the check digits are valid, so the examples can be sent as they are); a test
/// checks each against its schema.
/// </summary>
internal static class ApiExamples
{
    private static readonly Dictionary<Type, string> Json = new()
    {
        [typeof(RegisterPatientRequest)] = """
            {"surname":"Иванова","givenName":"Анна","patronymic":"Сергеевна","birthDate":"1985-04-12","sex":"female","snils":"112-233-445 95","email":"anna.ivanova@example.org","phone":"+79161234567"}
            """,
        [typeof(RegisteredPatient)] = """{"patientId":"0195f3a2-7c1e-7d4a-9b3e-2f6a8c1d4e5f","version":1}""",
        [typeof(ThresholdRequest)] = """{"unit":"mmol/L","low":3.9,"high":5.5}""",
        [typeof(DeliveryPreferencesRequest)] = """{"resultTypes":["labReport","vaccination"],"channels":["email"],"frequency":"daily"}""",
        [typeof(ContactsRequest)] = """{"email":"anna.ivanova@example.org","phone":"+79161234567"}""",
        [typeof(CommandOutcome)] = """{"version":4,"changed":true}""",
        [typeof(GrantConsentRequest)] = """
            {"doctorSurname":"Петров","doctorGivenName":"Алексей","doctorSnils":"112-233-445 95","scope":"documentTypes","documentTypes":["labReport"],"purpose":"Консультация эндокринолога","validUntil":"2026-03-09T09:00:00Z"}
            """,
        [typeof(ConsentGrantedResponse)] = """
            {"consentId":"0195f3a2-7c1e-7d4a-9b3e-2f6a8c1d4e60","shareToken":"q7P1xkR2c9Vb3nM5tY8wZ0aS4dF6gH1jK2lL3mN4oP5","shareUrl":"/api/v1/shared/q7P1xkR2c9Vb3nM5tY8wZ0aS4dF6gH1jK2lL3mN4oP5/documents","validFrom":"2026-03-02T09:00:00Z","validUntil":"2026-03-09T09:00:00Z","version":1}
            """,
        [typeof(RevokeConsentRequest)] = """{"reason":"консультация окончена"}""",
        [typeof(RegisterOrganizationRequest)] = """
            {"inn":"7707000424","ogrn":"1027700000426","type":"laboratory","name":"Лаборатория «Пример»","registryOid":"1.2.643.5.1.13.13.12.2.77.42","mllpSources":["192.0.2.10"]}
            """,
        [typeof(SuspendOrganizationRequest)] = """{"reason":"лицензия отозвана"}""",
    };

    public static JsonNode? For(Type type) => Json.TryGetValue(type, out var text) ? JsonNode.Parse(text) : null;

    /// <summary>The types that carry an example, for the test that checks them against their schemas.</summary>
    public static IReadOnlyCollection<Type> Types => Json.Keys;
}
