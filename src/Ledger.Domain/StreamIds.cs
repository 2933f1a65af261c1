using System.Security.Cryptography;
using System.Text;
using Ledger.Domain.Identifiers;

namespace Ledger.Domain;

/// <summary>
/// The stream kinds and the stream ids built from internal ids. A stream id never contains a name, a СНИЛС or any
/// other personal identifier: it is the entity's own id, or derived from it.
/// </summary>
public static class StreamIds
{
    public const string PatientKind = "patient";
    public const string OrganizationKind = "organization";
    public const string ResultKind = "result";
    public const string ConsentKind = "consent";
    public const string AccessKind = "access";
    public const string DeliveryRefusalKind = "delivery_refusals";
    public const string MedicalCardKind = "medicalcard";
    public const string AccountKind = "account";

    public static Guid Patient(PatientId id) => id.Value;

    public static Guid Organization(OrganizationId id) => id.Value;

    public static Guid Result(DocumentId id) => id.Value;

    public static Guid Consent(ConsentId id) => id.Value;

    /// <summary>The access log of one patient: a name-based id (RFC 9562 version 8 layout) derived from the patient's id.</summary>
    public static Guid Access(PatientId id) => Derived(AccessKind, id.Value);

    /// <summary>The medical card (conditions, allergies) of one patient: derived from the patient's id like the access log.</summary>
    public static Guid MedicalCard(PatientId id) => Derived(MedicalCardKind, id.Value);

    /// <summary>The sign-in account of one patient (password, second factor, sign-in journal), derived from the patient's id.</summary>
    public static Guid Account(PatientId id) => Derived(AccountKind, id.Value);

    /// <summary>
    /// The refusals of deliveries from an organisation, derived from its id; null for the one stream of senders that
    /// matched no organisation.
    /// </summary>
    public static Guid DeliveryRefusals(Guid? organizationId) => Derived(DeliveryRefusalKind, organizationId ?? Guid.Empty);

    /// <summary>A stable id for a stream that belongs to another entity (its kind and the owner's id).</summary>
    public static Guid Derived(string kind, Guid owner)
    {
        Span<byte> input = stackalloc byte[64];
        var length = Encoding.ASCII.GetBytes(kind, input);
        owner.TryWriteBytes(input[length..], bigEndian: true, out var written);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(input[..(length + written)], hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80); // version 8: custom
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80); // RFC 9562 variant
        return new Guid(hash[..16], bigEndian: true);
    }
}
