using Ledger.App.Consents;
using Ledger.Domain.Consents;
using Ledger.Domain.Identifiers;
using NodaTime;
using Xunit;

namespace Ledger.App.Tests.Consents;

public sealed class ConsentRowTests
{
    [Fact]
    public void The_table_rule_agrees_with_the_domain_on_random_consents_and_instants()
    {
        var random = new Random(7);
        var origin = Instant.FromUtc(2026, 3, 2, 9, 0);
        for (var i = 0; i < 2_000; i++)
        {
            var from = origin + Duration.FromSeconds(random.Next(0, 1_000));
            var until = from + Duration.FromSeconds(random.Next(1, 1_000));
            Instant? revoked = random.Next(2) == 0 ? null : origin + Duration.FromSeconds(random.Next(0, 2_000));
            var state = ConsentState.Initial with
            {
                Granted = true,
                ValidFrom = from,
                ValidUntil = until,
                RevokedAt = revoked,
            };
            var row = new ConsentRow(Guid.NewGuid(), Guid.NewGuid(), "digest", ConsentScopeKind.All, [], [], from, until, revoked);
            var t = origin + Duration.FromSeconds(random.Next(-10, 2_010));

            Assert.Equal(state.IsActiveAt(t), row.RefusalAt(t) is null);
        }
    }

    [Fact]
    public void A_scope_covers_exactly_its_types_or_documents()
    {
        var document = Guid.NewGuid();
        var byType = new ConsentRow(Guid.NewGuid(), Guid.NewGuid(), "d", ConsentScopeKind.DocumentTypes, ["labReport"], [], default, default, null);
        var byDocument = new ConsentRow(Guid.NewGuid(), Guid.NewGuid(), "d", ConsentScopeKind.Documents, [], [document], default, default, null);

        Assert.True(byType.Covers(Guid.NewGuid(), "labReport"));
        Assert.False(byType.Covers(Guid.NewGuid(), "vaccination"));
        Assert.True(byDocument.Covers(document, "vaccination"));
        Assert.False(byDocument.Covers(Guid.NewGuid(), "labReport"));
        Assert.Equal(ConsentScope.OfTypes(Domain.Results.DocumentType.LabReport).Covers(new DocumentId(document), Domain.Results.DocumentType.LabReport), byType.Covers(document, "labReport"));
    }
}
