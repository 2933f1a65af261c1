using Ledger.App.Hosting;
using Ledger.App.Identity;
using Ledger.Domain;
using Ledger.Domain.Identifiers;
using NodaTime;

namespace Ledger.App.Cli;

/// <summary>
/// <c>ledger account create --patient ID --login L [--password-stdin]</c>: opens the ledger's own sign-in account of a
/// registered patient. Without <c>--password-stdin</c> it generates a password and prints it, once; with it the
/// password is the first line of the standard input (never an argument, which other users of the machine could see).
/// The patient enrols an authenticator at the first sign-in.
/// </summary>
public static class AccountCommand
{
    public static async Task<int> RunAsync(CommandLine command, LedgerSettings settings, IClock clock, TextReader input, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var patientText = command.Get("patient") ?? throw new UsageException("account create needs --patient ID");
        if (!Guid.TryParse(patientText, out var patient))
        {
            throw new UsageException($"--patient must be the patient's internal id (a uuid), not '{patientText}'");
        }

        var login = command.Get("login") ?? throw new UsageException("account create needs --login L");
        string? password = null;
        if (command.Has("password-stdin"))
        {
            password = await input.ReadLineAsync() ?? throw new UsageException("--password-stdin: the standard input is empty");
            if (PasswordRules.Problem(password, login) is { } problem)
            {
                throw new UsageException($"the password must have {problem}");
            }
        }

        await using var database = await Database.OpenAsync(settings, error);
        await using var app = ServeCommand.BuildApp(new LedgerRuntime(database.ConnectionString, settings.Schema, LedgerKeys.Load(settings.Home, error), clock, RunBackgroundWork: false), urls: null);
        await app.Services.GetRequiredService<LedgerStartup>().EnsureReadyAsync();
        try
        {
            var given = await app.Services.GetRequiredService<IdentityService>().CreateAccountAsync(new PatientId(patient), login, password);
            await output.WriteLineAsync($"account of patient {patient} opened with login {login.Trim()}");
            if (password is null)
            {
                await output.WriteLineAsync($"initial password (shown once): {given}");
            }

            return 0;
        }
        catch (DomainRejection rejection)
        {
            await error.WriteLineAsync($"ledger: {rejection.Message} ({rejection.Code})");
            return 1;
        }
    }
}
