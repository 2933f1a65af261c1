using System.Reflection;
using Ledger.App.Hosting;
using Wolverine.Attributes;
using Xunit;

namespace Ledger.App.Tests.Messaging;

public sealed class MessageCatalogueTests
{
    [Fact]
    public void Every_durable_message_of_the_ledger_has_a_unique_versioned_name_from_the_catalogue()
    {
        var listed = typeof(MessageCatalogue).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral)
            .Select(f => (string)f.GetRawConstantValue()!)
            .ToList();
        var named = typeof(MessageCatalogue).Assembly.GetTypes()
            .Select(t => t.GetCustomAttribute<MessageIdentityAttribute>()?.Alias)
            .OfType<string>()
            .ToList();

        Assert.Equal(listed.Count, listed.Distinct(StringComparer.Ordinal).Count());
        Assert.All(listed, name => Assert.Matches(@"^[a-z]+\.[a-z_]+\.v[1-9][0-9]*$", name));
        Assert.Equal(listed.Order(StringComparer.Ordinal), named.Order(StringComparer.Ordinal));
    }
}
