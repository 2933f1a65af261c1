using Ledger.Domain.Patients;
using Ledger.Domain.Results;
using Ledger.Domain.Tests.Support;
using static Ledger.Testing.Samples;

namespace Ledger.Domain.Tests.Patients;

public sealed class PatientDecisionTests
{
    private static readonly PatientRegistered Registered = new(Patient, PatientName, BirthDate, Sex.Female, Snils, null, Email, null);

    private static RegisterPatient Register() => new(Patient, PatientName, BirthDate, Sex.Female, Snils, null, Email, null);

    [Fact]
    public void Registers_a_new_patient() => Specs.Patient.When(Register()).Then(Registered);

    [Fact]
    public void Registering_twice_is_rejected() =>
        Specs.Patient.Given(Registered).When(Register()).ThenRejected("patient.already_registered");

    [Fact]
    public void A_birth_date_after_today_is_rejected() =>
        Specs.Patient.When(Register(), at: Now - NodaTime.Duration.FromDays(20000)).ThenRejected("patient.birth_date_in_future");

    [Fact]
    public void An_erased_patient_takes_no_command_not_even_a_new_registration()
    {
        var erased = new PatientErased(Patient, null, Now);
        Specs.Patient.Given(Registered, erased).When(new LinkOrganization(Patient, Lab)).ThenRejected("patient.erased");
        Specs.Patient.Given(erased).When(Register()).ThenRejected("patient.erased");
    }

    [Fact]
    public void Commands_before_registration_are_rejected() =>
        Specs.Patient.When(new LinkOrganization(Patient, Lab)).ThenRejected("patient.not_registered");

    [Fact]
    public void Changes_contacts() =>
        Specs.Patient.Given(Registered).When(new ChangeContacts(Patient, Email, Phone)).Then(new PatientContactsChanged(Patient, Email, Phone));

    [Fact]
    public void Unchanged_contacts_change_nothing() =>
        Specs.Patient.Given(Registered).When(new ChangeContacts(Patient, Email, null)).ThenNothing();

    [Fact]
    public void The_email_of_an_email_channel_cannot_be_removed() =>
        Specs.Patient
            .Given(Registered, new DeliveryPreferencesSet(Patient, [DocumentType.LabReport], [DeliveryChannel.Email], DeliveryFrequency.Immediate))
            .When(new ChangeContacts(Patient, null, Phone))
            .ThenRejected("patient.channel_without_contact");

    [Fact]
    public void Links_an_organisation_once() =>
        Specs.Patient.Given(Registered).When(new LinkOrganization(Patient, Lab)).Then(new PatientOrganizationLinked(Patient, Lab));

    [Fact]
    public void Linking_a_linked_organisation_changes_nothing() =>
        Specs.Patient.Given(Registered, new PatientOrganizationLinked(Patient, Lab)).When(new LinkOrganization(Patient, Lab)).ThenNothing();

    [Fact]
    public void Unlinks_a_linked_organisation() =>
        Specs.Patient.Given(Registered, new PatientOrganizationLinked(Patient, Lab))
            .When(new UnlinkOrganization(Patient, Lab))
            .Then(new PatientOrganizationUnlinked(Patient, Lab));

    [Fact]
    public void Unlinking_an_organisation_not_linked_is_rejected() =>
        Specs.Patient.Given(Registered).When(new UnlinkOrganization(Patient, Lab)).ThenRejected("patient.organization_not_linked");

    [Fact]
    public void Sets_delivery_preferences_without_duplicates() =>
        Specs.Patient.Given(Registered)
            .When(new SetDeliveryPreferences(Patient, [DocumentType.LabReport, DocumentType.LabReport], [DeliveryChannel.Email, DeliveryChannel.Push], DeliveryFrequency.Weekly))
            .Then(new DeliveryPreferencesSet(Patient, [DocumentType.LabReport], [DeliveryChannel.Email, DeliveryChannel.Push], DeliveryFrequency.Weekly));

    [Fact]
    public void Sms_delivery_without_a_phone_is_rejected() =>
        Specs.Patient.Given(Registered)
            .When(new SetDeliveryPreferences(Patient, [DocumentType.LabReport], [DeliveryChannel.Sms], DeliveryFrequency.Daily))
            .ThenRejected("patient.channel_without_contact");

    [Fact]
    public void Sets_an_analyte_threshold() =>
        Specs.Patient.Given(Registered)
            .When(new SetAnalyteThreshold(Patient, Glucose, MmolPerLitre, 3.9m, 7.0m))
            .Then(new AnalyteThresholdSet(Patient, Glucose, MmolPerLitre, 3.9m, 7.0m));

    [Fact]
    public void A_threshold_with_low_above_high_is_rejected() =>
        Specs.Patient.Given(Registered)
            .When(new SetAnalyteThreshold(Patient, Glucose, MmolPerLitre, 7.1m, 7.0m))
            .ThenRejected("patient.threshold_low_above_high");

    [Fact]
    public void A_threshold_without_bounds_is_rejected() =>
        Specs.Patient.Given(Registered)
            .When(new SetAnalyteThreshold(Patient, Glucose, MmolPerLitre, null, null))
            .ThenRejected("patient.threshold_empty");

    [Fact]
    public void Removes_a_threshold_that_is_set() =>
        Specs.Patient.Given(Registered, new AnalyteThresholdSet(Patient, Glucose, MmolPerLitre, null, 7.0m))
            .When(new RemoveAnalyteThreshold(Patient, Glucose))
            .Then(new AnalyteThresholdRemoved(Patient, Glucose));

    [Fact]
    public void Removing_a_threshold_not_set_is_rejected() =>
        Specs.Patient.Given(Registered).When(new RemoveAnalyteThreshold(Patient, Glucose)).ThenRejected("patient.threshold_not_set");
}
