using Ledger.App.Hosting;
using Ledger.App.Security;
using NodaTime;

namespace Ledger.App.Cli;

/// <summary><c>ledger token</c>: a development bearer token for a role and a subject id.</summary>
public static class TokenCommand
{
    public static async Task<int> RunAsync(CommandLine command, LedgerSettings settings, IClock clock, TextWriter output, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(output);
        if (command.Get("organization") is { } ogrn)
        {
            var (token, refusal) = await Organizations.OrganizationToken.IssueAsync(
                settings, ogrn, new TokenService(LedgerKeys.Load(settings.Home, log), clock), Duration.FromHours(command.GetInt("hours") ?? 12), log);
            await (token is null ? log.WriteLineAsync("ledger: " + refusal) : output.WriteLineAsync(token));
            return token is null ? 1 : 0;
        }

        var role = command.Get("role") ?? throw new UsageException("token needs --role (" + string.Join(", ", Roles.All) + ")");
        if (!Roles.All.Contains(role, StringComparer.Ordinal))
        {
            throw new UsageException($"unknown role '{role}' (one of {string.Join(", ", Roles.All)})");
        }

        var subjectText = command.Get("subject");
        Guid subject;
        if (subjectText is null)
        {
            subject = Guid.NewGuid();
        }
        else if (!Guid.TryParse(subjectText, out subject))
        {
            throw new UsageException($"--subject must be an internal id (a uuid), not '{subjectText}'");
        }

        var hours = command.GetInt("hours") ?? 12;
        var tokens = new TokenService(LedgerKeys.Load(settings.Home, log), clock);
        await output.WriteLineAsync(tokens.Issue(role, subject, Duration.FromHours(hours)));
        return 0;
    }
}
