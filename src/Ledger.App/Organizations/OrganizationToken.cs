using Ledger.App.Hosting;
using Ledger.App.Security;
using NodaTime;
using Npgsql;

namespace Ledger.App.Organizations;

/// <summary>Issues a delivery token for an organisation found by its ОГРН (<c>ledger token --organization</c>).</summary>
public static class OrganizationToken
{
    /// <summary>The token, or null with the reason it is refused.</summary>
    public static async Task<(string? Token, string? Refusal)> IssueAsync(LedgerSettings settings, string ogrn, TokenService tokens, Duration lifetime, TextWriter log, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(tokens);
        if (!Domain.Identifiers.Ogrn.TryParse(ogrn, out var parsed, out var reason))
        {
            return (null, $"--organization: {reason}");
        }

        await using var database = await Database.OpenAsync(settings, log, cancellationToken);
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        await using var command = dataSource.CreateCommand(
            $"SELECT org_id, can_deliver, status FROM {settings.Schema}.{OrganizationDirectory.Table} WHERE ogrn = @o");
        command.Parameters.AddWithValue("o", parsed.Digits);
        Guid id;
        bool canDeliver;
        string status;
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                return (null, $"no organisation is registered with ОГРН {parsed.Digits}");
            }

            (id, canDeliver, status) = (reader.GetGuid(0), reader.GetBoolean(1), reader.GetString(2));
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return (null, $"no organisation is registered with ОГРН {parsed.Digits}");
        }

        if (!canDeliver)
        {
            return (null, $"the organisation with ОГРН {parsed.Digits} may not deliver (status {status}, delivery {(status == "confirmed" ? "not enabled" : "refused")})");
        }

        var token = tokens.Issue(Roles.Organization, id, lifetime, new Dictionary<string, string> { [LedgerClaims.Ogrn] = parsed.Digits });
        return (token, null);
    }
}
