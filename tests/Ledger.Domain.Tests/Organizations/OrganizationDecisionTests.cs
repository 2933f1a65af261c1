using DomainValidationException = Ledger.Domain.DomainValidationException;
using Ledger.Domain.Organizations;
using Ledger.Domain.Tests.Support;
using static Ledger.Testing.Samples;

namespace Ledger.Domain.Tests.Organizations;

public sealed class OrganizationDecisionTests
{
    private const string Name = "ООО \"Лаборатория\"";
    private static readonly OrganizationRegistered Registered = new(Lab, Inn, Ogrn, OrganizationType.Laboratory, Name, Oid);
    private static readonly OrganizationConfirmed Confirmed = new(Lab, Oid, Name);

    private static OrganizationRegistry Registry(string inn = "7707083893", string type = "laboratory") =>
        OrganizationRegistry.ParseCsv($"ogrn,inn,name,type,oid\n1027700132195,{inn},\"ООО \"\"Лаборатория\"\"\",{type},{Oid}\n");

    [Fact]
    public void Registers_an_organisation() =>
        Specs.Organization.When(new RegisterOrganization(Lab, Inn, Ogrn, OrganizationType.Laboratory, Name, Oid)).Then(Registered);

    [Fact]
    public void Registering_twice_is_rejected() =>
        Specs.Organization.Given(Registered)
            .When(new RegisterOrganization(Lab, Inn, Ogrn, OrganizationType.Laboratory, Name, Oid))
            .ThenRejected("organization.already_registered");

    [Fact]
    public void A_malformed_oid_is_rejected() =>
        Specs.Organization.When(new RegisterOrganization(Lab, Inn, Ogrn, OrganizationType.Laboratory, Name, "1.2..3"))
            .ThenRejected("organization.oid_invalid");

    [Fact]
    public void Is_confirmed_when_the_registry_agrees() =>
        Specs.Organization.Given(Registered).When(new VerifyOrganization(Lab, Registry())).Then(Confirmed);

    [Fact]
    public void Is_rejected_when_the_registry_has_another_inn() =>
        Specs.Organization.Given(Registered)
            .When(new VerifyOrganization(Lab, Registry(inn: "500100732259")))
            .Then(new OrganizationRejected(Lab, "inn_mismatch", "The registry has ИНН 500100732259, registered 7707083893."));

    [Fact]
    public void Is_rejected_when_the_registry_has_another_type() =>
        Specs.Organization.Given(Registered)
            .When(new VerifyOrganization(Lab, Registry(type: "hospital")))
            .Then(new OrganizationRejected(Lab, "type_mismatch", "The registry has type Hospital, registered Laboratory."));

    [Fact]
    public void Is_rejected_when_not_in_the_registry() =>
        Specs.Organization.Given(Registered)
            .When(new VerifyOrganization(Lab, new OrganizationRegistry([])))
            .Then(new OrganizationRejected(Lab, "not_in_registry", "ОГРН 1027700132195 is not in the registry."));

    [Fact]
    public void Verifying_before_registration_is_rejected() =>
        Specs.Organization.When(new VerifyOrganization(Lab, Registry())).ThenRejected("organization.not_registered");

    [Fact]
    public void Delivery_is_enabled_only_when_confirmed()
    {
        Specs.Organization.Given(Registered, Confirmed).When(new EnableDelivery(Lab)).Then(new OrganizationDeliveryEnabled(Lab));
        Specs.Organization.Given(Registered).When(new EnableDelivery(Lab)).ThenRejected("organization.not_confirmed");
    }

    [Fact]
    public void Delivery_is_not_enabled_when_suspended() =>
        Specs.Organization.Given(Registered, Confirmed, new OrganizationSuspended(Lab, "licence"))
            .When(new EnableDelivery(Lab))
            .ThenRejected("organization.suspended");

    [Fact]
    public void Suspends_once() =>
        Specs.Organization.Given(Registered, new OrganizationSuspended(Lab, "licence"))
            .When(new SuspendOrganization(Lab, "again"))
            .ThenNothing();

    [Fact]
    public void Can_deliver_only_when_confirmed_enabled_and_not_suspended()
    {
        var state = new IOrganizationEvent[] { Registered, Confirmed, new OrganizationDeliveryEnabled(Lab) }
            .Aggregate(OrganizationState.Initial, OrganizationState.Evolve);
        Assert.True(state.CanDeliver);
        Assert.False(OrganizationState.Evolve(state, new OrganizationSuspended(Lab, "licence")).CanDeliver);
    }

    [Fact]
    public void Registry_csv_is_parsed_with_quotes()
    {
        var entry = Assert.Single(Registry().Entries);
        Assert.Equal("ООО \"Лаборатория\"", entry.Name);
        Assert.Equal(OrganizationType.Laboratory, entry.Type);
        Assert.Equal(Ogrn, entry.Ogrn);
    }

    [Theory]
    [InlineData("ogrn,inn,name\n", "line 1, expected the header 'ogrn,inn,name,type,oid', found 'ogrn,inn,name'")]
    [InlineData("ogrn,inn,name,type,oid\n\n1027700132196,7707083893,X,laboratory,1.2.3\n", "line 3, column ogrn: ОГРН check digit is 6, expected 5")]
    [InlineData("ogrn,inn,name,type,oid\n1027700132195,1234567895,X,laboratory,1.2.3\n", "line 2, column inn: check digit is 5, expected 4")]
    [InlineData("ogrn,inn,name,type,oid\n1027700132195,7707083893,X,pharmacy,1.2.3\n", "line 2, column type: 'pharmacy' is not one of polyclinic, laboratory, hospital")]
    [InlineData("ogrn,inn,name,type,oid\n1027700132195,7707083893,X,laboratory\n", "line 2, expected 5 fields, found 4")]
    [InlineData("ogrn,inn,name,type,oid\n1027700132195,7707083893,\"X,laboratory,1.2.3\n", "line 2, column 3: a quoted field is not closed")]
    [InlineData("ogrn,inn,name,type,oid\n1027700132195,7707083893,X,laboratory,1.2.3\n1027700132195,7707083893,Y,laboratory,1.2.4\n", "line 3, column ogrn: 1027700132195 is already listed on line 2")]
    public void Registry_csv_errors_name_the_line_and_column(string csv, string reason)
    {
        var e = Assert.Throws<DomainValidationException>(() => OrganizationRegistry.ParseCsv(csv));
        Assert.Equal(reason, e.Reason);
    }
}
